// SPDX-License-Identifier: MIT
#include "sensorhub/logger.hpp"

#include <cstdio>
#include <string>

namespace sensorhub {

const char* to_string(log_level level) noexcept {
  switch (level) {
    case log_level::debug:
      return "debug";
    case log_level::info:
      return "info";
    case log_level::warn:
      return "warn";
    case log_level::error:
      return "error";
  }
  return "error";
}

log_sink stderr_log_sink(log_level min_level) {
  return [min_level](log_level level, std::string_view message) {
    if (static_cast<int>(level) < static_cast<int>(min_level)) return;
    std::string line = "sensorhub: ";
    line += to_string(level);
    line += ": ";
    line += message;
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);  // one call: lines do not interleave
  };
}

log_sink null_log_sink() {
  return [](log_level, std::string_view) {};
}

void log_to(const log_sink& sink, log_level level, std::string_view message) noexcept {
  if (!sink) return;
  try {
    sink(level, message);
  } catch (...) {  // NOLINT(bugprone-empty-catch): a broken sink has nowhere left to report
  }
}

std::string describe(std::string_view what, const std::exception_ptr& e) {
  std::string out(what);
  out += ": ";
  try {
    if (e) std::rethrow_exception(e);
    out += "no exception";
  } catch (const std::exception& ex) {
    out += ex.what();
  } catch (...) {
    out += "unknown exception";
  }
  return out;
}

}  // namespace sensorhub
