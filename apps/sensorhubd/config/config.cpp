// SPDX-License-Identifier: MIT
#include "config/config.hpp"

#include <fstream>
#include <sstream>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "sensorhub/validation.hpp"

namespace sensorhubd {

namespace {

constexpr std::size_t max_config_bytes = 1u << 20;

}  // namespace

bool valid_log_level(const std::string& l) {
  return l == "debug" || l == "info" || l == "warn" || l == "error";
}

namespace {

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

std::string apply_limits(const rapidjson::Value& obj, daemon_config& cfg) {
  daemon_limits& lim = cfg.limits;
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
    } else if (key == "total_backlog_bytes") {
      if ((err = read_uint(it->value, name.c_str(), 0, big, n)).empty())
        lim.total_backlog_bytes = n;
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
      if ((err = read_uint(it->value, name.c_str(), 0, 1000000, n)).empty())
        lim.write_burst = static_cast<double>(n);
    } else if (key == "message_rate_per_s") {
      err = read_rate(it->value, name, 1e6, lim.message_rate_per_s);
    } else if (key == "message_burst") {
      if ((err = read_uint(it->value, name.c_str(), 0, 1000000, n)).empty())
        lim.message_burst = static_cast<double>(n);
    } else if (key == "shared_message_rate_per_s") {
      err = read_rate(it->value, name, 1e6, lim.shared_message_rate_per_s);
    } else if (key == "shared_message_burst") {
      if ((err = read_uint(it->value, name.c_str(), 0, 1000000, n)).empty())
        lim.shared_message_burst = static_cast<double>(n);
    } else if (key == "message_flood_warnings") {
      if ((err = read_uint(it->value, name.c_str(), 0, 1000000, n)).empty())
        lim.message_flood_warnings = n;
    } else if (key == "max_connections_per_address") {
      if ((err = read_uint(it->value, name.c_str(), 0, 10000000, n)).empty())
        lim.max_connections_per_address = n;
    } else if (key == "idle_timeout_ms") {
      if ((err = read_uint(it->value, name.c_str(), 1, 86400000, n)).empty()) {
        lim.idle_timeout = std::chrono::milliseconds(n);
      }
    } else if (key == "sse_keepalive_ms") {
      if ((err = read_uint(it->value, name.c_str(), 10, 3600000, n)).empty()) {
        lim.sse_keepalive = std::chrono::milliseconds(n);
      }
    } else if (key == "max_header_bytes") {
      if ((err = read_uint(it->value, name.c_str(), 1024, 1u << 20, n)).empty())
        lim.max_header_bytes = n;
    } else if (key == "header_timeout_ms") {
      if ((err = read_uint(it->value, name.c_str(), 1, 3600000, n)).empty()) {
        lim.header_timeout = std::chrono::milliseconds(n);
      }
    } else if (key == "max_buffered_body_bytes") {
      if ((err = read_uint(it->value, name.c_str(), 0, big, n)).empty())
        lim.max_buffered_body_bytes = n;
    } else {
      err = name + ": unknown setting";
    }
    if (!err.empty()) return err;
  }
  return {};
}

