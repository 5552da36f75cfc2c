// SPDX-License-Identifier: MIT
#include "sensorhub/time.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace sensorhub {

namespace {

constexpr std::int64_t us_per_second = 1000000;
constexpr std::int64_t seconds_per_day = 86400;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil); no dependence on the C library, TZ or locale.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil {
  std::int64_t y;
  unsigned m;
  unsigned d;
};

constexpr civil civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2 ? 1 : 0), m, d};
}

constexpr bool is_leap(std::int64_t y) noexcept {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// Reads exactly n decimal digits at text[pos]; false when absent.
bool digits(std::string_view text, std::size_t pos, std::size_t n, unsigned& out) noexcept {
  if (pos + n > text.size()) return false;
  unsigned v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  out = v;
  return true;
}

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in seconds since the epoch.
constexpr std::int64_t min_seconds = days_from_civil(1, 1, 1) * seconds_per_day;
constexpr std::int64_t max_seconds = days_from_civil(9999, 12, 31) * seconds_per_day + 86399;

}  // namespace

timestamp now() noexcept {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

std::string format_time(timestamp t) {
  const std::int64_t us = t.time_since_epoch().count();
  const std::int64_t secs = floor_div(us, us_per_second);
  const std::int64_t frac = us - secs * us_per_second;
  const std::int64_t days = floor_div(secs, seconds_per_day);
  const std::int64_t sod = secs - days * seconds_per_day;
  const civil c = civil_from_days(days);
  if (c.y < 0 || c.y > 9999) {  // beyond what parse_time accepts: the general path
    char wide[64];
    const int n = std::snprintf(wide, sizeof wide, "%04lld-%02u-%02uT%02d:%02d:%02d.%06lld+00:00",
                                static_cast<long long>(c.y), c.m, c.d, static_cast<int>(sod / 3600),
                                static_cast<int>(sod / 60 % 60), static_cast<int>(sod % 60),
                                static_cast<long long>(frac));
    return std::string(wide, n > 0 ? static_cast<std::size_t>(n) : 0);
  }
  // By hand (no snprintf) otherwise: it runs for every timestamp of every
  // event, and every field has a fixed width.
  char buf[32];
  const auto put = [&buf](std::size_t at, std::size_t width, std::int64_t v) {
    for (std::size_t i = width; i-- > 0; v /= 10) buf[at + i] = static_cast<char>('0' + v % 10);
  };
  std::memcpy(buf, "0000-00-00T00:00:00.000000+00:00", 32);
  put(0, 4, static_cast<std::int64_t>(c.y));
  put(5, 2, c.m);
  put(8, 2, c.d);
  put(11, 2, sod / 3600);
  put(14, 2, sod / 60 % 60);
  put(17, 2, sod % 60);
  put(20, 6, frac);
  return std::string(buf, sizeof buf);
}

std::optional<timestamp> parse_time(std::string_view text) noexcept {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(text, 0, 4, year) || text.size() < 19 || text[4] != '-' ||
      !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't') || !digits(text, 11, 2, hour) || text[13] != ':' ||
      !digits(text, 14, 2, minute) || text[16] != ':' || !digits(text, 17, 2, second)) {
    return std::nullopt;
  }
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
      hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  std::int64_t micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t n = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (n < 6) micros = micros * 10 + (text[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0 || n > 9) return std::nullopt;
    for (std::size_t i = n; i < 6; ++i) micros *= 10;
  }
  if (pos >= text.size()) return std::nullopt;
  std::int64_t offset_s = 0;
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    const bool negative = text[pos] == '-';
    unsigned oh = 0, om = 0;
    if (!digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !digits(text, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_s = (static_cast<std::int64_t>(oh) * 3600 + om * 60) * (negative ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  const std::int64_t days = days_from_civil(year, month, day);
  const std::int64_t secs = days * seconds_per_day + hour * 3600 + minute * 60 + second - offset_s;
  // The normalized time must be writable by format_time and readable again.
  if (secs < min_seconds || secs > max_seconds) return std::nullopt;
  return timestamp{std::chrono::microseconds{secs * us_per_second + micros}};
}

}  // namespace sensorhub
