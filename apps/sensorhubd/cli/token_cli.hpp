// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "sensorhub/auth/token_where.hpp"

namespace sensorhubd {

// One `sensorhubd token create|list|revoke` invocation (SPEC §7), as parsed
// by parse_command_line. Plain data.
struct token_request {
  enum class op { create, list, revoke };
  op what = op::list;
  std::string db = "sensorhub.db";
  std::string name;             // create, revoke
  std::string scopes;           // create: "read,write,admin"
  sensorhub::data_scope where;  // create: --where clauses (SPEC §7.1); default: all data
};

// The text under `sensorhubd token --help`: what create prints, the scopes.
const char* token_help_footer() noexcept;

// Runs it on the database file directly, also while a daemon runs on it (the
// daemon picks changes up within its token poll interval). Returns the exit
// code: 0 done, 1 failure (e.g. unknown name), 2 bad usage (bad scopes).
int run_token_command(const token_request& r);

}  // namespace sensorhubd
