// SPDX-License-Identifier: MIT
#pragma once

#include "sensorhub/event.hpp"

namespace sensorhub::detail {

// For a sensor `updated` event whose tipo or ubicacion differs from
// `before`: builds e.moved (the keys before and the scope_left /
// scope_entered views, each serialized once here). Any other event is left
// as it is. Used when an event is made at commit and when it is read back
// from the event log, so both give the same views.
void attach_scope_move(event& e, const scope_keys& before);

}  // namespace sensorhub::detail
