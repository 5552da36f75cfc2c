// SPDX-License-Identifier: MIT
// API tokens: generation, hashing, scopes and sqlite_token_store (real SQLite
// files); the store contract shared with postgres_token_store is in
// token_store_contract.hpp.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sensorhub/error.hpp"
#include "sensorhub/sqlite_repository.hpp"
#include "sensorhub/auth/sqlite_token_store.hpp"
#include "token_store_contract.hpp"

namespace fs = std::filesystem;
using namespace sensorhub;

namespace {

class temp_dir {
 public:
  temp_dir() {
    std::random_device rd;
    for (int attempt = 0; attempt < 100; ++attempt) {
      path_ = fs::temp_directory_path() / ("sensorhub-token-test-" + std::to_string(rd()));
      if (fs::create_directory(path_)) return;
    }
    throw std::runtime_error("cannot create a temp dir");
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

bool is_hex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

TEST_CASE("tokens: 256 random bits, prefixed, never repeated") {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string t = generate_token();
    REQUIRE(t.size() == 4 + 64);
    CHECK(t.rfind("shk_", 0) == 0);
    CHECK(is_hex(t.substr(4)));
    CHECK(seen.insert(t).second);
  }
}

TEST_CASE("tokens: hash is SHA-256 of the text, comparison sees every byte") {
  const token_hash a = hash_token("abc");
  CHECK(a[0] == 0xba);
  CHECK(a[31] == 0xad);
  CHECK(hashes_equal(a, hash_token("abc")));
  token_hash b = a;
  b[31] ^= 1;
  CHECK_FALSE(hashes_equal(a, b));
  b = a;
  b[0] ^= 0x80;
  CHECK_FALSE(hashes_equal(a, b));
}

TEST_CASE("tokens: scopes parse and format") {
  CHECK(parse_scopes("read") == scope_set{scope_read});
  CHECK(parse_scopes("read,write,admin") == scope_set{scope_read | scope_write | scope_admin});
  CHECK(parse_scopes(" write , read ") == scope_set{scope_read | scope_write});
  CHECK(parse_scopes("read,read") == scope_set{scope_read});
  CHECK_FALSE(parse_scopes("").has_value());
  CHECK_FALSE(parse_scopes("read,").has_value());
  CHECK_FALSE(parse_scopes("root").has_value());
  CHECK_FALSE(parse_scopes("READ").has_value());
  CHECK(format_scopes(scope_admin | scope_read) == "read,admin");
  CHECK(format_scopes(0) == "");
}

TEST_CASE("sqlite_token_store: the token text is not stored anywhere in the file") {
  temp_dir dir;
  std::string token;
  {
    sqlite_token_store store(dir.file("t.db"));
    token = store.create({"secret", scope_admin});
  }
  for (const auto& entry : fs::directory_iterator(dir.file(""))) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(bytes.find(token) == std::string::npos);
    CHECK(bytes.find(token.substr(4)) == std::string::npos);
  }
}

TEST_CASE("sqlite_token_store: shares the file with a repository, two stores see each other") {
  temp_dir dir;
  const std::string path = dir.file("shared.db");
  sqlite_options o;
  o.path = path;
  sqlite_repository repo(o);
  sqlite_token_store a(path);
  sqlite_token_store b(path);
  a.create({"one", scope_read});
  REQUIRE(b.active().size() == 1);
  CHECK(b.revoke("one"));
  CHECK(a.active().empty());
}

TEST_CASE("tokens: names and params are checked the same way for every store") {
  CHECK(valid_token_name("gateway-1.lab_2"));
  CHECK(valid_token_name(std::string(64, 'a')));
  CHECK_FALSE(valid_token_name(""));
  CHECK_FALSE(valid_token_name(std::string(65, 'a')));
  CHECK_FALSE(valid_token_name("a/b"));
  CHECK_FALSE(valid_token_name("ñ"));
  CHECK_NOTHROW(check_token_params({"x", scope_read | scope_admin}));
  for (const token_params& bad :
       {token_params{"x", 0}, token_params{"x", 8}, token_params{"x", scope_read | 16},
        token_params{"", scope_read}}) {
    try {
      check_token_params(bad);
      FAIL("accepted " << bad.name << " " << bad.scopes);
    } catch (const error& e) {
      CHECK(e.code() == errc::invalid_parameter);
    }
  }
}

namespace {

// A fresh SQLite file per test case; every call opens one more store on it.
struct sqlite_backend {
  temp_dir dir;
  contract::store_opener opener() {
    const std::string path = dir.file("t.db");
    return [path] { return std::make_unique<sqlite_token_store>(path); };
  }
};

}  // namespace

TEST_CASE("sqlite_token_store: create, list, active, revoke") {
  sqlite_backend b;
  contract::create_list_active_revoke(b.opener());
}

TEST_CASE("sqlite_token_store: list is ordered by name, byte by byte") {
  sqlite_backend b;
  contract::list_order(b.opener());
}

TEST_CASE("sqlite_token_store: bad names, no scopes and duplicate names are refused") {
  sqlite_backend b;
  contract::refuses_bad_params(b.opener());
}

TEST_CASE("sqlite_token_store: data scopes are stored and read back") {
  sqlite_backend b;
  contract::where_scopes_round_trip(b.opener());
}

TEST_CASE("sqlite_token_store: two stores on one file see each other") {
  sqlite_backend b;
  contract::two_stores_see_each_other(b.opener());
}

TEST_CASE("sqlite_token_store: used through the token_store interface") {
  sqlite_backend b;
  contract::unknown_names_ignored(b.opener());
}

TEST_CASE("sqlite_token_store: one store called from several threads at once") {
  sqlite_backend b;
  contract::several_threads(b.opener(), 1);
}

TEST_CASE("sqlite_token_store: two stores on one file from several threads") {
  sqlite_backend b;
  contract::several_threads(b.opener(), 2);
}

TEST_CASE("sqlite_token_store: stores racing for one name, exactly one wins") {
  sqlite_backend b;
  contract::same_name_race(b.opener());
}
