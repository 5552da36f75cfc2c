# SPDX-License-Identifier: MIT
# Man pages generated from the binaries' --help and --version with help2man
# at build time (target sensorhub_man_pages, part of `all`), plus the
# sections --help lacks from docs/man/<name>.h2m (NAME, FILES, ENVIRONMENT,
# SEE ALSO). Installed gzipped to share/man/man1 in component daemon;
# tests/packaging checks that each names every option its --help prints.
# Without help2man (apt-get install help2man) no man page is built or
# installed, the configure step says so and the man page tests are skipped.
#
#   SENSORHUB_MAN_PAGES  the generated pages (empty without help2man)
set(SENSORHUB_MAN_PAGES "")
find_program(SENSORHUB_HELP2MAN help2man)
find_program(SENSORHUB_GZIP gzip)
set(_sensorhub_man_programs "")
foreach(_sensorhub_man_exe sensorhubd sensorhub-cli)
  if(TARGET ${_sensorhub_man_exe})
    list(APPEND _sensorhub_man_programs ${_sensorhub_man_exe})
  endif()
endforeach()

if(_sensorhub_man_programs AND NOT SENSORHUB_HELP2MAN)
  message(STATUS "help2man not found: no man pages (apt-get install help2man)")
elseif(_sensorhub_man_programs)
  set(_sensorhub_man_dir "${PROJECT_BINARY_DIR}/man")
  set(_sensorhub_man_outputs "")
  foreach(_sensorhub_man_exe IN LISTS _sensorhub_man_programs)
    set(_sensorhub_man_page "${_sensorhub_man_dir}/${_sensorhub_man_exe}.1")
    set(_sensorhub_man_include "${PROJECT_SOURCE_DIR}/docs/man/${_sensorhub_man_exe}.h2m")
    # A sanitizer build's binary runs here too; its reports go to stderr.
    add_custom_command(
      OUTPUT "${_sensorhub_man_page}"
      COMMAND ${CMAKE_COMMAND} -E make_directory "${_sensorhub_man_dir}"
      COMMAND ${SENSORHUB_HELP2MAN} --no-info --section=1 --include=${_sensorhub_man_include} --output=${_sensorhub_man_page}
              $<TARGET_FILE:${_sensorhub_man_exe}>
      DEPENDS ${_sensorhub_man_exe} "${_sensorhub_man_include}"
      COMMENT "Generating man page ${_sensorhub_man_exe}(1) with help2man"
      VERBATIM)
    list(APPEND SENSORHUB_MAN_PAGES "${_sensorhub_man_page}")
    list(APPEND _sensorhub_man_outputs "${_sensorhub_man_page}")
    if(SENSORHUB_GZIP)
      # Debian ships man pages gzipped; -n keeps the output reproducible.
      add_custom_command(
        OUTPUT "${_sensorhub_man_page}.gz"
        COMMAND ${SENSORHUB_GZIP} -9 -n -c "${_sensorhub_man_page}" > "${_sensorhub_man_page}.gz"
        DEPENDS "${_sensorhub_man_page}"
        COMMENT "Compressing ${_sensorhub_man_exe}.1")
      list(APPEND _sensorhub_man_outputs "${_sensorhub_man_page}.gz")
      set(_sensorhub_man_installed "${_sensorhub_man_page}.gz")
    else()
      set(_sensorhub_man_installed "${_sensorhub_man_page}")
    endif()
    install(FILES "${_sensorhub_man_installed}" DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
            COMPONENT daemon)
  endforeach()
  add_custom_target(sensorhub_man_pages ALL DEPENDS ${_sensorhub_man_outputs})
endif()

unset(_sensorhub_man_programs)
unset(_sensorhub_man_exe)
unset(_sensorhub_man_page)
unset(_sensorhub_man_include)
unset(_sensorhub_man_dir)
unset(_sensorhub_man_outputs)
unset(_sensorhub_man_installed)
