# SPDX-License-Identifier: MIT
# The tests labelled "pg" run against ONE throwaway PostgreSQL cluster per
# ctest run, through ctest fixtures (docs/testing.md):
#
#   pg_cluster_start  FIXTURES_SETUP pg: scripts/pg-cluster.sh start into a
#                     new /tmp/sensorhub-pg-XXXXXX (reachable by the user
#                     postgres when run as root); writes the URI to
#                     SENSORHUB_PG_URI_FILE. Reported as skipped when the
#                     PostgreSQL server binaries are missing, and does
#                     nothing when $SENSORHUB_TEST_PG_URI names a server.
#   pg_cluster_stop   FIXTURES_CLEANUP pg: stops and removes it (runs also
#                     when tests failed).
#
# ctest adds both to any selection (-R, -L) that holds a test requiring pg.
# The tests read the URI with tests/support/pg_test_db.hpp (pg_test_uri).
#
#   sensorhub_pg_test(<test>...)
#       Makes tests registered with add_test (in the calling directory) pg
#       tests: FIXTURES_REQUIRED pg, LABELS pg (appended), ENVIRONMENT
#       SENSORHUB_TEST_PG_URI_FILE=<file> and LSAN_OPTIONS=suppressions=
#       tests/support/lsan_libpqxx.supp (appended; the daemons a test starts
#       inherit both), SKIP_RETURN_CODE 77.
#   sensorhub_pg_discover_tests(<target> [doctest_discover_tests options])
#       doctest_discover_tests (options such as TEST_PREFIX and PROPERTIES
#       are passed through) with the same properties on every test case
#       (LSan's suppression is built into the binary by pg_test_db.cpp).
#   SENSORHUB_PG_TEST_PROPERTIES
#       The property list itself (name value ...), without LABELS.
#
# doctest's discovery writes `LABELS <test suites>` after PROPERTIES (and
# finds no suite for a name with a comma), so LABELS pg is set by a second
# ctest include file that runs after doctest's, over its TEST_LIST.
#
# The same file run with `cmake -DACTION=start|stop -DSTATE_DIR=<dir>
# -DSCRIPT=<pg-cluster.sh> -P SensorhubPgTests.cmake` is the fixture itself.

