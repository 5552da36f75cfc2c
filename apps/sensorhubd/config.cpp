#include "config.hpp"

#include <fstream>
#include <limits>
#include <sstream>
#include <string_view>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

namespace sensorhubd {

namespace {

constexpr std::size_t max_config_bytes = 1u << 20;

bool parse_number(std::string_view text, std::uint64_t max, std::uint64_t& out) {
  if (text.empty() || text.size() > 20) return false;
  std::uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (n > (max - d) / 10) return false;
    n = n * 10 + d;
  }
  out = n;
  return true;
}

bool valid_level(const std::string& l) {
  return l == "debug" || l == "info" || l == "warn" || l == "error";
}

// Reads a non-negative integer member within [min, max] into out.
std::string read_uint(const rapidjson::Value& v, const char* name, std::uint64_t min,
                      std::uint64_t max, std::uint64_t& out) {
  if (!v.IsUint64() || v.GetUint64() < min || v.GetUint64() > max) {
    return std::string(name) + ": must be an integer between " + std::to_string(min) + " and " +
           std::to_string(max);
  }
  out = v.GetUint64();
  return {};
}

// Reads a number within [min, max] (integers or decimals) into out.
std::string read_rate(const rapidjson::Value& v, const std::string& name, double max, double& out) {
  if (!v.IsNumber() || v.GetDouble() < 0 || v.GetDouble() > max) {
    return name + ": must be a number between 0 and " + std::to_string(static_cast<long long>(max));
  }
  out = v.GetDouble();
  return {};
}

std::string apply_limits(const rapidjson::Value& obj, daemon_limits& lim) {
  if (!obj.IsObject()) return "limits: must be an object";
  constexpr std::uint64_t big = std::uint64_t{1} << 40;
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
    const std::string key(it->name.GetString(), it->name.GetStringLength());
    const std::string name = "limits." + key;
    std::uint64_t n = 0;
    std::string err;
    if (key == "max_body_bytes") {
      if ((err = read_uint(it->value, name.c_str(), 1, big, n)).empty()) lim.max_body_bytes = n;
    } else if (key == "max_batch_body_bytes") {
      if ((err = read_uint(it->value, name.c_str(), 1, big, n)).empty())
        lim.max_batch_body_bytes = n;
    } else if (key == "max_message_bytes") {
      if ((err = read_uint(it->value, name.c_str(), 128, big, n)).empty())
        lim.max_message_bytes = n;
    } else if (key == "max_connections") {
      if ((err = read_uint(it->value, name.c_str(), 1, 10000000, n)).empty())
        lim.max_connections = n;
    } else if (key == "backlog_bytes") {
      if ((err = read_uint(it->value, name.c_str(), 1024, big, n)).empty()) lim.backlog_bytes = n;
    } else if (key == "ping_interval_s") {
      if ((err = read_uint(it->value, name.c_str(), 0, 86400, n)).empty()) {
        lim.ping_interval = std::chrono::seconds(n);
      }
    } else if (key == "pong_timeout_s") {
      if ((err = read_uint(it->value, name.c_str(), 1, 3600, n)).empty()) {
        lim.pong_timeout = std::chrono::seconds(n);
      }
    } else if (key == "write_rate_per_s") {
      err = read_rate(it->value, name, 1e6, lim.write_rate_per_s);
    } else if (key == "write_burst") {
      if ((err = read_uint(it->value, name.c_str(), 1, 1000000, n)).empty())
        lim.write_burst = static_cast<double>(n);
    } else if (key == "message_rate_per_s") {
      err = read_rate(it->value, name, 1e6, lim.message_rate_per_s);
    } else if (key == "message_burst") {
      if ((err = read_uint(it->value, name.c_str(), 1, 1000000, n)).empty())
        lim.message_burst = static_cast<double>(n);
    } else if (key == "shared_message_rate_per_s") {
      err = read_rate(it->value, name, 1e6, lim.shared_message_rate_per_s);
    } else if (key == "shared_message_burst") {
      if ((err = read_uint(it->value, name.c_str(), 1, 1000000, n)).empty())
        lim.shared_message_burst = static_cast<double>(n);
    } else if (key == "message_flood_warnings") {
      if ((err = read_uint(it->value, name.c_str(), 0, 1000000, n)).empty())
        lim.message_flood_warnings = n;
    } else if (key == "max_connections_per_address") {
      if ((err = read_uint(it->value, name.c_str(), 0, 10000000, n)).empty())
        lim.max_connections_per_address = n;
    } else {
      err = name + ": unknown setting";
    }
    if (!err.empty()) return err;
  }
  return {};
}

