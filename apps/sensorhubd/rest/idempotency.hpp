// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "sensorhub/repository.hpp"
#include "sensorhub/transports/http.hpp"

// Idempotency-Key on POST (SPEC §13). The answer to the first request with a
// key is kept in the write transaction that the request made (so a write and
// its key commit together or not at all); a repeat by the same owner (the
// bearer token, else the client address) within 24 h gets that answer again,
// byte for byte, without a new write or event. Requests with one key are
// serialized in this process, so concurrent duplicates make one write.
namespace sensorhubd {

struct idempotency_key {
  std::string owner;         // "token:<sha-256 hex>" or "addr:<ip>"
  std::string key;           // the header value
  std::string request_hash;  // sha-256 hex of method, path and body
};

// nullopt without the header. A malformed key (not 1..128 visible ASCII) is
// a validation_error on "idempotency_key".
std::optional<idempotency_key> idempotency_of(const sensorhub::http_request& req);

// Stores the answer (status, body) in the write transaction `tx`.
using answer_recorder = std::function<void(sensorhub::write_tx& tx, int status, std::string body)>;

// Without a key: write(nullptr-recorder). With one: under the key's lock,
// replays a kept answer (or 422 when it answered another request), else runs
// `write`, which must pass the recorder's call into its transaction.
sensorhub::http_response run_idempotent(
    sensorhub::repository& repo, const std::optional<idempotency_key>& k,
    const std::function<sensorhub::http_response(const answer_recorder&)>& write);

}  // namespace sensorhubd
