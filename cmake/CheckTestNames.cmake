# SPDX-License-Identifier: MIT
# ctest guard: doctest_discover_tests splits test names at ';', so a
# TEST_CASE whose name holds one registers a ctest entry that selects no test
# case and passes without running anything. Fails listing every such name.
#   cmake -DROOT=<source dir> -P CheckTestNames.cmake
file(GLOB_RECURSE sources "${ROOT}/tests/*.cpp" "${ROOT}/libsensorhub/*/tests/*.cpp"
     "${ROOT}/libsensorhub/transports/*/tests/*.cpp" "${ROOT}/apps/*/tests/*.cpp"
     "${ROOT}/examples/*.cpp")
set(bad "")
foreach(src ${sources})
  file(STRINGS "${src}" lines REGEX "TEST_CASE\\(\"[^\"]*;")
  foreach(line ${lines})
    string(APPEND bad "\n  ${src}: ${line}")
  endforeach()
endforeach()
if(bad)
  message(FATAL_ERROR "test names with ';' (ctest would run nothing for them):${bad}")
endif()
list(LENGTH sources n)
message(STATUS "checked ${n} test sources: no test name holds ';'")
