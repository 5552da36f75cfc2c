// SPDX-License-Identifier: MIT
#include "writer.hpp"

#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "support/http1_connection.hpp"

namespace sensorhub::soak {
namespace {

using testing::http1_connection;
using testing::http_response;

// Outcome of one request: a response, "not sent" (safe to retry) or "lost"
// (sent, no response: unknown).
struct outcome {
  std::optional<http_response> response;
  bool sent = false;
};

// One writer's keep-alive connection, reopened after failures.
class rest_link {
 public:
  explicit rest_link(shared_state& s) : state_(s) {}

  outcome request(const std::string& method, const std::string& target,
                  const std::optional<std::string>& body) {
    outcome o;
    try {
      if (!conn_) {
        conn_.emplace(
            http1_connection::open(state_.host, static_cast<std::uint16_t>(state_.port.load())));
      }
      const std::string bytes =
          testing::http1_request(method, target, conn_->authority(),
                                 body ? testing::header_list{{"Content-Type", "application/json"}}
                                      : testing::header_list{},
                                 body);
      if (!conn_->try_send(bytes)) {
        conn_.reset();
        return o;
      }
      o.sent = true;
      o.response = conn_->read(false, std::chrono::seconds(30));
      if (o.response->header("connection") == "close") conn_.reset();
    } catch (const std::exception&) {
      conn_.reset();
    }
    return o;
  }

 private:
  shared_state& state_;
  std::optional<http1_connection> conn_;
};

std::int64_t json_int(const http_response& r, const char* key) {
  return r.json()[key].i64().value_or(-1);
}

// The operations, each recording its outcome in the ledger.
class writer {
 public:
  writer(int index, unsigned seed, shared_state& s, std::atomic<std::int64_t>& tokens,
         writer_ledger& l)
      : index_(index),
        rng_(seed * 7919u + static_cast<unsigned>(index)),
        state_(s),
        tokens_(tokens),
        link_(s),
        ledger_(l) {}

  void step() {
    const int dice = static_cast<int>(rng_() % 100);
    if (ledger_.sensors.size() < 3 || dice < 12) return create_sensor();
    if (dice < 30) return update_sensor();
    if (dice < 55) return create_reading();
    if (dice < 65) return create_batch();
    if (dice < 80) return update_reading();
    if (dice < 95) return delete_reading();
    return delete_sensor();
  }

 private:
  std::int64_t token() { return ++tokens_; }

  template <typename T>
  std::int64_t pick(const std::unordered_map<std::int64_t, T>& m) {
    auto it = m.begin();
    std::advance(it, static_cast<long>(rng_() % m.size()));
    return it->first;
  }

  // Sends until sent; returns the response, or nullopt when it was lost.
  std::optional<http_response> send(const std::string& method, const std::string& target,
                                    const std::optional<std::string>& body) {
    for (;;) {
      outcome o = link_.request(method, target, body);
      if (o.response && o.response->status != 503) return o.response;
      if (o.sent) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  bool acked(const std::optional<http_response>& r, int status) {
    if (!r) {
      ++ledger_.unknown;
      ++state_.writes_unknown;
      return false;
    }
    if (r->status == status) {
      ++ledger_.acked;
      ++state_.writes_acked;
      return true;
    }
    ++ledger_.rejected;
    ++state_.writes_rejected;
    if (ledger_.first_rejection.empty()) {
      ledger_.first_rejection = std::to_string(r->status) + " " + r->body.substr(0, 200);
    }
    return false;
  }

  void create_sensor() {
    const std::int64_t t = token();
    const auto r = send("POST", "/api/v1/sensores/",
                        R"({"tipo":"soak","modelo":"m)" + std::to_string(t) +
                            R"(","ubicacion":"w)" + std::to_string(index_) + "\"}");
    if (acked(r, 201)) {
      const std::int64_t id = json_int(*r, "id");
      ledger_.sensors[id] = entity_value{0, t, {}};
      ledger_.sensor_writes.emplace_back(id, t);
    } else if (!r) {
      ledger_.maybe_sensor_tokens.insert(t);
    }
  }

  void update_sensor() {
    const std::int64_t id = pick(ledger_.sensors), t = token();
    const auto r = send("PATCH", "/api/v1/sensores/" + std::to_string(id),
                        R"({"modelo":"m)" + std::to_string(t) + "\"}");
    entity_value& v = ledger_.sensors[id];
    if (acked(r, 200)) {
      v.token = t;
      v.maybe.clear();
      ledger_.sensor_writes.emplace_back(id, t);
    } else if (!r) {
      v.maybe.push_back(t);
    }
  }

