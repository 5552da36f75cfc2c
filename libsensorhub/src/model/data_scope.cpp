// SPDX-License-Identifier: MIT
#include "sensorhub/data_scope.hpp"

#include <algorithm>

namespace sensorhub {

namespace {

template <typename T, typename U>
bool allows(const std::vector<T>& list, const U& value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

// The one rule, for every caller: ubicacion null (nullptr) is in no list.
bool keys_in(const data_scope& s, std::int64_t sensor_id, std::string_view tipo,
             const std::string* ubicacion) noexcept {
  if (!allows(s.sensor_id, sensor_id) || !allows(s.tipo, tipo)) return false;
  if (s.ubicacion.empty()) return true;
  return ubicacion != nullptr && allows(s.ubicacion, *ubicacion);
}

const std::string* ptr(const std::optional<std::string>& o) noexcept { return o ? &*o : nullptr; }

}  // namespace

bool data_scope::contains(const sensor& s) const noexcept {
  return keys_in(*this, s.id, s.tipo, ptr(s.ubicacion));
}

bool data_scope::contains(std::int64_t id, std::string_view t,
                          const std::optional<std::string>& u) const noexcept {
  return keys_in(*this, id, t, ptr(u));
}

bool operator==(const data_scope& a, const data_scope& b) noexcept {
  return a.sensor_id == b.sensor_id && a.tipo == b.tipo && a.ubicacion == b.ubicacion;
}

const event* scoped_view_ptr(const event& e, const data_scope& s) noexcept {
  if (e.kind != event_kind::entity || s.unrestricted()) return &e;
  const bool after = keys_in(s, e.sensor_id, e.tipo, e.ubicacion.get());
  if (!e.moved) return after ? &e : nullptr;
  const scope_keys& b = e.moved->before;
  const bool before = keys_in(s, e.sensor_id, b.tipo, ptr(b.ubicacion));
  if (before == after) return after ? &e : nullptr;
  return after ? &e.moved->entered : &e.moved->left;
}

std::optional<event> scoped_view(const event& e, const data_scope& s) {
  if (const event* v = scoped_view_ptr(e, s)) return *v;
  return std::nullopt;
}

}  // namespace sensorhub
