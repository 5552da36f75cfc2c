// SPDX-License-Identifier: MIT
#include "cli/command_line.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "sensorhub/auth/token_where.hpp"
#include "sensorhub/error.hpp"
#include "sensorhub/version.hpp"

namespace sensorhubd {

namespace {

constexpr const char* db_env = "SENSORHUB_DB";
constexpr const char* config_env = "SENSORHUB_CONFIG";

const char* const daemon_footer = R"(
--config FILE: a JSON object with the same keys (host, port, db, node, tls_cert, tls_key, test_endpoints,
  no_auth, no_public_ws, allowed_origins: ["https://site", ...], log_level, workers,
  network{threads (0: one per core)},
  limits{max_body_bytes, max_batch_body_bytes, max_message_bytes, max_connections,
  backlog_bytes (4194304): a subscriber's unsent backlog, over it close 1008 slow consumer;
  total_backlog_bytes (268435456): all subscribers' backlogs together, over it the largest
  are closed first the same way (0: no budget);
  ping_interval_s, pong_timeout_s, write_rate_per_s (50), write_burst (100):
  REST writes per token and per client address, over it 429 with Retry-After;
  message_rate_per_s (20), message_burst (40), message_flood_warnings (10): WebSocket
  client messages per connection, over it an error message, then close 1008;
  shared_message_rate_per_s (100), shared_message_burst (200): the same summed per client
  address and per token; max_connections_per_address (256): open WebSockets per address,
  over it the handshake gets 429; idle_timeout_ms (60000): an idle keep-alive HTTP
  connection is closed after it (and a request body must arrive within it, else 408);
  max_header_bytes (16384): request line and headers, over it 431; header_timeout_ms
  (5000): a request head must arrive within it, else 408; max_buffered_body_bytes
  (67108864): request bodies held at once over all connections, a request that does
  not fit gets 503 with Retry-After: 1 (keep it >= max_batch_body_bytes);
  sse_keepalive_ms (15000): a Server-Sent Events stream silent this long gets a comment;
  a rate, burst or cap of 0 is no limit},
  storage{synchronous: "normal"|"full", retention_events, retention_age_s,
  readings_retention_s, rollup_retention_s, prune_interval_s}, staleness{default,
  <tipo>: seconds without a reading before a sensor is stale (sensor_stale /
  sensor_fresh on general)}). // and /* */ comments and trailing commas are allowed.
  Precedence: command-line flag, then environment variable, then config file.

Tokens (SPEC section 7): read (GET routes, /api/v1/ws/secure), write (POST, PUT,
PATCH, DELETE on entities), admin (/api/v1/ws/test-event, /api/v1/tokens). Send as
"Authorization: Bearer TOKEN" (WebSockets also take ?token=). `token create`
prints the token once; only its SHA-256 hash is stored. A revoked token's open
WebSockets are closed with 1008 within a second. See docs/security.md.

TLS: with --tls-cert and --tls-key the port speaks only https:// and wss:// (TLS 1.2+);
SIGHUP reloads both files (open connections keep their certificate; a bad new pair is
logged and the old one kept). See docs/operations.md.

The first line on stdout is "listening on http://HOST:PORT" (https:// with TLS); logs go
to stderr.)";

// Flags of the daemon as given (an option's count() tells whether it was).
struct daemon_flags {
  std::string config_file;
  std::string host;
  unsigned port = 0;
  std::string db;
  std::string node;
  std::string tls_cert;
  std::string tls_key;
  std::string log_level;
  unsigned workers = 0;
  unsigned threads = 0;
  unsigned long long max_connections_per_address = 0;
  unsigned long long idle_timeout_ms = 0;
  std::string synchronous;
  bool test_endpoints = false;
  bool no_auth = false;
  bool no_public_ws = false;
};

struct token_flags {
  std::string db = "sensorhub.db";
  std::string name;
  std::string scopes;
  std::vector<std::string> where;  // create: KEY=V1,V2 clauses, in order
};

CLI::Validator non_empty() {
  return CLI::Validator(
      [](const std::string& v) { return v.empty() ? std::string("must not be empty") : ""; },
      "NONEMPTY");
}

// A plain decimal integer. CLI11 converts with base 0 ("010" would be 8,
// "0x10" 16); leading zeros are dropped so that "08000" stays 8000.
CLI::Validator decimal() {
  return CLI::Validator(
      [](std::string& v) {
        if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos)
          return std::string("must be a decimal integer, got '") + v + "'";
        v.erase(0, std::min(v.find_first_not_of('0'), v.size() - 1));
        return std::string();
      },
      "");
}

void add_daemon_flags(CLI::App& app, daemon_flags& f) {
  app.add_option("--host", f.host, "address to listen on (default 127.0.0.1)")->check(non_empty());
  app.add_option("--port", f.port, "port (default 8000; 0 picks a free one)")
      ->transform(decimal())
      ->check(CLI::Range(0u, 65535u));
  app.add_option("--db", f.db,
                 "SQLite database file (default sensorhub.db), or postgresql://USER@HOST:PORT/DB: "
                 "several daemons on one PostgreSQL database are one service")
      ->envname(db_env)
      ->check(non_empty());
  app.add_option("--node", f.node,
                 "this node's name in data.node of its system events (default on PostgreSQL: "
                 "HOSTNAME:PORT)")
      ->check(non_empty());
  app.add_option("--tls-cert", f.tls_cert,
                 "PEM certificate chain: serve https:// and wss:// (needs --tls-key; SIGHUP "
                 "reloads)")
      ->check(non_empty());
  app.add_option("--tls-key", f.tls_key, "PEM private key of --tls-cert")->check(non_empty());
  app.add_flag("--test-endpoints", f.test_endpoints,
               "serve /api/v1/test-sensors/, /api/v1/ws/stats[/{channel}] and "
               "/api/v1/ws/test-event without a token (the original test mode)");
  app.add_flag("--no-auth", f.no_auth,
               "turn every token check and rate limit off (local development only)");
  app.add_flag("--no-public-ws", f.no_public_ws,
               "/api/v1/ws demands a read token like /api/v1/ws/secure");
  app.add_option("--config", f.config_file, "JSON config file (keys below); flags win over it")
      ->envname(config_env)
      ->check(non_empty());
  app.add_option("--log-level", f.log_level, "debug|info|warn|error (default info)")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  app.add_option(
         "--workers", f.workers,
         "worker threads for SQLite work; concurrent writes among them commit together (default 8)")
      ->transform(decimal())
      ->check(CLI::Range(1u, 64u));
  app.add_option("--threads", f.threads,
                 "network threads; connections are spread over them (default 0: one per core)")
      ->transform(decimal())
      ->check(CLI::Range(0u, static_cast<unsigned>(max_network_threads)));
  app.add_option("--max-connections-per-address", f.max_connections_per_address,
                 "open WebSockets per client address, one more gets 429 (default 256; 0: no cap)")
      ->transform(decimal())
      ->check(CLI::Range(0ull, 10000000ull));
  app.add_option("--idle-timeout-ms", f.idle_timeout_ms,
                 "close a keep-alive HTTP connection idle this long (default 60000)")
      ->transform(decimal())
      ->check(CLI::Range(1ull, 86400000ull));
  app.add_option("--synchronous", f.synchronous, "SQLite durability: normal (default) or full")
      ->check(CLI::IsMember({"normal", "full"}));
}

void add_token_commands(CLI::App& token, token_flags& f, token_request::op& what) {
  // A missing or unknown subcommand is reported after the parse, by name.
  token.require_subcommand(0, 1);
  token.footer(token_help_footer());
  auto add_db = [&f](CLI::App* sub) {
    sub->add_option("--db", f.db, "SQLite database file (default sensorhub.db)")
        ->envname(db_env)
        ->check(non_empty());
  };
  CLI::App* create = token.add_subcommand("create", "create a token; prints it once on stdout");
  create->add_option("--name", f.name, "the token's name")->required();
  create->add_option("--scopes", f.scopes, "comma-separated: read,write,admin")->required();
  create
      ->add_option("--where", f.where,
                   "data scope KEY=V1,V2 (keys sensor_id, tipo, ubicacion; repeatable: keys AND, "
                   "values OR)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  add_db(create);
  create->callback([&what] { what = token_request::op::create; });

  CLI::App* list = token.add_subcommand("list", "list tokens (never the tokens themselves)");
  add_db(list);
  list->callback([&what] { what = token_request::op::list; });

  CLI::App* revoke = token.add_subcommand("revoke", "revoke a token by name");
  auto* positional = revoke->add_option("NAME", f.name, "the token's name");
  auto* named = revoke->add_option("--name", f.name, "the same, as an option");
  positional->excludes(named);
  add_db(revoke);
  // `sensorhubd token help`, as before CLI11.
  token.add_subcommand("help", "this text")->group("");
  // Set last: subcommands inherit it, and they must refuse extra arguments.
  token.allow_extras();

  revoke->callback([&what, positional, named] {
    if (positional->count() + named->count() != 1) {
      throw CLI::ValidationError("NAME", "revoke takes one NAME");
    }
    what = token_request::op::revoke;
  });
}

// The config file first, then each flag that was given (or came from the
// environment). "" or the reason the config file was refused.
std::string build_config(const CLI::App& app, const daemon_flags& f, daemon_config& cfg) {
  auto given = [&app](const char* name) { return app.get_option(name)->count() > 0; };
  if (given("--config")) {
    std::string err = load_config_file(f.config_file, cfg);
    if (!err.empty()) return err;
  }
  if (given("--host")) cfg.host = f.host;
  if (given("--port")) cfg.port = static_cast<std::uint16_t>(f.port);
  if (given("--db")) cfg.db = f.db;
  if (given("--node")) cfg.node = f.node;
  if (given("--tls-cert")) cfg.tls_cert = f.tls_cert;
  if (given("--tls-key")) cfg.tls_key = f.tls_key;
  if (given("--log-level")) cfg.log_level = f.log_level;
  if (given("--workers")) cfg.workers = f.workers;
  if (given("--threads")) cfg.network_threads = f.threads;
  if (given("--max-connections-per-address"))
    cfg.limits.max_connections_per_address = f.max_connections_per_address;
  if (given("--idle-timeout-ms"))
    cfg.limits.idle_timeout = std::chrono::milliseconds(f.idle_timeout_ms);
  if (given("--synchronous")) cfg.storage.synchronous_full = f.synchronous == "full";
  if (f.test_endpoints) cfg.test_endpoints = true;
  if (f.no_auth) cfg.no_auth = true;
  if (f.no_public_ws) cfg.auth.no_public_ws = true;
  if (cfg.tls_cert.empty() != cfg.tls_key.empty()) {
    return cfg.tls_cert.empty() ? "--tls-key (tls_key) needs --tls-cert (tls_cert)"
                                : "--tls-cert (tls_cert) needs --tls-key (tls_key)";
  }
  return {};
}

command_line stop(int code, std::string text) {
  command_line out;
  out.what = command_line::action::exit;
  out.exit_code = code;
  out.output = std::move(text);
  return out;
}

// After a parse that reached `token`: the request, its help, or what is
// wrong (no subcommand, an unknown one, extra arguments).
command_line token_command(const CLI::App& token, const token_flags& tf, token_request::op op) {
  if (token.got_subcommand("help")) {
    return stop(0, token.get_formatter()->make_help(&token, "sensorhubd token",
                                                    CLI::AppFormatMode::Normal));
  }
  const auto rest = token.remaining();
  std::string why;
  if (token.get_subcommands().empty()) {
    why = rest.empty() ? std::string("missing subcommand (create, list, revoke)")
                       : "unknown subcommand '" + rest.front() + "'";
  } else if (!rest.empty()) {
    why = "unexpected argument '" + rest.front() + "'";
  }
  command_line out;
  try {
    for (const auto& clause : tf.where) sensorhub::add_where_clause(out.token.where, clause);
  } catch (const sensorhub::error& e) {
    if (why.empty()) why = std::string("--where: ") + e.what();
  }
  if (!why.empty()) {
    return stop(2, "sensorhubd token: " + why + "\nRun with --help for more information.\n");
  }
  out.what = command_line::action::token;
  out.token.what = op;
  out.token.db = tf.db;
  out.token.name = tf.name;
  out.token.scopes = tf.scopes;
  return out;
}

}  // namespace

command_line parse_command_line(int argc, const char* const* argv) {
  CLI::App app("sensorhubd: sensors and readings over REST, change events over WebSocket",
               "sensorhubd");
  // A repeated flag takes its last value, as the hand-written parser did.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.set_version_flag("--version", std::string("sensorhubd ") + SENSORHUB_VERSION);
  app.footer(daemon_footer);
  daemon_flags flags;
  add_daemon_flags(app, flags);

  token_flags tf;
  token_request::op op = token_request::op::list;
  CLI::App* token = app.add_subcommand("token", "manage API tokens: create, list, revoke");
  add_token_commands(*token, tf, op);

  backup_request br;
  CLI::App* backup = app.add_subcommand("backup", "copy the database while the daemon runs");
  backup->footer(backup_help_footer());
  backup->add_option("--db", br.db, "SQLite database file (default sensorhub.db)")
      ->envname(db_env)
      ->check(non_empty());
  backup->add_option("--to", br.to, "the copy to write")->required()->check(non_empty());
  backup->add_flag("--force", br.force, "replace --to if it exists");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return stop(0, app.help());  // of the innermost subcommand given
  } catch (const CLI::CallForAllHelp&) {
    return stop(0, app.help("", CLI::AppFormatMode::All));
  } catch (const CLI::CallForVersion& e) {
    return stop(0, std::string(e.what()) + "\n");
  } catch (const CLI::ParseError& e) {
    const std::string who = token->parsed()    ? "sensorhubd token"
                            : backup->parsed() ? "sensorhubd backup"
                                               : "sensorhubd";
    return stop(2, who + ": " + e.what() + "\nRun with --help for more information.\n");
  }

