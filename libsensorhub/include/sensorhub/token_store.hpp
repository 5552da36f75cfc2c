#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sensorhub/time.hpp"

namespace sensorhub {

// API token scopes (SPEC §7), combined as a bit set.
enum token_scope : unsigned { scope_read = 1u, scope_write = 2u, scope_admin = 4u };
using scope_set = unsigned;

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
// SHA-256 of the token text: the only form that is stored.
token_hash hash_token(std::string_view token) noexcept;
// Compares two hashes in constant time.
bool hashes_equal(const token_hash& a, const token_hash& b) noexcept;

// What `token list` shows: never the token or its hash.
struct token_info {
  std::string name;
  scope_set scopes = 0;
  timestamp created_at{};
  std::optional<timestamp> last_used;
  std::optional<timestamp> revoked_at;
};

// A token that may be used: what a verifier keeps in memory.
struct active_token {
  std::string name;
  scope_set scopes = 0;
  token_hash hash{};
};

// The `tokens` table of the sensorhub database (created by the schema
// migrations, so the file may be shared with a running hub: WAL, busy
// timeout, IMMEDIATE writes). Names are unique for good: a revoked token
// keeps its name. Not thread-safe: one thread uses one store at a time
// (open one per thread).
class token_store {
 public:
  // Opens (creating and migrating if needed) the database file. Throws
  // error(errc::storage) on failure.
  explicit token_store(const std::string& db_path,
                       std::chrono::milliseconds busy_timeout = std::chrono::seconds(5));
  ~token_store();
  token_store(const token_store&) = delete;
  token_store& operator=(const token_store&) = delete;

  // Creates a token and returns its text (the only time it exists outside
  // the caller). Throws error(errc::invalid_parameter) for a bad name (1 to
  // 64 characters of A-Z a-z 0-9 . _ -), no scopes, or a name already used.
  std::string create(const std::string& name, scope_set scopes);
  // Every token, revoked ones included, by name.
  std::vector<token_info> list();
  // Revokes by name; false when there is no such active token.
  bool revoke(const std::string& name);
  // The tokens that are not revoked.
  std::vector<active_token> active();
  // Records a use (last_used), never moving it backwards.
  void mark_used(const std::string& name, timestamp when);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sensorhub
