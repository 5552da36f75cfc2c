// SPDX-License-Identifier: MIT
#include "obs/log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "sensorhub/time.hpp"

namespace sensorhubd {

namespace {

std::atomic<int> min_level{static_cast<int>(log_level::info)};
std::mutex out_mutex;

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      return true;
    }
  }
  return false;
}

void append_value(std::string& out, std::string_view v) {
  if (!needs_quotes(v)) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x",
                        static_cast<unsigned>(static_cast<unsigned char>(c)));
          out.append(buf);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

}  // namespace

const char* log_level_name(log_level level) { return sensorhub::to_string(level); }

void set_min_log_level(log_level level) { min_level.store(static_cast<int>(level)); }

void log(log_level level, std::string_view msg, log_fields fields) {
  if (static_cast<int>(level) < min_level.load()) return;
  std::string line = "ts=" + sensorhub::format_time(sensorhub::now());
  line += " level=";
  line += log_level_name(level);
  line += " msg=";
  std::string quoted;
  append_value(quoted, msg);
  if (quoted.front() != '"') quoted = "\"" + quoted + "\"";
  line += quoted;
  for (const auto& [key, value] : fields) {
    line.push_back(' ');
    line.append(key);
    line.push_back('=');
    append_value(line, value);
  }
  line.push_back('\n');
  std::lock_guard<std::mutex> lk(out_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace sensorhubd
