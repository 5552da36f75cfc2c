include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SENSORHUB_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/sensorhub")

install(TARGETS sensorhub EXPORT sensorhubTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY libsensorhub/include/sensorhub DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT sensorhubTargets NAMESPACE sensorhub:: DESTINATION ${SENSORHUB_CMAKE_DIR})
export(EXPORT sensorhubTargets NAMESPACE sensorhub::
       FILE "${PROJECT_BINARY_DIR}/sensorhubTargets.cmake")

configure_package_config_file(cmake/sensorhubConfig.cmake.in
                              "${PROJECT_BINARY_DIR}/sensorhubConfig.cmake"
                              INSTALL_DESTINATION ${SENSORHUB_CMAKE_DIR})
write_basic_package_version_file("${PROJECT_BINARY_DIR}/sensorhubConfigVersion.cmake"
                                 COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/sensorhubConfig.cmake"
              "${PROJECT_BINARY_DIR}/sensorhubConfigVersion.cmake"
        DESTINATION ${SENSORHUB_CMAKE_DIR})

# The WebSocket transport is a component of its own: only consumers that
# ask for it need websocketpp and Asio installed.
if(TARGET sensorhub_transport_websocket)
  install(TARGETS sensorhub_transport_websocket EXPORT sensorhubTransportTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY libsensorhub/transports/websocket/include/sensorhub
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT sensorhubTransportTargets NAMESPACE sensorhub:: DESTINATION ${SENSORHUB_CMAKE_DIR})
endif()

if(TARGET sensorhubd)
  install(TARGETS sensorhubd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
