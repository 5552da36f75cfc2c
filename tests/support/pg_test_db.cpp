// SPDX-License-Identifier: MIT
#include "support/pg_test_db.hpp"

#include <unistd.h>

#include <libpq-fe.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <random>
#include <stdexcept>
#include <utility>
#include <vector>

#include "support/child_process.hpp"

namespace fs = std::filesystem;

namespace sensorhub::testing {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Runs one statement on a new connection to `uri` with libpq (no libpqxx:
// the databases are dropped at exit, after libpqxx's own statics are gone).
void exec_on(const std::string& uri, const std::string& sql) {
  PGconn* c = PQconnectdb(uri.c_str());
  std::string err;
  if (PQstatus(c) != CONNECTION_OK) {
    err = std::string("cannot connect to ") + uri + ": " + PQerrorMessage(c);
  } else {
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK) err = sql + ": " + PQerrorMessage(c);
    PQclear(r);
  }
  PQfinish(c);
  if (!err.empty()) throw std::runtime_error("pg_test_db: " + err);
}

[[noreturn]] void skip(const std::string& why) {
  std::cerr << "SKIPPED (exit " << pg_test_skip_code << "): " << why << std::endl;
  std::fflush(nullptr);
  std::exit(pg_test_skip_code);
}

std::string cluster_script() {
  std::string s = env("SENSORHUB_PG_CLUSTER_SCRIPT");
#ifdef SENSORHUB_PG_CLUSTER_SCRIPT
  if (s.empty()) s = SENSORHUB_PG_CLUSTER_SCRIPT;
#endif
  if (s.empty()) throw std::runtime_error("pg_test_db: scripts/pg-cluster.sh not known");
  return s;
}

// What the process made: databases to drop and its own cluster to stop at
// exit (the destructor of a function-local static).
struct pg_state {
  std::mutex m;
  std::string own_cluster_dir;
  std::vector<std::pair<std::string, std::string>> created;  // base URI, database name

  ~pg_state() {
    if (!own_cluster_dir.empty()) {
      // The whole cluster goes: no need to drop its databases one by one.
      run_command({"/bin/sh", cluster_script(), "stop", own_cluster_dir}, std::chrono::seconds(60));
      return;
    }
    if (!env("SENSORHUB_TEST_PG_KEEP").empty()) return;
    for (const auto& [base, name] : created) {
      try {
        exec_on(base, "DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
      } catch (const std::exception& e) {
        std::cerr << "pg_test_db: could not drop " << name << ": " << e.what() << std::endl;
      }
    }
  }
};

pg_state& state() {
  static pg_state s;
  return s;
}

// A throwaway cluster for this process (no ctest fixture, no URI given).
std::string start_own_cluster() {
  if (!pg_server_binaries_available())
    skip("no PostgreSQL server binaries (apt-get install postgresql) and no SENSORHUB_TEST_PG_URI");
  // Under /tmp, not $TMPDIR: as root the server runs as user postgres, who
  // must reach the directory.
  std::string tmpl = "/tmp/sensorhub-pg-XXXXXX";
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("pg_test_db: mkdtemp failed");
  pg_state& st = state();
  {
    std::lock_guard<std::mutex> lk(st.m);
    st.own_cluster_dir = tmpl;  // stopped and removed at exit, even if start fails half-way
  }
  const command_result r =
      run_command({"/bin/sh", cluster_script(), "start", tmpl}, std::chrono::seconds(180));
  if (r.timed_out || r.status != 0) {
    throw std::runtime_error("pg_test_db: pg-cluster.sh start " + tmpl + " failed (" +
                             (r.timed_out ? std::string("timed out") : describe_status(r.status)) +
                             "): " + r.output);
  }
  const std::string uri = trim(read_text_file(fs::path(tmpl) / "uri"));
  if (uri.empty()) throw std::runtime_error("pg_test_db: pg-cluster.sh wrote no URI: " + r.output);
  std::cerr << "pg_test_db: started a throwaway cluster in " << tmpl << ": " << uri << std::endl;
  return uri;
}

std::string resolve_uri() {
  std::string uri = trim(env("SENSORHUB_TEST_PG_URI"));
  if (!uri.empty()) return uri;
  const std::string file = env("SENSORHUB_TEST_PG_URI_FILE");
  if (!file.empty()) {
    uri = trim(read_text_file(file));
    if (!uri.empty()) return uri;
    if (!pg_server_binaries_available())
      skip("no PostgreSQL server binaries (apt-get install postgresql)");
    throw std::runtime_error("pg_test_db: no URI in " + file +
                             " (SENSORHUB_TEST_PG_URI_FILE): the ctest fixture pg_cluster_start "
                             "did not run or failed");
  }
  return start_own_cluster();
}

// base_uri naming the database `name` instead.
std::string with_database(const std::string& base_uri, const std::string& name) {
  for (const char* scheme : {"postgresql://", "postgres://"}) {
    const std::string s(scheme);
    if (base_uri.compare(0, s.size(), s) != 0) continue;
    const auto path = base_uri.find_first_of("/?#", s.size());
    if (path == std::string::npos) return base_uri + "/" + name;
    if (base_uri[path] != '/') return base_uri.substr(0, path) + "/" + name + base_uri.substr(path);
    const auto end = base_uri.find_first_of("?#", path);
    return base_uri.substr(0, path) + "/" + name +
           (end == std::string::npos ? std::string() : base_uri.substr(end));
  }
  // key=value form: the last dbname wins.
  return base_uri + " dbname=" + name;
}

}  // namespace

bool pg_server_binaries_available() {
  std::error_code ec;
  const std::string bin = env("PG_BIN");
  if (!bin.empty()) return ::access((fs::path(bin) / "pg_ctl").c_str(), X_OK) == 0;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    if (::access((entry.path() / "bin" / "pg_ctl").c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::string pg_test_uri() {
  static const std::string uri = resolve_uri();
  return uri;
}

std::string pg_fresh_database(const std::string& base_uri) {
  static std::atomic<unsigned> counter{0};
  static const unsigned salt = std::random_device{}() & 0xffffffu;
  const std::string name = "sh_test_" + std::to_string(::getpid()) + "_" + std::to_string(salt) +
                           "_" + std::to_string(counter.fetch_add(1));
  pg_state& st = state();  // constructed before the first database exists
  // The name is [a-z0-9_] only: no quoting needed beyond the double quotes.
  exec_on(base_uri, "CREATE DATABASE \"" + name + "\"");
  {
    std::lock_guard<std::mutex> lk(st.m);
    st.created.emplace_back(base_uri, name);
  }
  return with_database(base_uri, name);
}

}  // namespace sensorhub::testing

// LeakSanitizer's built-in suppressions for every test binary that uses
// this file: see tests/support/lsan_libpqxx.supp (libpqxx 6.4 leaks the
// PGresult of a query on a connection the server dropped).
extern "C" __attribute__((used, visibility("default"))) const char* __lsan_default_suppressions() {
  return "leak:PQmakeEmptyPGresult\n";
}
