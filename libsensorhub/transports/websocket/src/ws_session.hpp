#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "sensorhub/session.hpp"
#include "wspp.hpp"

namespace sensorhub::ws_detail {

class listener;

// One WebSocket connection's session: the protocol lives in
// sensorhub::session; this class only implements its four connection
// operations (send_text, send_event, close, post) over websocketpp, on the
// network thread. It is the transport's only session subclass: when the
// session takes its connection by composition, this becomes that
// connection. Holds the listener and the websocketpp connection weakly:
// once either is gone, every operation is a no-op.
class ws_session final : public session {
 public:
  ws_session(const transport_context& ctx, std::size_t backlog_limit, std::weak_ptr<listener> owner,
             std::weak_ptr<ws_connection> con);

  // Reports what websocketpp still holds unsent (network thread).
  void refresh_backlog();

 protected:
  void send_text(std::shared_ptr<const std::string> text) override;
  void send_event(const event& e) override;
  void close(int code, std::string_view reason) override;
  void post(std::function<void()> fn) override;

 private:
  std::weak_ptr<listener> owner_;
  std::weak_ptr<ws_connection> con_;
};

}  // namespace sensorhub::ws_detail
