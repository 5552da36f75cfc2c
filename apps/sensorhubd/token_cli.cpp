#include "token_cli.hpp"

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "sensorhub/error.hpp"
#include "sensorhub/time.hpp"
#include "sensorhub/auth/sqlite_token_store.hpp"

namespace sensorhubd {

namespace {

const char* const token_usage =
    "usage: sensorhubd token create --name NAME --scopes read,write,admin [--db PATH]\n"
    "       sensorhubd token list [--db PATH]\n"
    "       sensorhubd token revoke NAME [--db PATH]\n"
    "\n"
    "create prints the new token once on stdout (keep it: only its hash is stored).\n"
    "Scopes: read (GET routes, /api/v1/ws/secure), write (POST, PUT, PATCH, DELETE on\n"
    "entities), admin (/api/v1/ws/test-event, token management). --db defaults to\n"
    "sensorhub.db, the daemon's default.\n";

int usage_error(const std::string& why) {
  std::fprintf(stderr, "sensorhubd token: %s\n\n%s", why.c_str(), token_usage);
  return 2;
}

std::string time_or(const std::optional<sensorhub::timestamp>& t, const char* none) {
  return t ? sensorhub::format_time(*t) : none;
}

}  // namespace

int run_token_command(int argc, const char* const* argv) {
  if (argc < 3) return usage_error("missing subcommand");
  const std::string sub = argv[2];
  if (sub == "--help" || sub == "-h" || sub == "help") {
    std::fputs(token_usage, stdout);
    return 0;
  }
  std::string db = "sensorhub.db";
  std::optional<std::string> name;
  std::optional<std::string> scopes;
  std::vector<std::string> positional;
  for (int i = 3; i < argc; ++i) {
    std::string a = argv[i];
    std::string value;
    bool has_value = false;
    if (const auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      has_value = true;
    }
    const bool is_option = a == "--db" || a == "--name" || a == "--scopes";
    if (is_option && !has_value) {
      if (i + 1 >= argc) return usage_error(a + " needs a value");
      value = argv[++i];
    }
    if (a == "--db") {
      if (value.empty()) return usage_error("--db must not be empty");
      db = value;
    } else if (a == "--name") {
      name = value;
    } else if (a == "--scopes") {
      scopes = value;
    } else if (a == "--help" || a == "-h") {
      std::fputs(token_usage, stdout);
      return 0;
    } else if (a.rfind("--", 0) == 0) {
      return usage_error("unknown option " + a);
    } else {
      positional.push_back(a);
    }
  }

  try {
    if (sub == "create") {
      if (!positional.empty()) return usage_error("create takes --name and --scopes");
      if (!name) return usage_error("create needs --name NAME");
      if (!scopes) return usage_error("create needs --scopes read,write,admin");
      const auto set = sensorhub::parse_scopes(*scopes);
      if (!set) return usage_error("--scopes: a comma-separated list of read, write, admin");
      sensorhub::sqlite_token_store store(db);
      const std::string token = store.create({*name, *set});
      std::printf("%s\n", token.c_str());
      std::fflush(stdout);
      std::fprintf(stderr,
                   "created token '%s' with scopes %s in %s; it is shown only this once.\n"
                   "Use it as: Authorization: Bearer <token>\n",
                   name->c_str(), sensorhub::format_scopes(*set).c_str(), db.c_str());
      return 0;
    }
    if (sub == "list") {
      if (!positional.empty() || name || scopes) return usage_error("list takes only --db");
      sensorhub::sqlite_token_store store(db);
      const auto all = store.list();
      std::printf("%-24s %-18s %-34s %-34s %s\n", "NAME", "SCOPES", "CREATED", "LAST USED",
                  "STATUS");
      for (const auto& t : all) {
        const std::string status =
            t.revoked_at ? "revoked " + sensorhub::format_time(*t.revoked_at) : "active";
        std::printf("%-24s %-18s %-34s %-34s %s\n", t.name.c_str(),
                    sensorhub::format_scopes(t.scopes).c_str(),
                    sensorhub::format_time(t.created_at).c_str(),
                    time_or(t.last_used, "never").c_str(), status.c_str());
      }
      return 0;
    }
    if (sub == "revoke") {
      if (name && positional.empty()) positional.push_back(*name);
      if (positional.size() != 1 || scopes) return usage_error("revoke takes one NAME");
      sensorhub::sqlite_token_store store(db);
      if (!store.revoke(positional[0])) {
        std::fprintf(stderr, "sensorhubd token: no active token named '%s' in %s\n",
                     positional[0].c_str(), db.c_str());
        return 1;
      }
      std::fprintf(stderr,
                   "revoked token '%s'; a running daemon closes its WebSockets within a "
                   "second\n",
                   positional[0].c_str());
      return 0;
    }
  } catch (const sensorhub::error& e) {
    std::fprintf(stderr, "sensorhubd token: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sensorhubd token: %s\n", e.what());
    return 1;
  }
  return usage_error("unknown subcommand '" + sub + "'");
}

}  // namespace sensorhubd
