# With SENSORHUB_SANITIZE, every target built after this point gets ASan+UBSan.
if(SENSORHUB_SANITIZE)
  if(MSVC)
    message(FATAL_ERROR "SENSORHUB_SANITIZE needs GCC or Clang")
  endif()
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
