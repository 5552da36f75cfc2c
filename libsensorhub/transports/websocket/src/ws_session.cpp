#include "ws_session.hpp"

#include <utility>

#include "listener.hpp"

namespace sensorhub::ws_detail {

ws_session::ws_session(std::weak_ptr<listener> owner, std::weak_ptr<ws_connection> con)
    : owner_(std::move(owner)), con_(std::move(con)) {}

std::size_t ws_session::buffered_bytes() const {
  auto c = con_.lock();
  return c ? c->get_buffered_amount() : 0;
}

void ws_session::send_text(std::shared_ptr<const std::string> text) {
  auto c = con_.lock();
  if (!c || !text) return;
  c->send(*text, websocketpp::frame::opcode::text);
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
  c->send(msg);
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
