// SPDX-License-Identifier: MIT
#include "rest/idempotency.hpp"

#include <array>
#include <chrono>
#include <functional>
#include <mutex>

#include "sensorhub/auth/token.hpp"
#include "sensorhub/error.hpp"
#include "sensorhub/time.hpp"

namespace sensorhubd {

namespace {

constexpr auto keep_for = std::chrono::hours(24);
constexpr std::size_t max_key_length = 128;

std::string sha256_hex(std::string_view text) {
  static const char digits[] = "0123456789abcdef";
  const auto h = sensorhub::hash_token(text);
  std::string out;
  out.reserve(h.size() * 2);
  for (const std::uint8_t b : h) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

// Requests with one key take the same stripe; a few unrelated keys share
// one, which only costs them some waiting.
std::mutex& stripe_of(const idempotency_key& k) {
  static std::array<std::mutex, 64> stripes;
  return stripes[std::hash<std::string>{}(k.owner + '\n' + k.key) % stripes.size()];
}

}  // namespace

std::optional<idempotency_key> idempotency_of(const sensorhub::http_request& req) {
  const auto it = req.headers.find("idempotency-key");
  if (it == req.headers.end()) return std::nullopt;
  const std::string& key = it->second;
  bool visible = !key.empty() && key.size() <= max_key_length;
  for (const char c : key) visible = visible && c > 0x20 && c < 0x7f;
  if (!visible) {
    throw sensorhub::validation_error(
        {{"idempotency_key", "must be 1 to 128 visible ASCII characters"}}, "bad Idempotency-Key");
  }
  idempotency_key k;
  const std::string& auth = req.header("authorization");
  if (auth.size() > 7 &&
      (auth.compare(0, 7, "Bearer ") == 0 || auth.compare(0, 7, "bearer ") == 0)) {
    k.owner = "token:" + sha256_hex(auth.substr(7));
  } else {
    k.owner = "addr:" + req.remote_address;
  }
  k.key = key;
  k.request_hash = sha256_hex(req.method + ' ' + req.path + '\n' + req.body);
  return k;
}

sensorhub::http_response run_idempotent(
    sensorhub::repository& repo, const std::optional<idempotency_key>& k,
    const std::function<sensorhub::http_response(const answer_recorder&)>& write) {
  if (!k) return write(answer_recorder{});
  std::lock_guard<std::mutex> lock(stripe_of(*k));
  const auto now = sensorhub::now();
  if (const auto kept = repo.find_idempotent(k->owner, k->key);
      kept && kept->created_at > now - keep_for) {
    if (kept->request_hash != k->request_hash) {
      throw sensorhub::validation_error(
          {{"idempotency_key", "already used for a different request"}},
          "Idempotency-Key reused with a different request");
    }
    return sensorhub::json_response(kept->status, kept->body);
  }
  const answer_recorder record = [&k, now](sensorhub::write_tx& tx, int status, std::string body) {
    sensorhub::idempotent_response r;
    r.owner = k->owner;
    r.key = k->key;
    r.request_hash = k->request_hash;
    r.status = status;
    r.body = std::move(body);
    r.created_at = now;
    tx.put_idempotent(r, now - keep_for);
  };
  return write(record);
}

}  // namespace sensorhubd
