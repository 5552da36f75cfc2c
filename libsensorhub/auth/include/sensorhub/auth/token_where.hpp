// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

#include "sensorhub/data_scope.hpp"

namespace sensorhub {

// A token's data scope (SPEC §7.1) as text: the CLI's `--where KEY=V1,V2`,
// the JSON object of the admin route and of the tokens table, and the one
// line `token list` prints. Free functions; thread-safe.

// The keys a scope may name, in the order they are printed.
constexpr const char* where_keys[] = {"sensor_id", "tipo", "ubicacion"};

// Adds one `KEY=V1,V2` clause (SPEC §6 list syntax: comma-separated, spaces
// around values ignored) to `scope`. Throws error(errc::invalid_parameter)
// with a message naming the problem: no '=', an unknown key, a key already
// given, an empty value, a sensor_id that is not a positive integer.
void add_where_clause(data_scope& scope, std::string_view clause);

// Checks what every token_store stores: positive sensor ids, non-empty
// strings. Throws error(errc::invalid_parameter).
void check_where(const data_scope& scope);

// {"sensor_id":[3,7],"tipo":["temperatura"]}: only the keys that restrict;
// "{}" for an unrestricted scope.
std::string where_to_json(const data_scope& scope);
// The inverse; an empty text, "null" or "{}" is unrestricted. Throws
// error(errc::invalid_parameter) for anything else that is not such an
// object (unknown key, wrong type).
data_scope where_from_json(std::string_view json);

// "tipo=temperatura ubicacion=lab,roof" (the CLI's form, clauses separated
// by a space); "all" for an unrestricted scope.
std::string format_where(const data_scope& scope);

}  // namespace sensorhub
