// SPDX-License-Identifier: MIT
// sensorhubd: parses the command line and hands over to the daemon library
// (apps/sensorhubd/server) or the token and backup commands (apps/sensorhubd/cli).
#include <cstdio>

#include "cli/backup_cli.hpp"
#include "cli/command_line.hpp"
#include "cli/token_cli.hpp"
#include "server/daemon.hpp"

int main(int argc, char** argv) {
  const sensorhubd::command_line cl = sensorhubd::parse_command_line(argc, argv);
  switch (cl.what) {
    case sensorhubd::command_line::action::exit:
      std::fputs(cl.output.c_str(), cl.exit_code == 0 ? stdout : stderr);
      return cl.exit_code;
    case sensorhubd::command_line::action::token:
      return sensorhubd::run_token_command(cl.token);
    case sensorhubd::command_line::action::backup:
      return sensorhubd::run_backup_command(cl.backup);
    case sensorhubd::command_line::action::run:
      break;
  }
  return sensorhubd::serve(cl.config);
}