std::string apply_storage(const rapidjson::Value& obj, storage_settings& st) {
  if (!obj.IsObject()) return "storage: must be an object";
  constexpr std::uint64_t ten_years_s = 10ull * 366 * 86400;
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
    const std::string key(it->name.GetString(), it->name.GetStringLength());
    const std::string name = "storage." + key;
    const rapidjson::Value& v = it->value;
    std::uint64_t n = 0;
    std::string err;
    if (key == "synchronous") {
      const std::string mode = v.IsString() ? v.GetString() : "";
      if (mode != "normal" && mode != "full") {
        err = name + ": must be \"normal\" or \"full\"";
      } else {
        st.synchronous_full = mode == "full";
      }
    } else if (key == "retention_events") {
      if ((err = read_uint(v, name.c_str(), 0, std::uint64_t{1} << 62, n)).empty()) {
        st.retention_events = n;
      }
    } else if (key == "retention_age_s") {
      if ((err = read_uint(v, name.c_str(), 0, ten_years_s, n)).empty()) {
        st.retention_age = std::chrono::seconds(n);
      }
    } else if (key == "prune_interval_s") {
      if ((err = read_uint(v, name.c_str(), 1, 86400, n)).empty()) {
        st.prune_interval = std::chrono::seconds(n);
      }
    } else {
      err = name + ": unknown setting";
    }
    if (!err.empty()) return err;
  }
  return {};
}

}  // namespace

std::string load_config_file(const std::string& path, daemon_config& cfg) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read config file " + path;
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  if (text.size() > max_config_bytes) return "config file too large: " + path;

  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(),
                                                                                    text.size());
  if (doc.HasParseError()) {
    return path + ": invalid JSON at offset " + std::to_string(doc.GetErrorOffset()) + ": " +
           rapidjson::GetParseError_En(doc.GetParseError());
  }
  if (!doc.IsObject()) return path + ": must hold a JSON object";
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    const std::string key(it->name.GetString(), it->name.GetStringLength());
    const rapidjson::Value& v = it->value;
    std::string err;
    std::uint64_t n = 0;
    if (key == "host") {
      if (!v.IsString() || v.GetStringLength() == 0) {
        err = "host: must be a non-empty string";
      } else {
        cfg.host.assign(v.GetString(), v.GetStringLength());
      }
    } else if (key == "port") {
      if ((err = read_uint(v, "port", 0, 65535, n)).empty())
        cfg.port = static_cast<std::uint16_t>(n);
    } else if (key == "db") {
      if (!v.IsString() || v.GetStringLength() == 0) {
        err = "db: must be a non-empty string";
      } else {
        cfg.db.assign(v.GetString(), v.GetStringLength());
      }
    } else if (key == "test_endpoints" || key == "no_auth" || key == "no_public_ws") {
      if (!v.IsBool()) {
        err = key + ": must be true or false";
      } else {
        (key == "no_auth"        ? cfg.no_auth
         : key == "no_public_ws" ? cfg.auth.no_public_ws
                                 : cfg.test_endpoints) = v.GetBool();
      }
    } else if (key == "allowed_origins") {
      if (!v.IsArray()) {
        err = "allowed_origins: must be an array of strings such as \"https://example.com\"";
      } else {
        cfg.auth.allowed_origins.clear();
        for (const auto& o : v.GetArray()) {
          if (!o.IsString() || o.GetStringLength() == 0) {
            err = "allowed_origins: must be an array of non-empty strings";
            break;
          }
          cfg.auth.allowed_origins.emplace_back(o.GetString(), o.GetStringLength());
        }
      }
    } else if (key == "log_level") {
      if (!v.IsString() || !valid_level(v.GetString())) {
        err = "log_level: must be debug, info, warn or error";
      } else {
        cfg.log_level = v.GetString();
      }
    } else if (key == "workers") {
      if ((err = read_uint(v, "workers", 1, 64, n)).empty()) cfg.workers = n;
    } else if (key == "limits") {
      err = apply_limits(v, cfg.limits);
    } else if (key == "storage") {
      err = apply_storage(v, cfg.storage);
    } else {
      err = key + ": unknown setting";
    }
    if (!err.empty()) return path + ": " + err;
  }
  return {};
}

