// SPDX-License-Identifier: MIT
#include "sensorhub/sensor_service.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "sensorhub/error.hpp"
#include "sensorhub/time.hpp"
#include "sensorhub/validation.hpp"

namespace sensorhub {

namespace {

error sensor_not_found(std::int64_t id) {
  return error(errc::not_found, "sensor " + std::to_string(id) + " not found");
}

error outside_scope(const char* what) {
  return error(errc::forbidden, std::string(what) + " outside the token's data scope");
}

// Applies the patch to `s`; returns the names of the fields whose value
// really changed, in the entity's field order.
std::vector<std::string> apply(sensor& s, const sensor_patch& p) {
  std::vector<std::string> changed;
  if (p.tipo && *p.tipo != s.tipo) {
    s.tipo = *p.tipo;
    changed.emplace_back("tipo");
  }
  if (p.modelo && *p.modelo != s.modelo) {
    s.modelo = *p.modelo;
    changed.emplace_back("modelo");
  }
  if (p.ubicacion && *p.ubicacion != s.ubicacion) {
    s.ubicacion = *p.ubicacion;
    changed.emplace_back("ubicacion");
  }
  if (p.activo && *p.activo != s.activo) {
    s.activo = *p.activo;
    changed.emplace_back("activo");
  }
  return changed;
}

}  // namespace

sensor sensor_service::create(const sensor_patch& p, const data_scope& scope,
                              const also_in_tx<sensor>& also) {
  field_errors errors = validate_sensor_create(p);
  if (!errors.empty()) {
    throw validation_error(std::move(errors));
  }

  sensor s;
  s.tipo = *p.tipo;
  s.modelo = *p.modelo;
  if (p.ubicacion) {
    s.ubicacion = *p.ubicacion;
  }
  s.activo = p.activo.value_or(true);
  s.created_at = s.updated_at = now();

  sensor created;
  repo_.write([&](write_tx& tx) {
    created = tx.insert_sensor(s);
    // Checked once the id is assigned; throwing rolls the insert back.
    if (!scope.contains(created)) throw outside_scope("creating a sensor");
    entity_change change;
    change.type = event_type::created;
    change.data = created;
    change.tipo = created.tipo;
    tx.append(change);
    if (also) also(tx, created);
  });
  return created;
}

std::optional<sensor> sensor_service::get(std::int64_t id, const data_scope& scope) {
  std::optional<sensor> s = repo_.find_sensor(id);
  if (s && !scope.contains(*s)) return std::nullopt;
  return s;
}

std::vector<sensor> sensor_service::list(const sensor_query& q, const data_scope& scope) {
  sensor_query bounded = q;
  bounded.limit = std::min(bounded.limit, max_list_limit);
  return repo_.list_sensors(bounded, scope);
}

sensor sensor_service::update(std::int64_t id, const sensor_patch& p, const data_scope& scope) {
  field_errors errors = validate_sensor_update(p);
  if (!errors.empty()) {
    throw validation_error(std::move(errors));
  }

  sensor result;
  repo_.write([&](write_tx& tx) {
    std::optional<sensor> current = tx.find_sensor(id);
    if (!current || !scope.contains(*current)) {
      throw sensor_not_found(id);
    }
    result = *current;
    std::vector<std::string> changed = apply(result, p);
    if (changed.empty()) {
      return;  // nothing really changed: no write, no event
    }
    if (!scope.contains(result)) throw outside_scope("moving the sensor");
    result.updated_at = now();
    tx.update_sensor(result);
    entity_change change;
    change.type = event_type::updated;
    change.data = result;
    change.updated_fields = std::move(changed);
    change.tipo = result.tipo;
    change.before = scope_keys{current->tipo, current->ubicacion};
    tx.append(change);
  });
  return result;
}

std::int64_t sensor_service::remove(std::int64_t id, const data_scope& scope) {
  std::int64_t readings = 0;
  repo_.write([&](write_tx& tx) {
    std::optional<sensor> current = tx.find_sensor(id);
    if (!current || !scope.contains(*current)) {
      throw sensor_not_found(id);
    }
    readings = tx.delete_sensor(id);
    entity_change change;
    change.type = event_type::deleted;
    change.data = *current;
    change.readings_deleted = readings;
    change.tipo = current->tipo;
    tx.append(change);
  });
  return readings;
}

}  // namespace sensorhub
