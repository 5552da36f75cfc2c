# SPDX-License-Identifier: MIT
# Debian packages with CPack (docs/operations.md, "Installing the .deb"):
#
#   cmake --build build && cpack --config build/CPackConfig.cmake -G DEB -B build/deb
#
#   sensorhubd        install component daemon: sensorhubd, sensorhub-cli, their
#                     man pages, /lib/systemd/system/sensorhubd.service and
#                     /etc/sensorhub/sensorhubd.json (a conffile)
#   libsensorhub-dev  install component devel: the libraries, headers, the CMake
#                     package and sensorhub.pc
#
# Packages always install under /usr, whatever the build's
# CMAKE_INSTALL_PREFIX: CPack stages with DESTDIR and CMAKE_INSTALL_PREFIX=/usr,
# and the install rules put the config and the unit in /etc and /lib for that
# prefix (cmake/SensorhubInstall.cmake), so any build tree can be packaged.
# Configure with -DCMAKE_INSTALL_PREFIX=/usr for Debian's multiarch libdir
# (lib/x86_64-linux-gnu); other prefixes package the libraries in /usr/lib.
# The binaries' shared-library dependencies come from dpkg-shlibdeps
# (dpkg-dev); the -dev package depends on the -dev packages its CMake package
# and pkg-config file need (the libraries are static by default, so their
# dependencies are needed at the consumer's link).
set(SENSORHUB_PACKAGE_MAINTAINER
    "sensorhub maintainers <maintainers@users.noreply.r-seed-0ffc9749.example>"
    CACHE STRING "Maintainer field of the Debian packages")
set(SENSORHUB_PACKAGE_HOMEPAGE "${PROJECT_HOMEPAGE_URL}"
    CACHE STRING "Homepage field of the Debian packages (empty: none)")

if(BUILD_SHARED_LIBS)
  message(WARNING "sensorhub packages: BUILD_SHARED_LIBS=ON puts the shared libraries in "
                  "libsensorhub-dev (there is no runtime library package); "
                  "package a static build (the default)")
endif()

set(CPACK_PACKAGE_NAME sensorhub)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "the sensorhub authors")
set(CPACK_PACKAGE_CONTACT "${SENSORHUB_PACKAGE_MAINTAINER}")
# Each package's Description starts with its own synopsis line (the
# CPACK_DEBIAN_<COMPONENT>_DESCRIPTION below). CPackDeb puts a summary that
# differs from CPack's default in front of it, so the summary is that default.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${CMAKE_PROJECT_NAME} built using CMake")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_GENERATOR DEB)
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build[^/]*/")

# Stage with DESTDIR and prefix /usr: the config and the unit land in /etc
# and /lib/systemd/system (cmake/SensorhubInstall.cmake decides at install
# time from the prefix). Binaries are stripped, as Debian ships them, and
# static libraries lose their debug information (SensorhubPackageStrip.cmake).
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
if(CMAKE_STRIP)
  set(CPACK_SENSORHUB_STRIP "${CMAKE_STRIP}")
  set(CPACK_PRE_BUILD_SCRIPTS "${PROJECT_SOURCE_DIR}/cmake/SensorhubPackageStrip.cmake")
endif()

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL devel)
if(TARGET sensorhubd)
  list(APPEND CPACK_COMPONENTS_ALL daemon)
endif()
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # NAME_VERSION-REVISION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${SENSORHUB_PACKAGE_MAINTAINER}")
if(SENSORHUB_PACKAGE_HOMEPAGE)
  set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${SENSORHUB_PACKAGE_HOMEPAGE}")
endif()
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)

# sensorhubd: Depends from dpkg-shlibdeps (libc, libstdc++, libsqlite3,
# libssl3).
set(CPACK_DEBIAN_DAEMON_PACKAGE_NAME sensorhubd)
set(CPACK_DEBIAN_DAEMON_PACKAGE_SECTION net)
set(CPACK_DEBIAN_DAEMON_DESCRIPTION
    "sensors and readings over REST, change events over WebSocket and SSE
sensorhubd stores sensors and their readings in SQLite and serves them over
a REST API; every change is published to WebSocket and Server-Sent Events
subscribers, with resume after a reconnect. The package has the daemon,
sensorhub-cli, a hardened systemd unit (sensorhubd.service, not enabled on
install) and the default config /etc/sensorhub/sensorhubd.json
(127.0.0.1:8000, database in /var/lib/sensorhub).")
set(CPACK_DEBIAN_DAEMON_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/packaging/deb/conffiles;${PROJECT_SOURCE_DIR}/packaging/deb/postinst;${PROJECT_SOURCE_DIR}/packaging/deb/prerm;${PROJECT_SOURCE_DIR}/packaging/deb/postrm")

# libsensorhub-dev: what sensorhubConfig.cmake and sensorhub.pc need at the
# consumer's build and link: SQLiteCpp and SQLite (core), websocketpp and
# http-parser (transport_websocket; Asio is compiled in), OpenSSL (auth,
# client).
set(CPACK_DEBIAN_DEVEL_PACKAGE_NAME libsensorhub-dev)
set(CPACK_DEBIAN_DEVEL_PACKAGE_SECTION libdevel)
set(_sensorhub_dev_depends "libsqlite3-dev" "libsqlitecpp-dev")
if(TARGET sensorhub_transport_websocket)
  list(APPEND _sensorhub_dev_depends "libwebsocketpp-dev" "libhttp-parser-dev")
endif()
if(TARGET sensorhub_auth OR TARGET sensorhub_client)
  list(APPEND _sensorhub_dev_depends "libssl-dev")
endif()
list(JOIN _sensorhub_dev_depends ", " CPACK_DEBIAN_DEVEL_PACKAGE_DEPENDS)
unset(_sensorhub_dev_depends)
set(CPACK_DEBIAN_DEVEL_DESCRIPTION
    "sensors, readings and realtime change events in C++17 - development files
libsensorhub stores sensors and readings in SQLite and publishes every change
to subscribers; sensorhub::transport_websocket serves them over WebSocket,
sensorhub::auth checks API tokens and sensorhub::client subscribes from C++
(ws:// and wss://). Static libraries, headers, the CMake package
(find_package(sensorhub COMPONENTS ...)) and sensorhub.pc for pkg-config.")

include(CPack)
