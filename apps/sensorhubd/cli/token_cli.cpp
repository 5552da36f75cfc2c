// SPDX-License-Identifier: MIT
#include "cli/token_cli.hpp"

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "sensorhub/error.hpp"
#include "sensorhub/time.hpp"
#include "auth/token_store_factory.hpp"

namespace sensorhubd {

namespace {

const char* const token_usage =
    "\n"
    "create prints the new token once on stdout (keep it: only its hash is stored).\n"
    "Scopes: read (GET routes, /api/v1/ws/secure), write (POST, PUT, PATCH, DELETE on\n"
    "entities), admin (/api/v1/ws/test-event, token management). --db defaults to\n"
    "sensorhub.db, the daemon's default.\n"
    "Data scopes (SPEC 7.1): --where KEY=V1,V2, repeatable, keys sensor_id, tipo,\n"
    "ubicacion; keys AND, values OR. Everything the token does is limited to the sensors\n"
    "that match and their readings, e.g. --where tipo=temperatura --where ubicacion=lab,roof";

int usage_error(const std::string& why) {
  std::fprintf(stderr, "sensorhubd token: %s\nRun with --help for more information.\n",
               why.c_str());
  return 2;
}

std::string time_or(const std::optional<sensorhub::timestamp>& t, const char* none) {
  return t ? sensorhub::format_time(*t) : none;
}

}  // namespace

const char* token_help_footer() noexcept { return token_usage; }

int run_token_command(const token_request& r) {
  const std::string& db = r.db;
  const std::optional<std::string> name = r.name;
  const std::optional<std::string> scopes = r.scopes;
  try {
    if (r.what == token_request::op::create) {
      const auto set = sensorhub::parse_scopes(*scopes);
      if (!set) return usage_error("--scopes: a comma-separated list of read, write, admin");
      const auto store_ptr = open_token_store(db);
      sensorhub::token_store& store = *store_ptr;
      const std::string token = store.create({*name, *set, r.where});
      std::printf("%s\n", token.c_str());
      std::fflush(stdout);
      std::fprintf(stderr,
                   "created token '%s' with scopes %s and data scope %s in %s; it is shown "
                   "only this once.\nUse it as: Authorization: Bearer <token>\n",
                   name->c_str(), sensorhub::format_scopes(*set).c_str(),
                   sensorhub::format_where(r.where).c_str(), db.c_str());
      return 0;
    }
    if (r.what == token_request::op::list) {
      const auto store_ptr = open_token_store(db);
      sensorhub::token_store& store = *store_ptr;
      const auto all = store.list();
      std::printf("%-24s %-18s %-34s %-34s %-32s %s\n", "NAME", "SCOPES", "CREATED", "LAST USED",
                  "STATUS", "WHERE");
      for (const auto& t : all) {
        const std::string status =
            t.revoked_at ? "revoked " + sensorhub::format_time(*t.revoked_at) : "active";
        std::printf("%-24s %-18s %-34s %-34s %-32s %s\n", t.name.c_str(),
                    sensorhub::format_scopes(t.scopes).c_str(),
                    sensorhub::format_time(t.created_at).c_str(),
                    time_or(t.last_used, "never").c_str(), status.c_str(),
                    sensorhub::format_where(t.where).c_str());
      }
      return 0;
    }
    if (r.what == token_request::op::revoke) {
      const std::vector<std::string> positional{r.name};
      const auto store_ptr = open_token_store(db);
      sensorhub::token_store& store = *store_ptr;
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
  return usage_error("unknown subcommand");
}

}  // namespace sensorhubd
