// SPDX-License-Identifier: MIT
#pragma once

#include "soak_state.hpp"

namespace sensorhub::soak {

// Runs one subscriber until state.subscribers_stop, recording every seq it
// receives per connection (segment) in `record`. Roles (record.role):
//   auditor  all channels for the whole run, resuming with since=last seq
//            after every cut or daemon kill; when draining, reads until
//            state.drain_target;
//   churner  random channels, joins, reads a few seconds, leaves; rejoins
//            fresh or with since=last seq;
//   slow     random channels, alternates reading with pauses long enough to
//            pass its backlog limit; after the 1008 close resumes with since.
void run_subscriber(unsigned seed, shared_state& state, subscriber_record& record);

}  // namespace sensorhub::soak
