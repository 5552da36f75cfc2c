// SHA-256 against the FIPS 180-4 / NIST example vectors.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "sha256.hpp"

using sensorhub::detail::sha256;
using sensorhub::detail::to_hex;

namespace {

std::string hex_of(const std::string& text) {
  const auto d = sha256::hash(text);
  return to_hex(d.data(), d.size());
}

}  // namespace

TEST_CASE("sha256: FIPS 180-4 one-block message abc") {
  CHECK(hex_of("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("sha256: empty message") {
  CHECK(hex_of("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("sha256: FIPS 180-4 two-block message") {
  CHECK(hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("sha256: 896-bit message") {
  CHECK(hex_of("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
               "klmnopqrlmnopqrsmnopqrstnopqrstu") ==
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST_CASE("sha256: one million 'a' fed in uneven pieces equals one update") {
  const std::string million(1000000, 'a');
  sha256 h;
  std::size_t pos = 0;
  std::size_t step = 1;
  while (pos < million.size()) {
    const std::size_t n = std::min(step, million.size() - pos);
    h.update(million.data() + pos, n);
    pos += n;
    step = step * 3 % 257 + 1;
  }
  const auto d = h.finish();
  CHECK(to_hex(d.data(), d.size()) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  CHECK(hex_of(million) == to_hex(d.data(), d.size()));
}

TEST_CASE("sha256: padding boundaries 55, 56, 64 bytes") {
  // Known digests of 'a' repeated n times.
  CHECK(hex_of(std::string(55, 'a')) ==
        "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  CHECK(hex_of(std::string(56, 'a')) ==
        "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  CHECK(hex_of(std::string(64, 'a')) ==
        "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}
