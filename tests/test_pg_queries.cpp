// SPDX-License-Identifier: MIT
// The PostgreSQL read side and query helpers (storage/postgres/pg_*.hpp) on a
// real PostgreSQL: list ordering, limit/offset and scopes, snapshots per
// channel and filter, agg buckets with hourly rollups, liveness and atomic
// set_stale, readings retention and event pruning, idempotency answers.
// The test server of support/pg_test_db.hpp, or the database
// SENSORHUB_TEST_PG_URI names; every test case works in a schema of its own.
#include <doctest/doctest.h>

#include <pqxx/pqxx>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sensorhub/codec.hpp"
#include "sensorhub/sqlite_repository.hpp"
#include "storage/postgres/pg_agg.hpp"
#include "storage/postgres/pg_idempotency.hpp"
#include "storage/postgres/pg_lists.hpp"
#include "storage/postgres/pg_liveness.hpp"
#include "storage/postgres/pg_retention.hpp"
#include "storage/postgres/pg_rows.hpp"
#include "storage/postgres/pg_schema.hpp"
#include "storage/postgres/pg_snapshot.hpp"
#include "support/pg_test_db.hpp"
#include "support/temp_dir.hpp"

using namespace sensorhub;
using namespace sensorhub::detail;

namespace {

constexpr long long minute = 60'000'000;
constexpr long long hour = 60 * minute;
// 2025-07-20T00:00:00Z, a day boundary.
constexpr long long t0 = 1'752'969'600'000'000LL;

// The test server (support/pg_test_db.hpp: the ctest fixture's cluster,
// SENSORHUB_TEST_PG_URI, or one this process starts).
const std::string& cluster_uri() {
  static const std::string uri = sensorhub::testing::pg_test_uri();
  return uri;
}

// A fresh schema, migrated, dropped at the end; connections on it.
class test_db {
 public:
  test_db() : schema_(next_name()), admin_(cluster_uri()) {
    pqxx::nontransaction n(admin_);
    n.exec0("CREATE SCHEMA " + n.quote_name(schema_));
    c_ = connect();
    pg_migrate(*c_);
  }
  ~test_db() {
    c_.reset();
    try {
      pqxx::nontransaction n(admin_);
      n.exec0("DROP SCHEMA " + n.quote_name(schema_) + " CASCADE");
    } catch (...) {
    }
  }
  test_db(const test_db&) = delete;
  test_db& operator=(const test_db&) = delete;

  pqxx::connection& conn() { return *c_; }
  // Another connection on the same schema (another node).
  std::unique_ptr<pqxx::connection> connect() {
    auto c = std::make_unique<pqxx::connection>(cluster_uri());
    pqxx::nontransaction n(*c);
    n.exec0("SET search_path TO " + n.quote_name(schema_));
    return c;
  }

 private:
  static std::string next_name() {
    static std::atomic<int> n{0};
    return "t_" + std::to_string(::getpid()) + "_" + std::to_string(++n);
  }
  std::string schema_;
  pqxx::connection admin_;
  std::unique_ptr<pqxx::connection> c_;
};

std::int64_t add_sensor(pqxx::transaction_base& tx, const std::string& tipo,
                        const std::optional<std::string>& ubicacion, long long at = t0) {
  return tx
      .exec_params1(
          "INSERT INTO sensors(tipo, modelo, ubicacion, activo, created_at, updated_at) "
          "VALUES ($1, 'M1', $2, true, $3, $3) RETURNING id",
          tipo, ubicacion, static_cast<std::int64_t>(at))[0]
      .as<std::int64_t>();
}

std::int64_t add_reading(pqxx::transaction_base& tx, std::int64_t sensor, double valor,
                         long long ts) {
  return tx
      .exec_params1(
          "INSERT INTO lecturas(sensor_id, valor, unidad, ts, created_at, updated_at) "
          "VALUES ($1, $2, 'C', $3, $3, $3) RETURNING id",
          sensor, valor, static_cast<std::int64_t>(ts))[0]
      .as<std::int64_t>();
}

std::vector<std::int64_t> ids_of(const std::vector<sensor>& v) {
  std::vector<std::int64_t> out;
  for (const auto& s : v) out.push_back(s.id);
  return out;
}
std::vector<std::int64_t> ids_of(const std::vector<reading>& v) {
  std::vector<std::int64_t> out;
  for (const auto& l : v) out.push_back(l.id);
  return out;
}
using ids = std::vector<std::int64_t>;

// The JSON the snapshot should hold: these rows, in this order, read back
// one by one.
std::string sensors_json(pqxx::transaction_base& tx, const ids& list) {
  std::vector<sensor> v;
  for (auto id : list) {
    v.push_back(pg_read_sensor(tx.exec_params1(
        std::string("SELECT ") + pg_sensor_columns + " FROM sensors WHERE id = $1", id)));
  }
  return to_json(v);
}
std::string readings_json(pqxx::transaction_base& tx, const ids& list) {
  std::vector<reading> v;
  for (auto id : list) {
    v.push_back(pg_read_reading(tx.exec_params1(
        std::string("SELECT ") + pg_reading_columns + " FROM lecturas WHERE id = $1", id)));
  }
  return to_json(v);
}

data_scope scope_of(ids s, std::vector<std::string> tipos, std::vector<std::string> ubis) {
  data_scope d;
  d.sensor_id = std::move(s);
  d.tipo = std::move(tipos);
  d.ubicacion = std::move(ubis);
  return d;
}

sensor_query squery(std::optional<std::string> tipo, std::size_t limit, std::size_t offset) {
  sensor_query q;
  q.tipo = std::move(tipo);
  q.limit = limit;
  q.offset = offset;
  return q;
}

agg_query aq(std::int64_t sensor, long long since, long long until, long long bucket) {
  agg_query q;
  q.sensor_id = sensor;
  q.since = from_micros(since);
  q.until = from_micros(until);
  q.bucket = std::chrono::microseconds(bucket);
  return q;
}

}  // namespace

