# SPDX-License-Identifier: MIT
# Install rules and the package config (cmake/sensorhubConfig.cmake.in).
# One export set per component, so find_package(sensorhub) loads only the
# components asked for:
#   core                 sensorhub::sensorhub            sensorhubTargets.cmake
#   transport_websocket  sensorhub::transport_websocket  sensorhubTransportWebsocketTargets.cmake
#   auth                 sensorhub::auth                 sensorhubAuthTargets.cmake
#   client               sensorhub::client               sensorhubClientTargets.cmake
# The transport and auth are installed when their targets are part of this
# build (SENSORHUB_BUILD_WEBSOCKET; libsensorhub/auth).
# Install components (cmake --install --component, and the packages of
# cmake/SensorhubPackage.cmake):
#   devel   libraries, headers, CMake package, pkg-config  -> libsensorhub-dev
#   daemon  sensorhubd, sensorhub-cli, man pages, the systemd unit and the
#           default config                                   -> sensorhubd
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SENSORHUB_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/sensorhub")
set(SENSORHUB_INSTALLED_COMPONENTS "")
# Static libraries need their private dependencies at the consumer's link.
get_target_property(_sensorhub_type sensorhub TYPE)
if(_sensorhub_type STREQUAL "STATIC_LIBRARY")
  set(SENSORHUB_STATIC ON)
else()
  set(SENSORHUB_STATIC OFF)
endif()

