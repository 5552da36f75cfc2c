#include "sensorhub/reading_service.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <utility>

#include "sensorhub/error.hpp"
#include "sensorhub/time.hpp"
#include "sensorhub/validation.hpp"

namespace sensorhub {

namespace {

error reading_not_found(std::int64_t id) {
  return error(errc::not_found, "lectura " + std::to_string(id) + " not found");
}

std::string missing_sensor_text(std::int64_t sensor_id) {
  return "sensor " + std::to_string(sensor_id) + " does not exist";
}

// The tipo of the reading's sensor, read in the transaction; a missing sensor
// is a validation error on `field`.
std::string sensor_tipo(write_tx& tx, std::int64_t sensor_id, const std::string& field) {
  std::optional<sensor> s = tx.find_sensor(sensor_id);
  if (!s) {
    throw validation_error(field_errors{{field, missing_sensor_text(sensor_id)}});
  }
  return s->tipo;
}

// Exactly the same value: 0.0 and -0.0 differ (they differ on the wire too).
bool same_double(double a, double b) noexcept {
  return a == b && std::signbit(a) == std::signbit(b);
}

// Applies the patch to `l`; returns the names of the fields whose value
// really changed, in the entity's field order.
std::vector<std::string> apply(reading& l, const reading_patch& p) {
  std::vector<std::string> changed;
  if (p.sensor_id && *p.sensor_id != l.sensor_id) {
    l.sensor_id = *p.sensor_id;
    changed.emplace_back("sensor_id");
  }
  if (p.valor && !same_double(*p.valor, l.valor)) {
    l.valor = *p.valor;
    changed.emplace_back("valor");
  }
  if (p.unidad && *p.unidad != l.unidad) {
    l.unidad = *p.unidad;
    changed.emplace_back("unidad");
  }
  if (p.timestamp && *p.timestamp != l.timestamp) {
    l.timestamp = *p.timestamp;
    changed.emplace_back("timestamp");
  }
  return changed;
}

reading from_patch(const reading_patch& p, timestamp at) {
  reading l;
  l.sensor_id = *p.sensor_id;
  l.valor = *p.valor;
  if (p.unidad) {
    l.unidad = *p.unidad;
  }
  l.timestamp = p.timestamp.value_or(at);
  l.created_at = l.updated_at = at;
  return l;
}

entity_change change_of(event_type type, const reading& l, std::string tipo) {
  entity_change change;
  change.type = type;
  change.data = l;
  change.tipo = std::move(tipo);
  return change;
}

}  // namespace

reading reading_service::create(const reading_patch& p) {
  field_errors errors = validate_reading_create(p);
  if (!errors.empty()) {
    throw validation_error(std::move(errors));
  }
  const reading l = from_patch(p, now());

  reading created;
  repo_.write([&](write_tx& tx) {
    std::string tipo = sensor_tipo(tx, l.sensor_id, "sensor_id");
    created = tx.insert_reading(l);
    tx.append(change_of(event_type::created, created, std::move(tipo)));
  });
  return created;
}

batch_result reading_service::create_batch(const std::vector<reading_patch>& items) {
  if (items.empty() || items.size() > max_batch_items) {
    throw validation_error(
        field_errors{{"items", "must hold 1 to " + std::to_string(max_batch_items) + " readings"}});
  }
  field_errors errors;
  for (std::size_t i = 0; i < items.size(); ++i) {
    for (auto& [field, why] : validate_reading_create(items[i])) {
      errors.emplace("[" + std::to_string(i) + "]." + field, why);
    }
  }
  if (!errors.empty()) {
    throw validation_error(std::move(errors));
  }

  const timestamp at = now();
  std::vector<reading> rows;
  rows.reserve(items.size());
  for (const reading_patch& p : items) {
    rows.push_back(from_patch(p, at));
  }

  batch_result result;
  repo_.write([&](write_tx& tx) {
    // Every distinct sensor is looked up once; all missing ones are reported.
    std::map<std::int64_t, std::optional<std::string>> tipos;
    field_errors missing;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      auto it = tipos.find(rows[i].sensor_id);
      if (it == tipos.end()) {
        std::optional<sensor> s = tx.find_sensor(rows[i].sensor_id);
        it =
            tipos.emplace(rows[i].sensor_id, s ? std::optional<std::string>(s->tipo) : std::nullopt)
                .first;
      }
      if (!it->second) {
        missing.emplace("[" + std::to_string(i) + "].sensor_id",
                        missing_sensor_text(rows[i].sensor_id));
      }
    }
    if (!missing.empty()) {
      throw validation_error(std::move(missing));
    }

    result = batch_result{};
    for (const reading& row : rows) {
      const reading created = tx.insert_reading(row);
      tx.append(change_of(event_type::created, created, *tipos[created.sensor_id]));
      if (result.created == 0) {
        result.first_id = created.id;
      }
      result.last_id = created.id;
      ++result.created;
    }
  });
  return result;
}

std::optional<reading> reading_service::get(std::int64_t id) { return repo_.find_reading(id); }

std::vector<reading> reading_service::list(const reading_query& q) {
  reading_query bounded = q;
  bounded.limit = std::min(bounded.limit, max_list_limit);
  return repo_.list_readings(bounded);
}

reading reading_service::update(std::int64_t id, const reading_patch& p) {
  field_errors errors = validate_reading_update(p);
  if (!errors.empty()) {
    throw validation_error(std::move(errors));
  }

  reading result;
  repo_.write([&](write_tx& tx) {
    std::optional<reading> current = tx.find_reading(id);
    if (!current) {
      throw reading_not_found(id);
    }
    result = *current;
    std::vector<std::string> changed = apply(result, p);
    if (changed.empty()) {
      return;  // nothing really changed: no write, no event
    }
    // Checks the new sensor when sensor_id changes; otherwise just its tipo.
    std::string tipo = sensor_tipo(tx, result.sensor_id, "sensor_id");
    result.updated_at = now();
    tx.update_reading(result);
    entity_change change = change_of(event_type::updated, result, std::move(tipo));
    change.updated_fields = std::move(changed);
    tx.append(change);
  });
  return result;
}

void reading_service::remove(std::int64_t id) {
  repo_.write([&](write_tx& tx) {
    std::optional<reading> current = tx.find_reading(id);
    if (!current) {
      throw reading_not_found(id);
    }
    std::optional<sensor> owner = tx.find_sensor(current->sensor_id);
    tx.delete_reading(id);
    tx.append(change_of(event_type::deleted, *current, owner ? owner->tipo : std::string()));
  });
}

}  // namespace sensorhub
