# SPDX-License-Identifier: MIT
# SENSORHUB_SANITIZE: every target built after this point gets
#   ON / address  AddressSanitizer + UndefinedBehaviorSanitizer
#   thread        ThreadSanitizer (the multi-threaded network layer; see
#                 scripts/test.sh for the tests it runs)
if(SENSORHUB_SANITIZE)
  if(MSVC)
    message(FATAL_ERROR "SENSORHUB_SANITIZE needs GCC or Clang")
  endif()
  string(TOLOWER "${SENSORHUB_SANITIZE}" _sensorhub_sanitize)
  if(_sensorhub_sanitize STREQUAL "thread")
    if(SENSORHUB_BUILD_FUZZ)
      message(FATAL_ERROR "SENSORHUB_SANITIZE=thread cannot be combined with SENSORHUB_BUILD_FUZZ (ASan)")
    endif()
    # GCC warns (-Wtsan) that TSan does not model atomic_thread_fence, which
    # Asio's handler invocation uses (std_fenced_block); its scheduler hands
    # handlers over under a mutex, which TSan does see.
    add_compile_options(-fsanitize=thread -fno-omit-frame-pointer
                        $<$<CXX_COMPILER_ID:GNU>:-Wno-tsan>)
    add_link_options(-fsanitize=thread)
  elseif(_sensorhub_sanitize MATCHES "^(on|yes|true|1|address)$")
    add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                        -fno-omit-frame-pointer)
    add_link_options(-fsanitize=address,undefined)
  else()
    message(FATAL_ERROR "SENSORHUB_SANITIZE=${SENSORHUB_SANITIZE}: use OFF, ON (address) or thread")
  endif()
  unset(_sensorhub_sanitize)
endif()
