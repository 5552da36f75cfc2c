# SPDX-License-Identifier: MIT
# sensorhub_set_warnings(<target>): the project's warning set, per target.
function(sensorhub_set_warnings target)
  if(MSVC)
    target_compile_options(${target} PRIVATE /W4)
    if(SENSORHUB_WERROR)
      target_compile_options(${target} PRIVATE /WX)
    endif()
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                             -Wnon-virtual-dtor -Wold-style-cast
                                             -Wcast-align -Woverloaded-virtual)
    if(SENSORHUB_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
endfunction()