std::string apply_storage(const rapidjson::Value& obj, daemon_config& cfg) {
  storage_settings& st = cfg.storage;
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
    } else if (key == "readings_retention_s") {
      if ((err = read_uint(v, name.c_str(), 0, ten_years_s, n)).empty()) {
        st.readings_retention = std::chrono::seconds(n);
      }
    } else if (key == "rollup_retention_s") {
      if ((err = read_uint(v, name.c_str(), 0, 10 * ten_years_s, n)).empty()) {
        st.rollup_retention = std::chrono::seconds(n);
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

// One `staleness` bound: seconds, 1 .. ten years; "default" (or
// "default_s") for tipos not listed, any other key names a tipo.
std::string read_staleness_bound(const std::string& key, const rapidjson::Value& v,
                                 const std::string& name, bool may_be_default,
                                 sensorhub::staleness_policy& p) {
  constexpr std::uint64_t ten_years_s = 10ull * 366 * 86400;
  if (key.empty() || sensorhub::code_points(key) > 64) {
    return "staleness: a tipo must have 1 to 64 characters";
  }
  std::uint64_t n = 0;
  std::string err = read_uint(v, name.c_str(), 1, ten_years_s, n);
  if (!err.empty()) return err;
  if (may_be_default && (key == "default" || key == "default_s")) {
    p.default_bound = std::chrono::seconds(n);
  } else {
    p.per_tipo[key] = std::chrono::seconds(n);
  }
  return {};
}

// "staleness": {"default": S, "<tipo>": S, ...} (SPEC §13); the tipos may
// also be grouped as "tipos": {"<tipo>": S, ...}.
std::string apply_staleness(const rapidjson::Value& obj, daemon_config& cfg) {
  if (!obj.IsObject()) return "staleness: must be an object";
  sensorhub::staleness_policy p;
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
    const std::string key(it->name.GetString(), it->name.GetStringLength());
    const std::string name = "staleness." + key;
    std::string err;
    if (key == "tipos" && it->value.IsObject()) {
      for (auto t = it->value.MemberBegin(); t != it->value.MemberEnd(); ++t) {
        const std::string tipo(t->name.GetString(), t->name.GetStringLength());
        err = read_staleness_bound(tipo, t->value, name + "." + tipo, false, p);
        if (!err.empty()) break;
      }
    } else {
      err = read_staleness_bound(key, it->value, name, true, p);
    }
    if (!err.empty()) return err;
  }
  cfg.staleness = std::move(p);
  return {};
}

// Reads a non-empty string member into out.
std::string read_non_empty_string(const rapidjson::Value& v, const char* name, std::string& out) {
  if (!v.IsString() || v.GetStringLength() == 0) {
    return std::string(name) + ": must be a non-empty string";
  }
  out.assign(v.GetString(), v.GetStringLength());
  return {};
}

// Reads a true/false member into out.
std::string read_bool(const rapidjson::Value& v, const std::string& name, bool& out) {
  if (!v.IsBool()) return name + ": must be true or false";
  out = v.GetBool();
  return {};
}

std::string apply_allowed_origins(const rapidjson::Value& v, daemon_config& cfg) {
  if (!v.IsArray()) {
    return "allowed_origins: must be an array of strings such as \"https://example.com\"";
  }
  cfg.auth.allowed_origins.clear();
  for (const auto& o : v.GetArray()) {
    if (!o.IsString() || o.GetStringLength() == 0) {
      return "allowed_origins: must be an array of non-empty strings";
    }
    cfg.auth.allowed_origins.emplace_back(o.GetString(), o.GetStringLength());
  }
  return {};
}

std::string apply_log_level(const rapidjson::Value& v, daemon_config& cfg) {
  if (!v.IsString() || !valid_log_level(v.GetString())) {
    return "log_level: must be debug, info, warn or error";
  }
  cfg.log_level = v.GetString();
  return {};
}

std::string apply_host(const rapidjson::Value& v, daemon_config& cfg) {
  return read_non_empty_string(v, "host", cfg.host);
}

std::string apply_port(const rapidjson::Value& v, daemon_config& cfg) {
  std::uint64_t n = 0;
  std::string err = read_uint(v, "port", 0, 65535, n);
  if (err.empty()) cfg.port = static_cast<std::uint16_t>(n);
  return err;
}

std::string apply_db(const rapidjson::Value& v, daemon_config& cfg) {
  return read_non_empty_string(v, "db", cfg.db);
}

std::string apply_node(const rapidjson::Value& v, daemon_config& cfg) {
  return read_non_empty_string(v, "node", cfg.node);
}

std::string apply_tls_cert(const rapidjson::Value& v, daemon_config& cfg) {
  return read_non_empty_string(v, "tls_cert", cfg.tls_cert);
}

std::string apply_tls_key(const rapidjson::Value& v, daemon_config& cfg) {
  return read_non_empty_string(v, "tls_key", cfg.tls_key);
}

std::string apply_test_endpoints(const rapidjson::Value& v, daemon_config& cfg) {
  return read_bool(v, "test_endpoints", cfg.test_endpoints);
}

std::string apply_no_auth(const rapidjson::Value& v, daemon_config& cfg) {
  return read_bool(v, "no_auth", cfg.no_auth);
}

std::string apply_no_public_ws(const rapidjson::Value& v, daemon_config& cfg) {
  return read_bool(v, "no_public_ws", cfg.auth.no_public_ws);
}

std::string apply_workers(const rapidjson::Value& v, daemon_config& cfg) {
  std::uint64_t n = 0;
  std::string err = read_uint(v, "workers", 1, 64, n);
  if (err.empty()) cfg.workers = n;
  return err;
}

std::string apply_network(const rapidjson::Value& obj, daemon_config& cfg) {
  if (!obj.IsObject()) return "network: must be an object";
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
    const std::string key(it->name.GetString(), it->name.GetStringLength());
    const std::string name = "network." + key;
    if (key != "threads") return name + ": unknown setting";
    std::uint64_t n = 0;
    std::string err = read_uint(it->value, name.c_str(), 0, max_network_threads, n);
    if (!err.empty()) return err;
    cfg.network_threads = n;
  }
  return {};
}

