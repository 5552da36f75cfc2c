// libFuzzer harness: the JSON codec on arbitrary bytes. Parsers may throw
// sensorhub::error (that is their contract); anything else - a crash, a
// sanitizer report, another exception or a broken round trip - is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "json/json_reader.hpp"
#include "sensorhub/codec.hpp"
#include "sensorhub/error.hpp"
#include "sensorhub/validation.hpp"

using namespace sensorhub;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// A successfully parsed reading, encoded and parsed again, keeps its values.
void round_trip(const reading_patch& p) {
  if (!p.valor) return;
  reading l;
  l.id = 1;
  l.sensor_id = p.sensor_id.value_or(1);
  l.valor = *p.valor;
  if (p.unidad) l.unidad = *p.unidad;
  if (p.timestamp) l.timestamp = *p.timestamp;
  auto tree = detail::parse_json(to_json(l));
  check(tree.is_object());
  auto& m = tree.members;
  for (auto it = m.begin(); it != m.end();) {
    it = (it->first == "id" || it->first == "created_at" || it->first == "updated_at") ? m.erase(it)
                                                                                       : it + 1;
  }
  std::string body;
  detail::write_json(body, tree);
  const reading_patch back = parse_reading_patch(body);
  check(back.valor && *back.valor == *p.valor);
  check(back.sensor_id == l.sensor_id);
  check(back.unidad && *back.unidad == l.unidad);
  check(back.timestamp == l.timestamp);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const sensor_patch p = parse_sensor_patch(text);
    (void)validate_sensor_create(p);
    (void)validate_sensor_update(p);
  } catch (const error&) {
  }
  try {
    const reading_patch p = parse_reading_patch(text);
    (void)validate_reading_create(p);
    round_trip(p);
  } catch (const error&) {
  }
  try {
    for (const auto& p : parse_reading_batch(text, 64)) (void)validate_reading_update(p);
  } catch (const error&) {
  }
  // Whatever the bytes, quote_json yields a JSON string our parser accepts.
  const auto quoted = detail::parse_json("[" + quote_json(text) + "]");
  check(quoted.is_array() && quoted.items.size() == 1 && quoted.items[0].is_string());
  return 0;
}
