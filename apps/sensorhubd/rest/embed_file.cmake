# SPDX-License-Identifier: MIT
# cmake -DINPUT=file -DOUTPUT=file.cpp -DNAME=symbol -P embed_file.cmake
# Writes a .cpp defining `sensorhubd::NAME` (const char*) and NAME_size.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){20})" "\\1\n" bytes "${bytes}")
set(text "// Generated from ${INPUT} by embed_file.cmake. Do not edit.
#include <cstddef>

namespace sensorhubd {
namespace {
const unsigned char ${NAME}_bytes[] = {
${bytes}0x00};
}  // namespace
extern const char* const ${NAME};
extern const std::size_t ${NAME}_size;
const char* const ${NAME} = reinterpret_cast<const char*>(${NAME}_bytes);
const std::size_t ${NAME}_size = ${size};
}  // namespace sensorhubd
")
file(WRITE "${OUTPUT}.tmp" "${text}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUTPUT}.tmp" "${OUTPUT}")
file(REMOVE "${OUTPUT}.tmp")
