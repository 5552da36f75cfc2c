// SPDX-License-Identifier: MIT
// Builds against the installed auth component: a generated token hashes
// (through OpenSSL) to the sha256sum of its text and verifies against itself.
#include <cstdio>
#include <string>

#include <sensorhub/auth/token.hpp>

int main() {
  // printf %s abc | sha256sum
  static const unsigned char abc[] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
                                      0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                                      0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
                                      0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
  sensorhub::token_hash expected{};
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = abc[i];
  if (!sensorhub::hashes_equal(sensorhub::hash_token("abc"), expected)) {
    std::fprintf(stderr, "auth_consumer: hash_token(\"abc\") is not SHA-256\n");
    return 1;
  }
  const std::string token = sensorhub::generate_token();
  if (!sensorhub::hashes_equal(sensorhub::hash_token(token), sensorhub::hash_token(token))) {
    std::fprintf(stderr, "auth_consumer: a token does not verify against itself\n");
    return 1;
  }
  std::printf("auth_consumer: ok\n");
  return 0;
}
