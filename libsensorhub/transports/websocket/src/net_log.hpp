// SPDX-License-Identifier: MIT
#pragma once

#include <string_view>

#include "sensorhub/transports/websocket.hpp"

namespace sensorhub::ws_detail {

using log_level = websocket_options::log_level;

// Hands one line to the options' logger, if any. A logger that throws is
// ignored: logging never breaks the network thread. Thread-safe as the
// logger is.
inline void log_line(const websocket_options& opts, log_level level,
                     std::string_view msg) noexcept {
  if (!opts.logger) return;
  try {
    opts.logger(level, msg);
  } catch (...) {  // a logger never breaks the network thread
  }
}

}  // namespace sensorhub::ws_detail
