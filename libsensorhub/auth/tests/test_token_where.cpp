// SPDX-License-Identifier: MIT
// Per-token data scopes (SPEC §7.1): the CLI's KEY=V1,V2 clauses, the JSON
// form of the admin route and the tokens table, and the store round trip on
// a real SQLite file.
#include <doctest/doctest.h>

#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "sensorhub/auth/sqlite_token_store.hpp"
#include "sensorhub/auth/token_where.hpp"
#include "sensorhub/error.hpp"

namespace fs = std::filesystem;
using namespace sensorhub;

namespace {

std::string temp_db() {
  std::random_device rd;
  return (fs::temp_directory_path() / ("sensorhub-where-" + std::to_string(rd()) + ".db")).string();
}

struct db_file {
  std::string path = temp_db();
  ~db_file() {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix, ec);
  }
};

data_scope parse(std::initializer_list<const char*> clauses) {
  data_scope s;
  for (const char* c : clauses) add_where_clause(s, c);
  return s;
}

}  // namespace

TEST_CASE("where clauses: keys AND, values OR, spaces trimmed") {
  const auto s = parse({"tipo=temperatura", "ubicacion= lab , roof", "sensor_id=3,7"});
  CHECK(s.tipo == std::vector<std::string>{"temperatura"});
  CHECK(s.ubicacion == std::vector<std::string>{"lab", "roof"});
  CHECK(s.sensor_id == std::vector<std::int64_t>{3, 7});
  CHECK_FALSE(s.unrestricted());
  CHECK(format_where(s) == "sensor_id=3,7 tipo=temperatura ubicacion=lab,roof");
  CHECK(format_where(data_scope{}) == "all");
}

TEST_CASE("where clauses: every malformed clause is refused with a reason") {
  for (const char* bad :
       {"tipo", "color=red", "=x", "tipo=", "tipo=a,,b", "sensor_id=0", "sensor_id=-3",
        "sensor_id=abc", "sensor_id=99999999999999999999", "sensor_id=3x"}) {
    CAPTURE(bad);
    data_scope s;
    CHECK_THROWS_AS(add_where_clause(s, bad), error);
  }
  data_scope s;
  add_where_clause(s, "tipo=a");
  CHECK_THROWS_WITH_AS(add_where_clause(s, "tipo=b"), "where: key 'tipo' given twice", error);
}

TEST_CASE("where JSON: round trip, and the forms the admin route refuses") {
  const auto s = parse({"tipo=temperatura,humedad", "sensor_id=3"});
  const std::string json = where_to_json(s);
  CHECK(json == R"({"sensor_id":[3],"tipo":["temperatura","humedad"]})");
  const auto back = where_from_json(json);
  CHECK(back.sensor_id == s.sensor_id);
  CHECK(back.tipo == s.tipo);
  CHECK(back.ubicacion.empty());
  CHECK(where_to_json(data_scope{}) == "{}");
  CHECK(where_from_json("{}").unrestricted());
  CHECK(where_from_json("null").unrestricted());
  for (const char* bad : {R"({"color":["red"]})", R"({"tipo":"temperatura"})", R"({"tipo":[1]})",
                          R"({"tipo":[""]})", R"({"tipo":[]})", R"({"sensor_id":["3"]})",
                          R"({"sensor_id":[0]})", R"({"sensor_id":[1.5]})", "[1]", "{"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(where_from_json(bad), error);
  }
}

TEST_CASE("a scoped token is stored with its scope: list and active show it") {
  db_file f;
  sqlite_token_store store(f.path);
  token_params p{"greenhouse", scope_read | scope_write, {}};
  p.where = parse({"ubicacion=greenhouse", "sensor_id=3,7"});
  store.create(p);
  store.create({"admin", all_scopes, {}});
  const auto all = store.list();
  REQUIRE(all.size() == 2);
  CHECK(all[0].name == "admin");
  CHECK(all[0].where.unrestricted());
  CHECK(all[1].where.ubicacion == std::vector<std::string>{"greenhouse"});
  CHECK(all[1].where.sensor_id == std::vector<std::int64_t>{3, 7});
  sqlite_token_store other(f.path);  // another process's view of the same file
  for (const auto& t : other.active()) {
    CHECK(t.where.unrestricted() == (t.name == "admin"));
  }
}

TEST_CASE("the store refuses a malformed scope like a bad name") {
  db_file f;
  sqlite_token_store store(f.path);
  token_params p{"bad", scope_read, {}};
  p.where.sensor_id = {0};
  CHECK_THROWS_AS(store.create(p), error);
  p.where = data_scope{};
  p.where.tipo = {""};
  CHECK_THROWS_AS(store.create(p), error);
  CHECK(store.list().empty());
}
