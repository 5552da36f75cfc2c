#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "sensorhub/connection.hpp"
#include "wspp.hpp"

namespace sensorhub::ws_detail {

class listener;

// One WebSocket connection as seen by its sensorhub::session: the four
// connection operations (send_text, send_event, close, post) over
// websocketpp, on the network thread, plus what websocketpp still holds
// unsent. Holds the listener and the websocketpp connection weakly: once
// either is gone, every operation is a no-op.
class ws_session final : public connection {
 public:
  ws_session(std::weak_ptr<listener> owner, std::weak_ptr<ws_connection> con);

  void send_text(std::shared_ptr<const std::string> text) override;
  void send_event(const event& e) override;
  void close(int code, std::string_view reason) override;
  void post(std::function<void()> fn) override;
  std::size_t buffered_bytes() const override;

 private:
  std::weak_ptr<listener> owner_;
  std::weak_ptr<ws_connection> con_;
};

}  // namespace sensorhub::ws_detail