  if (backup->parsed()) {
    // Daemon flags before `backup` (other than --db) are refused, not ignored.
    for (const CLI::Option* o : app.get_options()) {
      if (o->count() == 0 || o->get_name() == "--help") continue;
      if (o->get_name() == "--db" && backup->get_option("--db")->count() == 0) {
        br.db = flags.db;
        continue;
      }
      if (o->get_name() == "--db") continue;
      return stop(2, "sensorhubd backup: " + o->get_name() +
                         " applies to the daemon, not to `backup`\n"
                         "Run with --help for more information.\n");
    }
    command_line out;
    out.what = command_line::action::backup;
    out.backup = br;
    return out;
  }
  if (token->parsed()) {
    // `sensorhubd --db F token list` means that file; any other daemon flag
    // before `token` has no meaning there and is refused, not ignored.
    for (const CLI::Option* o : app.get_options()) {
      if (o->count() == 0 || o->get_name() == "--db" || o->get_name() == "--help") continue;
      return stop(2, "sensorhubd token: " + o->get_name() +
                         " applies to the daemon, not to `token`\n"
                         "Run with --help for more information.\n");
    }
    const auto subs = token->get_subcommands();
    if (app.get_option("--db")->count() > 0 && !subs.empty() &&
        subs.front()->get_option_no_throw("--db") != nullptr &&
        subs.front()->get_option("--db")->count() == 0) {
      tf.db = flags.db;
    }
    return token_command(*token, tf, op);
  }
  command_line out;
  const std::string err = build_config(app, flags, out.config);
  if (!err.empty())
    return stop(2, "sensorhubd: " + err + "\nRun with --help for more information.\n");
  return out;
}

}  // namespace sensorhubd