  std::string reading_json(std::int64_t sensor, std::int64_t t) {
    return R"({"sensor_id":)" + std::to_string(sensor) + R"(,"valor":)" + std::to_string(t) +
           R"(,"unidad":"u"})";
  }

  void add_reading(std::int64_t id, std::int64_t sensor, std::int64_t t) {
    ledger_.readings[id] = entity_value{sensor, t, {}};
    ledger_.readings_of[sensor].push_back(id);
    ledger_.reading_writes.emplace_back(id, t);
  }

  void create_reading() {
    const std::int64_t sensor = pick(ledger_.sensors), t = token();
    const auto r = send("POST", "/api/v1/lecturas/", reading_json(sensor, t));
    if (acked(r, 201)) {
      add_reading(json_int(*r, "id"), sensor, t);
    } else if (!r) {
      ledger_.maybe_reading_tokens.insert(t);
    }
  }

  void create_batch() {
    const std::int64_t sensor = pick(ledger_.sensors);
    const int n = 10 + static_cast<int>(rng_() % 191);
    std::vector<std::int64_t> ts;
    std::string body = "[";
    for (int i = 0; i < n; ++i) {
      ts.push_back(token());
      body += (i ? "," : "") + reading_json(sensor, ts.back());
    }
    body += "]";
    const auto r = send("POST", "/api/v1/lecturas/batch", body);
    ++ledger_.batches;
    if (acked(r, 201)) {
      const std::int64_t first = json_int(*r, "first_id");
      for (int i = 0; i < n; ++i) add_reading(first + i, sensor, ts[static_cast<std::size_t>(i)]);
      ledger_.batch_items += n;
    } else if (!r) {
      for (auto t : ts) ledger_.maybe_reading_tokens.insert(t);
    }
  }

  void update_reading() {
    if (ledger_.readings.empty()) return create_reading();
    const std::int64_t id = pick(ledger_.readings), t = token();
    const auto r = send("PATCH", "/api/v1/lecturas/" + std::to_string(id),
                        R"({"valor":)" + std::to_string(t) + "}");
    entity_value& v = ledger_.readings[id];
    if (acked(r, 200)) {
      v.token = t;
      v.maybe.clear();
      ledger_.reading_writes.emplace_back(id, t);
    } else if (!r) {
      v.maybe.push_back(t);
    }
  }

  // Retried until 204, or 404 after a lost attempt (that attempt deleted it).
  bool delete_entity(const std::string& path) {
    bool lost = false;
    for (;;) {
      const auto r = send("DELETE", path, std::nullopt);
      if (r && (r->status == 204 || (lost && r->status == 404))) {
        ++ledger_.acked;
        ++state_.writes_acked;
        return true;
      }
      if (r) return acked(r, 204);
      lost = true;
      ++ledger_.unknown;
      ++state_.writes_unknown;
    }
  }

  void delete_reading() {
    if (ledger_.readings.empty()) return create_reading();
    const std::int64_t id = pick(ledger_.readings);
    if (!delete_entity("/api/v1/lecturas/" + std::to_string(id))) return;
    ledger_.readings.erase(id);
    ledger_.deleted_readings.push_back(id);
  }

  void delete_sensor() {
    const std::int64_t id = pick(ledger_.sensors);
    if (!delete_entity("/api/v1/sensores/" + std::to_string(id))) return;
    ledger_.sensors.erase(id);
    ledger_.deleted_sensors.push_back(id);
    for (auto rid : ledger_.readings_of[id]) {
      if (ledger_.readings.erase(rid) > 0) ledger_.cascaded_readings.push_back(rid);
    }
    ledger_.readings_of.erase(id);
  }

  int index_;
  std::mt19937 rng_;
  shared_state& state_;
  std::atomic<std::int64_t>& tokens_;
  rest_link link_;
  writer_ledger& ledger_;
};

}  // namespace

void run_writer(int index, unsigned seed, shared_state& state, std::atomic<std::int64_t>& tokens,
                int pause_ms, writer_ledger& ledger) {
  writer w(index, seed, state, tokens, ledger);
  while (!state.writers_stop.load()) {
    w.step();
    if (pause_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
  }
}

}  // namespace sensorhub::soak
