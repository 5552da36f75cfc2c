// SPDX-License-Identifier: MIT
#pragma once

// The WebSocket protocol of SPEC §3, shared by every transport: one header
// per concept, included here so that `#include "sensorhub/protocol.hpp"`
// keeps giving all of it.
#include "sensorhub/protocol/client_message.hpp"
#include "sensorhub/protocol/query_params.hpp"
#include "sensorhub/protocol/server_messages.hpp"