TEST_CASE("pg_list_sensors: id order, tipo, limit and offset, every scope key") {
  test_db db;
  pqxx::work tx(db.conn());
  // Texts that need escaping inside an array literal.
  const std::string odd = "a\"b\\c,{d}";
  const auto s1 = add_sensor(tx, "temperatura", std::string("lab"));
  const auto s2 = add_sensor(tx, "humedad", std::string("lab"));
  const auto s3 = add_sensor(tx, "temperatura", std::nullopt);
  const auto s4 = add_sensor(tx, odd, std::string(odd));
  const auto s5 = add_sensor(tx, "temperatura", std::string("patio"));

  CHECK(ids_of(pg_list_sensors(tx, squery({}, 100, 0), {})) == ids{s1, s2, s3, s4, s5});
  CHECK(ids_of(pg_list_sensors(tx, squery({}, 2, 0), {})) == ids{s1, s2});
  CHECK(ids_of(pg_list_sensors(tx, squery({}, 2, 3), {})) == ids{s4, s5});
  CHECK(pg_list_sensors(tx, squery({}, 10, 5), {}).empty());
  CHECK(pg_list_sensors(tx, squery({}, 0, 0), {}).empty());
  CHECK(ids_of(pg_list_sensors(tx, squery({}, static_cast<std::size_t>(-1), 1), {})) ==
        ids{s2, s3, s4, s5});
  CHECK(ids_of(pg_list_sensors(tx, squery("temperatura", 100, 0), {})) == ids{s1, s3, s5});
  CHECK(ids_of(pg_list_sensors(tx, squery("temperatura", 1, 1), {})) == ids{s3});
  CHECK(ids_of(pg_list_sensors(tx, squery(odd, 100, 0), {})) == ids{s4});

  // Scopes: keys AND, values OR; a NULL ubicacion is in no list.
  CHECK(ids_of(pg_list_sensors(tx, squery({}, 100, 0), scope_of({s5, s2, 999}, {}, {}))) ==
        ids{s2, s5});
  CHECK(ids_of(pg_list_sensors(tx, squery({}, 100, 0), scope_of({}, {"humedad", odd}, {}))) ==
        ids{s2, s4});
  CHECK(ids_of(pg_list_sensors(tx, squery({}, 100, 0), scope_of({}, {}, {"lab", odd}))) ==
        ids{s1, s2, s4});
  CHECK(ids_of(pg_list_sensors(tx, squery({}, 100, 0), scope_of({}, {"temperatura"}, {"lab"}))) ==
        ids{s1});
  CHECK(ids_of(pg_list_sensors(tx, squery("temperatura", 100, 0),
                               scope_of({s1, s2, s3}, {}, {}))) == ids{s1, s3});
  CHECK(ids_of(pg_list_sensors(tx, squery({}, 1, 1), scope_of({}, {"temperatura"}, {}))) ==
        ids{s3});
  CHECK(pg_list_sensors(tx, squery({}, 100, 0), scope_of({}, {}, {"nowhere"})).empty());

  // Rows come back whole.
  const auto all = pg_list_sensors(tx, squery({}, 100, 0), scope_of({s3, s4}, {}, {}));
  REQUIRE(all.size() == 2);
  CHECK(all[0].tipo == "temperatura");
  CHECK_FALSE(all[0].ubicacion.has_value());
  CHECK(all[1].tipo == odd);
  CHECK(all[1].ubicacion == odd);
  CHECK(all[1].modelo == "M1");
  CHECK(all[1].activo);
  CHECK(to_micros(all[1].created_at) == t0);
}

TEST_CASE("pg_list_readings: newest first with ties by id, since and until, scopes") {
  test_db db;
  pqxx::work tx(db.conn());
  const auto a = add_sensor(tx, "temperatura", std::string("lab"));
  const auto b = add_sensor(tx, "humedad", std::nullopt);
  const auto r1 = add_reading(tx, a, 1.0, t0);
  const auto r2 = add_reading(tx, b, 2.0, t0 + minute);
  const auto r3 = add_reading(tx, a, 3.0, t0 + minute);  // tie with r2: higher id first
  const auto r4 = add_reading(tx, a, 4.0, t0 - hour);
  const auto r5 = add_reading(tx, b, 5.0, t0 + hour);

  reading_query q;
  CHECK(ids_of(pg_list_readings(tx, q, {})) == ids{r5, r3, r2, r1, r4});
  q.limit = 2;
  q.offset = 1;
  CHECK(ids_of(pg_list_readings(tx, q, {})) == ids{r3, r2});
  q = {};
  q.since = from_micros(t0);           // inclusive
  q.until = from_micros(t0 + minute);  // exclusive
  CHECK(ids_of(pg_list_readings(tx, q, {})) == ids{r1});
  q = {};
  q.since = from_micros(t0 + minute);
  CHECK(ids_of(pg_list_readings(tx, q, {})) == ids{r5, r3, r2});
  q = {};
  q.until = from_micros(t0 + minute);
  CHECK(ids_of(pg_list_readings(tx, q, {})) == ids{r1, r4});
  q = {};
  q.sensor_id = a;
  CHECK(ids_of(pg_list_readings(tx, q, {})) == ids{r3, r1, r4});
  q.limit = 1;
  q.offset = 2;
  CHECK(ids_of(pg_list_readings(tx, q, {})) == ids{r4});

  // Scoped: through the sensor's id, tipo and ubicacion (b has none).
  q = {};
  CHECK(ids_of(pg_list_readings(tx, q, scope_of({b}, {}, {}))) == ids{r5, r2});
  CHECK(ids_of(pg_list_readings(tx, q, scope_of({}, {"temperatura"}, {}))) == ids{r3, r1, r4});
  CHECK(ids_of(pg_list_readings(tx, q, scope_of({}, {}, {"lab"}))) == ids{r3, r1, r4});
  CHECK(pg_list_readings(tx, q, scope_of({b}, {"temperatura"}, {})).empty());
  q.sensor_id = b;
  CHECK(pg_list_readings(tx, q, scope_of({}, {}, {"lab"})).empty());
  q = {};
  q.since = from_micros(t0);
  q.limit = 1;
  q.offset = 1;
  CHECK(ids_of(pg_list_readings(tx, q, scope_of({a}, {}, {}))) == ids{r1});

  const auto rows = pg_list_readings(tx, reading_query{}, scope_of({a}, {}, {}));
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].valor == 3.0);
  CHECK(rows[0].unidad == "C");
  CHECK(rows[0].sensor_id == a);
  CHECK(to_micros(rows[0].timestamp) == t0 + minute);
}

