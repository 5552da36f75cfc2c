// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "sensorhub/data_scope.hpp"
#include "sensorhub/time.hpp"

namespace sensorhub {

// API token scopes (SPEC §7), combined as a bit set.
enum token_scope : unsigned { scope_read = 1u, scope_write = 2u, scope_admin = 4u };
using scope_set = unsigned;
// Every scope this build knows.
constexpr scope_set all_scopes = scope_read | scope_write | scope_admin;

// "read,write" -> scope_read | scope_write. nullopt for an empty list or an
// unknown name. Spaces around names are ignored; repeats are allowed.
std::optional<scope_set> parse_scopes(std::string_view csv);
// scope_read | scope_admin -> "read,admin" (always in the order read, write, admin).
std::string format_scopes(scope_set scopes);

using token_hash = std::array<std::uint8_t, 32>;

// A new token: "shk_" followed by 64 hex digits (256 bits from the OS
// random source: getrandom, else /dev/urandom). Throws error(errc::internal)
// when the OS gives no randomness.
std::string generate_token();
// SHA-256 of the token text: the only form any token_store keeps.
token_hash hash_token(std::string_view token) noexcept;
// Compares two hashes in constant time.
bool hashes_equal(const token_hash& a, const token_hash& b) noexcept;

// What token_store::create() is asked to store. Later fields (an expiry) are
// added here with defaults that keep today's meaning, so callers that set
// only these fields stay correct.
struct token_params {
  token_params() = default;
  // {name, scopes} keeps compiling (without missing-initializer warnings).
  token_params(std::string n, scope_set s, data_scope w = {})
      : name(std::move(n)), scopes(s), where(std::move(w)) {}

  std::string name;      // 1 to 64 characters of A-Z a-z 0-9 . _ -; unique for good
  scope_set scopes = 0;  // one or more of all_scopes
  data_scope where;      // SPEC §7.1: the data the token may see; default: all of it
};

// A name a token may have: 1 to 64 characters of A-Z a-z 0-9 . _ -
bool valid_token_name(std::string_view name) noexcept;
// The checks every token_store applies before storing: throws
// error(errc::invalid_parameter) for a bad name, an empty or unknown scope set
// or a malformed data scope (see check_where).
void check_token_params(const token_params& params);

// What `token list` shows: never the token or its hash. Fields may be added.
struct token_info {
  std::string name;
  scope_set scopes = 0;
  timestamp created_at{};
  std::optional<timestamp> last_used;
  std::optional<timestamp> revoked_at;
  data_scope where;  // unrestricted for tokens created without one
};

// A token that may be used: what a verifier keeps in memory. Fields may be
// added.
struct active_token {
  std::string name;
  scope_set scopes = 0;
  token_hash hash{};
  data_scope where;  // what everything done with this token is limited to
};

}  // namespace sensorhub
