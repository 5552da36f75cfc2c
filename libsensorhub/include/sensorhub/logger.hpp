// SPDX-License-Identifier: MIT
#pragma once

#include <exception>
#include <functional>
#include <string>
#include <string_view>

namespace sensorhub {

// The one severity scale of the project (core, transports, daemon).
enum class log_level { debug, info, warn, error };

// "debug", "info", "warn" or "error".
const char* to_string(log_level level) noexcept;

// Where the library reports what it cannot return to a caller: exceptions
// from subscriber callbacks, background prune failures, storage errors at
// shutdown, failed replays. May be called from any library thread,
// concurrently: a sink must be thread-safe, must not block for long and
// should not throw (an exception from a sink is dropped).
using log_sink = std::function<void(log_level, std::string_view message)>;

// The default sink: writes "sensorhub: <level>: <message>" lines of
// `min_level` and above to stderr, one line per call.
log_sink stderr_log_sink(log_level min_level = log_level::warn);

// A sink that drops everything.
log_sink null_log_sink();

// Calls `sink` (if set) and swallows anything it throws.
void log_to(const log_sink& sink, log_level level, std::string_view message) noexcept;

// "<what>: <e.what()>" for a std::exception, "<what>: unknown exception"
// otherwise; a helper for reporting a caught exception_ptr.
std::string describe(std::string_view what, const std::exception_ptr& e);

}  // namespace sensorhub
