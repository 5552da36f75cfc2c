// SPDX-License-Identifier: MIT
// connection: what the ceiling answers to each HTTP request.
#include <charconv>

#include "ceiling/connection.hpp"
#include "ceiling/http_request.hpp"
#include "ceiling/hub.hpp"
#include "ceiling/messages.hpp"
#include "ceiling/websocket.hpp"

namespace ceiling {

namespace {

constexpr std::string_view sensors_prefix = "/api/v1/test-sensors/";
constexpr std::string_view ws_prefix = "/api/v1/ws";

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 422:
      return "Unprocessable Entity";
    default:
      return "Error";
  }
}

// The id in /api/v1/test-sensors/{id}, or 0.
std::int64_t path_id(std::string_view path) {
  if (path.size() <= sensors_prefix.size() || path.rfind(sensors_prefix, 0) != 0) return 0;
  std::string_view rest = path.substr(sensors_prefix.size());
  if (rest.back() == '/') rest.remove_suffix(1);
  std::int64_t id = 0;
  const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), id);
  return ec == std::errc() && ptr == rest.data() + rest.size() && id > 0 ? id : 0;
}

}  // namespace

bool connection::answer(const http_request& req, std::string_view body) {
  const bool get = req.method == "GET";
  if (get && req.upgrade && req.path.rfind(ws_prefix, 0) == 0 && !req.ws_key.empty()) {
    upgrade(req);
  } else if (get && req.path == "/healthz") {
    respond(200, R"({"status":"ok"})", req.keep_alive);
  } else if (get && req.path == "/api/v1/ws/stats") {
    respond(200, stats_json(hub_.stats()), req.keep_alive);
  } else if (req.method == "POST" && req.path == sensors_prefix) {
    write_sensor(req, body, true);
  } else if (req.method == "PUT" && path_id(req.path) > 0) {
    write_sensor(req, body, false);
  } else if (get && path_id(req.path) > 0 && path_id(req.path) <= hub_.last_sensor_id()) {
    sensor s;  // no persistence: a made-up sensor with the asked id
    s.id = path_id(req.path);
    s.modelo = "ceiling";
    s.created_at = s.updated_at = now_rfc3339();
    respond(200, sensor_json(s), req.keep_alive);
  } else {
    respond(404, R"({"error":"not_found","detail":"no such route"})", req.keep_alive);
  }
  return true;
}

void connection::respond(int status, std::string_view body, bool keep_alive) {
  out_ += "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) +
          "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
          (keep_alive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n");
  out_ += body;
  if (!keep_alive) close_after_write_ = true;
}

// POST creates, PUT updates: answer first, then publish one entity_event.
void connection::write_sensor(const http_request& req, std::string_view body, bool create) {
  sensor s;
  std::vector<std::string> fields;
  if (!read_sensor_body(body, create, s, fields) || (!create && fields.empty())) {
    respond(422, R"({"error":"validation_error","detail":"bad sensor"})", req.keep_alive);
    return;
  }
  s.id = create ? hub_.next_sensor_id() : path_id(req.path);
  s.created_at = s.updated_at = now_rfc3339();
  if (create) fields.clear();
  respond(create ? 201 : 200, sensor_json(s), req.keep_alive);
  flush();  // the answer does not wait for the fan-out
  hub_.publish([&](std::int64_t seq) { return entity_event_json(seq, s, fields, s.updated_at); });
}

void connection::upgrade(const http_request& req) {
  out_ +=
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: " +
      websocket_accept(req.ws_key) + "\r\n\r\n";
  out_ += server_frame(0x1, connection_established_json(hub_.next_client_id(), req.query));
  out_ += server_frame(0x1, stats_message_json(hub_.stats()));
  websocket_ = true;
  hub_.connection_opened();
  owner_.add(shared_from_this());
}

}  // namespace ceiling
