// SPDX-License-Identifier: MIT
#include "tls_client.hpp"

#include <fcntl.h>
#include <poll.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <cstdio>
#include <stdexcept>

namespace sensorhub::testing {
namespace {

std::string openssl_reason() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

std::string fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (cert == nullptr || X509_digest(cert, EVP_sha256(), md, &len) != 1) return {};
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    if (i != 0) out += ':';
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

bool numeric_host(const std::string& h) {
  return h.find(':') != std::string::npos ||
         h.find_first_not_of("0123456789.") == std::string::npos;
}

int ms_left(clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

tls_client::tls_client(const std::string& host, std::uint16_t port,
                       const std::filesystem::path& ca_file, std::chrono::milliseconds timeout)
    : sock_(tcp_socket::connect(host, port, timeout)), host_(host) {
  const auto deadline = clock::now() + timeout;
  ::fcntl(sock_.fd(), F_SETFL, ::fcntl(sock_.fd(), F_GETFL) | O_NONBLOCK);
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (ctx_ == nullptr) throw std::runtime_error("SSL_CTX_new: " + openssl_reason());
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_locations(ctx_, ca_file.c_str(), nullptr) != 1) {
    throw std::runtime_error("cannot load CA " + ca_file.string() + ": " + openssl_reason());
  }
  ssl_ = SSL_new(ctx_);
  if (numeric_host(host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), host.c_str());
  } else {
    // SSL_set_tlsext_host_name without its macro's old-style cast.
    SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(host.c_str()));
    SSL_set1_host(ssl_, host.c_str());
  }
  SSL_set_fd(ssl_, sock_.fd());
  for (;;) {
    ERR_clear_error();
    const int r = SSL_connect(ssl_);
    if (r == 1) break;
    const int e = SSL_get_error(ssl_, r);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
      const long v = SSL_get_verify_result(ssl_);
      throw std::runtime_error(
          "TLS handshake failed: " + openssl_reason() +
          (v != X509_V_OK ? std::string(" (verify: ") + X509_verify_cert_error_string(v) + ")"
                          : std::string()));
    }
    wait(e, deadline);
  }
}

tls_client::~tls_client() {
  SSL_free(ssl_);
  SSL_CTX_free(ctx_);
}

void tls_client::wait(int ssl_error, clock::time_point deadline) {
  pollfd p{sock_.fd(), static_cast<short>(ssl_error == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN), 0};
  const int left = ms_left(deadline);
  if (left == 0 || ::poll(&p, 1, left) == 0) throw std::runtime_error("TLS client: timed out");
}

std::string tls_client::peer_sha256() const {
  X509* cert = SSL_get1_peer_certificate(ssl_);
  std::string out = fingerprint(cert);
  X509_free(cert);
  return out;
}

std::string tls_client::peer_subject() const {
  X509* cert = SSL_get1_peer_certificate(ssl_);
  std::string out;
  if (cert != nullptr) {
    BIO* b = BIO_new(BIO_s_mem());
    X509_NAME_print_ex(b, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    const long n = BIO_get_mem_data(b, &data);
    if (n > 0) out.assign(data, static_cast<std::size_t>(n));
    BIO_free(b);
  }
  X509_free(cert);
  return out;
}

std::string tls_client::protocol() const { return SSL_get_version(ssl_); }

void tls_client::send(std::string_view bytes, std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  while (!bytes.empty()) {
    std::size_t n = 0;
    ERR_clear_error();
    const int r = SSL_write_ex(ssl_, bytes.data(), bytes.size(), &n);
    if (r == 1) {
      bytes.remove_prefix(n);
      continue;
    }
    const int e = SSL_get_error(ssl_, r);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
      throw std::runtime_error("TLS write failed: " + openssl_reason());
    }
    wait(e, deadline);
  }
}

bool tls_client::read_more(clock::time_point deadline) {
  char buf[16384];
  for (;;) {
    std::size_t n = 0;
    ERR_clear_error();
    const int r = SSL_read_ex(ssl_, buf, sizeof buf, &n);
    if (r == 1) {
      buffer_.append(buf, n);
      return true;
    }
    const int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      wait(e, deadline);
      continue;
    }
    return false;  // close_notify, EOF, reset or a TLS error
  }
}

std::string tls_client::read_until(std::string_view text, std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  for (;;) {
    const auto at = buffer_.find(text);
    if (at != std::string::npos) {
      std::string out = buffer_.substr(0, at + text.size());
      buffer_.erase(0, at + text.size());
      return out;
    }
    if (!read_more(deadline)) {
      throw std::runtime_error("TLS connection closed before '" + std::string(text) + "' (got '" +
                               buffer_ + "')");
    }
  }
}

bool tls_client::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  try {
    while (read_more(deadline)) {
    }
    return true;
  } catch (const std::runtime_error&) {
    return false;  // timed out
  }
}

http_response tls_client::request(const std::string& method, const std::string& target,
                                  const std::optional<std::string>& body,
                                  const std::string& extra_headers,
                                  std::chrono::milliseconds timeout) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: " + host_ + "\r\n" + extra_headers;
  if (body)
    req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body->size()) +
           "\r\n";
  req += "\r\n";
  if (body) req += *body;
  send(req, timeout);
  return read_response(method, timeout);
}

http_response tls_client::read_response(const std::string& method,
                                        std::chrono::milliseconds timeout) {
  const std::string head = read_until("\r\n\r\n", timeout);
  http_response r;
  std::size_t line_end = head.find("\r\n");
  const std::string status_line = head.substr(0, line_end);
  if (status_line.size() < 12) throw std::runtime_error("bad status line: " + status_line);
  r.status = std::stoi(status_line.substr(9, 3));
  r.reason = status_line.size() > 13 ? status_line.substr(13) : std::string();
  for (std::size_t at = line_end + 2; at < head.size();) {
    const std::size_t end = head.find("\r\n", at);
    const std::string line = head.substr(at, end - at);
    at = end + 2;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    r.headers[name] = value;
  }
  const auto deadline = clock::now() + timeout;
  if (method == "HEAD" || r.status == 204 || r.status == 304) return r;
  if (r.header("transfer-encoding") == "chunked") {
    for (;;) {
      const std::string size_line = read_until("\r\n", timeout);
      const std::size_t size = std::stoul(size_line, nullptr, 16);
      while (buffer_.size() < size + 2) {
        if (!read_more(deadline)) throw std::runtime_error("closed inside a chunk");
      }
      r.body += buffer_.substr(0, size);
      buffer_.erase(0, size + 2);
      if (size == 0) return r;
    }
  }
  const std::size_t length = std::stoul(
      r.header("content-length").empty() ? std::string("0") : r.header("content-length"));
  while (buffer_.size() < length) {
    if (!read_more(deadline)) throw std::runtime_error("closed inside a body");
  }
  r.body = buffer_.substr(0, length);
  buffer_.erase(0, length);
  return r;
}

std::string cert_file_sha256(const std::filesystem::path& pem) {
  std::FILE* f = std::fopen(pem.c_str(), "rb");
  if (f == nullptr) throw std::runtime_error("cannot open " + pem.string());
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (cert == nullptr) throw std::runtime_error("no certificate in " + pem.string());
  std::string out = fingerprint(cert);
  X509_free(cert);
  return out;
}

}  // namespace sensorhub::testing
