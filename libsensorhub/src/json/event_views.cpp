// SPDX-License-Identifier: MIT
#include "json/event_views.hpp"

#include <memory>
#include <string>
#include <utility>

namespace sensorhub::detail {

namespace {

// The wire text of a view: the top-level "event_type" (written before
// "data", so the first occurrence; inside strings quotes are escaped)
// renamed. Text that does not hold it is returned unchanged.
std::string renamed_event_type(const std::string& json, event_type from, event_type to) {
  const std::string key = std::string(",\"event_type\":\"") + event_type_name(from) + "\",";
  std::string out = json;
  const auto at = out.find(key);
  if (at != std::string::npos) {
    out.replace(at, key.size(), std::string(",\"event_type\":\"") + event_type_name(to) + "\",");
  }
  return out;
}

event view_as(const event& e, event_type t) {
  event v = e;
  v.type = t;
  v.moved = nullptr;
  if (e.json) v.json = std::make_shared<const std::string>(renamed_event_type(*e.json, e.type, t));
  return v;
}

}  // namespace

void attach_scope_move(event& e, const scope_keys& before) {
  if (e.kind != event_kind::entity || e.entity != entity_kind::sensor ||
      e.type != event_type::updated) {
    return;
  }
  const bool same_ubicacion =
      before.ubicacion ? e.ubicacion && *e.ubicacion == *before.ubicacion : !e.ubicacion;
  if (before.tipo == e.tipo && same_ubicacion) return;
  auto m = std::make_shared<scope_move>();
  m->before = before;
  // scope_left keeps the keys the reader knew the sensor by, so a filter
  // that let the sensor through also lets its departure through.
  m->left = view_as(e, event_type::scope_left);
  m->left.tipo = before.tipo;
  m->left.ubicacion =
      before.ubicacion ? std::make_shared<const std::string>(*before.ubicacion) : nullptr;
  m->entered = view_as(e, event_type::scope_entered);
  e.moved = std::move(m);
}

}  // namespace sensorhub::detail
