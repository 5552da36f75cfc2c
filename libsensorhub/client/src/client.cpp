// SPDX-License-Identifier: MIT
// sensorhub::client: forwards to the session for its URL (session.hpp,
// basic_session.hpp: plain ws:// or TLS wss://).

#include "sensorhub/client/client.hpp"

#include <utility>

#include "session.hpp"
#include "url.hpp"

namespace sensorhub::client {

namespace detail {

std::unique_ptr<session> make_session(client_options options) {
  const bool tls = parse_url(options.url).tls;  // throws std::invalid_argument
  return tls ? make_tls_session(std::move(options)) : make_plain_session(std::move(options));
}

}  // namespace detail

class client::impl {
 public:
  explicit impl(client_options o) : s(detail::make_session(std::move(o))) {}
  std::unique_ptr<detail::session> s;
};

client::client(client_options options) : impl_(std::make_unique<impl>(std::move(options))) {}
client::~client() { impl_->s->stop(); }

void client::on_entity_event(std::function<void(const event&)> cb) {
  impl_->s->cb.on_entity = std::move(cb);
}
void client::on_system_event(std::function<void(const event&)> cb) {
  impl_->s->cb.on_system = std::move(cb);
}
void client::on_test_event(std::function<void(const event&)> cb) {
  impl_->s->cb.on_test = std::move(cb);
}
void client::on_snapshot(std::function<void(const event&)> cb) {
  impl_->s->cb.on_snapshot = std::move(cb);
}
void client::on_resume_failed(std::function<void(const event&)> cb) {
  impl_->s->cb.on_resume_failed = std::move(cb);
}
void client::on_state(std::function<void(connection_state)> cb) {
  impl_->s->cb.on_state = std::move(cb);
}
void client::on_error(std::function<void(const client_error&)> cb) {
  impl_->s->cb.on_error = std::move(cb);
}

void client::start() { impl_->s->start(); }
void client::stop() { impl_->s->stop(); }
void client::request_stop() { impl_->s->request_stop(); }
std::optional<event> client::next_event(std::chrono::milliseconds timeout) {
  return impl_->s->next_event(timeout);
}
connection_state client::state() const { return impl_->s->state(); }
std::optional<std::int64_t> client::last_seq() const { return impl_->s->last_seq(); }
std::optional<client_error> client::stop_error() const { return impl_->s->stop_error(); }

}  // namespace sensorhub::client
