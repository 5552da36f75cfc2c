// SPDX-License-Identifier: MIT
#include "verify.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include <rapidjson/document.h>

namespace sensorhub::soak {

std::uint8_t channel_bit_of(const std::string& name) {
  if (name == "sensors") return ch_sensors;
  if (name == "readings") return ch_readings;
  if (name == "general") return ch_general;
  return 0;
}

namespace {

// One stored event, reduced to what the checks need.
struct stored_event {
  std::int64_t seq = 0;
  std::uint8_t channel = 0;
  char entity = 0;  // 's' sensor, 'r' reading, 0 system
  char type = 0;    // 'c' created, 'u' updated, 'd' deleted
  std::int64_t id = 0, token = 0, sensor_id = 0;
};

std::int64_t token_of(const rapidjson::Value& data, char entity) {
  if (entity == 's') {
    if (!data.HasMember("modelo") || !data["modelo"].IsString()) return -1;
    const char* m = data["modelo"].GetString();
    return m[0] == 'm' ? std::strtoll(m + 1, nullptr, 10) : -1;
  }
  if (!data.HasMember("valor") || !data["valor"].IsNumber()) return -1;
  return static_cast<std::int64_t>(data["valor"].GetDouble());
}

// Runs `sql` and hands each row to `row`.
template <typename F>
void query(sqlite3* db, const char* sql, F row) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) {
    throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db));
  }
  while (sqlite3_step(st) == SQLITE_ROW) row(st);
  sqlite3_finalize(st);
}

const char* text(sqlite3_stmt* st, int col) {
  const auto* p = sqlite3_column_text(st, col);
  return p ? reinterpret_cast<const char*>(p) : "";
}

std::vector<stored_event> load_events(sqlite3* db) {
  std::vector<stored_event> out;
  query(db,
        "SELECT seq, channel, entity_type, event_type, entity_id, json FROM events ORDER BY seq",
        [&](sqlite3_stmt* st) {
          stored_event e;
          e.seq = sqlite3_column_int64(st, 0);
          e.channel = channel_bit_of(text(st, 1));
          const std::string et = text(st, 2), ev = text(st, 3);
          e.entity = et == "sensor" ? 's' : et == "lectura" ? 'r' : 0;
          e.type = ev.empty() ? 0 : ev[0];
          e.id = sqlite3_column_int64(st, 4);
          if (e.entity != 0) {
            rapidjson::Document d;
            d.Parse(text(st, 5));
            if (!d.HasParseError() && d.HasMember("data") && d["data"].IsObject()) {
              e.token = token_of(d["data"], e.entity);
              if (d["data"].HasMember("sensor_id") && d["data"]["sensor_id"].IsInt64()) {
                e.sensor_id = d["data"]["sensor_id"].GetInt64();
              }
            }
          }
          out.push_back(e);
        });
  return out;
}

std::int64_t key(char entity, std::int64_t id) { return entity == 's' ? id : -id; }

// The rows left by replaying the event log: entity key -> token.
std::unordered_map<std::int64_t, std::int64_t> replay(const std::vector<stored_event>& events) {
  std::unordered_map<std::int64_t, std::int64_t> state;
  std::unordered_map<std::int64_t, std::vector<std::int64_t>> readings_of;
  for (const auto& e : events) {
    if (e.entity == 0) continue;
    if (e.type == 'c' || e.type == 'u') {
      state[key(e.entity, e.id)] = e.token;
      if (e.entity == 'r' && e.type == 'c') readings_of[e.sensor_id].push_back(e.id);
    } else if (e.type == 'd') {
      state.erase(key(e.entity, e.id));
      if (e.entity == 's') {
        for (auto r : readings_of[e.id]) state.erase(key('r', r));
        readings_of.erase(e.id);
      }
    }
  }
  return state;
}

void fail(verdict& v, const std::string& what) {
  if (v.failures.size() < 50) v.failures.push_back(what);
  if (v.failures.size() == 50) v.failures.push_back("(more failures not listed)");
}

// A live entity of a ledger: its row holds the acked token or a maybe token.
void check_live(verdict& v, const std::unordered_map<std::int64_t, std::int64_t>& rows, char entity,
                std::int64_t id, const entity_value& val) {
  const auto it = rows.find(key(entity, id));
  const std::string name = std::string(entity == 's' ? "sensor " : "reading ") + std::to_string(id);
  if (it == rows.end()) return fail(v, "acknowledged " + name + " missing from the database");
  if (it->second != val.token &&
      std::find(val.maybe.begin(), val.maybe.end(), it->second) == val.maybe.end()) {
    return fail(v, name + " holds token " + std::to_string(it->second) + ", acknowledged " +
                       std::to_string(val.token));
  }
  ++v.acked_checked;
}

