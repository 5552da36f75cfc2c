#include "ws_session.hpp"

#include <utility>

#include "listener.hpp"

namespace sensorhub::ws_detail {

ws_session::ws_session(const transport_context& ctx, std::size_t backlog_limit,
                       std::weak_ptr<listener> owner, std::weak_ptr<ws_connection> con)
    : session(ctx, backlog_limit), owner_(std::move(owner)), con_(std::move(con)) {}

void ws_session::refresh_backlog() {
  if (auto c = con_.lock()) set_transport_backlog(c->get_buffered_amount());
}

void ws_session::send_text(std::shared_ptr<const std::string> text) {
  auto c = con_.lock();
  if (!c || !text) return;
  const auto ec = c->send(*text, websocketpp::frame::opcode::text);
  if (!ec) set_transport_backlog(c->get_buffered_amount());
}

void ws_session::send_event(const event& e) {
  auto owner = owner_.lock();
  auto c = con_.lock();
  if (!owner || !c) return;
  ws_message_ptr msg = owner->frame(e);
  if (!msg) {
    send_text(e.json);
    return;
  }
  const auto ec = c->send(msg);
  if (!ec) set_transport_backlog(c->get_buffered_amount());
}

void ws_session::close(int code, std::string_view reason) {
  auto c = con_.lock();
  if (!c || c->get_state() != websocketpp::session::state::open) return;
  websocketpp::lib::error_code ec;
  c->close(static_cast<websocketpp::close::status::value>(code), std::string(reason), ec);
}

void ws_session::post(std::function<void()> fn) {
  if (auto owner = owner_.lock()) owner->post(std::move(fn));
}

}  // namespace sensorhub::ws_detail
