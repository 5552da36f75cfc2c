// SPDX-License-Identifier: MIT
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

// The reading's sensor, read in the transaction; a missing sensor, or one
// outside the scope (which must not learn that it exists), is a validation
// error on `field`.
sensor owner_in_scope(write_tx& tx, std::int64_t sensor_id, const std::string& field,
                      const data_scope& scope) {
  std::optional<sensor> s = tx.find_sensor(sensor_id);
  if (!s || !scope.contains(*s)) {
    throw validation_error(field_errors{{field, missing_sensor_text(sensor_id)}});
  }
  return std::move(*s);
}

// The current reading `id` if its sensor is in scope; else not_found.
reading reading_in_scope(write_tx& tx, std::int64_t id, const data_scope& scope) {
  std::optional<reading> current = tx.find_reading(id);
  if (!current) throw reading_not_found(id);
  if (!scope.unrestricted()) {
    const std::optional<sensor> owner = tx.find_sensor(current->sensor_id);
    if (!owner || !scope.contains(*owner)) throw reading_not_found(id);
  }
  return std::move(*current);
}

// Exactly the same value: 0.0 and -0.0 differ (they differ on the wire too).
bool same_double(double a, double b) noexcept {
  return a == b && std::signbit(a) == std::signbit(b);
}

// The one zero a reading stores: SQLite keeps -0.0 as the integer 0, so a
// -0 taken as given would be answered and published as -0.0 but read back
// as 0.0. -0.0 + 0.0 is +0.0; every other value is unchanged.
double canonical_valor(double v) noexcept { return v + 0.0; }

// Applies the patch to `l`; returns the names of the fields whose value
// really changed, in the entity's field order.
std::vector<std::string> apply(reading& l, const reading_patch& p) {
  std::vector<std::string> changed;
  if (p.sensor_id && *p.sensor_id != l.sensor_id) {
    l.sensor_id = *p.sensor_id;
    changed.emplace_back("sensor_id");
  }
  if (p.valor && !same_double(canonical_valor(*p.valor), l.valor)) {
    l.valor = canonical_valor(*p.valor);
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
  l.valor = canonical_valor(*p.valor);
  if (p.unidad) {
    l.unidad = *p.unidad;
  }
  l.timestamp = p.timestamp.value_or(at);
  l.created_at = l.updated_at = at;
  return l;
}

// `owner`: the reading's sensor (its scope keys go with the event), or
// nullptr when it is gone.
entity_change change_of(event_type type, const reading& l, const sensor* owner) {
  entity_change change;
  change.type = type;
  change.data = l;
  if (owner != nullptr) {
    change.tipo = owner->tipo;
    change.ubicacion = owner->ubicacion;
  }
  return change;
}

}  // namespace

reading reading_service::create(const reading_patch& p, const data_scope& scope,
                                const also_in_tx<reading>& also) {
  field_errors errors = validate_reading_create(p);
  if (!errors.empty()) {
    throw validation_error(std::move(errors));
  }
  const reading l = from_patch(p, now());

  reading created;
  repo_.write([&](write_tx& tx) {
    const sensor owner = owner_in_scope(tx, l.sensor_id, "sensor_id", scope);
    created = tx.insert_reading(l);
    tx.append(change_of(event_type::created, created, &owner));
    if (also) also(tx, created);
  });
  return created;
}

batch_result reading_service::create_batch(const std::vector<reading_patch>& items,
                                           const data_scope& scope,
                                           const also_in_tx<batch_result>& also) {
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
    // Every distinct sensor is looked up once; all missing ones (and those
    // outside the scope, alike) are reported.
    std::map<std::int64_t, std::optional<sensor>> owners;
    field_errors missing;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      auto it = owners.find(rows[i].sensor_id);
      if (it == owners.end()) {
        std::optional<sensor> s = tx.find_sensor(rows[i].sensor_id);
        if (s && !scope.contains(*s)) s.reset();
        it = owners.emplace(rows[i].sensor_id, std::move(s)).first;
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
      tx.append(change_of(event_type::created, created, &*owners[created.sensor_id]));
      if (result.created == 0) {
        result.first_id = created.id;
      }
      result.last_id = created.id;
      ++result.created;
    }
    if (also) also(tx, result);
  });
  return result;
}

std::optional<reading> reading_service::get(std::int64_t id, const data_scope& scope) {
  std::optional<reading> l = repo_.find_reading(id);
  if (l && !scope.unrestricted()) {
    const std::optional<sensor> owner = repo_.find_sensor(l->sensor_id);
    if (!owner || !scope.contains(*owner)) return std::nullopt;
  }
  return l;
}

std::vector<reading> reading_service::list(const reading_query& q, const data_scope& scope) {
  reading_query bounded = q;
  bounded.limit = std::min(bounded.limit, max_list_limit);
  return repo_.list_readings(bounded, scope);
}

std::vector<agg_bucket> reading_service::aggregate(const agg_query& q) {
  if (q.since >= q.until) return {};
  const std::int64_t b = q.bucket.count();
  const auto floor_bucket = [b](std::int64_t us) { return us - (((us % b) + b) % b); };
  const std::int64_t first = floor_bucket(to_micros(q.since));
  const std::int64_t last = floor_bucket(to_micros(q.until) - 1);
  if ((last - first) / b + 1 > max_agg_buckets) {
    throw validation_error({{"bucket", "more than " + std::to_string(max_agg_buckets) +
                                           " buckets between since and until"}},
                           "too many buckets");
  }
  return repo_.aggregate_readings(q);
}

reading reading_service::update(std::int64_t id, const reading_patch& p, const data_scope& scope) {
  field_errors errors = validate_reading_update(p);
  if (!errors.empty()) {
    throw validation_error(std::move(errors));
  }

  reading result;
  repo_.write([&](write_tx& tx) {
    result = reading_in_scope(tx, id, scope);
    std::vector<std::string> changed = apply(result, p);
    if (changed.empty()) {
      return;  // nothing really changed: no write, no event
    }
    // Checks the new sensor when sensor_id changes; otherwise just its keys.
    const sensor owner = owner_in_scope(tx, result.sensor_id, "sensor_id", scope);
    result.updated_at = now();
    tx.update_reading(result);
    entity_change change = change_of(event_type::updated, result, &owner);
    change.updated_fields = std::move(changed);
    tx.append(change);
  });
  return result;
}

void reading_service::remove(std::int64_t id, const data_scope& scope) {
  repo_.write([&](write_tx& tx) {
    const reading current = reading_in_scope(tx, id, scope);
    const std::optional<sensor> owner = tx.find_sensor(current.sensor_id);
    tx.delete_reading(id);
    tx.append(change_of(event_type::deleted, current, owner ? &*owner : nullptr));
  });
}

}  // namespace sensorhub