TEST_CASE("pg_snapshot: seq from event_counter, sensors and readings per filter and scope") {
  test_db db;
  ids s, r;
  {
    pqxx::work tx(db.conn());
    s.push_back(add_sensor(tx, "temperatura", std::string("lab")));  // s[0]
    s.push_back(add_sensor(tx, "humedad", std::string("lab")));      // s[1]
    s.push_back(add_sensor(tx, "temperatura", std::nullopt));        // s[2]
    s.push_back(add_sensor(tx, "presion", std::string("patio")));    // s[3], no readings
    r.push_back(add_reading(tx, s[0], 1.0, t0));                     // r[0]
    r.push_back(add_reading(tx, s[0], 2.0, t0 + minute));            // r[1] latest of s0
    r.push_back(add_reading(tx, s[1], 3.0, t0 + minute));            // r[2]
    r.push_back(add_reading(tx, s[1], 4.0, t0 + minute));            // r[3] tie: latest of s1
    r.push_back(add_reading(tx, s[2], 5.0, t0 + hour));              // r[4] latest of s2
    r.push_back(add_reading(tx, s[2], 6.0, t0 - hour));              // r[5]
    tx.exec0("UPDATE event_counter SET last_seq = 42 WHERE id = 1");
    tx.commit();
  }
  pqxx::transaction<pqxx::isolation_level::repeatable_read> tx(db.conn());
  const auto snap = [&](channel c, const event_filter& f, const data_scope& scope = {}) {
    const state_snapshot out = pg_snapshot(tx, c, f, scope);
    CHECK(out.seq == 42);
    return out.data_json;
  };
  event_filter f;
  CHECK(snap(channel::general, f) == "[]");

  // sensors
  CHECK(snap(channel::sensors, f) == sensors_json(tx, s));
  f.entity_id = {s[3], s[1], s[1], 999};
  CHECK(snap(channel::sensors, f) == sensors_json(tx, {s[1], s[3]}));
  f.sensor_id = {s[0], s[1]};  // both lists: their intersection
  CHECK(snap(channel::sensors, f) == sensors_json(tx, {s[1]}));
  f.sensor_id = {s[0]};
  CHECK(snap(channel::sensors, f) == "[]");
  f = {};
  f.sensor_id = {s[2], s[0]};
  CHECK(snap(channel::sensors, f) == sensors_json(tx, {s[0], s[2]}));
  f = {};
  f.tipo = {"temperatura", "presion"};
  CHECK(snap(channel::sensors, f) == sensors_json(tx, {s[0], s[2], s[3]}));
  CHECK(snap(channel::sensors, f, scope_of({}, {}, {"lab", "patio"})) ==
        sensors_json(tx, {s[0], s[3]}));
  CHECK(snap(channel::sensors, {}, scope_of({s[1], s[2]}, {}, {})) ==
        sensors_json(tx, {s[1], s[2]}));
  CHECK(snap(channel::sensors, {}, scope_of({}, {"humedad"}, {})) == sensors_json(tx, {s[1]}));

  // readings: the latest per sensor (by ts, then id), ascending sensor id
  f = {};
  CHECK(snap(channel::readings, f) == readings_json(tx, {r[1], r[3], r[4]}));
  f.sensor_id = {s[2], s[1]};
  CHECK(snap(channel::readings, f) == readings_json(tx, {r[3], r[4]}));
  f = {};
  f.tipo = {"temperatura"};
  CHECK(snap(channel::readings, f) == readings_json(tx, {r[1], r[4]}));
  CHECK(snap(channel::readings, f, scope_of({}, {}, {"lab"})) == readings_json(tx, {r[1]}));
  CHECK(snap(channel::readings, {}, scope_of({}, {"humedad", "presion"}, {})) ==
        readings_json(tx, {r[3]}));
  // Only listed readings count: the latest of them per sensor.
  f = {};
  f.entity_id = {r[5], r[0], r[2], 999};
  CHECK(snap(channel::readings, f) == readings_json(tx, {r[0], r[2], r[5]}));
  f.entity_id = {r[0], r[1], r[4], r[5]};
  CHECK(snap(channel::readings, f) == readings_json(tx, {r[1], r[4]}));
  f.sensor_id = {s[2]};
  CHECK(snap(channel::readings, f) == readings_json(tx, {r[4]}));
  f.sensor_id = {};
  f.tipo = {"humedad"};
  CHECK(snap(channel::readings, f) == "[]");
  f.tipo = {};
  CHECK(snap(channel::readings, f, scope_of({}, {}, {"lab"})) == readings_json(tx, {r[1]}));
  CHECK(snap(channel::readings, f, scope_of({s[3]}, {}, {})) == "[]");
  tx.commit();
}

TEST_CASE("pg_snapshot: the seq and the rows come from one REPEATABLE READ view") {
  test_db db;
  std::int64_t a = 0;
  {
    pqxx::work tx(db.conn());
    a = add_sensor(tx, "temperatura", std::nullopt);
    tx.exec0("UPDATE event_counter SET last_seq = 1 WHERE id = 1");
    tx.commit();
  }
  pqxx::transaction<pqxx::isolation_level::repeatable_read> tx(db.conn());
  const auto first = pg_snapshot(tx, channel::sensors, {}, {});
  {
    auto other = db.connect();  // another node commits meanwhile
    pqxx::work w(*other);
    add_sensor(w, "humedad", std::nullopt);
    w.exec0("UPDATE event_counter SET last_seq = 2 WHERE id = 1");
    w.commit();
  }
  const auto second = pg_snapshot(tx, channel::sensors, {}, {});
  CHECK(first.seq == 1);
  CHECK(second.seq == 1);
  CHECK(second.data_json == first.data_json);
  CHECK(first.data_json == sensors_json(tx, {a}));
  tx.commit();
  pqxx::transaction<pqxx::isolation_level::repeatable_read> later(db.conn());
  CHECK(pg_snapshot(later, channel::sensors, {}, {}).seq == 2);
}

