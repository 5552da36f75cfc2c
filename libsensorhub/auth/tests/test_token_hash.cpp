// SPDX-License-Identifier: MIT
// Token hashing (OpenSSL's SHA-256 through hash_token) against the FIPS 180-4
// vectors, and the stored format: a hash computed outside this code, with
//   printf %s shk_0123...cdef | sha256sum
// and written into a token database as a raw 32-byte blob, still matches
// the token, so databases written by earlier releases keep authenticating.
#include <doctest/doctest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <cctype>
#include <stdexcept>
#include <string>

#include "hex.hpp"
#include "sensorhub/auth/sqlite_token_store.hpp"
#include "sensorhub/auth/token.hpp"

namespace fs = std::filesystem;
using namespace sensorhub;

namespace {

std::string hex_of(const std::string& text) {
  const token_hash h = hash_token(text);
  return detail::to_hex(h.data(), h.size());
}

const std::string fixture_token =
    "shk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
// printf %s "$fixture_token" | sha256sum
const std::string fixture_hash = "62900c45cde17f48ac233b5a0cccef5ca2f726ca55093cefee91c640cc0d35e1";

class temp_dir {
 public:
  temp_dir() {
    std::string templ = (fs::temp_directory_path() / "sensorhub-token-hash-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp");
    path_ = templ;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

void exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) throw std::runtime_error("sqlite3_open");
  char* msg = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
  std::string text = msg != nullptr ? msg : "";
  sqlite3_free(msg);
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw std::runtime_error(text);
}

}  // namespace

TEST_CASE("hash_token: FIPS 180-4 vectors") {
  CHECK(hex_of("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex_of("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(hex_of("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
               "klmnopqrlmnopqrsmnopqrstnopqrstu") ==
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  CHECK(hex_of(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("hash_token: a token's hash is the sha256sum of its text") {
  CHECK(hex_of(fixture_token) == fixture_hash);
}

TEST_CASE("hashes_equal: equal only when every byte is") {
  const token_hash a = hash_token("shk_a");
  token_hash b = a;
  CHECK(hashes_equal(a, b));
  for (std::size_t i : {std::size_t{0}, std::size_t{17}, a.size() - 1}) {
    b = a;
    b[i] = static_cast<std::uint8_t>(b[i] ^ 0x01);
    CHECK_FALSE(hashes_equal(a, b));
  }
  CHECK_FALSE(hashes_equal(a, hash_token("shk_b")));
}

TEST_CASE("a token stored by an earlier release (sha256sum fixture) still authenticates") {
  temp_dir dir;
  const std::string path = dir.file("tokens.db");
  { sqlite_token_store store(path); }  // creates the tokens table
  exec(path, "INSERT INTO tokens(name, hash, scopes, created_at) VALUES ('old', X'" + fixture_hash +
                 "', 'read,write', 1000)");
  sqlite_token_store store(path);
  const auto act = store.active();
  REQUIRE(act.size() == 1);
  CHECK(act[0].name == "old");
  CHECK(act[0].scopes == (scope_read | scope_write));
  CHECK(hashes_equal(act[0].hash, hash_token(fixture_token)));
  CHECK_FALSE(hashes_equal(act[0].hash, hash_token(fixture_token + "x")));
  // A token created now is stored the same way: its blob is its sha256sum.
  const std::string fresh = store.create({"new", scope_read});
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT hex(hash) FROM tokens WHERE name = 'new'", -1, &st,
                             nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  std::string stored(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  sqlite3_finalize(st);
  sqlite3_close(db);
  for (char& c : stored) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  CHECK(stored == hex_of(fresh));
}
