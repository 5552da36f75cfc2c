// SPDX-License-Identifier: MIT
// sensorhub-cli: watch sensorhubd's events, create, update and delete
// sensors and readings, and print a sensor's aggregates (docs/clients.md). Exit codes:
// exit_codes.hpp.

#include <CLI/CLI.hpp>

#include <iostream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "sensorhub/version.hpp"

using namespace sensorhub::cli;

int main(int argc, char** argv) {
  CLI::App app{"sensorhub-cli: watch sensorhubd's events and write sensors and readings"};
  app.set_version_flag("--version", std::string("sensorhub-cli ") + SENSORHUB_VERSION);
  app.require_subcommand(1);
  std::string url = "http://127.0.0.1:8000";
  std::string token;
  app.add_option("--url", url, "the daemon, http://HOST:PORT (default http://127.0.0.1:8000)");
  app.add_option("--token", token, "API token (Authorization: Bearer)");

  watch_args w;
  CLI::App* watch =
      app.add_subcommand("watch", "print each event as one JSON line; reconnects and resumes");
  watch->add_option("--url", url,
                    "the daemon, http://HOST:PORT or ws://HOST:PORT[/PATH]; wss:// or https:// "
                    "for a TLS daemon or proxy");
  watch->add_option("--token", token, "API token");
  watch
      ->add_option("--channel", w.channels,
                   "sensors, readings, general (repeat or comma-separate; default all three)")
      ->delimiter(',');
  watch->add_option("--filter", w.filters,
                    "KEY=VALUE: entity_id, sensor_id, event_type, tipo (repeatable)");
  watch->add_option("--since", w.since, "first replay the stored events after this seq")
      ->check(CLI::NonNegativeNumber);
  watch->add_flag("--snapshot", w.snapshot, "start with a snapshot of the current state");
  watch->add_flag("--conflate", w.conflate, "latest value per sensor when the client falls behind");
  watch->add_flag("--pretty", w.pretty, "indent each event (several lines per event)");
  watch->add_flag("--quiet", w.quiet, "no connection messages on stderr");
  watch->add_option("--count", w.count, "exit 0 after this many events");
  CLI::Option* ca_file = watch->add_option(
      "--ca-file", w.ca_file, "wss://: PEM file of the CA(s) to trust (default: the system's)");
  watch
      ->add_flag("--insecure", w.insecure,
                 "wss://: skip certificate and host name verification (testing only)")
      ->excludes(ca_file);

  write_args p;
  auto add_write_flags = [&](CLI::App* sub) {
    sub->add_option("--url", url, "the daemon, http://HOST:PORT");
    sub->add_option("--token", token, "API token with the write scope");
    sub->add_flag("--test-endpoints", p.test_endpoints, "sensors under /api/v1/test-sensors/");
    sub->add_option("kind", p.kind, "sensor or reading")
        ->required()
        ->check(CLI::IsMember({"sensor", "reading"}));
  };
  CLI::App* post = app.add_subcommand(
      "post", "create sensors or readings from arguments or JSON lines on stdin");
  add_write_flags(post);
  post->add_option("fields", p.fields,
                   "KEY=VALUE fields of one object, or JSON objects; none: JSON lines on stdin");
  CLI::App* update = app.add_subcommand("update", "change fields of a sensor or reading (PATCH)");
  add_write_flags(update);
  update->add_option("id", p.id, "its id")->required()->check(CLI::PositiveNumber);
  update->add_option("fields", p.fields, "KEY=VALUE fields, or one JSON object")->required();
  CLI::App* del = app.add_subcommand("delete", "delete a sensor (with its readings) or a reading");
  add_write_flags(del);
  del->add_option("id", p.id, "its id")->required()->check(CLI::PositiveNumber);

  history_args hist;
  CLI::App* history = app.add_subcommand(
      "history", "print a sensor's aggregates (count, min, max, avg, first, last per bucket)");
  history->add_option("--url", url,
                      "the daemon, http://HOST:PORT or https://HOST:PORT (its own TLS)");
  history->add_option("--token", token, "API token with the read scope");
  history->add_option("--sensor", hist.sensor_id, "the sensor's id")
      ->required()
      ->check(CLI::PositiveNumber);
  history->add_option("--bucket", hist.bucket, "1m, 5m, 15m, 1h or 1d (default 1h)")
      ->check(CLI::IsMember({"1m", "5m", "15m", "1h", "1d"}));
  history->add_option("--since", hist.since, "RFC 3339 start, inclusive (default: 24 h ago)");
  history->add_option("--until", hist.until, "RFC 3339 end, exclusive (default: now)");
  CLI::Option* hist_ca =
      history->add_option("--ca-file", hist.ca_file,
                          "https://: PEM file of the CA(s) to trust (default: the system's)");
  history
      ->add_flag("--insecure", hist.insecure,
                 "https://: skip certificate and host name verification (testing only)")
      ->excludes(hist_ca);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? exit_ok : exit_usage;
  }
  w.url = p.url = url;
  w.token = p.token = hist.token = token;
  hist.url = url;
  if (w.channels.empty()) w.channels = {"sensors", "readings", "general"};
  if (*watch) return run_watch(w);
  if (*history) return run_history(hist);
  if (*post) return run_post(p);
  if (*update) return run_update(p);
  return run_delete(p);
}
