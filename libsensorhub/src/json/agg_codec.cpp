// SPDX-License-Identifier: MIT
// JSON of GET /sensores/{id}/lecturas/agg (SPEC §13).
#include "json/json_writer.hpp"
#include "sensorhub/codec.hpp"

namespace sensorhub {

std::string to_json(const std::vector<agg_bucket>& buckets) {
  detail::json_writer w;
  w.begin_array();
  for (const agg_bucket& b : buckets) {
    w.begin_object();
    w.key("bucket_start").str(format_time(b.bucket_start));
    w.key("count").i64(b.count);
    w.key("min").dbl(b.min);
    w.key("max").dbl(b.max);
    w.key("avg").dbl(b.avg);
    w.key("first").dbl(b.first);
    w.key("last").dbl(b.last);
    w.end_object();
  }
  w.end_array();
  return w.take();
}

}  // namespace sensorhub
