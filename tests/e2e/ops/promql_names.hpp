// SPDX-License-Identifier: MIT
#pragma once

// The metric names a PromQL expression selects, for checking docs/ops/
// against what the daemon exports. A small scanner, not a PromQL parser: it
// skips strings, label matchers {..}, ranges [..], the label lists after
// by/without/on/ignoring/group_left/group_right, numbers and Grafana
// variables, and sorts the remaining identifiers into functions (followed by
// "(") and names.

#include <cctype>
#include <set>
#include <string>

namespace sensorhub::e2e {

struct promql_identifiers {
  std::set<std::string> functions;  // rate, histogram_quantile, sum, ...
  std::set<std::string> names;      // metric names (and keywords such as "and")
};

inline promql_identifiers scan_promql(const std::string& e) {
  promql_identifiers out;
  auto ident_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == ':';
  };
  auto skip_group = [&e](std::size_t i, char open, char close) {
    int depth = 0;
    for (; i < e.size(); ++i) {
      if (e[i] == '"') {
        for (++i; i < e.size() && e[i] != '"'; ++i) {
          if (e[i] == '\\') ++i;
        }
      } else if (e[i] == open) {
        ++depth;
      } else if (e[i] == close && --depth == 0) {
        return i + 1;
      }
    }
    return i;
  };
  bool label_list_next = false;  // after by/without/on/ignoring/group_*
  for (std::size_t i = 0; i < e.size();) {
    const char c = e[i];
    if (c == '"') {  // a string: skipped with its escapes
      for (++i; i < e.size() && e[i] != '"'; ++i) {
        if (e[i] == '\\') ++i;
      }
      ++i;
      continue;
    }
    if (c == '{' || c == '[') {  // label matchers, a range
      i = skip_group(i, c, c == '{' ? '}' : ']');
      continue;
    }
    if (c == '(' && label_list_next) {
      i = skip_group(i, '(', ')');
      label_list_next = false;
      continue;
    }
    if (c == '$') {  // a Grafana variable: $job, ${datasource}, $__rate_interval
      ++i;
      while (i < e.size() && (ident_char(e[i]) || e[i] == '{' || e[i] == '}')) ++i;
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '.') {
      while (i < e.size() && (ident_char(e[i]) || e[i] == '.')) ++i;  // 0.99, 1e3, 5m
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_') {
      const std::size_t start = i;
      while (i < e.size() && ident_char(e[i])) ++i;
      const std::string word = e.substr(start, i - start);
      if (word == "by" || word == "without" || word == "on" || word == "ignoring" ||
          word == "group_left" || word == "group_right") {
        label_list_next = true;
        continue;
      }
      std::size_t j = i;
      while (j < e.size() && std::isspace(static_cast<unsigned char>(e[j])) != 0) ++j;
      const bool aggregation = word == "sum" || word == "avg" || word == "min" || word == "max" ||
                               word == "count" || word == "topk" || word == "bottomk" ||
                               word == "quantile";
      if ((j < e.size() && e[j] == '(') || aggregation) {
        out.functions.insert(word);
      } else {
        out.names.insert(word);
      }
      continue;
    }
    ++i;
  }
  return out;
}

}  // namespace sensorhub::e2e
