// SPDX-License-Identifier: MIT
#pragma once

#include <string>

namespace sensorhub::testing {

// PostgreSQL for the tests labelled "pg" (docs/testing.md). Built into
// sensorhub_test_support only with SENSORHUB_WITH_POSTGRES.
//
// Where the server comes from, first match wins:
// 1. $SENSORHUB_TEST_PG_URI: an existing server (its user needs CREATEDB).
// 2. $SENSORHUB_TEST_PG_URI_FILE: a file holding the URI, written by the
//    ctest fixture pg_cluster_start (cmake/SensorhubPgTests.cmake): one
//    throwaway cluster per ctest run.
// 3. Neither set (a test binary run by hand): this process starts its own
//    throwaway cluster with scripts/pg-cluster.sh on first use and stops
//    and removes it at exit.
// When no server is available because the PostgreSQL server binaries are
// missing (no /usr/lib/postgresql/*/bin/pg_ctl, no $PG_BIN), the process
// prints why and exits with pg_test_skip_code, which ctest reports as
// skipped (SKIP_RETURN_CODE). Any other failure throws std::runtime_error.

// The exit code of a skipped pg test.
constexpr int pg_test_skip_code = 77;

// The URI of the test server's base database, e.g.
// "postgresql://sensorhub@127.0.0.1:41234/sensorhub". Resolved once per
// process; thread-safe.
std::string pg_test_uri();

// Creates a new, uniquely named, empty database on the server of
// `base_uri` (CREATE DATABASE over a libpq connection to base_uri) and returns
// base_uri with its database name replaced (URI or key=value form), so
// tests never share state. The databases are dropped (WITH (FORCE)) at
// process exit unless $SENSORHUB_TEST_PG_KEEP is set. Thread-safe.
std::string pg_fresh_database(const std::string& base_uri);

// pg_fresh_database(pg_test_uri()).
inline std::string pg_fresh_database() { return pg_fresh_database(pg_test_uri()); }

// True when the PostgreSQL server binaries (pg_ctl) are installed.
bool pg_server_binaries_available();

}  // namespace sensorhub::testing
