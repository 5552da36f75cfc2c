// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "cli/backup_cli.hpp"
#include "cli/token_cli.hpp"
#include "config/config.hpp"

namespace sensorhubd {

// What a sensorhubd command line asks for (SPEC §8; parsed with CLI11):
// run the daemon with a config, run a `token` subcommand, or stop at once
// with a text (--help, --version, or a usage error).
struct command_line {
  enum class action { run, token, backup, exit };
  action what = action::run;
  int exit_code = 0;      // action::exit: 0 (--help, --version) or 2 (bad usage)
  std::string output;     // action::exit: for stdout when exit_code is 0, else stderr
  daemon_config config;   // action::run
  token_request token;    // action::token
  backup_request backup;  // action::backup
};

// Parses argv. --config FILE (or $SENSORHUB_CONFIG) is applied first, then
// every flag given on the command line (or through $SENSORHUB_DB for --db)
// overrides it. Ranges are checked (--port 0..65535, --workers 1..64, ...).
// Never throws; reads the environment, so not meant for concurrent calls.
command_line parse_command_line(int argc, const char* const* argv);

}  // namespace sensorhubd
