// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace sensorhub::testing {

// A TLS-terminating proxy for the wss:// tests (standalone Asio + asio::ssl,
// its own thread): accepts TLS on 127.0.0.1:<ephemeral port> with the given
// certificate chain and key, and for each connection opens a plain TCP
// connection to 127.0.0.1:backend_port and pipes the bytes both ways. A
// connection whose backend is down is closed after the handshake (so a
// client behind it sees the daemon's restarts). stop() (and the destructor)
// closes everything. port() and stop() from the owner thread.
class tls_proxy {
 public:
  // Starts at once; throws std::runtime_error if the certificate or key
  // cannot be loaded or nothing can listen.
  tls_proxy(const std::filesystem::path& cert_chain, const std::filesystem::path& key,
            std::uint16_t backend_port);
  ~tls_proxy();
  tls_proxy(const tls_proxy&) = delete;
  tls_proxy& operator=(const tls_proxy&) = delete;

  std::uint16_t port() const noexcept;
  // Connections accepted so far (any thread).
  std::uint64_t accepted() const noexcept;
  // The SNI host name of the last completed handshake ("" if none was sent).
  std::string last_server_name() const;
  void stop();

 private:
  struct state;
  std::unique_ptr<state> s_;
};

}  // namespace sensorhub::testing
