// SPDX-License-Identifier: MIT
// Frames through websocketpp's hybi13 processor: it writes the header (and
// would mask and compress, neither of which a server frame needs); the
// header and payload are then joined into one buffer, so a frame is one
// iovec in a gather write.
#include "net/frames.hpp"

#include <cstdint>
#include <string>
#include <utility>

#include "wspp.hpp"

namespace sensorhub::ws_detail {

namespace {

// websocketpp's _htonll (used for every frame header) detects the byte
// order on first use into a function-local static, unsynchronized: the
// first frames made on two shard threads at once race on it (ThreadSanitizer
// saw it when several WebSockets opened together). Detect it once here,
// during static initialization, before any thread exists.
[[maybe_unused]] const std::uint64_t byte_order_detected = websocketpp::lib::net::_htonll(1);

}  // namespace

struct frame_maker::impl {
  std::shared_ptr<ws_msg_manager> manager = std::make_shared<ws_msg_manager>();
  ws_protocol_config::rng_type rng;
  ws_processor proc{false, true, manager, rng};

  static out_queue::bytes join(const ws_message_ptr& m) {
    if (!m) return {};
    const std::string& h = m->get_header();
    const std::string& p = m->get_payload();
    auto out = std::make_shared<std::string>();
    out->reserve(h.size() + p.size());
    out->append(h).append(p);
    return out;
  }
};

frame_maker::frame_maker() : impl_(std::make_unique<impl>()) {}
frame_maker::~frame_maker() = default;

out_queue::bytes frame_maker::text(std::string_view payload) {
  ws_message_ptr in = impl_->manager->get_message(websocketpp::frame::opcode::text, payload.size());
  ws_message_ptr out = impl_->manager->get_message();
  if (!in || !out) return {};
  in->append_payload(payload.data(), payload.size());
  if (impl_->proc.prepare_data_frame(in, out)) return {};
  return impl::join(out);
}

out_queue::bytes frame_maker::close(int code, std::string_view reason) {
  ws_message_ptr out = impl_->manager->get_message();
  if (!out) return {};
  const auto status = code == 0 ? websocketpp::close::status::no_status
                                : static_cast<websocketpp::close::status::value>(code);
  if (impl_->proc.prepare_close(status, std::string(reason.substr(0, 123)), out)) return {};
  return impl::join(out);
}

out_queue::bytes frame_maker::ping() {
  ws_message_ptr out = impl_->manager->get_message();
  if (!out || impl_->proc.prepare_ping("", out)) return {};
  return impl::join(out);
}

out_queue::bytes frame_maker::pong(std::string_view payload) {
  ws_message_ptr out = impl_->manager->get_message();
  if (!out || impl_->proc.prepare_pong(std::string(payload.substr(0, 125)), out)) return {};
  return impl::join(out);
}

}  // namespace sensorhub::ws_detail