if(DEFINED CMAKE_SCRIPT_MODE_FILE)
  # ---- the fixture (script mode) ----
  set(uri_file "${STATE_DIR}/uri")
  set(dir_file "${STATE_DIR}/cluster-dir")

  function(_sensorhub_pg_stop_recorded)
    if(EXISTS "${dir_file}")
      file(READ "${dir_file}" dir)
      string(STRIP "${dir}" dir)
      if(dir MATCHES "^/tmp/sensorhub-pg-")
        execute_process(COMMAND sh "${SCRIPT}" stop "${dir}" RESULT_VARIABLE rc)
        message(STATUS "stopped the PostgreSQL test cluster in ${dir} (${rc})")
      endif()
      file(REMOVE "${dir_file}")
    endif()
    file(REMOVE "${uri_file}")
  endfunction()

  if(ACTION STREQUAL "start")
    file(MAKE_DIRECTORY "${STATE_DIR}")
    _sensorhub_pg_stop_recorded()  # a cluster left by an interrupted run
    if(NOT "$ENV{SENSORHUB_TEST_PG_URI}" STREQUAL "")
      message(STATUS "SENSORHUB_TEST_PG_URI is set: the pg tests use it, no cluster started")
      return()
    endif()
    execute_process(COMMAND mktemp -d /tmp/sensorhub-pg-XXXXXX
                    OUTPUT_VARIABLE dir OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
    if(rc OR dir STREQUAL "")
      message(FATAL_ERROR "mktemp failed (${rc})")
    endif()
    file(WRITE "${dir_file}" "${dir}\n")
    execute_process(COMMAND sh "${SCRIPT}" start "${dir}" RESULT_VARIABLE rc
                    OUTPUT_VARIABLE out ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(rc EQUAL 2 AND err MATCHES "no PostgreSQL server")
      _sensorhub_pg_stop_recorded()
      file(REMOVE_RECURSE "${dir}")
      # SKIP_REGULAR_EXPRESSION of pg_cluster_start; the pg tests exit 77.
      message("SENSORHUB_PG_SKIPPED: ${err}")
      return()
    elseif(NOT rc EQUAL 0)
      _sensorhub_pg_stop_recorded()
      message(FATAL_ERROR "pg-cluster.sh start ${dir} failed (${rc}):\n${out}\n${err}")
    endif()
    file(WRITE "${uri_file}.tmp" "${out}\n")
    file(RENAME "${uri_file}.tmp" "${uri_file}")
    message(STATUS "PostgreSQL test cluster in ${dir}: ${out}")
  elseif(ACTION STREQUAL "stop")
    _sensorhub_pg_stop_recorded()
  else()
    message(FATAL_ERROR "ACTION must be start or stop")
  endif()
  return()
endif()

# ---- the CMake functions (included by the top-level CMakeLists.txt) ----
include_guard(GLOBAL)

set(SENSORHUB_PG_STATE_DIR "${PROJECT_BINARY_DIR}/pg-test")
set(SENSORHUB_PG_URI_FILE "${SENSORHUB_PG_STATE_DIR}/uri")
set(SENSORHUB_PG_SKIP_CODE 77)  # sensorhub::testing::pg_test_skip_code
set(SENSORHUB_PG_TEST_PROPERTIES
    FIXTURES_REQUIRED pg
    SKIP_RETURN_CODE ${SENSORHUB_PG_SKIP_CODE}
    ENVIRONMENT "SENSORHUB_TEST_PG_URI_FILE=${SENSORHUB_PG_URI_FILE}")

set(_sensorhub_pg_fixture_args
    -DSTATE_DIR=${SENSORHUB_PG_STATE_DIR}
    -DSCRIPT=${PROJECT_SOURCE_DIR}/scripts/pg-cluster.sh
    -P ${CMAKE_CURRENT_LIST_FILE})
add_test(NAME pg_cluster_start COMMAND ${CMAKE_COMMAND} -DACTION=start ${_sensorhub_pg_fixture_args})
set_tests_properties(pg_cluster_start PROPERTIES
  FIXTURES_SETUP pg LABELS pg TIMEOUT 240
  SKIP_REGULAR_EXPRESSION "SENSORHUB_PG_SKIPPED")
add_test(NAME pg_cluster_stop COMMAND ${CMAKE_COMMAND} -DACTION=stop ${_sensorhub_pg_fixture_args})
set_tests_properties(pg_cluster_stop PROPERTIES FIXTURES_CLEANUP pg LABELS pg TIMEOUT 120)

function(sensorhub_pg_test)
  foreach(test ${ARGN})
    set_property(TEST ${test} APPEND PROPERTY FIXTURES_REQUIRED pg)
    set_property(TEST ${test} APPEND PROPERTY LABELS pg)
    set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT
                 "SENSORHUB_TEST_PG_URI_FILE=${SENSORHUB_PG_URI_FILE}"
                 "LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/support/lsan_libpqxx.supp")
    set_property(TEST ${test} PROPERTY SKIP_RETURN_CODE ${SENSORHUB_PG_SKIP_CODE})
  endforeach()
endfunction()

function(sensorhub_pg_discover_tests target)
  set(list_var "${target}_PG_TESTS")
  doctest_discover_tests(${target} ${ARGN} TEST_LIST ${list_var}
                         PROPERTIES ${SENSORHUB_PG_TEST_PROPERTIES})
  set(label_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_pg_labels.cmake")
  file(WRITE "${label_file}"
       "# Generated by SensorhubPgTests.cmake: runs after doctest's include file.\n"
       "foreach(t IN LISTS ${list_var})\n"
       "  set_tests_properties(\"\${t}\" PROPERTIES LABELS pg)\n"
       "endforeach()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${label_file}")
endfunction()
