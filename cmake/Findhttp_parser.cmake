# SPDX-License-Identifier: MIT
# Findhttp_parser: nodejs/http-parser (Debian: libhttp-parser-dev), which
# ships neither a CMake package nor a pkg-config file.
#   find_package(http_parser 2.9 REQUIRED)  ->  http_parser::http_parser
# Sets http_parser_FOUND, http_parser_VERSION, http_parser_INCLUDE_DIR and
# http_parser_LIBRARY. Installed next to sensorhub's package config, which
# needs it for a static transport_websocket.
find_path(http_parser_INCLUDE_DIR NAMES http_parser.h)
find_library(http_parser_LIBRARY NAMES http_parser)

if(http_parser_INCLUDE_DIR AND EXISTS "${http_parser_INCLUDE_DIR}/http_parser.h")
  file(STRINGS "${http_parser_INCLUDE_DIR}/http_parser.h" _http_parser_version_lines
       REGEX "^#define HTTP_PARSER_VERSION_(MAJOR|MINOR|PATCH) [0-9]+")
  foreach(_http_parser_part MAJOR MINOR PATCH)
    string(REGEX REPLACE ".*HTTP_PARSER_VERSION_${_http_parser_part} ([0-9]+).*" "\\1"
           _http_parser_${_http_parser_part} "${_http_parser_version_lines}")
  endforeach()
  set(http_parser_VERSION "${_http_parser_MAJOR}.${_http_parser_MINOR}.${_http_parser_PATCH}")
  unset(_http_parser_version_lines)
  unset(_http_parser_part)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(http_parser
  REQUIRED_VARS http_parser_LIBRARY http_parser_INCLUDE_DIR
  VERSION_VAR http_parser_VERSION)

if(http_parser_FOUND AND NOT TARGET http_parser::http_parser)
  add_library(http_parser::http_parser UNKNOWN IMPORTED)
  set_target_properties(http_parser::http_parser PROPERTIES
    IMPORTED_LOCATION "${http_parser_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${http_parser_INCLUDE_DIR}")
endif()
mark_as_advanced(http_parser_INCLUDE_DIR http_parser_LIBRARY)