TEST_CASE("pg_aggregate_readings: floor-aligned buckets, before 1970 too, ties, since and until") {
  test_db db;
  pqxx::work tx(db.conn());
  const auto id = add_sensor(tx, "temperatura", std::nullopt);
  const auto other = add_sensor(tx, "temperatura", std::nullopt);
  add_reading(tx, id, 1.0, -30'000'000);
  add_reading(tx, id, 2.0, -1);
  add_reading(tx, id, 3.0, 0);
  add_reading(tx, id, 4.0, 10);
  add_reading(tx, id, 5.0, 10);  // tie with the row before: last is this one
  add_reading(tx, id, 6.0, minute + 5);
  add_reading(tx, other, 100.0, 5);

  const auto b = pg_aggregate_readings(tx, aq(id, -10 * minute, 10 * minute, minute));
  REQUIRE(b.size() == 3);
  CHECK(to_micros(b[0].bucket_start) == -minute);
  CHECK(b[0].count == 2);
  CHECK(b[0].first == 1.0);
  CHECK(b[0].last == 2.0);
  CHECK(to_micros(b[1].bucket_start) == 0);
  CHECK(b[1].count == 3);
  CHECK(b[1].min == 3.0);
  CHECK(b[1].max == 5.0);
  CHECK(b[1].avg == 4.0);
  CHECK(b[1].first == 3.0);
  CHECK(b[1].last == 5.0);
  CHECK(to_micros(b[2].bucket_start) == minute);
  CHECK(b[2].count == 1);
  CHECK(b[2].first == 6.0);

  // since/until cut a bucket: only the rows inside count, the start stays aligned.
  const auto cut = pg_aggregate_readings(tx, aq(id, 1, minute + 5, minute));
  REQUIRE(cut.size() == 1);
  CHECK(to_micros(cut[0].bucket_start) == 0);
  CHECK(cut[0].count == 2);
  CHECK(cut[0].first == 4.0);
  CHECK(cut[0].last == 5.0);
  CHECK(pg_aggregate_readings(tx, aq(id, 100 * minute, 200 * minute, minute)).empty());
  CHECK(pg_aggregate_readings(tx, aq(999, -10 * minute, 10 * minute, minute)).empty());

  // A whole-hour bucket with no rollups is the raw answer.
  const auto h = pg_aggregate_readings(tx, aq(id, -hour, hour, hour));
  REQUIRE(h.size() == 2);
  CHECK(to_micros(h[0].bucket_start) == -hour);
  CHECK(h[0].count == 2);
  CHECK(h[0].avg == 1.5);
  CHECK(to_micros(h[1].bucket_start) == 0);
  CHECK(h[1].count == 4);
  CHECK(h[1].avg == 4.5);
  CHECK(h[1].first == 3.0);
  CHECK(h[1].last == 6.0);
}

TEST_CASE("pg_aggregate_readings: hourly rollups merge with raw readings in whole-hour buckets") {
  test_db db;
  pqxx::work tx(db.conn());
  const auto id = add_sensor(tx, "temperatura", std::nullopt);
  const auto insert_rollup = [&](long long h, std::int64_t count, double mn, double mx, double sum,
                                 long long fts, double fv, long long lts, double lv) {
    tx.exec_params0(
        "INSERT INTO lecturas_hourly(sensor_id, hour, count, min, max, sum, first_ts, "
        "first_valor, last_ts, last_valor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        id, static_cast<std::int64_t>(h), count, mn, mx, sum, static_cast<std::int64_t>(fts), fv,
        static_cast<std::int64_t>(lts), lv);
  };
  // Hour t0: folded (4 readings, 1..4). Hour t0+1h: folded and a late raw reading.
  insert_rollup(t0, 4, 1.0, 4.0, 10.0, t0 + minute, 1.0, t0 + 50 * minute, 4.0);
  insert_rollup(t0 + hour, 2, -2.0, 8.0, 6.0, t0 + hour + 10 * minute, 8.0, t0 + hour + 20 * minute,
                -2.0);
  add_reading(tx, id, 10.0, t0 + hour + 5 * minute);  // before the rollup's first
  add_reading(tx, id, 20.0, t0 + 2 * hour + minute);  // raw only
  add_reading(tx, id, 30.0, t0 + 3 * hour + minute);  // after until

  const auto b = pg_aggregate_readings(tx, aq(id, t0, t0 + 3 * hour, hour));
  REQUIRE(b.size() == 3);
  CHECK(to_micros(b[0].bucket_start) == t0);
  CHECK(b[0].count == 4);
  CHECK(b[0].min == 1.0);
  CHECK(b[0].max == 4.0);
  CHECK(b[0].avg == 2.5);
  CHECK(b[0].first == 1.0);
  CHECK(b[0].last == 4.0);
  CHECK(to_micros(b[1].bucket_start) == t0 + hour);
  CHECK(b[1].count == 3);
  CHECK(b[1].min == -2.0);
  CHECK(b[1].max == 10.0);
  CHECK(b[1].avg == doctest::Approx(16.0 / 3.0));
  CHECK(b[1].first == 10.0);
  CHECK(b[1].last == -2.0);
  CHECK(to_micros(b[2].bucket_start) == t0 + 2 * hour);
  CHECK(b[2].count == 1);
  CHECK(b[2].avg == 20.0);

  // A two-hour bucket merges both rollups and the raw reading.
  const auto two = pg_aggregate_readings(tx, aq(id, t0, t0 + 2 * hour, 2 * hour));
  REQUIRE(two.size() == 1);
  CHECK(two[0].count == 7);
  CHECK(two[0].min == -2.0);
  CHECK(two[0].max == 10.0);
  CHECK(two[0].avg == doctest::Approx(26.0 / 7.0));
  CHECK(two[0].first == 1.0);
  CHECK(two[0].last == -2.0);

  // Rollups count only for hours starting in [since, until); sub-hour
  // buckets never read them.
  CHECK(pg_aggregate_readings(tx, aq(id, t0 + 1, t0 + hour, hour)).empty());
  const auto sub = pg_aggregate_readings(tx, aq(id, t0, t0 + 3 * hour, 30 * minute));
  REQUIRE(sub.size() == 2);
  CHECK(sub[0].count == 1);
  CHECK(sub[0].first == 10.0);
  CHECK(sub[1].first == 20.0);
}

