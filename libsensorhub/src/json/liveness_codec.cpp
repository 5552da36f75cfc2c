// SPDX-License-Identifier: MIT
// JSON of GET /sensores/{id}/status (SPEC §13).
#include "json/json_writer.hpp"
#include "sensorhub/codec.hpp"

namespace sensorhub {

std::string to_json(const sensor_status& s) {
  detail::json_writer w;
  w.begin_object();
  w.key("sensor_id").i64(s.sensor_id);
  w.key("last_reading_at");
  if (s.last_reading_at) {
    w.str(format_time(*s.last_reading_at));
  } else {
    w.null();
  }
  w.key("last_valor");
  if (s.last_valor) {
    w.dbl(*s.last_valor);
  } else {
    w.null();
  }
  w.key("stale").boolean(s.stale);
  w.end_object();
  return w.take();
}

}  // namespace sensorhub
