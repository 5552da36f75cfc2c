// SPDX-License-Identifier: MIT
#include "http/router.hpp"

#include <algorithm>

namespace sensorhubd {

namespace {

bool is_param(const std::string& seg) {
  return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
}

}  // namespace

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return out;
  while (true) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

void router::add(route r) {
  entry e;
  for (auto seg : split_path(r.pattern)) e.segments.emplace_back(seg);
  e.r = std::move(r);
  routes_.push_back(std::move(e));
}

std::vector<std::pair<std::string, std::string>> router::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(routes_.size());
  for (const auto& e : routes_) out.emplace_back(e.r.method, e.r.pattern);
  return out;
}

router::match_result router::match(std::string_view method, std::string_view path) const {
  match_result out;
  const auto segs = split_path(path);

  // Candidates: patterns that fit the path. Specificity: literal segments
  // beat parameters, compared from the left.
  const entry* best = nullptr;
  std::vector<bool> best_spec;
  for (const auto& e : routes_) {
    if (e.segments.size() != segs.size()) continue;
    bool ok = true;
    std::vector<bool> spec(segs.size());
    for (std::size_t i = 0; i < segs.size() && ok; ++i) {
      if (is_param(e.segments[i])) {
        ok = !segs[i].empty();
        spec[i] = false;
      } else {
        ok = e.segments[i] == segs[i];
        spec[i] = true;
      }
    }
    if (!ok) continue;
    if (best == nullptr || spec > best_spec) {
      best = &e;
      best_spec = std::move(spec);
    }
  }
  if (best == nullptr) return out;

  // Every route with the winning pattern: find the method or list them.
  std::vector<std::string> allowed;
  for (const auto& e : routes_) {
    if (e.r.pattern != best->r.pattern) continue;
    if (e.r.method == method) {
      out.found = &e.r;
      out.status = 200;
      for (std::size_t i = 0; i < segs.size(); ++i) {
        if (is_param(e.segments[i])) out.params.emplace_back(segs[i]);
      }
      return out;
    }
    if (std::find(allowed.begin(), allowed.end(), e.r.method) == allowed.end()) {
      allowed.push_back(e.r.method);
      // HEAD is answered wherever GET is (http_front routes it as GET).
      if (e.r.method == "GET") allowed.push_back("HEAD");
    }
  }
  out.status = 405;
  for (const auto& m : allowed) {
    if (!out.allow.empty()) out.allow += ", ";
    out.allow += m;
  }
  return out;
}

}  // namespace sensorhubd