std::string usage() {
  return "usage: sensorhubd [--host 127.0.0.1] [--port 8000] [--db sensorhub.db]\n"
         "                  [--test-endpoints] [--no-auth] [--no-public-ws] [--config FILE]\n"
         "                  [--log-level debug|info|warn|error] [--workers N]\n"
         "                  [--synchronous normal|full]\n"
         "       sensorhubd token create --name NAME --scopes read,write,admin [--db PATH]\n"
         "       sensorhubd token list [--db PATH]\n"
         "       sensorhubd token revoke NAME [--db PATH]\n"
         "\n"
         "  --host H          address to listen on (default 127.0.0.1)\n"
         "  --port P          port (default 8000; 0 picks a free one)\n"
         "  --db PATH         SQLite database file (default sensorhub.db)\n"
         "  --test-endpoints  serve /api/v1/test-sensors/, /api/v1/ws/stats[/{channel}] and\n"
         "                    /api/v1/ws/test-event without a token (the original test mode)\n"
         "  --no-auth         turn every token check and rate limit off (local development only)\n"
         "  --no-public-ws    /api/v1/ws demands a read token like /api/v1/ws/secure\n"
         "  --config FILE     JSON object with the same keys (host, port, db, test_endpoints,\n"
         "                    no_auth, no_public_ws, allowed_origins: [\"https://site\", ...],\n"
         "                    log_level, workers,\n"
         "                    limits{max_body_bytes, max_batch_body_bytes, max_message_bytes,\n"
         "                    max_connections, backlog_bytes, ping_interval_s, pong_timeout_s,\n"
         "                    write_rate_per_s (50), write_burst (100): REST writes per token\n"
         "                    and per client address, over it 429 with Retry-After;\n"
         "                    message_rate_per_s (20), message_burst (40),\n"
         "                    message_flood_warnings (10): WebSocket client messages per\n"
         "                    connection, over it an error message, then close 1008;\n"
         "                    shared_message_rate_per_s (100), shared_message_burst (200):\n"
         "                    the same summed per client address and per token;\n"
         "                    max_connections_per_address (256): open WebSockets per address,\n"
         "                    over it the handshake gets 429; a rate or cap of 0 is no limit},\n"
         "                    storage{synchronous: \"normal\"|\"full\", retention_events,\n"
         "                    retention_age_s, prune_interval_s});\n"
         "                    flags given on the command line win\n"
         "  --synchronous M   SQLite durability: normal (default) or full\n"
         "  --help            this text\n"
         "\n"
         "Tokens (SPEC section 7): read (GET routes, /api/v1/ws/secure), write (POST, PUT,\n"
         "PATCH, DELETE on entities), admin (/api/v1/ws/test-event, /api/v1/tokens). Send as\n"
         "\"Authorization: Bearer TOKEN\" (WebSockets also take ?token=). `token create`\n"
         "prints the token once; only its SHA-256 hash is stored. A revoked token's open\n"
         "WebSockets are closed with 1008 within a second. See docs/security.md.\n"
         "\n"
         "The first line on stdout is \"listening on http://HOST:PORT\"; logs go to stderr.\n";
}

parsed_args parse_args(int argc, const char* const* argv) {
  parsed_args out;
  // Pass 1: --help and --config (applied before the other flags).
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      out.help = true;
      return out;
    }
    std::string file;
    if (a == "--config") {
      if (i + 1 >= argc) {
        out.error = "--config needs a value";
        return out;
      }
      file = argv[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      file = std::string(a.substr(9));
    }
    if (!file.empty()) {
      out.error = load_config_file(file, out.config);
      if (!out.error.empty()) return out;
    }
  }
  // Pass 2: every flag in order.
  daemon_config& cfg = out.config;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    std::string value;
    bool has_value = false;
    if (const auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_value = true;
    }
    auto take = [&]() -> bool {
      if (has_value) return true;
      if (i + 1 >= argc) {
        out.error = flag + " needs a value";
        return false;
      }
      value = argv[++i];
      return true;
    };
    std::uint64_t n = 0;
    if (flag == "--config") {
      if (!take()) return out;
    } else if (flag == "--host") {
      if (!take()) return out;
      if (value.empty()) {
        out.error = "--host must not be empty";
        return out;
      }
      cfg.host = value;
    } else if (flag == "--port") {
      if (!take()) return out;
      if (!parse_number(value, 65535, n)) {
        out.error = "--port must be a number between 0 and 65535";
        return out;
      }
      cfg.port = static_cast<std::uint16_t>(n);
    } else if (flag == "--db") {
      if (!take()) return out;
      if (value.empty()) {
        out.error = "--db must not be empty";
        return out;
      }
      cfg.db = value;
    } else if (flag == "--log-level") {
      if (!take()) return out;
      if (!valid_level(value)) {
        out.error = "--log-level must be debug, info, warn or error";
        return out;
      }
      cfg.log_level = value;
    } else if (flag == "--workers") {
      if (!take()) return out;
      if (!parse_number(value, 64, n) || n == 0) {
        out.error = "--workers must be between 1 and 64";
        return out;
      }
      cfg.workers = n;
    } else if (flag == "--synchronous") {
      if (!take()) return out;
      if (value != "normal" && value != "full") {
        out.error = "--synchronous must be normal or full";
        return out;
      }
      cfg.storage.synchronous_full = value == "full";
    } else if (flag == "--test-endpoints" && !has_value) {
      cfg.test_endpoints = true;
    } else if (flag == "--no-auth" && !has_value) {
      cfg.no_auth = true;
    } else if (flag == "--no-public-ws" && !has_value) {
      cfg.auth.no_public_ws = true;
    } else {
      out.error = "unknown argument: " + flag;
      return out;
    }
  }
  return out;
}

}  // namespace sensorhubd
