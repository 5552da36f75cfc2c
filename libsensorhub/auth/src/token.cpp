// SPDX-License-Identifier: MIT
#include "sensorhub/auth/token.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "sensorhub/auth/token_where.hpp"
#include "sensorhub/error.hpp"
#include "hex.hpp"

namespace sensorhub {

namespace {

constexpr std::size_t token_bytes = 32;
constexpr const char* token_prefix = "shk_";

struct scope_name {
  scope_set bit;
  std::string_view name;
};
constexpr scope_name scope_names[] = {
    {scope_read, "read"}, {scope_write, "write"}, {scope_admin, "admin"}};

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

void os_random(std::uint8_t* out, std::size_t size) {
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::getrandom(out + got, size - got, 0);
    if (n > 0) {
      got += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  if (got == size) return;
  const int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw error(errc::internal, "no OS random source");
  got = 0;
  while (got < size) {
    const ssize_t n = ::read(fd, out + got, size - got);
    if (n > 0) {
      got += static_cast<std::size_t>(n);
    } else if (!(n < 0 && errno == EINTR)) {
      break;
    }
  }
  ::close(fd);
  if (got != size) throw error(errc::internal, "reading /dev/urandom failed");
}

}  // namespace

std::optional<scope_set> parse_scopes(std::string_view csv) {
  scope_set out = 0;
  while (true) {
    const auto comma = csv.find(',');
    const std::string_view part = trim(csv.substr(0, comma));
    bool known = false;
    for (const auto& s : scope_names) {
      if (part == s.name) {
        out |= s.bit;
        known = true;
      }
    }
    if (!known) return std::nullopt;
    if (comma == std::string_view::npos) break;
    csv.remove_prefix(comma + 1);
  }
  return out == 0 ? std::nullopt : std::optional<scope_set>(out);
}

std::string format_scopes(scope_set scopes) {
  std::string out;
  for (const auto& s : scope_names) {
    if ((scopes & s.bit) == 0) continue;
    if (!out.empty()) out.push_back(',');
    out += s.name;
  }
  return out;
}

std::string generate_token() {
  std::array<std::uint8_t, token_bytes> raw{};
  os_random(raw.data(), raw.size());
  return token_prefix + detail::to_hex(raw.data(), raw.size());
}

// SHA-256 from OpenSSL's libcrypto. The stored format is the raw 32-byte
// digest of the token text, as it always was: existing databases keep working.
token_hash hash_token(std::string_view token) noexcept {
  token_hash out{};
  unsigned int size = 0;
  if (EVP_Digest(token.data(), token.size(), out.data(), &size, EVP_sha256(), nullptr) != 1 ||
      size != out.size()) {
    // Only when libcrypto itself is broken (no SHA-256): failing closed
    // beats comparing against a made-up hash.
    std::abort();
  }
  return out;
}

bool hashes_equal(const token_hash& a, const token_hash& b) noexcept {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool valid_token_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void check_token_params(const token_params& params) {
  if (!valid_token_name(params.name)) {
    throw error(errc::invalid_parameter,
                "token name: 1 to 64 characters of A-Z a-z 0-9 . _ - are allowed");
  }
  if ((params.scopes & all_scopes) == 0 || (params.scopes & ~all_scopes) != 0) {
    throw error(errc::invalid_parameter, "scopes: one or more of read, write, admin");
  }
  check_where(params.where);
}

}  // namespace sensorhub
