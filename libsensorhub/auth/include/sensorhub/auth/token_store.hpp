// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

#include "sensorhub/auth/token.hpp"
#include "sensorhub/time.hpp"

namespace sensorhub {

// Where API tokens live (SPEC §7): create, list and revoke them, and read the
// active set that a verifier keeps in memory (it hashes a presented token
// and compares with hashes_equal). sqlite_token_store is one implementation;
// others (PostgreSQL) implement the same calls. Only hashes are stored.
//
// Contract for every implementation:
// - Names are unique for good: a revoked token keeps its name.
// - Several stores (in other processes too) may share one backing database:
//   list() and active() see what the others wrote.
// - Errors: error(errc::invalid_parameter) for what check_token_params
//   refuses or a name already taken; error(errc::storage) when the backing
//   store fails.
// - Thread-safety: every call may be made from several threads at once
//   (an implementation may serialize them internally).
// Calls added later come with a default implementation, so an existing
// implementation keeps compiling.
class token_store {
 public:
  virtual ~token_store() = default;
  token_store(const token_store&) = delete;
  token_store& operator=(const token_store&) = delete;

  // Creates a token and returns its text: the only time it exists outside
  // the caller. Validates with check_token_params first.
  virtual std::string create(const token_params& params) = 0;
  // Every token, revoked ones included, ordered by name.
  virtual std::vector<token_info> list() = 0;
  // Revokes by name; false when there is no such active token.
  virtual bool revoke(const std::string& name) = 0;
  // The tokens that are not revoked.
  virtual std::vector<active_token> active() = 0;
  // Records a use (last_used), never moving it backwards. Unknown names are
  // ignored.
  virtual void mark_used(const std::string& name, timestamp when) = 0;

 protected:
  token_store() = default;
};

}  // namespace sensorhub
