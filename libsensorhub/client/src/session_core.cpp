// SPDX-License-Identifier: MIT
// session_core: seq bookkeeping, resume_failed policy, callbacks and state
// of a subscription (session_core.hpp).

#include "session_core.hpp"

#include <functional>
#include <stdexcept>
#include <utility>

#include "message.hpp"

namespace sensorhub::client::detail {

session_core::session_core(client_options o) : opts_(std::move(o)), queue_(opts_.queue_capacity) {
  if (opts_.channels.empty()) throw std::invalid_argument("at least one channel is needed");
  if (opts_.backoff.initial <= std::chrono::milliseconds(0) ||
      opts_.backoff.initial > opts_.backoff.max)
    throw std::invalid_argument("backoff: need 0 < initial <= max");
  if (opts_.ping_interval <= std::chrono::milliseconds(0) ||
      opts_.pong_timeout <= std::chrono::milliseconds(0))
    throw std::invalid_argument("ping_interval and pong_timeout must be positive");
  if (opts_.since) seq_.advance_to(*opts_.since);
  resync_pending_ = opts_.snapshot;
}

std::optional<event> session_core::next_event(std::chrono::milliseconds timeout) {
  if (opts_.queue_capacity == 0)
    throw std::logic_error("next_event() needs client_options::queue_capacity > 0");
  return queue_.pop(timeout);
}

connection_state session_core::state() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

std::optional<std::int64_t> session_core::last_seq() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_seq_;
}

std::optional<client_error> session_core::stop_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stop_error_;
}

subscribe_query session_core::begin_attempt() {
  subscribe_query q;
  q.channels = opts_.channels;
  q.filters = opts_.filters;
  q.conflate = opts_.conflate;
  resuming_ = false;
  discarding_ = false;
  if (resync_pending_) {
    q.snapshot = true;
  } else if (seq_.last()) {
    q.since = seq_.last();
    resuming_ = connected_once_ || opts_.since.has_value();
  } else if (baseline_) {
    q.since = baseline_;
    resuming_ = true;
  }
  set_state(resuming_ ? connection_state::resuming : connection_state::connecting);
  return q;
}

void session_core::attempt_opened() {
  connected_once_ = true;
  set_state(resuming_ ? connection_state::resumed : connection_state::open);
}

session_core::verdict session_core::on_text(std::string payload) {
  message m = parse_message(std::move(payload));
  switch (m.kind) {
    case message::type::stats:
      // Where this subscription started: the resume point if the connection
      // drops before the first event.
      if (!seq_.has_position() && !baseline_ && m.stats_last_seq) baseline_ = m.stats_last_seq;
      return verdict::keep;
    case message::type::error:
      report({error_kind::server_error, m.text, 0, 0});
      return verdict::keep;
    case message::type::malformed:
      report({error_kind::bad_message, m.text, 0, 0});
      return verdict::keep;
    case message::type::greeting:
    case message::type::pong:
    case message::type::other:
      return verdict::keep;
    case message::type::event:
      break;
  }
  if (discarding_) return verdict::keep;
  event& ev = m.ev;
  switch (ev.kind) {
    case event_kind::entity:
    case event_kind::system:
      if (ev.seq && !seq_.accept(*ev.seq)) return verdict::keep;  // already delivered
      break;
    case event_kind::snapshot:
      resync_pending_ = false;
      if (ev.seq) seq_.advance_to(*ev.seq);
      break;
    case event_kind::test:
      break;
    case event_kind::resume_failed:
      return on_resume_failed(ev);
  }
  publish_seq();
  deliver(ev);
  return verdict::keep;
}

session_core::verdict session_core::on_resume_failed(const event& ev) {
  report({error_kind::resume_failed,
          "resume point " + (seq_.last() ? std::to_string(*seq_.last()) : std::string("?")) +
              " is gone (" + ev.event_type + ", oldest_seq " +
              (ev.oldest_seq ? std::to_string(*ev.oldest_seq) : std::string("?")) + ")",
          0, 0});
  deliver(ev);
  switch (opts_.on_resume_failed) {
    case resume_failed_policy::accept_gap:
      return verdict::keep;
    case resume_failed_policy::stop:
      return verdict::stop;
    case resume_failed_policy::resync_snapshot:
      resync_pending_ = true;
      discarding_ = true;
      return verdict::resync;
  }
  return verdict::keep;
}

void session_core::deliver(const event& ev) {
  const std::function<void(const event&)>* fn = nullptr;
  switch (ev.kind) {
    case event_kind::entity:
      fn = &cb.on_entity;
      break;
    case event_kind::system:
      fn = &cb.on_system;
      break;
    case event_kind::test:
      fn = &cb.on_test;
      break;
    case event_kind::snapshot:
      fn = &cb.on_snapshot;
      break;
    case event_kind::resume_failed:
      fn = &cb.on_resume_failed;
      break;
  }
  if (fn && *fn) {
    try {
      (*fn)(ev);
    } catch (const std::exception& e) {
      report({error_kind::callback, e.what(), 0, 0});
    } catch (...) {
      report({error_kind::callback, "unknown exception", 0, 0});
    }
  }
  if (opts_.queue_capacity > 0) queue_.push(ev);
}

void session_core::publish_seq() {
  std::lock_guard<std::mutex> lock(mu_);
  last_seq_ = seq_.last();
}

void session_core::set_state(connection_state s) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ == connection_state::stopped) return;  // final
    if (state_ == s && state_reported_) return;
    state_ = s;
    state_reported_ = true;
  }
  if (cb.on_state) {
    try {
      cb.on_state(s);
    } catch (const std::exception& e) {
      report({error_kind::callback, e.what(), 0, 0});
    } catch (...) {
      report({error_kind::callback, "unknown exception", 0, 0});
    }
  }
}

void session_core::report(const client_error& e) const {
  if (!cb.on_error) return;
  try {
    cb.on_error(e);
  } catch (...) {
    // an error handler that throws has nowhere left to report to
  }
}

bool session_core::mark_shut_down(std::optional<client_error> why) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shut_down_) return false;
  shut_down_ = true;
  if (why) stop_error_ = std::move(why);
  return true;
}

void session_core::finish_shut_down() {
  // The state first: a consumer woken by the queue's close finds the client
  // stopped (and stop_error() set).
  set_state(connection_state::stopped);
  queue_.close();
}

}  // namespace sensorhub::client::detail
