// SPDX-License-Identifier: MIT
// End-to-end: sensorhub-cli against the real daemon: watch prints the exact
// JSON text of each event and survives a restart; post, update and delete;
// exit codes for bad usage and an unreachable daemon.

#include <fstream>
#include <sstream>
#include <sys/wait.h>

#include "client_e2e.hpp"
#include "sensorhub/version.hpp"
#include "support/child_process.hpp"
#include "support/test_certs.hpp"
#include "support/tls_proxy.hpp"

using namespace sensorhub::e2e;

namespace {

const std::string cli = SENSORHUB_CLI_PATH;

int exit_code(const command_result& r) { return WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

// A shell command line (for stdin redirection), each word single-quoted.
std::string quoted(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) {
    std::string q = "'";
    for (char c : w) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    s += (s.empty() ? "" : " ") + q + "'";
  }
  return s;
}

}  // namespace

TEST_CASE("watch prints each event's exact JSON text, one per line, through a restart") {
  daemon_process d;
  const std::string out_path = (d.dir() / "watch.out").string();
  child_options co;
  co.argv = {cli, "watch", "--url", url_of(d), "--channel", "sensors"};
  co.stdout_path = out_path;
  co.stderr_path = (d.dir() / "watch.err").string();
  child_process watch(co);
  // A raw subscriber beside it: its frames are the text the CLI must print.
  REQUIRE(wait_until(
      [&] {
        return d.http()
                   .get("/api/v1/ws/stats")
                   .json()["channels"]["sensors"]["connections"]
                   .i64() == 1;
      },
      std::chrono::seconds(30)));
  ws_client raw = open_ws(d, "?channel=sensors");

  const auto h = d.http();
  const std::int64_t id = create_sensor(h, "temperatura", "DHT22");
  REQUIRE(h.patch("/api/v1/sensores/" + std::to_string(id), R"({"modelo":"DHT11"})").status == 200);
  std::vector<std::string> frames;
  for (int i = 0; i < 2; ++i) {
    auto m = raw.recv_json();
    REQUIRE(m.has_value());
    frames.push_back(m->text());
  }
  REQUIRE(wait_until([&] { return lines_of(read_text_file(out_path)).size() >= 2; },
                     std::chrono::seconds(30)));
  CHECK(lines_of(read_text_file(out_path)) == frames);

  // Killed and started again on the same port: watch resumes, prints the
  // delete that happened while nobody was listening, and nothing twice.
  d.kill9();
  restart_same_port(d);
  const http_response del = d.http().del("/api/v1/sensores/" + std::to_string(id));
  REQUIRE(del.status == 204);
  REQUIRE(wait_until([&] { return lines_of(read_text_file(out_path)).size() >= 3; },
                     std::chrono::seconds(60)));
  const auto lines = lines_of(read_text_file(out_path));
  REQUIRE(lines.size() == 3);
  const json_doc last = json_doc::parse(lines[2]);
  CHECK(last["event_type"].str() == "deleted");
  CHECK(last["entity_id"].i64() == id);
  const json_doc hist = d.http().get("/api/v1/events?channel=sensors&since=0").json();
  REQUIRE(hist.root().size() == 3);
  CHECK(last["seq"].i64() == hist.at(2)["seq"].i64());

  watch.signal(SIGTERM);
  const auto status = watch.wait_exit(std::chrono::seconds(30));
  REQUIRE(status.has_value());
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
}

TEST_CASE("watch --url wss://... --ca-file through a TLS proxy, and exit 3 without the CA") {
  daemon_process d;
  temp_dir dir("sensorhub-tls");
  const test_certs certs(dir.path());
  const auto server = certs.issue("server", "IP:127.0.0.1,DNS:localhost");
  tls_proxy proxy(server.cert, server.key, d.port());
  const std::string url = "wss://127.0.0.1:" + std::to_string(proxy.port());

  // The system's CAs do not know the test CA: exit 3, the reason on stderr.
  const command_result refused = run_command({cli, "watch", "--url", url, "--channel", "sensors"});
  INFO(refused.output);
  CHECK(exit_code(refused) == 3);
  CHECK(refused.output.find("certificate verification") != std::string::npos);

  const std::string out_path = (d.dir() / "watch.out").string();
  child_options co;
  co.argv = {cli,         "watch",   "--url",   url, "--ca-file", certs.ca_cert.string(),
             "--channel", "sensors", "--count", "1"};
  co.stdout_path = out_path;
  co.stderr_path = (d.dir() / "watch.err").string();
  child_process watch(co);
  REQUIRE(wait_until(
      [&] {
        return d.http()
                   .get("/api/v1/ws/stats")
                   .json()["channels"]["sensors"]["connections"]
                   .i64() == 1;
      },
      std::chrono::seconds(30)));
  const std::int64_t id = create_sensor(d.http(), "tls", "cli");
  const auto status = watch.wait_exit(std::chrono::seconds(30));
  REQUIRE(status.has_value());
  INFO(read_text_file(d.dir() / "watch.err"));
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
  const auto lines = lines_of(read_text_file(out_path));
  REQUIRE(lines.size() == 1);
  const json_doc ev = json_doc::parse(lines[0]);
  CHECK(ev["event_type"].str() == "created");
  CHECK(ev["entity_id"].i64() == id);

  // --insecure: no verification at all (here: the system's CAs are not needed).
  const command_result insecure =
      run_command({cli, "watch", "--url", url, "--insecure", "--since", "0", "--count", "1",
                   "--channel", "sensors", "--quiet"});
  INFO(insecure.output);
  CHECK(exit_code(insecure) == 0);
  CHECK(insecure.output.find("\"entity_id\":" + std::to_string(id)) != std::string::npos);
}