void check_ledgers(verdict& v, const std::vector<writer_ledger>& ledgers,
                   const std::unordered_map<std::int64_t, std::int64_t>& rows,
                   const std::vector<stored_event>& events) {
  std::set<std::tuple<char, char, std::int64_t, std::int64_t>> written;  // entity, type, id, token
  for (const auto& e : events) {
    if (e.entity != 0)
      written.emplace(e.entity, e.type == 'd' ? 'd' : 'w', e.id, e.type == 'd' ? 0 : e.token);
  }
  std::unordered_set<std::int64_t> known;
  std::unordered_set<std::int64_t> maybe_s, maybe_r;
  for (const auto& l : ledgers) {
    for (const auto& [id, val] : l.sensors)
      check_live(v, rows, 's', id, val), known.insert(key('s', id));
    for (const auto& [id, val] : l.readings)
      check_live(v, rows, 'r', id, val), known.insert(key('r', id));
    for (auto id : l.deleted_sensors) {
      if (rows.count(key('s', id)))
        fail(v, "deleted sensor " + std::to_string(id) + " still stored");
      if (!written.count({'s', 'd', id, 0}))
        fail(v, "no deleted event for sensor " + std::to_string(id));
    }
    for (auto id : l.deleted_readings) {
      if (rows.count(key('r', id)))
        fail(v, "deleted reading " + std::to_string(id) + " still stored");
      if (!written.count({'r', 'd', id, 0}))
        fail(v, "no deleted event for reading " + std::to_string(id));
    }
    for (auto id : l.cascaded_readings) {
      if (rows.count(key('r', id)))
        fail(v, "reading " + std::to_string(id) + " outlived its sensor");
    }
    for (const auto& [id, t] : l.sensor_writes) {
      if (!written.count({'s', 'w', id, t}))
        fail(v, "no event for acked write of sensor " + std::to_string(id));
    }
    for (const auto& [id, t] : l.reading_writes) {
      if (!written.count({'r', 'w', id, t}))
        fail(v, "no event for acked write of reading " + std::to_string(id));
    }
    maybe_s.insert(l.maybe_sensor_tokens.begin(), l.maybe_sensor_tokens.end());
    maybe_r.insert(l.maybe_reading_tokens.begin(), l.maybe_reading_tokens.end());
  }
  for (const auto& [k, token] : rows) {
    if (known.count(k)) continue;
    if ((k > 0 ? maybe_s : maybe_r).count(token)) {
      ++v.unknown_landed;
    } else {
      fail(v, std::string(k > 0 ? "sensor " : "reading ") + std::to_string(k > 0 ? k : -k) +
                  " stored but never written (token " + std::to_string(token) + ")");
    }
  }
}

// A segment must be exactly the stored events of its channels after start.
void check_segment(verdict& v, const std::vector<stored_event>& events, const subscriber_record& s,
                   std::size_t n, const segment& seg) {
  if (seg.seqs.empty()) return;
  const std::string who =
      s.role + " " + std::to_string(s.index) + " connection " + std::to_string(n);
  auto it = std::upper_bound(events.begin(), events.end(), seg.start,
                             [](std::int64_t x, const stored_event& e) { return x < e.seq; });
  for (std::size_t j = 0; j < seg.seqs.size(); ++j, ++it) {
    while (it != events.end() && (it->channel & seg.mask) == 0) ++it;
    if (it == events.end())
      return fail(v, who + ": received seq " + std::to_string(seg.seqs[j]) + " not stored");
    if (it->seq != seg.seqs[j]) {
      return fail(v, who +
                         (it->seq < seg.seqs[j] ? ": gap, missed seq "
                                                : ": duplicate/out of order, expected seq ") +
                         std::to_string(it->seq) + " got " + std::to_string(seg.seqs[j]));
    }
  }
  ++v.segments_checked;
  v.seqs_checked += static_cast<std::int64_t>(seg.seqs.size());
}

}  // namespace

verdict verify(const std::filesystem::path& db_path, const std::vector<writer_ledger>& ledgers,
               const std::vector<subscriber_record>& subscribers, std::int64_t auditor_target) {
  verdict v;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    v.failures.push_back("cannot open " + db_path.string());
    sqlite3_close(db);
    return v;
  }
  const auto events = load_events(db);
  std::unordered_map<std::int64_t, std::int64_t> rows;
  query(db, "SELECT id, modelo FROM sensors", [&](sqlite3_stmt* st) {
    const char* m = text(st, 1);
    rows[key('s', sqlite3_column_int64(st, 0))] =
        m[0] == 'm' ? std::strtoll(m + 1, nullptr, 10) : -1;
    ++v.sensors_in_db;
  });
  query(db, "SELECT id, valor FROM lecturas", [&](sqlite3_stmt* st) {
    rows[key('r', sqlite3_column_int64(st, 0))] =
        static_cast<std::int64_t>(sqlite3_column_double(st, 1));
    ++v.readings_in_db;
  });
  sqlite3_close(db);
  v.events_stored = static_cast<std::int64_t>(events.size());
  v.last_seq = events.empty() ? 0 : events.back().seq;
  check_ledgers(v, ledgers, rows, events);
  if (replay(events) != rows) fail(v, "replaying the event log does not give the stored rows");
  for (const auto& s : subscribers) {
    for (std::size_t i = 0; i < s.segments.size(); ++i)
      check_segment(v, events, s, i, s.segments[i]);
    if (!s.error.empty()) fail(v, s.role + " " + std::to_string(s.index) + ": " + s.error);
    if (s.role == "auditor") {
      std::int64_t last = 0;
      for (const auto& seg : s.segments) {
        if (!seg.seqs.empty()) last = seg.seqs.back();
      }
      if (last < auditor_target) {
        fail(v, "auditor " + std::to_string(s.index) + " ended at seq " + std::to_string(last) +
                    ", below " + std::to_string(auditor_target));
      }
      if (s.segments.empty() || !s.segments.front().resumed || s.segments.front().start != 0) {
        fail(v, "auditor " + std::to_string(s.index) + " did not start from since=0");
      }
    }
  }
  return v;
}

}  // namespace sensorhub::soak
