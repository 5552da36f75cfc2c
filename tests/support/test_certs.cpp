// SPDX-License-Identifier: MIT
#include "test_certs.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "child_process.hpp"

namespace sensorhub::testing {

namespace {

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

void openssl(std::vector<std::string> args) {
  args.insert(args.begin(), openssl_binary());
  const command_result r = run_command(args, std::chrono::seconds(60));
  if (r.timed_out || r.status != 0) {
    std::string line;
    for (const auto& a : args) line += a + " ";
    throw std::runtime_error("openssl failed (" + describe_status(r.status) + "): " + line + "\n" +
                             r.output);
  }
}

}  // namespace

std::string openssl_binary() {
  const char* env = std::getenv("SENSORHUB_E2E_OPENSSL");
  return env != nullptr && *env != '\0' ? env : "/usr/bin/openssl";
}

test_certs::test_certs(const std::filesystem::path& d) : dir(d) {
  ca_cert = dir / "ca.pem";
  write_file(dir / "ca.cnf",
             "[req]\n"
             "distinguished_name = dn\n"
             "x509_extensions = v3_ca\n"
             "prompt = no\n"
             "[dn]\n"
             "CN = sensorhub test CA\n"
             "[v3_ca]\n"
             "basicConstraints = critical,CA:TRUE\n"
             "keyUsage = critical,keyCertSign,cRLSign\n"
             "subjectKeyIdentifier = hash\n");
  openssl({"req", "-x509", "-config", (dir / "ca.cnf").string(), "-newkey", "ec", "-pkeyopt",
           "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", (dir / "ca.key").string(), "-out",
           ca_cert.string(), "-days", "2"});
}

test_certs::server_cert test_certs::issue(const std::string& name,
                                          const std::string& subject_alt_names) const {
  server_cert out{dir / (name + ".pem"), dir / (name + ".key")};
  const std::filesystem::path req_cnf = dir / (name + ".req.cnf");
  const std::filesystem::path ext_cnf = dir / (name + ".ext.cnf");
  const std::filesystem::path csr = dir / (name + ".csr");
  write_file(req_cnf,
             "[req]\n"
             "distinguished_name = dn\n"
             "prompt = no\n"
             "[dn]\n"
             "CN = " +
                 name + "\n");
  write_file(ext_cnf,
             "[ext]\n"
             "basicConstraints = CA:FALSE\n"
             "keyUsage = critical,digitalSignature,keyEncipherment\n"
             "extendedKeyUsage = serverAuth\n"
             "subjectAltName = " +
                 subject_alt_names +
                 "\n"
                 "authorityKeyIdentifier = keyid\n");
  openssl({"req", "-new", "-config", req_cnf.string(), "-newkey", "ec", "-pkeyopt",
           "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", out.key.string(), "-out",
           csr.string()});
  openssl({"x509", "-req", "-in", csr.string(), "-CA", ca_cert.string(), "-CAkey",
           (dir / "ca.key").string(), "-CAcreateserial", "-out", out.cert.string(), "-days", "2",
           "-extfile", ext_cnf.string(), "-extensions", "ext"});
  return out;
}

}  // namespace sensorhub::testing