TEST_CASE("pg_liveness and pg_set_stale: newest ts, transitions reported once") {
  test_db db;
  std::int64_t a = 0, b = 0;
  {
    pqxx::work tx(db.conn());
    a = add_sensor(tx, "temperatura", std::nullopt);
    b = add_sensor(tx, "humedad", std::nullopt);
    add_reading(tx, a, 1.0, t0 + minute);
    add_reading(tx, a, 2.0, t0 - minute);
    tx.commit();
  }
  pqxx::work tx(db.conn());
  auto rows = pg_liveness(tx);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].sensor_id == a);
  CHECK(rows[0].tipo == "temperatura");
  REQUIRE(rows[0].last_reading_at.has_value());
  CHECK(to_micros(*rows[0].last_reading_at) == t0 + minute);
  CHECK_FALSE(rows[0].stale);
  CHECK(rows[1].sensor_id == b);
  CHECK_FALSE(rows[1].last_reading_at.has_value());
  CHECK_FALSE(rows[1].stale);

  CHECK(pg_set_stale(tx, b, true));
  CHECK_FALSE(pg_set_stale(tx, b, true));
  // No row yet: storing "not stale" is a change, as on SQLite; then it is not.
  CHECK(pg_set_stale(tx, a, false));
  CHECK_FALSE(pg_set_stale(tx, a, false));
  CHECK_FALSE(pg_set_stale(tx, 999, true));  // no such sensor: no error
  CHECK_FALSE(pg_set_stale(tx, 999, false));
  rows = pg_liveness(tx);
  CHECK_FALSE(rows[0].stale);
  CHECK(rows[1].stale);
  CHECK(pg_set_stale(tx, b, false));
  CHECK_FALSE(pg_set_stale(tx, b, false));
  CHECK_FALSE(pg_liveness(tx)[1].stale);
  CHECK(pg_set_stale(tx, b, true));
  tx.exec0("DELETE FROM sensors WHERE id = " + std::to_string(b));
  rows = pg_liveness(tx);
  REQUIRE(rows.size() == 1);
  CHECK_FALSE(pg_set_stale(tx, b, false));
  tx.commit();
}

