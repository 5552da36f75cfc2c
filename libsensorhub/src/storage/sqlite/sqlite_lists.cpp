// SPDX-License-Identifier: MIT
#include "storage/sqlite/sqlite_lists.hpp"

#include <cstdint>
#include <limits>

#include "storage/sqlite/sqlite_rows.hpp"

namespace sensorhub::detail {

namespace {

template <typename T, typename Read>
std::vector<T> read_all(SQLite::Statement& st, Read read) {
  std::vector<T> out;
  while (st.executeStep()) {
    out.push_back(read(st));
  }
  return out;
}

}  // namespace

std::vector<sensor> sqlite_list_sensors(sqlite_connection& c, const sensor_query& q,
                                        const data_scope& scope) {
  if (!scope.unrestricted()) {
    auto st = c.prepare(sql_list_sensors_scoped);
    if (q.tipo) {
      st->bind(":tipo", *q.tipo);
    } else {
      st->bind(":tipo");
    }
    bind_scope(*st, scope);
    st->bind(":limit", to_sql_count(q.limit));
    st->bind(":offset", to_sql_count(q.offset));
    return read_all<sensor>(*st, read_sensor);
  }
  auto st = c.prepare(q.tipo ? sql_list_sensors_tipo : sql_list_sensors);
  int i = 1;
  if (q.tipo) {
    st->bind(i++, *q.tipo);
  }
  st->bind(i++, to_sql_count(q.limit));
  st->bind(i++, to_sql_count(q.offset));
  return read_all<sensor>(*st, read_sensor);
}

std::vector<reading> sqlite_list_readings(sqlite_connection& c, const reading_query& q,
                                          const data_scope& scope) {
  const auto since = q.since ? static_cast<std::int64_t>(to_micros(*q.since))
                             : std::numeric_limits<std::int64_t>::min();
  const auto until = q.until ? static_cast<std::int64_t>(to_micros(*q.until))
                             : std::numeric_limits<std::int64_t>::max();
  if (!scope.unrestricted()) {
    auto st = c.prepare(sql_list_readings_scoped);
    if (q.sensor_id) {
      st->bind(":sensor", static_cast<std::int64_t>(*q.sensor_id));
    } else {
      st->bind(":sensor");
    }
    st->bind(":since", since);
    st->bind(":until", until);
    bind_scope(*st, scope);
    st->bind(":limit", to_sql_count(q.limit));
    st->bind(":offset", to_sql_count(q.offset));
    return read_all<reading>(*st, read_reading);
  }
  auto st = c.prepare(q.sensor_id ? sql_list_readings_sensor : sql_list_readings);
  int i = 1;
  if (q.sensor_id) {
    st->bind(i++, static_cast<std::int64_t>(*q.sensor_id));
  }
  st->bind(i++, since);
  st->bind(i++, until);
  st->bind(i++, to_sql_count(q.limit));
  st->bind(i++, to_sql_count(q.offset));
  return read_all<reading>(*st, read_reading);
}

}  // namespace sensorhub::detail