// The top-level keys of the file and how each value is applied.
struct top_level_key {
  const char* name;
  std::string (*apply)(const rapidjson::Value& v, daemon_config& cfg);
};

constexpr top_level_key top_level_keys[] = {
    {"host", apply_host},
    {"port", apply_port},
    {"db", apply_db},
    {"node", apply_node},
    {"tls_cert", apply_tls_cert},
    {"tls_key", apply_tls_key},
    {"test_endpoints", apply_test_endpoints},
    {"no_auth", apply_no_auth},
    {"no_public_ws", apply_no_public_ws},
    {"allowed_origins", apply_allowed_origins},
    {"log_level", apply_log_level},
    {"workers", apply_workers},
    {"network", apply_network},
    {"limits", apply_limits},
    {"storage", apply_storage},
    {"staleness", apply_staleness},
};

// Applies one top-level member; "" on success, else the reason.
std::string apply_top_level(const std::string& key, const rapidjson::Value& v, daemon_config& cfg) {
  for (const auto& k : top_level_keys) {
    if (key == k.name) return k.apply(v, cfg);
  }
  return key + ": unknown setting";
}

// Reads the whole file into text; "" on success, else the reason.
std::string read_config_text(const std::string& path, std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read config file " + path;
  std::ostringstream ss;
  ss << in.rdbuf();
  text = ss.str();
  if (text.size() > max_config_bytes) return "config file too large: " + path;
  return {};
}

// Parses text into doc; "" on success, else the reason naming the file.
std::string parse_config_text(const std::string& path, const std::string& text,
                              rapidjson::Document& doc) {
  // JSON, plus // and /* */ comments and trailing commas for hand-written files.
  constexpr unsigned flags = rapidjson::kParseIterativeFlag |
                             rapidjson::kParseValidateEncodingFlag | rapidjson::kParseCommentsFlag |
                             rapidjson::kParseTrailingCommasFlag;
  doc.Parse<flags>(text.data(), text.size());
  if (doc.HasParseError()) {
    return path + ": invalid JSON at offset " + std::to_string(doc.GetErrorOffset()) + ": " +
           rapidjson::GetParseError_En(doc.GetParseError());
  }
  if (!doc.IsObject()) return path + ": must hold a JSON object";
  return {};
}

}  // namespace

std::string load_config_file(const std::string& path, daemon_config& cfg) {
  std::string text;
  std::string err = read_config_text(path, text);
  if (!err.empty()) return err;
  rapidjson::Document doc;
  err = parse_config_text(path, text, doc);
  if (!err.empty()) return err;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    const std::string key(it->name.GetString(), it->name.GetStringLength());
    err = apply_top_level(key, it->value, cfg);
    if (!err.empty()) return path + ": " + err;
  }
  return {};
}

}  // namespace sensorhubd
