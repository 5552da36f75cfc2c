// SPDX-License-Identifier: MIT
// API tokens: generation, hashing, scopes and sqlite_token_store (real SQLite files).
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

TEST_CASE("sqlite_token_store: create, list, active, revoke") {
  temp_dir dir;
  sqlite_token_store store(dir.file("t.db"));
  const std::string t1 = store.create({"dash", scope_read});
  const std::string t2 = store.create({"device-1", scope_read | scope_write});
  CHECK(t1 != t2);

  auto act = store.active();
  REQUIRE(act.size() == 2);
  bool found = false;
  for (const auto& a : act) {
    if (a.name == "dash") {
      found = true;
      CHECK(a.scopes == scope_read);
      CHECK(hashes_equal(a.hash, hash_token(t1)));
      CHECK_FALSE(hashes_equal(a.hash, hash_token(t2)));
    }
  }
  CHECK(found);

  auto all = store.list();
  REQUIRE(all.size() == 2);
  CHECK(all[0].name == "dash");
  CHECK(all[1].name == "device-1");
  CHECK(all[1].scopes == (scope_read | scope_write));
  CHECK_FALSE(all[0].last_used.has_value());
  CHECK_FALSE(all[0].revoked_at.has_value());

  store.mark_used("dash", from_micros(5000));
  store.mark_used("dash", from_micros(4000));  // never backwards
  all = store.list();
  REQUIRE(all[0].last_used.has_value());
  CHECK(to_micros(*all[0].last_used) == 5000);

  CHECK(store.revoke("dash"));
  CHECK_FALSE(store.revoke("dash"));
  CHECK_FALSE(store.revoke("nobody"));
  act = store.active();
  REQUIRE(act.size() == 1);
  CHECK(act[0].name == "device-1");
  all = store.list();
  CHECK(all[0].revoked_at.has_value());
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

TEST_CASE("sqlite_token_store: bad names, no scopes and duplicate names are refused") {
  temp_dir dir;
  sqlite_token_store store(dir.file("t.db"));
  CHECK_THROWS_AS(store.create({"", scope_read}), error);
  CHECK_THROWS_AS(store.create({"has space", scope_read}), error);
  CHECK_THROWS_AS(store.create({std::string(65, 'a'), scope_read}), error);
  CHECK_THROWS_AS(store.create({"ok", 0}), error);
  store.create({"ok", scope_read});
  try {
    store.create({"ok", scope_write});
    FAIL("duplicate name accepted");
  } catch (const error& e) {
    CHECK(e.code() == errc::invalid_parameter);
  }
  store.revoke("ok");
  CHECK_THROWS_AS(store.create({"ok", scope_read}), error);
  CHECK(store.list().size() == 1);
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

TEST_CASE("sqlite_token_store: used through the token_store interface") {
  temp_dir dir;
  std::unique_ptr<token_store> store = std::make_unique<sqlite_token_store>(dir.file("t.db"));
  token_params p;
  p.name = "iface";
  p.scopes = scope_write;
  const std::string t = store->create(p);
  const auto act = store->active();
  REQUIRE(act.size() == 1);
  CHECK(act[0].name == "iface");
  CHECK(act[0].scopes == scope_write);
  CHECK(hashes_equal(act[0].hash, hash_token(t)));
  store->mark_used("nobody", from_micros(1));  // unknown names are ignored
  CHECK_FALSE(store->list()[0].last_used.has_value());
}

TEST_CASE("sqlite_token_store: one store called from several threads at once") {
  temp_dir dir;
  sqlite_token_store store(dir.file("t.db"));
  constexpr int threads = 4;
  constexpr int per_thread = 25;
  std::vector<std::thread> workers;
  std::vector<std::string> failures(threads);
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&, i] {
      try {
        for (int k = 0; k < per_thread; ++k) {
          const std::string name = "t" + std::to_string(i) + "-" + std::to_string(k);
          store.create({name, scope_read});
          store.mark_used(name, from_micros(k + 1));
          if (store.active().empty()) failures[i] = "active() missed a token";
        }
      } catch (const std::exception& e) {
        failures[i] = e.what();
      }
    });
  }
  for (auto& w : workers) w.join();
  for (const auto& f : failures) CHECK(f.empty());
  const auto all = store.list();
  CHECK(all.size() == threads * per_thread);
  for (const auto& t : all) CHECK(t.last_used.has_value());
}