# sensorhub_install_component(<target> <export set> <public include dir>)
function(sensorhub_install_component target export_set include_dir)
  install(TARGETS ${target} EXPORT ${export_set}
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT devel
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT devel
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT devel
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(DIRECTORY "${include_dir}/sensorhub" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
          COMPONENT devel)
  install(EXPORT ${export_set} NAMESPACE sensorhub:: DESTINATION ${SENSORHUB_CMAKE_DIR}
          COMPONENT devel)
  export(EXPORT ${export_set} NAMESPACE sensorhub::
         FILE "${PROJECT_BINARY_DIR}/${export_set}.cmake")
endfunction()

sensorhub_install_component(sensorhub sensorhubTargets "${PROJECT_SOURCE_DIR}/libsensorhub/include")
# The generated version header sits next to the hand-written ones.
install(FILES "${SENSORHUB_GENERATED_INCLUDE_DIR}/sensorhub/version.hpp"
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sensorhub COMPONENT devel)

if(TARGET sensorhub_transport_websocket)
  sensorhub_install_component(sensorhub_transport_websocket sensorhubTransportWebsocketTargets
                              "${PROJECT_SOURCE_DIR}/libsensorhub/transports/websocket/include")
  # A static transport links http-parser, which has no package of its own:
  # the config finds it with this module.
  install(FILES "${PROJECT_SOURCE_DIR}/cmake/Findhttp_parser.cmake" DESTINATION ${SENSORHUB_CMAKE_DIR}
          COMPONENT devel)
  list(APPEND SENSORHUB_INSTALLED_COMPONENTS transport_websocket)
endif()

if(TARGET sensorhub_auth)
  sensorhub_install_component(sensorhub_auth sensorhubAuthTargets
                              "${PROJECT_SOURCE_DIR}/libsensorhub/auth/include")
  list(APPEND SENSORHUB_INSTALLED_COMPONENTS auth)
endif()

if(TARGET sensorhub_client)
  # websocketpp, Asio and RapidJSON are compiled in (header-only, private):
  # OpenSSL (wss://) is private; a static client lists it in its link
  # interface (the package configuration finds it then).
  sensorhub_install_component(sensorhub_client sensorhubClientTargets
                              "${PROJECT_SOURCE_DIR}/libsensorhub/client/include")
  list(APPEND SENSORHUB_INSTALLED_COMPONENTS client)
endif()
# sensorhub.pc for pkg-config users (the core library only). The prefix is
# ${pcfiledir} relative, so an install with --prefix or DESTDIR still works.
# A static libsensorhub needs SQLiteCpp and SQLite at the consumer's link,
# so they are in Libs/Requires; a shared one keeps them private.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(SENSORHUB_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(SENSORHUB_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(SENSORHUB_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH _sensorhub_pc_up "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
  string(REGEX REPLACE "/$" "" _sensorhub_pc_up "${_sensorhub_pc_up}")
  set(SENSORHUB_PC_PREFIX "\${pcfiledir}/${_sensorhub_pc_up}")
  set(SENSORHUB_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(SENSORHUB_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
if(SENSORHUB_STATIC)
  set(SENSORHUB_PC_REQUIRES "Requires")
  set(SENSORHUB_PC_LIBS "-lSQLiteCpp -pthread")
  set(SENSORHUB_PC_LIBS_PRIVATE "")
else()
  set(SENSORHUB_PC_REQUIRES "Requires.private")
  set(SENSORHUB_PC_LIBS "-pthread")
  set(SENSORHUB_PC_LIBS_PRIVATE "-lSQLiteCpp")
endif()
# The PostgreSQL repository (SENSORHUB_WITH_POSTGRES) links libpqxx privately.
set(SENSORHUB_PC_REQUIRES_MODULES "sqlite3")
if(SENSORHUB_WITH_POSTGRES)
  string(APPEND SENSORHUB_PC_REQUIRES_MODULES ", libpqxx")
endif()
configure_file(cmake/sensorhub.pc.in "${PROJECT_BINARY_DIR}/sensorhub.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/sensorhub.pc" DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
        COMPONENT devel)

configure_package_config_file(cmake/sensorhubConfig.cmake.in
                              "${PROJECT_BINARY_DIR}/sensorhubConfig.cmake"
                              INSTALL_DESTINATION ${SENSORHUB_CMAKE_DIR})
write_basic_package_version_file("${PROJECT_BINARY_DIR}/sensorhubConfigVersion.cmake"
                                 COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/sensorhubConfig.cmake"
              "${PROJECT_BINARY_DIR}/sensorhubConfigVersion.cmake"
        DESTINATION ${SENSORHUB_CMAKE_DIR} COMPONENT devel)

if(TARGET sensorhubd)
  install(TARGETS sensorhubd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT daemon)
  # The systemd unit and its default config (packaging/, docs/operations.md).
  # The unit's ExecStart is /usr/bin/sensorhubd and it reads
  # /etc/sensorhub/sensorhubd.json. Where they go is decided at install time,
  # from the prefix of that install, by GNUInstallDirs' rule for sysconfdir:
  #   prefix /usr         /etc/sensorhub, /lib/systemd/system (with DESTDIR
  #                       for a staged install; cpack packages this way)
  #   any other prefix P  P/etc/sensorhub, P/lib/systemd/system (so
  #                       `cmake --install --prefix P` stays inside P)
  # Decided at install time, not configure time, so `cpack` packages for /usr
  # from any build tree, whatever its CMAKE_INSTALL_PREFIX. An absolute
  # CMAKE_INSTALL_SYSCONFDIR (or SENSORHUB_SYSTEMD_UNITDIR) is used as given.
  set(SENSORHUB_SYSTEMD_UNITDIR "" CACHE STRING
      "Where the systemd unit is installed (empty: /lib/systemd/system for prefix /usr, else PREFIX/lib/systemd/system)")
  if(IS_ABSOLUTE "${CMAKE_INSTALL_SYSCONFDIR}")
    set(_sensorhub_etc "${CMAKE_INSTALL_SYSCONFDIR}")
  else()
    set(_sensorhub_etc "")
  endif()
  string(CONFIGURE [[
    set(_sensorhub_etc "@_sensorhub_etc@")
    set(_sensorhub_unitdir "@SENSORHUB_SYSTEMD_UNITDIR@")
    if(CMAKE_INSTALL_PREFIX MATCHES "^/usr/*$")
      set(_sensorhub_root "")
    else()
      set(_sensorhub_root "${CMAKE_INSTALL_PREFIX}")
    endif()
    if(NOT _sensorhub_etc)
      set(_sensorhub_etc "${_sensorhub_root}/@CMAKE_INSTALL_SYSCONFDIR@")
    endif()
    if(NOT _sensorhub_unitdir)
      set(_sensorhub_unitdir "${_sensorhub_root}/lib/systemd/system")
    endif()
    file(INSTALL DESTINATION "${_sensorhub_unitdir}" TYPE FILE
         FILES "@PROJECT_SOURCE_DIR@/packaging/systemd/sensorhubd.service")
    file(INSTALL DESTINATION "${_sensorhub_etc}/sensorhub" TYPE FILE
         FILES "@PROJECT_SOURCE_DIR@/packaging/sensorhubd.json")
  ]] _sensorhub_install_system_files @ONLY)
  install(CODE "${_sensorhub_install_system_files}" COMPONENT daemon)
  unset(_sensorhub_install_system_files)
  unset(_sensorhub_etc)
endif()
