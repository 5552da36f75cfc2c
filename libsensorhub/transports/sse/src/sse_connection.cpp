// SPDX-License-Identifier: MIT
#include "sse_connection.hpp"

#include <utility>

#include "sensorhub/transports/sse_record.hpp"

namespace sensorhub::sse_detail {

bool sse_link::attach(std::shared_ptr<session> s) {
  std::lock_guard<std::mutex> lk(m_);
  if (ended_) return false;
  s_ = std::move(s);
  return true;
}

std::shared_ptr<session> sse_link::get() const {
  std::lock_guard<std::mutex> lk(m_);
  return s_;
}

std::shared_ptr<session> sse_link::take() {
  std::lock_guard<std::mutex> lk(m_);
  ended_ = true;
  return std::move(s_);
}

sse_connection::sse_connection(std::shared_ptr<http_stream> stream,
                               std::shared_ptr<serial_executor> ex, std::shared_ptr<sse_link> link,
                               std::string principal)
    : stream_(std::move(stream)),
      ex_(std::move(ex)),
      link_(std::move(link)),
      principal_(std::move(principal)) {}

void sse_connection::send_text(std::shared_ptr<const std::string> text) {
  if (!text) return;
  write(sse_record(sse_message_type(*text), std::nullopt, *text));
}

void sse_connection::send_event(const event& e) { write(sse_event_record(e)); }

void sse_connection::write(std::string record) {
  if (ended_) return;
  last_write_ = clock::now();
  stream_->write(std::move(record));
}

void sse_connection::close(int code, std::string_view reason) {
  if (ended_) return;
  ended_ = true;
  if (code == 1008 && reason == "slow consumer") {
    stream_->cut(sse_slow_consumer_record());
  } else {
    stream_->end();
  }
  // The session is inside its close(): let it go later, on this thread
  // (or right here once the executor has stopped, when nothing runs it).
  if (auto s = link_->take()) ex_->post([s = std::move(s)] {});
}

void sse_connection::post(std::function<void()> fn) { ex_->post(std::move(fn)); }

void sse_connection::keepalive(clock::time_point now, clock::duration interval) {
  if (ended_ || now - last_write_ < interval) return;
  write(sse_comment("keepalive"));
}

void sse_connection::close_if(const std::string& principal) {
  if (ended_ || principal_.empty() || principal_ != principal) return;
  if (auto s = link_->get()) s->close(1008, "token revoked");
}

}  // namespace sensorhub::sse_detail
