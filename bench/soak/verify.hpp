// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "soak_state.hpp"

namespace sensorhub::soak {

// Figures and findings of the final accounting.
struct verdict {
  std::int64_t events_stored = 0, last_seq = 0;
  std::int64_t sensors_in_db = 0, readings_in_db = 0;
  std::int64_t acked_checked = 0;   // acked writes found with their effect
  std::int64_t unknown_landed = 0;  // rows from writes whose response was lost
  std::int64_t segments_checked = 0, seqs_checked = 0;
  std::vector<std::string> failures;  // empty: PASS
};

// Reads the stopped daemon's database (read-only) and checks it against the
// writers' ledgers (every acknowledged write present, with its event; rows
// nobody acknowledged only from unknown writes; the event log replayed gives
// exactly the rows), and every subscriber segment against the stored events
// (each the exact run of its channels' seqs: no gap, no duplicate, ascending).
// auditor_target: the seq every auditor must have reached.
verdict verify(const std::filesystem::path& db, const std::vector<writer_ledger>& ledgers,
               const std::vector<subscriber_record>& subscribers, std::int64_t auditor_target);

}  // namespace sensorhub::soak
