// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "sensorhub/connection.hpp"
#include "sensorhub/session.hpp"
#include "sensorhub/transports/http.hpp"
#include "sensorhub/transports/serial_executor.hpp"

namespace sensorhub::sse_detail {

// Who owns a stream's session: the stream (until the client leaves, its
// on_close) and the connection (until the session closes it). Whichever
// comes first takes the session out, which breaks the ownership cycle
// session -> connection -> http_stream -> on_close -> link -> session.
// Thread-safe.
class sse_link {
 public:
  // False when the stream already ended (the caller stops the session).
  bool attach(std::shared_ptr<session> s);
  // The session while attached, else null.
  std::shared_ptr<session> get() const;
  // Detaches and returns the session (null when already detached).
  std::shared_ptr<session> take();

 private:
  mutable std::mutex m_;
  std::shared_ptr<session> s_;
  bool ended_ = false;
};

// One SSE stream as its session sees it: every message becomes one SSE
// record written to the http_stream (sse_record.hpp); close() ends the
// stream (a slow consumer's with `event: slow_consumer`, its unsent output
// dropped). Its thread is the transport's serial_executor.
// Thread-safety: send_*, close and keepalive on the executor's thread;
// post and buffered_bytes from any thread.
class sse_connection final : public connection {
 public:
  using clock = std::chrono::steady_clock;

  sse_connection(std::shared_ptr<http_stream> stream, std::shared_ptr<serial_executor> ex,
                 std::shared_ptr<sse_link> link, std::string principal);

  void send_text(std::shared_ptr<const std::string> text) override;
  void send_event(const event& e) override;
  void close(int code, std::string_view reason) override;
  void post(std::function<void()> fn) override;
  std::size_t buffered_bytes() const override { return stream_->buffered_bytes(); }

  // Writes `: keepalive` when nothing was written for `interval`.
  void keepalive(clock::time_point now, clock::duration interval);
  bool ended() const noexcept { return ended_; }
  // Closes the session (1008 "token revoked") when opened with principal.
  void close_if(const std::string& principal);

 private:
  void write(std::string record);

  std::shared_ptr<http_stream> stream_;
  std::shared_ptr<serial_executor> ex_;
  std::shared_ptr<sse_link> link_;
  const std::string principal_;
  clock::time_point last_write_ = clock::now();
  bool ended_ = false;
};

}  // namespace sensorhub::sse_detail
