// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <string>

namespace sensorhub::testing {

// A throwaway CA and server certificates signed by it, made with the
// `openssl` CLI (run_command) in a directory of the caller (a temp_dir).
// EC P-256 keys, valid for 2 days. Throws std::runtime_error if openssl fails.
struct test_certs {
  std::filesystem::path ca_cert;  // PEM: the CA to trust (tls_ca_file)
  std::filesystem::path dir;

  // Makes the CA in `dir`.
  explicit test_certs(const std::filesystem::path& dir);

  struct server_cert {
    std::filesystem::path cert;  // PEM: the server certificate
    std::filesystem::path key;   // PEM: its private key
  };
  // A server certificate named `name` (files name.pem, name.key) with the
  // given subjectAltName, e.g. "IP:127.0.0.1,DNS:localhost".
  server_cert issue(const std::string& name, const std::string& subject_alt_names) const;
};

// The openssl binary ($SENSORHUB_E2E_OPENSSL, else /usr/bin/openssl).
std::string openssl_binary();

}  // namespace sensorhub::testing
