# Install rules and the package config (cmake/sensorhubConfig.cmake.in).
# One export set per component, so find_package(sensorhub) loads only the
# components asked for:
#   core                 sensorhub::sensorhub            sensorhubTargets.cmake
#   transport_websocket  sensorhub::transport_websocket  sensorhubTransportWebsocketTargets.cmake
#   auth                 sensorhub::auth                 sensorhubAuthTargets.cmake
#   client               sensorhub::client               sensorhubClientTargets.cmake
# The transport and auth are installed when their targets are part of this
# build (SENSORHUB_BUILD_WEBSOCKET; libsensorhub/auth).
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
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(DIRECTORY "${include_dir}/sensorhub" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT ${export_set} NAMESPACE sensorhub:: DESTINATION ${SENSORHUB_CMAKE_DIR})
  export(EXPORT ${export_set} NAMESPACE sensorhub::
         FILE "${PROJECT_BINARY_DIR}/${export_set}.cmake")
endfunction()

sensorhub_install_component(sensorhub sensorhubTargets "${PROJECT_SOURCE_DIR}/libsensorhub/include")
# The generated version header sits next to the hand-written ones.
install(FILES "${SENSORHUB_GENERATED_INCLUDE_DIR}/sensorhub/version.hpp"
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sensorhub)

if(TARGET sensorhub_transport_websocket)
  sensorhub_install_component(sensorhub_transport_websocket sensorhubTransportWebsocketTargets
                              "${PROJECT_SOURCE_DIR}/libsensorhub/transports/websocket/include")
  # A static transport links http-parser, which has no package of its own:
  # the config finds it with this module.
  install(FILES "${PROJECT_SOURCE_DIR}/cmake/Findhttp_parser.cmake" DESTINATION ${SENSORHUB_CMAKE_DIR})
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
configure_file(cmake/sensorhub.pc.in "${PROJECT_BINARY_DIR}/sensorhub.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/sensorhub.pc" DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

configure_package_config_file(cmake/sensorhubConfig.cmake.in
                              "${PROJECT_BINARY_DIR}/sensorhubConfig.cmake"
                              INSTALL_DESTINATION ${SENSORHUB_CMAKE_DIR})
write_basic_package_version_file("${PROJECT_BINARY_DIR}/sensorhubConfigVersion.cmake"
                                 COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/sensorhubConfig.cmake"
              "${PROJECT_BINARY_DIR}/sensorhubConfigVersion.cmake"
        DESTINATION ${SENSORHUB_CMAKE_DIR})

if(TARGET sensorhubd)
  install(TARGETS sensorhubd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT daemon)
  # The systemd unit and its default config (packaging/, docs/operations.md).
  # Relative destinations, so `cmake --install --prefix` stays inside its
  # prefix; the unit's ExecStart is /usr/bin/sensorhubd and it reads
  # /etc/sensorhub/sensorhubd.json, so a package installs with
  # CMAKE_INSTALL_PREFIX=/usr and moves usr/etc/sensorhub to /etc.
  install(FILES "${PROJECT_SOURCE_DIR}/packaging/systemd/sensorhubd.service"
          DESTINATION lib/systemd/system COMPONENT daemon)
  install(FILES "${PROJECT_SOURCE_DIR}/packaging/sensorhubd.json"
          DESTINATION ${CMAKE_INSTALL_SYSCONFDIR}/sensorhub COMPONENT daemon)
endif()
