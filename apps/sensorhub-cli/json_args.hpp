// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

namespace sensorhub::cli {

// The JSON bodies `post` and `update` send, from their arguments: each
// argument that starts with '{' is one JSON object; otherwise all the
// arguments are KEY=VALUE fields of one object, where VALUE is used as JSON
// when it is a number, true, false, null or a quoted string, and as a string
// otherwise (tipo=temperatura valor=21.5 activo=false ubicacion=null).
// Throws std::invalid_argument for a bad argument or mixed styles.
std::vector<std::string> json_bodies(const std::vector<std::string>& args);

// Checks that `line` is one JSON object; throws std::invalid_argument otherwise.
void require_json_object(const std::string& line);

// `json` indented (for watch --pretty); the input when it is not JSON.
std::string pretty_json(const std::string& json);

}  // namespace sensorhub::cli