TEST_CASE("post, update and delete: the original system's test script") {
  daemon_process d;
  const std::string url = url_of(d);
  const command_result created =
      run_command({cli, "post", "--url", url, "--test-endpoints", "sensor", "tipo=temperatura",
                   "modelo=DHT22", "ubicacion=lab"});
  INFO(created.output);
  REQUIRE(exit_code(created) == 0);
  const json_doc s = json_doc::parse(lines_of(created.output).at(0));
  const std::int64_t id = s["id"].i64().value_or(0);
  REQUIRE(id > 0);
  CHECK(s["ubicacion"].str() == "lab");

  const command_result updated = run_command({cli, "update", "--url", url, "--test-endpoints",
                                              "sensor", std::to_string(id), "activo=false"});
  INFO(updated.output);
  CHECK(exit_code(updated) == 0);
  CHECK(json_doc::parse(lines_of(updated.output).at(0))["activo"].boolean() == false);
  CHECK(d.http().get("/api/v1/sensores/" + std::to_string(id)).json()["activo"].boolean() == false);

  const command_result deleted =
      run_command({cli, "delete", "--url", url, "--test-endpoints", "sensor", std::to_string(id)});
  CHECK(exit_code(deleted) == 0);
  CHECK(d.http().get("/api/v1/sensores/" + std::to_string(id)).status == 404);

  // The daemon's answer to a bad write is exit 1 with its error on stderr.
  const command_result bad = run_command({cli, "post", "--url", url, "sensor", "tipo=temperatura"});
  CHECK(exit_code(bad) == 1);
  CHECK(bad.output.find("validation_failed") != std::string::npos);
}

TEST_CASE("post reads JSON lines from stdin: readings go to the batch endpoint") {
  daemon_process d;
  const std::int64_t sensor = create_sensor(d.http());
  const std::string input = (d.dir() / "readings.jsonl").string();
  {
    std::ofstream f(input);
    for (int i = 0; i < 25; ++i)
      f << "{\"sensor_id\":" << sensor << ",\"valor\":" << i << ".5,\"unidad\":\"C\"}\n";
  }
  const command_result r =
      run_command({"/bin/sh", "-c",
                   quoted({cli, "post", "--url", url_of(d), "reading"}) + " < " + quoted({input})});
  INFO(r.output);
  REQUIRE(exit_code(r) == 0);
  const json_doc answer = json_doc::parse(lines_of(r.output).at(0));
  CHECK(answer["created"].i64() == 25);
  const json_doc list =
      d.http().get("/api/v1/sensores/" + std::to_string(sensor) + "/lecturas?limit=100").json();
  CHECK(list.root().size() == 25);

  // A line that is not a JSON object: usage error, nothing sent.
  {
    std::ofstream f(input);
    f << "{\"sensor_id\":" << sensor << ",\"valor\":1}\nnot json\n";
  }
  const command_result bad =
      run_command({"/bin/sh", "-c",
                   quoted({cli, "post", "--url", url_of(d), "reading"}) + " < " + quoted({input})});
  CHECK(exit_code(bad) == 2);
  CHECK(d.http()
            .get("/api/v1/sensores/" + std::to_string(sensor) + "/lecturas?limit=100")
            .json()
            .root()
            .size() == 25);
}

TEST_CASE("exit codes: 2 for bad usage, 3 when the daemon cannot be reached, --version") {
  CHECK(exit_code(run_command({cli})) == 2);
  CHECK(exit_code(run_command({cli, "watch", "--no-such-flag"})) == 2);
  CHECK(exit_code(run_command({cli, "watch", "--url", "ftp://x"})) == 2);
  CHECK(exit_code(run_command({cli, "watch", "--url", "wss://127.0.0.1:1", "--ca-file",
                               "/nonexistent/ca.pem"})) == 2);
  CHECK(exit_code(run_command(
            {cli, "watch", "--url", "wss://127.0.0.1:1", "--ca-file", "x", "--insecure"})) == 2);
  CHECK(exit_code(run_command({cli, "post", "sensor", "nokeyvalue"})) == 2);
  CHECK(exit_code(run_command({cli, "delete", "sensor", "abc"})) == 2);

  // Port 1 on loopback: nothing listens.
  const command_result w = run_command({cli, "watch", "--url", "http://127.0.0.1:1"});
  INFO(w.output);
  CHECK(exit_code(w) == 3);
  CHECK(exit_code(run_command(
            {cli, "post", "--url", "http://127.0.0.1:1", "sensor", "tipo=t", "modelo=m"})) == 3);

  const command_result v = run_command({cli, "--version"});
  CHECK(exit_code(v) == 0);
  CHECK(v.output.find("sensorhub-cli " SENSORHUB_VERSION) != std::string::npos);
}
