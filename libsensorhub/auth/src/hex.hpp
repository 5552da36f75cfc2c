// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace sensorhub::detail {

// Lower-case hex of a byte sequence (token text, stored hashes in tests).
std::string to_hex(const std::uint8_t* data, std::size_t size);

}  // namespace sensorhub::detail
