// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string_view>

#include "net/out_queue.hpp"

namespace sensorhub::ws_detail {

// Server-to-client WebSocket frames (unmasked, RFC 6455), each made once as
// one shared byte buffer that any number of out_queues can hold: text
// messages, and the control frames ping, pong and close. Made by
// websocketpp's hybi13 processor. Not thread-safe: each network thread has
// its own maker (the server's, for shared event frames, is locked).
class frame_maker {
 public:
  frame_maker();
  ~frame_maker();
  frame_maker(const frame_maker&) = delete;
  frame_maker& operator=(const frame_maker&) = delete;

  out_queue::bytes text(std::string_view payload);
  // code 0: a close frame without a status code.
  out_queue::bytes close(int code, std::string_view reason);
  out_queue::bytes ping();
  out_queue::bytes pong(std::string_view payload);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sensorhub::ws_detail
