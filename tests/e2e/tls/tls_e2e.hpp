// SPDX-License-Identifier: MIT
#pragma once

// Helpers of the TLS end-to-end tests: the real daemon serving https:// and
// wss:// itself (--tls-cert/--tls-key) with certificates of a throwaway CA
// made by the openssl CLI, and client TLS connections that verify it.

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../e2e_test_util.hpp"
#include "support/test_certs.hpp"
#include "support/tls_client.hpp"

namespace sensorhub::e2e {

namespace fs = std::filesystem;

// Copies a certificate pair over the files the daemon serves, each by an
// atomic rename (a reload never sees half a file).
inline void install_pair(const test_certs::server_cert& from, const fs::path& cert,
                         const fs::path& key) {
  fs::copy_file(from.cert, cert.string() + ".new", fs::copy_options::overwrite_existing);
  fs::copy_file(from.key, key.string() + ".new", fs::copy_options::overwrite_existing);
  fs::rename(cert.string() + ".new", cert);
  fs::rename(key.string() + ".new", key);
}

inline void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

// Certificates "a" and "b" (CN a, CN b; both for 127.0.0.1 and localhost)
// and the daemon serving a copy of "a" from served.pem/served.key.
struct tls_setup {
  temp_dir dir{"sensorhub-tls"};
  test_certs certs{dir.path()};
  test_certs::server_cert a = certs.issue("a", "IP:127.0.0.1,DNS:localhost");
  test_certs::server_cert b = certs.issue("b", "IP:127.0.0.1,DNS:localhost");
  fs::path cert = dir.path() / "served.pem";
  fs::path key = dir.path() / "served.key";

  tls_setup() { install_pair(a, cert, key); }

  std::vector<std::string> flags(std::vector<std::string> extra = {}) const {
    std::vector<std::string> f = default_daemon_flags();
    f.insert(f.end(), {"--tls-cert", cert.string(), "--tls-key", key.string()});
    f.insert(f.end(), extra.begin(), extra.end());
    return f;
  }
};

inline tls_client https(const daemon_process& d, const test_certs& certs,
                        const std::string& host = "127.0.0.1") {
  return tls_client(host, d.port(), certs.ca_cert);
}

// A sensor made by POST over https; REQUIREs 201 and returns its id.
inline std::int64_t create_sensor_tls(tls_client& c, const std::string& tipo,
                                      const std::string& modelo) {
  const http_response r =
      c.request("POST", "/api/v1/sensores/",
                "{\"tipo\":" + json_quote(tipo) + ",\"modelo\":" + json_quote(modelo) + "}");
  INFO("POST /api/v1/sensores/ -> " << r.status << " " << r.body);
  REQUIRE(r.status == 201);
  const auto id = r.json()["id"].i64();
  REQUIRE(id.has_value());
  return *id;
}

// /healthz over https answers 200 and stderr holds no sanitizer report.
inline bool healthy_tls(const daemon_process& d, const test_certs& certs) {
  if (!d.sanitizer_report().empty()) return false;
  tls_client c = https(d, certs);
  return c.request("GET", "/healthz").status == 200;
}

// How often `text` occurs in the daemon's stderr so far.
inline std::size_t log_count(const daemon_process& d, const std::string& text) {
  const std::string all = d.stderr_text();
  std::size_t n = 0;
  for (auto at = all.find(text); at != std::string::npos; at = all.find(text, at + 1)) ++n;
  return n;
}

}  // namespace sensorhub::e2e
