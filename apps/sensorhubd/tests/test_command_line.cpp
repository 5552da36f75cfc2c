// SPDX-License-Identifier: MIT
// The sensorhubd command line (CLI11): every flag of SPEC §8 and the
// docs, config file then flags, environment fallbacks, ranges, --help,
// --version and the token subcommands.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <vector>

#include "cli/command_line.hpp"
#include "sensorhub/version.hpp"
#include "temp_file.hpp"

using namespace sensorhubd;
using sensorhubd::testing::temp_file;

namespace {

command_line parse(std::initializer_list<std::string> args) {
  std::vector<std::string> storage{"sensorhubd"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<const char*> argv;
  for (const auto& a : storage) argv.push_back(a.c_str());
  return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Sets an environment variable for the lifetime of the object.
class scoped_env {
 public:
  scoped_env(const char* name, const std::string& value) : name_(name) {
    setenv(name, value.c_str(), 1);
  }
  ~scoped_env() { unsetenv(name_); }
  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;

 private:
  const char* name_;
};

void check_usage_error(const command_line& cl, const std::string& message) {
  CHECK(cl.what == command_line::action::exit);
  CHECK(cl.exit_code == 2);
  INFO(cl.output);
  CHECK(contains(cl.output, message));
}

}  // namespace

TEST_CASE("no flags: the defaults") {
  const auto cl = parse({});
  REQUIRE(cl.what == command_line::action::run);
  CHECK(cl.config.host == "127.0.0.1");
  CHECK(cl.config.port == 8000);
  CHECK(cl.config.db == "sensorhub.db");
  CHECK_FALSE(cl.config.test_endpoints);
  CHECK_FALSE(cl.config.no_auth);
  CHECK(cl.config.log_level == "info");
  CHECK(cl.config.workers == 8);
  CHECK(cl.config.network_threads == 0);
  CHECK(cl.config.limits.max_connections_per_address == 256);
  CHECK(cl.config.limits.idle_timeout == std::chrono::seconds(60));
}

TEST_CASE("every daemon flag, in both spellings") {
  const auto a = parse({"--host", "0.0.0.0", "--port", "0", "--db", "/tmp/x.db", "--test-endpoints",
                        "--no-auth", "--no-public-ws", "--log-level", "debug", "--workers", "4",
                        "--synchronous", "full"});
  const auto b =
      parse({"--host=0.0.0.0", "--port=0", "--db=/tmp/x.db", "--test-endpoints", "--no-auth",
             "--no-public-ws", "--log-level=debug", "--workers=4", "--synchronous=full"});
  for (const auto* cl : {&a, &b}) {
    REQUIRE(cl->what == command_line::action::run);
    const daemon_config& c = cl->config;
    CHECK(c.host == "0.0.0.0");
    CHECK(c.port == 0);
    CHECK(c.db == "/tmp/x.db");
    CHECK(c.test_endpoints);
    CHECK(c.no_auth);
    CHECK(c.auth.no_public_ws);
    CHECK(c.log_level == "debug");
    CHECK(c.workers == 4);
    CHECK(c.storage.synchronous_full);
  }
  // A repeated flag takes its last value.
  CHECK(parse({"--port", "1", "--port", "2"}).config.port == 2);
}

TEST_CASE("the network flags, in both spellings") {
  const auto a =
      parse({"--threads", "3", "--max-connections-per-address", "0", "--idle-timeout-ms", "250"});
  const auto b = parse({"--threads=3", "--max-connections-per-address=0", "--idle-timeout-ms=250"});
  for (const auto* cl : {&a, &b}) {
    REQUIRE(cl->what == command_line::action::run);
    CHECK(cl->config.network_threads == 3);
    CHECK(cl->config.limits.max_connections_per_address == 0);
    CHECK(cl->config.limits.idle_timeout == std::chrono::milliseconds(250));
  }
}

TEST_CASE("the TLS flags and config keys: both or neither, flags win") {
  const auto a = parse({"--tls-cert", "c.pem", "--tls-key", "k.pem"});
  REQUIRE(a.what == command_line::action::run);
  CHECK(a.config.tls_cert == "c.pem");
  CHECK(a.config.tls_key == "k.pem");
  CHECK(parse({}).config.tls_cert.empty());
  check_usage_error(parse({"--tls-cert", "c.pem"}), "--tls-cert (tls_cert) needs --tls-key");
  check_usage_error(parse({"--tls-key", "k.pem"}), "--tls-key (tls_key) needs --tls-cert");
  const temp_file f(R"({"tls_cert": "file.pem", "tls_key": "file.key"})");
  const auto b = parse({"--config", f.path(), "--tls-cert", "flag.pem"});
  REQUIRE(b.what == command_line::action::run);
  CHECK(b.config.tls_cert == "flag.pem");
  CHECK(b.config.tls_key == "file.key");
  const temp_file bad(R"({"tls_cert": ""})");
  check_usage_error(parse({"--config", bad.path()}), "tls_cert: must be a non-empty string");
}

TEST_CASE("ranges and choices are checked") {
  check_usage_error(parse({"--port", "65536"}), "--port");
  check_usage_error(parse({"--port", "-1"}), "--port");
  check_usage_error(parse({"--port", "http"}), "--port");
  check_usage_error(parse({"--workers", "0"}), "--workers");
  check_usage_error(parse({"--workers", "65"}), "--workers");
  check_usage_error(parse({"--log-level", "verbose"}), "--log-level");
  check_usage_error(parse({"--threads", "257"}), "--threads");
  check_usage_error(parse({"--threads", "-1"}), "--threads");
  check_usage_error(parse({"--idle-timeout-ms", "0"}), "--idle-timeout-ms");
  check_usage_error(parse({"--max-connections-per-address", "x"}), "--max-connections-per-address");
  check_usage_error(parse({"--synchronous", "fast"}), "--synchronous");
  check_usage_error(parse({"--host", ""}), "--host");
  check_usage_error(parse({"--db", ""}), "--db");
  check_usage_error(parse({"--port"}), "--port");
  check_usage_error(parse({"--bogus-flag"}), "--bogus-flag");
  check_usage_error(parse({"stray"}), "stray");
  check_usage_error(parse({"--port", "0x10"}), "--port");
  check_usage_error(parse({"--port", " 80"}), "--port");
  CHECK(parse({"--port", "65535"}).config.port == 65535);
  CHECK(parse({"--port", "08000"}).config.port == 8000);  // decimal, not octal
  CHECK(parse({"--port", "00"}).config.port == 0);
  CHECK(parse({"--port", "010"}).config.port == 10);
  CHECK(parse({"--workers", "08"}).config.workers == 8);
  CHECK(parse({"--workers", "64"}).config.workers == 64);
}

TEST_CASE("the config file is applied first and flags override it") {
  const temp_file f(R"({"host": "0.0.0.0", "port": 9000, "db": "file.db", "workers": 3,
                        "no_auth": true, "network": {"threads": 2},
                        "limits": {"max_connections": 5, "max_connections_per_address": 9,
                                   "idle_timeout_ms": 500},})");
  const auto cl = parse({"--port", "9100", "--config", f.path(), "--workers", "6",
                         "--max-connections-per-address", "11"});
  REQUIRE(cl.what == command_line::action::run);
  CHECK(cl.config.port == 9100);       // flag, even when given before --config
  CHECK(cl.config.workers == 6);       // flag
  CHECK(cl.config.host == "0.0.0.0");  // file
  CHECK(cl.config.db == "file.db");    // file
  CHECK(cl.config.no_auth);            // file
  CHECK(cl.config.limits.max_connections == 5);
  CHECK(cl.config.limits.max_connections_per_address == 11);               // flag
  CHECK(cl.config.network_threads == 2);                                   // file
  CHECK(cl.config.limits.idle_timeout == std::chrono::milliseconds(500));  // file

  const auto eq = parse({"--config=" + f.path()});
  CHECK(eq.config.port == 9000);
}

TEST_CASE("a bad or missing config file is a usage error naming the problem") {
  const temp_file f(R"({"port": 99999})");
  check_usage_error(parse({"--config", f.path()}), "port: must be an integer between 0 and 65535");
  check_usage_error(parse({"--config", "/nonexistent/sensorhubd.json"}), "cannot read config file");
}

TEST_CASE("SENSORHUB_DB and SENSORHUB_CONFIG are fallbacks for --db and --config") {
  const temp_file f(R"({"port": 9200, "db": "from-file.db"})");
  {
    const scoped_env db("SENSORHUB_DB", "/tmp/env.db");
    CHECK(parse({}).config.db == "/tmp/env.db");
    CHECK(parse({"--db", "flag.db"}).config.db == "flag.db");  // the flag wins
    // The environment wins over the config file.
    CHECK(parse({"--config", f.path()}).config.db == "/tmp/env.db");
  }
  {
    const scoped_env config("SENSORHUB_CONFIG", f.path());
    const auto cl = parse({});
    CHECK(cl.config.port == 9200);
    CHECK(cl.config.db == "from-file.db");
    CHECK(parse({"--port", "1"}).config.port == 1);
  }
  CHECK(parse({}).config.db == "sensorhub.db");  // unset again
}

TEST_CASE("--help and --version") {
  for (const char* flag : {"--help", "-h"}) {
    const auto cl = parse({flag});
    CHECK(cl.what == command_line::action::exit);
    CHECK(cl.exit_code == 0);
    for (const char* listed :
         {"--host", "--port", "--db", "--test-endpoints", "--no-auth", "--no-public-ws", "--config",
          "--log-level", "--workers", "--synchronous", "--version", "SENSORHUB_DB",
          "SENSORHUB_CONFIG", "token", "max_connections_per_address"}) {
      INFO(listed);
      CHECK(contains(cl.output, listed));
    }
    for (const char* listed :
         {"--threads", "--max-connections-per-address", "--idle-timeout-ms", "network{threads",
          "idle_timeout_ms", "max_header_bytes", "total_backlog_bytes"}) {
      INFO(listed);
      CHECK(contains(cl.output, listed));
    }
  }
  const auto v = parse({"--version"});
  CHECK(v.what == command_line::action::exit);
  CHECK(v.exit_code == 0);
  CHECK(v.output == std::string("sensorhubd ") + SENSORHUB_VERSION + "\n");
}

TEST_CASE("token subcommands") {
  const auto create =
      parse({"token", "create", "--name", "gw", "--scopes", "read,write", "--db", "t.db"});
  REQUIRE(create.what == command_line::action::token);
  CHECK(create.token.what == token_request::op::create);
  CHECK(create.token.name == "gw");
  CHECK(create.token.scopes == "read,write");
  CHECK(create.token.db == "t.db");

  const auto eq = parse({"token", "create", "--name=gw", "--scopes=admin", "--db=t.db"});
  REQUIRE(eq.what == command_line::action::token);
  CHECK(eq.token.scopes == "admin");

  const auto list = parse({"token", "list"});
  REQUIRE(list.what == command_line::action::token);
  CHECK(list.token.what == token_request::op::list);
  CHECK(list.token.db == "sensorhub.db");

  for (const auto& cl : {parse({"token", "revoke", "gw", "--db", "t.db"}),
                         parse({"token", "revoke", "--name", "gw", "--db", "t.db"})}) {
    REQUIRE(cl.what == command_line::action::token);
    CHECK(cl.token.what == token_request::op::revoke);
    CHECK(cl.token.name == "gw");
    CHECK(cl.token.db == "t.db");
  }

  {
    const scoped_env db("SENSORHUB_DB", "/tmp/env.db");
    CHECK(parse({"token", "list"}).token.db == "/tmp/env.db");
  }

  check_usage_error(parse({"token"}), "subcommand");
  check_usage_error(parse({"token", "create", "--scopes", "read"}), "--name");
  check_usage_error(parse({"token", "create", "--name", "gw"}), "--scopes");
  check_usage_error(parse({"token", "revoke"}), "NAME");
  check_usage_error(parse({"token", "list", "extra"}), "extra");
  check_usage_error(parse({"token", "frobnicate"}), "frobnicate");

  for (const auto& cl : {parse({"token", "--help"}), parse({"token", "help"})}) {
    CHECK(cl.what == command_line::action::exit);
    CHECK(cl.exit_code == 0);
    CHECK(contains(cl.output, "create"));
    CHECK(contains(cl.output, "revoke"));
  }
  // --db before `token` names the file unless the subcommand names one; other
  // daemon flags there are refused rather than silently ignored.
  CHECK(parse({"--db", "a.db", "token", "list"}).token.db == "a.db");
  CHECK(parse({"--db=a.db", "token", "revoke", "gw"}).token.db == "a.db");
  CHECK(parse({"--db", "a.db", "token", "list", "--db", "b.db"}).token.db == "b.db");
  check_usage_error(parse({"--port", "9000", "token", "list"}), "--port");
  check_usage_error(parse({"--no-auth", "token", "list"}), "--no-auth");

  const auto create_help = parse({"token", "create", "--help"});
  CHECK(create_help.exit_code == 0);
  CHECK(contains(create_help.output, "--scopes"));
  CHECK(contains(create_help.output, "--where"));
}

TEST_CASE("token create --where: repeatable clauses make the data scope (SPEC 7.1)") {
  const auto cl =
      parse({"token", "create", "--name", "gh", "--scopes", "read", "--where", "tipo=temperatura",
             "--where=ubicacion=lab,roof", "--where", "sensor_id=3,7"});
  REQUIRE(cl.what == command_line::action::token);
  CHECK(cl.token.where.tipo == std::vector<std::string>{"temperatura"});
  CHECK(cl.token.where.ubicacion == std::vector<std::string>{"lab", "roof"});
  CHECK(cl.token.where.sensor_id == std::vector<std::int64_t>{3, 7});

  const auto plain = parse({"token", "create", "--name", "gh", "--scopes", "read"});
  REQUIRE(plain.what == command_line::action::token);
  CHECK(plain.token.where.unrestricted());

  auto create_where = [](const std::string& clause) {
    return parse({"token", "create", "--name", "gh", "--scopes", "read", "--where", clause});
  };
  check_usage_error(create_where("color=red"), "unknown key 'color'");
  check_usage_error(create_where("tipo"), "KEY=V1,V2");
  check_usage_error(create_where("tipo="), "empty value");
  check_usage_error(create_where("sensor_id=x"), "positive integer");
  check_usage_error(create_where("sensor_id=0"), "positive integer");
  check_usage_error(parse({"token", "create", "--name", "gh", "--scopes", "read", "--where",
                           "tipo=a", "--where", "tipo=b"}),
                    "given twice");
  check_usage_error(parse({"token", "create", "--name", "gh", "--scopes", "read", "--where"}),
                    "--where");
}

TEST_CASE("backup: --db, --to and --force") {
  const auto cl = parse({"backup", "--db", "live.db", "--to", "copy.db"});
  REQUIRE(cl.what == command_line::action::backup);
  CHECK(cl.backup.db == "live.db");
  CHECK(cl.backup.to == "copy.db");
  CHECK_FALSE(cl.backup.force);
  CHECK(parse({"backup", "--to", "c.db", "--force"}).backup.force);
  CHECK(parse({"backup", "--to", "c.db"}).backup.db == "sensorhub.db");
  CHECK(parse({"--db", "x.db", "backup", "--to", "c.db"}).backup.db == "x.db");
  {
    const scoped_env env("SENSORHUB_DB", "env.db");
    CHECK(parse({"backup", "--to", "c.db"}).backup.db == "env.db");
  }
  check_usage_error(parse({"backup", "--db", "a.db"}), "--to");
  check_usage_error(parse({"backup", "--to", ""}), "--to");
  check_usage_error(parse({"backup", "--to", "c.db", "extra"}), "extra");
  check_usage_error(parse({"--port", "1", "backup", "--to", "c.db"}), "--port");
  const auto help = parse({"backup", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(contains(help.output, "Exit codes"));
}
