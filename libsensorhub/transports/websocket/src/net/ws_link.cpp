// SPDX-License-Identifier: MIT
#include "net/ws_link.hpp"

#include <utility>

#include "net/conn.hpp"
#include "net/shard.hpp"

namespace sensorhub::ws_detail {

void ws_link::send_text(std::shared_ptr<const std::string> text) {
  if (auto c = conn_.lock(); c && text) c->ws_send_text(text);
}

void ws_link::send_event(const event& e) {
  if (auto c = conn_.lock()) c->ws_send_event(e);
}

void ws_link::close(int code, std::string_view reason) {
  if (auto c = conn_.lock()) c->ws_close(code, reason);
}

void ws_link::post(std::function<void()> fn) {
  if (auto s = shard_.lock()) s->post(std::move(fn));
}

std::size_t ws_link::buffered_bytes() const {
  auto c = conn_.lock();
  return c ? c->unsent_bytes() : 0;
}

}  // namespace sensorhub::ws_detail
