#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sensorhub::detail {

using sha256_digest = std::array<std::uint8_t, 32>;

// SHA-256 (FIPS 180-4), used to store API tokens as hashes. Incremental:
// update() any number of times, then finish() once. Not thread-safe; one
// object per hash.
class sha256 {
 public:
  sha256() noexcept;
  void update(const void* data, std::size_t size) noexcept;
  void update(std::string_view text) noexcept { update(text.data(), text.size()); }
  sha256_digest finish() noexcept;

  static sha256_digest hash(std::string_view text) noexcept {
    sha256 h;
    h.update(text);
    return h.finish();
  }

 private:
  void block(const std::uint8_t* p) noexcept;

  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

// Lower-case hex of a byte sequence.
std::string to_hex(const std::uint8_t* data, std::size_t size);

}  // namespace sensorhub::detail