TEST_CASE("pg_set_stale: two nodes making the same transition, one reports it") {
  test_db db;
  std::int64_t a = 0;
  {
    pqxx::work tx(db.conn());
    a = add_sensor(tx, "temperatura", std::nullopt);
    tx.commit();
  }
  for (bool stale : {true, false}) {
    CAPTURE(stale);
    pqxx::work first(db.conn());
    CHECK(pg_set_stale(first, a, stale));
    // The second node's statement waits for the first's row lock.
    auto other = db.connect();
    const int other_pid = other->backendpid();
    auto second = std::async(std::launch::async, [&] {
      pqxx::work tx(*other);
      const bool changed = pg_set_stale(tx, a, stale);
      tx.commit();
      return changed;
    });
    {
      auto watcher = db.connect();
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      bool waiting = false;
      while (!waiting && std::chrono::steady_clock::now() < deadline) {
        pqxx::nontransaction n(*watcher);
        waiting = !n.exec_params(
                        "SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND "
                        "wait_event_type = 'Lock'",
                        other_pid)
                       .empty();
        if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      CHECK(waiting);
    }
    first.commit();
    CHECK_FALSE(second.get());
  }
}

TEST_CASE("pg_apply_readings_retention: folds whole hours, reruns find nothing, agg agrees") {
  test_db db;
  std::int64_t a = 0, b = 0;
  {
    pqxx::work tx(db.conn());
    a = add_sensor(tx, "temperatura", std::nullopt);
    b = add_sensor(tx, "humedad", std::nullopt);
    // Values multiples of 0.25: sums are exact in any order.
    for (int i = 0; i < 5 * 60; i += 7) {
      add_reading(tx, a, (i % 41) * 0.25 - 3.0, t0 + i * minute + 3'000'000);
    }
    add_reading(tx, b, 1.0, t0 + 30 * minute);
    add_reading(tx, b, 2.0, t0 + 30 * minute);  // tie on ts: the higher id is last
    add_reading(tx, b, 3.0, t0 + 4 * hour + minute);
    tx.commit();
  }
  std::vector<agg_bucket> before;
  {
    pqxx::work tx(db.conn());
    before = pg_aggregate_readings(tx, aq(a, t0, t0 + 5 * hour, hour));
  }
  REQUIRE(before.size() == 5);

  readings_retention_policy p;
  p.raw_age = std::chrono::hours(2);
  p.batch = 1;  // still at least one whole hour per step
  // at = t0 + 5h 30m: the cutoff is t0 + 3h.
  const timestamp at = from_micros(t0 + 5 * hour + 30 * minute);
  const auto res = pg_apply_readings_retention(db.conn(), p, at);
  REQUIRE(res.raw_cutoff.has_value());
  CHECK(to_micros(*res.raw_cutoff) == t0 + 3 * hour);
  CHECK_FALSE(res.rollup_cutoff.has_value());
  long long folded_a = 0;
  for (int i = 0; i < 3 * 60; i += 7) ++folded_a;
  CHECK(res.readings_deleted == static_cast<std::uint64_t>(folded_a + 2));
  CHECK(res.hours_rolled_up == 4);  // a: 3 hours, b: 1
  CHECK(res.rollups_deleted == 0);
  CHECK(res.removed_something());
  {
    pqxx::work tx(db.conn());
    CHECK(tx.exec1("SELECT count(*) FROM lecturas WHERE ts < " + std::to_string(t0 + 3 * hour))[0]
              .as<long long>() == 0);
    const auto row = tx.exec_params1(
        "SELECT count, min, max, sum, first_ts, first_valor, last_ts, last_valor FROM "
        "lecturas_hourly WHERE sensor_id = $1 AND hour = $2",
        b, static_cast<std::int64_t>(t0));
    CHECK(row[0].as<long long>() == 2);
    CHECK(row[1].as<double>() == 1.0);
    CHECK(row[2].as<double>() == 2.0);
    CHECK(row[3].as<double>() == 3.0);
    CHECK(row[4].as<long long>() == t0 + 30 * minute);
    CHECK(row[5].as<double>() == 1.0);
    CHECK(row[6].as<long long>() == t0 + 30 * minute);
    CHECK(row[7].as<double>() == 2.0);
    // agg answers as it did from raw readings.
    const auto after = pg_aggregate_readings(tx, aq(a, t0, t0 + 5 * hour, hour));
    REQUIRE(after.size() == before.size());
    for (std::size_t i = 0; i < after.size(); ++i) {
      CAPTURE(i);
      CHECK(after[i].bucket_start == before[i].bucket_start);
      CHECK(after[i].count == before[i].count);
      CHECK(after[i].min == before[i].min);
      CHECK(after[i].max == before[i].max);
      CHECK(after[i].avg == doctest::Approx(before[i].avg));
      CHECK(after[i].first == before[i].first);
      CHECK(after[i].last == before[i].last);
    }
  }

  // A rerun finds nothing.
  const auto again = pg_apply_readings_retention(db.conn(), p, at);
  CHECK(again.readings_deleted == 0);
  CHECK(again.hours_rolled_up == 0);
  CHECK_FALSE(again.removed_something());

  // A late reading for a folded hour merges into its row.
  {
    pqxx::work tx(db.conn());
    add_reading(tx, b, -7.0, t0 + 10 * minute);  // the new first, and the new min
    add_reading(tx, b, 9.0, t0 + 30 * minute);   // ties the stored last: newer wins
    tx.commit();
  }
  const auto late = pg_apply_readings_retention(db.conn(), p, at);
  CHECK(late.readings_deleted == 2);
  CHECK(late.hours_rolled_up == 1);
  {
    pqxx::work tx(db.conn());
    const auto row = tx.exec_params1(
        "SELECT count, min, max, sum, first_ts, first_valor, last_ts, last_valor FROM "
        "lecturas_hourly WHERE sensor_id = $1 AND hour = $2",
        b, static_cast<std::int64_t>(t0));
    CHECK(row[0].as<long long>() == 4);
    CHECK(row[1].as<double>() == -7.0);
    CHECK(row[2].as<double>() == 9.0);
    CHECK(row[3].as<double>() == 5.0);
    CHECK(row[4].as<long long>() == t0 + 10 * minute);
    CHECK(row[5].as<double>() == -7.0);
    CHECK(row[7].as<double>() == 9.0);
  }

  // Rollup retention: hours ending at or before the cutoff go, in batches.
  readings_retention_policy rp;
  rp.rollup_age = std::chrono::hours(3);
  rp.batch = 1;
  // at = t0 + 5h 10m: cutoff t0 + 2h; hours t0 and t0 + 1h go (a: 2, b: 1).
  const auto pruned =
      pg_apply_readings_retention(db.conn(), rp, from_micros(t0 + 5 * hour + 10 * minute));
  REQUIRE(pruned.rollup_cutoff.has_value());
  CHECK(to_micros(*pruned.rollup_cutoff) == t0 + 2 * hour);
  CHECK_FALSE(pruned.raw_cutoff.has_value());
  CHECK(pruned.rollups_deleted == 3);
  CHECK(pruned.readings_deleted == 0);
  {
    pqxx::work tx(db.conn());
    CHECK(tx.exec1("SELECT count(*) FROM lecturas_hourly")[0].as<long long>() == 1);
    CHECK(tx.exec1("SELECT min(hour) FROM lecturas_hourly")[0].as<long long>() == t0 + 2 * hour);
  }
  CHECK(pg_apply_readings_retention(db.conn(), rp, from_micros(t0 + 5 * hour + 10 * minute))
            .rollups_deleted == 0);
  // Nothing configured: nothing happens.
  const auto none = pg_apply_readings_retention(db.conn(), {}, at);
  CHECK_FALSE(none.raw_cutoff.has_value());
  CHECK_FALSE(none.rollup_cutoff.has_value());
  CHECK_FALSE(none.removed_something());
}

TEST_CASE("pg_prune_events: by count and by age, oldest first, in batches") {
  test_db db;
  const long long now_us = to_micros(now());
  const long long old = now_us - 48 * hour;
  {
    pqxx::work tx(db.conn());
    // seq 1..4 old, 5 new, 6 old, 7..12 new.
    for (int seq = 1; seq <= 12; ++seq) {
      const bool is_old = seq <= 4 || seq == 6;
      tx.exec_params0(
          "INSERT INTO events(seq, channel, kind, created_at, json) VALUES ($1, 'general', "
          "'system', $2, '{}')",
          seq, static_cast<std::int64_t>(is_old ? old : now_us));
    }
    tx.commit();
  }
  const auto seqs = [&] {
    pqxx::work tx(db.conn());
    ids out;
    for (const auto& row : tx.exec("SELECT seq FROM events ORDER BY seq")) {
      out.push_back(row[0].as<std::int64_t>());
    }
    return out;
  };
  CHECK(pg_prune_events(db.conn(), retention_policy{}) == 0);

  retention_policy by_age;
  by_age.max_age = std::chrono::hours(1);
  by_age.batch = 4;
  // Everything up to the newest old event goes (seq 5 too): a contiguous suffix stays.
  CHECK(pg_prune_events(db.conn(), by_age) == 6);
  CHECK(seqs() == ids{7, 8, 9, 10, 11, 12});
  CHECK(pg_prune_events(db.conn(), by_age) == 0);

  retention_policy by_count;
  by_count.max_events = 2;
  by_count.batch = 2;  // a batch that ends exactly on the last row, then an empty one
  CHECK(pg_prune_events(db.conn(), by_count) == 4);
  CHECK(seqs() == ids{11, 12});
  CHECK(pg_prune_events(db.conn(), by_count) == 0);
  by_count.max_events = 5;
  CHECK(pg_prune_events(db.conn(), by_count) == 0);
  by_count.max_events = 1;
  by_count.batch = 0;  // the default batch
  CHECK(pg_prune_events(db.conn(), by_count) == 1);
  CHECK(seqs() == ids{12});
}

TEST_CASE("pg_find_idempotent and pg_put_idempotent: store, replace, per owner, expiry") {
  test_db db;
  pqxx::work tx(db.conn());
  CHECK_FALSE(pg_find_idempotent(tx, "alice", "k1").has_value());

  idempotent_response r;
  r.owner = "alice";
  r.key = "k1";
  r.request_hash = "h1";
  r.status = 201;
  r.body = "{\"id\":1}";
  r.created_at = from_micros(t0);
  pg_put_idempotent(tx, r, from_micros(t0 - hour));
  auto got = pg_find_idempotent(tx, "alice", "k1");
  REQUIRE(got.has_value());
  CHECK(got->owner == "alice");
  CHECK(got->key == "k1");
  CHECK(got->request_hash == "h1");
  CHECK(got->status == 201);
  CHECK(got->body == "{\"id\":1}");
  CHECK(to_micros(got->created_at) == t0);
  CHECK_FALSE(pg_find_idempotent(tx, "bob", "k1").has_value());
  CHECK_FALSE(pg_find_idempotent(tx, "alice", "k2").has_value());

  // The same key again replaces the answer.
  r.request_hash = "h2";
  r.status = 409;
  r.body = "conflict";
  r.created_at = from_micros(t0 + minute);
  pg_put_idempotent(tx, r, from_micros(t0 - hour));
  got = pg_find_idempotent(tx, "alice", "k1");
  REQUIRE(got.has_value());
  CHECK(got->request_hash == "h2");
  CHECK(got->status == 409);
  CHECK(got->body == "conflict");
  CHECK(to_micros(got->created_at) == t0 + minute);
  // Another owner's key of the same name is its own.
  idempotent_response bob = r;
  bob.owner = "bob";
  bob.body = "bob's";
  pg_put_idempotent(tx, bob, from_micros(t0 - hour));
  CHECK(pg_find_idempotent(tx, "bob", "k1")->body == "bob's");
  CHECK(pg_find_idempotent(tx, "alice", "k1")->body == "conflict");

  // Expiry: at most 100 of the oldest answers go per put.
  for (int i = 0; i < 150; ++i) {
    idempotent_response old = r;
    old.key = "old" + std::to_string(i);
    old.created_at = from_micros(t0 - 10 * hour + i);
    pg_put_idempotent(tx, old, from_micros(t0 - 20 * hour));
  }
  const auto count = [&] {
    return tx.exec1("SELECT count(*) FROM idempotency_keys")[0].as<long long>();
  };
  CHECK(count() == 152);
  idempotent_response fresh = r;
  fresh.key = "fresh";
  fresh.created_at = from_micros(t0 + hour);
  pg_put_idempotent(tx, fresh, from_micros(t0));  // the 150 old ones are expired
  CHECK(count() == 53);
  CHECK_FALSE(pg_find_idempotent(tx, "alice", "old0").has_value());
  CHECK_FALSE(pg_find_idempotent(tx, "alice", "old99").has_value());
  CHECK(pg_find_idempotent(tx, "alice", "old100").has_value());
  CHECK(pg_find_idempotent(tx, "alice", "fresh").has_value());
  fresh.key = "fresh2";
  pg_put_idempotent(tx, fresh, from_micros(t0));
  CHECK(count() == 4);
  CHECK(pg_find_idempotent(tx, "alice", "k1").has_value());  // t0 + 1 min: not expired
  tx.commit();
}

namespace {

// The same rows in a SQLite repository and in PostgreSQL (same ids and
// times): sensors of three tipos and three ubicaciones (one null), readings
// with many ties on ts, values multiples of 0.25 (exact sums in any order).
struct twin_data {
  std::vector<sensor> sensors;
  std::vector<reading> readings;
};

twin_data seed_twins(repository& lite, pqxx::connection& pg) {
  twin_data d;
  const char* tipos[] = {"temperatura", "humedad", "presion"};
  const std::optional<std::string> ubis[] = {std::string("lab"), std::string("patio"),
                                             std::nullopt};
  unsigned x = 12345;
  const auto rnd = [&x](unsigned n) {
    x = x * 1103515245u + 12345u;
    return (x >> 8) % n;
  };
  lite.write([&](write_tx& tx) {
    for (int i = 0; i < 12; ++i) {
      sensor s;
      s.tipo = tipos[rnd(3)];
      s.modelo = "M" + std::to_string(i);
      s.ubicacion = ubis[rnd(3)];
      s.activo = i % 4 != 0;
      s.created_at = from_micros(t0 + i);
      s.updated_at = from_micros(t0 + 2 * i);
      d.sensors.push_back(tx.insert_sensor(s));
    }
    for (int i = 0; i < 500; ++i) {
      reading l;
      l.sensor_id = d.sensors[rnd(11)].id;  // the last sensor has no reading
      l.valor = static_cast<double>(rnd(200)) * 0.25 - 20.0;
      l.unidad = i % 5 == 0 ? std::nullopt : std::optional<std::string>("C");
      l.timestamp = from_micros(t0 - 3 * hour + static_cast<long long>(rnd(360)) * minute);
      l.created_at = l.updated_at = from_micros(t0 + 5 * hour + i);
      d.readings.push_back(tx.insert_reading(l));
    }
  });
  pqxx::work tx(pg);
  for (const sensor& s : d.sensors) {
    tx.exec_params0(
        "INSERT INTO sensors(id, tipo, modelo, ubicacion, activo, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        s.id, s.tipo, s.modelo, s.ubicacion, s.activo, pg_micros(s.created_at),
        pg_micros(s.updated_at));
  }
  for (const reading& l : d.readings) {
    tx.exec_params0(
        "INSERT INTO lecturas(id, sensor_id, valor, unidad, ts, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        l.id, l.sensor_id, l.valor, l.unidad, pg_micros(l.timestamp), pg_micros(l.created_at),
        pg_micros(l.updated_at));
  }
  tx.commit();
  return d;
}

std::vector<data_scope> twin_scopes(const twin_data& d) {
  return {
      {},
      scope_of({d.sensors[1].id, d.sensors[4].id, d.sensors[11].id, 999}, {}, {}),
      scope_of({}, {"temperatura"}, {}),
      scope_of({}, {"humedad", "presion"}, {"lab"}),
      scope_of({}, {}, {"patio", "lab"}),
      scope_of({d.sensors[0].id, d.sensors[2].id, d.sensors[3].id}, {"temperatura"}, {"patio"})};
}

std::string to_text(const std::vector<liveness_row>& rows) {
  std::string out;
  for (const auto& r : rows) {
    out += std::to_string(r.sensor_id) + " " + r.tipo + " " +
           (r.last_reading_at ? std::to_string(to_micros(*r.last_reading_at)) : "-") + " " +
           (r.stale ? "stale" : "live") + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("PostgreSQL answers as the SQLite repository does for the same data") {
  sensorhub::testing::temp_dir dir;
  sqlite_options o;
  o.path = dir.file("twin.db");
  sqlite_repository lite(o);
  test_db db;
  const twin_data d = seed_twins(lite, db.conn());
  const auto scopes = twin_scopes(d);

  // Lists: every tipo, page and scope.
  for (std::size_t si = 0; si < scopes.size(); ++si) {
    CAPTURE(si);
    const data_scope& scope = scopes[si];
    for (const std::optional<std::string>& tipo :
         {std::optional<std::string>{}, std::optional<std::string>("temperatura"),
          std::optional<std::string>("presion"), std::optional<std::string>("nada")}) {
      for (std::size_t limit : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{100}}) {
        for (std::size_t offset : {std::size_t{0}, std::size_t{2}, std::size_t{11}}) {
          CAPTURE(tipo);
          CAPTURE(limit);
          CAPTURE(offset);
          const auto q = squery(tipo, limit, offset);
          pqxx::work tx(db.conn());
          CHECK(to_json(pg_list_sensors(tx, q, scope)) == to_json(lite.list_sensors(q, scope)));
        }
      }
    }
    for (const std::optional<std::int64_t>& sensor_id :
         {std::optional<std::int64_t>{}, std::optional<std::int64_t>(d.sensors[2].id),
          std::optional<std::int64_t>(d.sensors[11].id)}) {
      for (int window = 0; window < 4; ++window) {
        for (std::size_t offset : {std::size_t{0}, std::size_t{7}}) {
          reading_query q;
          q.sensor_id = sensor_id;
          if (window & 1) q.since = from_micros(t0 - hour);
          if (window & 2) q.until = from_micros(t0 + 30 * minute);
          q.limit = 40;
          q.offset = offset;
          CAPTURE(sensor_id);
          CAPTURE(window);
          CAPTURE(offset);
          pqxx::work tx(db.conn());
          CHECK(to_json(pg_list_readings(tx, q, scope)) == to_json(lite.list_readings(q, scope)));
        }
      }
    }
  }

  // Snapshots: every channel, filter and scope.
  std::vector<event_filter> filters(6);
  filters[1].sensor_id = {d.sensors[3].id, d.sensors[5].id, d.sensors[11].id};
  filters[2].tipo = {"humedad", "temperatura"};
  filters[3].entity_id = {d.sensors[1].id, d.sensors[5].id};
  for (std::size_t i = 0; i < d.readings.size(); i += 9) {
    filters[3].entity_id.push_back(d.readings[i].id);
  }
  filters[4] = filters[3];
  filters[4].sensor_id = {d.sensors[1].id, d.sensors[2].id};
  filters[5].entity_id = {d.readings[0].id, d.readings[1].id};
  filters[5].sensor_id = {d.readings[1].sensor_id};
  filters[5].tipo = {"presion"};
  for (channel c : {channel::sensors, channel::readings, channel::general}) {
    for (std::size_t fi = 0; fi < filters.size(); ++fi) {
      for (std::size_t si = 0; si < scopes.size(); ++si) {
        CAPTURE(static_cast<int>(c));
        CAPTURE(fi);
        CAPTURE(si);
        pqxx::transaction<pqxx::isolation_level::repeatable_read> tx(db.conn());
        const auto pg = pg_snapshot(tx, c, filters[fi], scopes[si]);
        const auto sq = lite.snapshot(c, filters[fi], scopes[si]);
        CHECK(pg.seq == sq.seq);
        CHECK(pg.data_json == sq.data_json);
      }
    }
  }

  // Aggregates, liveness, then retention on both and the aggregates again.
  const auto check_aggs = [&] {
    for (std::size_t si = 0; si < d.sensors.size(); si += 2) {
      for (long long bucket : {minute, 7 * minute, hour, 2 * hour}) {
        for (const auto& [since, until] :
             {std::pair<long long, long long>{t0 - 4 * hour, t0 + 4 * hour},
              {t0 - 2 * hour - 13 * minute, t0 + 17 * minute}}) {
          CAPTURE(si);
          CAPTURE(bucket);
          CAPTURE(since);
          const auto q = aq(d.sensors[si].id, since, until, bucket);
          pqxx::work tx(db.conn());
          CHECK(to_json(pg_aggregate_readings(tx, q)) == to_json(lite.aggregate_readings(q)));
        }
      }
    }
  };
  check_aggs();
  lite.write([&](write_tx& tx) {
    tx.set_stale(d.sensors[3].id, true);
    tx.set_stale(d.sensors[4].id, false);
  });
  {
    pqxx::work tx(db.conn());
    pg_set_stale(tx, d.sensors[3].id, true);
    pg_set_stale(tx, d.sensors[4].id, false);
    CHECK(to_text(pg_liveness(tx)) == to_text(lite.liveness()));
    tx.commit();
  }

  readings_retention_policy p;
  p.raw_age = std::chrono::hours(3);
  p.rollup_age = std::chrono::hours(4);  // rollup cutoff t0 - 2h
  p.batch = 25;
  const timestamp at = from_micros(t0 + 2 * hour + 11 * minute);  // raw cutoff t0 - 1h
  const auto pr = pg_apply_readings_retention(db.conn(), p, at);
  const auto sr = lite.apply_readings_retention(p, at);
  CHECK(pr.readings_deleted > 0);
  CHECK(pr.readings_deleted == sr.readings_deleted);
  CHECK(pr.hours_rolled_up == sr.hours_rolled_up);
  CHECK(pr.rollups_deleted > 0);
  CHECK(pr.rollups_deleted == sr.rollups_deleted);
  CHECK(pr.raw_cutoff == sr.raw_cutoff);
  CHECK(pr.rollup_cutoff == sr.rollup_cutoff);
  check_aggs();
  {
    pqxx::work tx(db.conn());
    reading_query q;
    q.limit = 1000;
    CHECK(to_json(pg_list_readings(tx, q, {})) == to_json(lite.list_readings(q, {})));
    CHECK(to_text(pg_liveness(tx)) == to_text(lite.liveness()));
  }
}
