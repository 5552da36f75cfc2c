# SPDX-License-Identifier: MIT
# CPACK_PRE_BUILD_SCRIPTS of cmake/SensorhubPackage.cmake: runs after CPack
# staged the files, before it builds the packages. CPACK_STRIP_FILES strips
# programs only; the static libraries lose their debug information here
# (strip --strip-debug keeps the symbols a link needs), as Debian's dh_strip
# does for -dev packages.
file(GLOB_RECURSE _sensorhub_static_libs "${CPACK_TEMPORARY_DIRECTORY}/*.a")
foreach(_sensorhub_lib IN LISTS _sensorhub_static_libs)
  execute_process(COMMAND "${CPACK_SENSORHUB_STRIP}" --strip-debug "${_sensorhub_lib}"
                  RESULT_VARIABLE _sensorhub_result)
  if(NOT _sensorhub_result EQUAL 0)
    message(FATAL_ERROR "strip --strip-debug ${_sensorhub_lib} failed: ${_sensorhub_result}")
  endif()
endforeach()
