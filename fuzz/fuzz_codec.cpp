// SPDX-License-Identifier: MIT
// libFuzzer harness: the JSON codec of entity bodies on arbitrary bytes -
// sensor and reading create/update bodies, reading batches, the generic
// object reader (parse_json_object) and quote_json. Parsers may throw
// sensorhub::error (that is their contract); anything else - a crash, a
// sanitizer report, another exception or a broken round trip (parse ->
// encode -> parse keeps the values) - is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "json/json_reader.hpp"
#include "sensorhub/codec.hpp"
#include "sensorhub/error.hpp"
#include "sensorhub/validation.hpp"

using namespace sensorhub;

using sensorhub_fuzz::check;

namespace {

// to_json's text without the fields a client does not send (id and the
// server's times), as a body the patch parsers accept.
std::string client_body(const std::string& entity_json) {
  auto tree = detail::parse_json(entity_json);
  check(tree.is_object());
  auto& m = tree.members;
  for (auto it = m.begin(); it != m.end();) {
    it = (it->first == "id" || it->first == "created_at" || it->first == "updated_at") ? m.erase(it)
                                                                                       : it + 1;
  }
  std::string body;
  detail::write_json(body, tree);
  return body;
}

// A sensor accepted for create, encoded and parsed again, keeps its values.
void round_trip(const sensor_patch& p) {
  if (!validate_sensor_create(p).empty()) return;
  sensor s;
  s.id = 1;
  s.tipo = *p.tipo;
  s.modelo = *p.modelo;
  if (p.ubicacion) s.ubicacion = *p.ubicacion;
  if (p.activo) s.activo = *p.activo;
  const sensor_patch back = parse_sensor_patch(client_body(to_json(s)));
  check(back.tipo == s.tipo && back.modelo == s.modelo && back.activo == s.activo);
  check(back.ubicacion && *back.ubicacion == s.ubicacion);
  check(validate_sensor_create(back).empty());
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
  const reading_patch back = parse_reading_patch(client_body(to_json(l)));
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
    (void)validate_sensor_update(p);
    round_trip(p);
  } catch (const error&) {
  }
  try {
    const reading_patch p = parse_reading_patch(text);
    (void)validate_reading_create(p);
    round_trip(p);
  } catch (const error&) {
  }
  try {
    const auto batch = parse_reading_batch(text, 64);
    check(batch.size() <= 64);
    for (const auto& p : batch) (void)validate_reading_update(p);
  } catch (const error&) {
  }
  try {
    for (const auto& [key, field] : parse_json_object(text, 256)) {
      if (field.type == json_field::kind::string) check(quote_json(field.text).size() >= 2);
    }
  } catch (const error&) {
  }
  // Whatever the bytes, quote_json yields a JSON string our parser accepts.
  const auto quoted = detail::parse_json("[" + quote_json(text) + "]");
  check(quoted.is_array() && quoted.items.size() == 1 && quoted.items[0].is_string());
  return 0;
}
