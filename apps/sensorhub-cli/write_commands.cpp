// SPDX-License-Identifier: MIT
#include <iostream>
#include <stdexcept>
#include <string>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "http_request.hpp"
#include "json_args.hpp"

namespace sensorhub::cli {

namespace {

struct target {
  std::string host;
  std::uint16_t port = 80;
};

// http://HOST:PORT (a trailing / or the WebSocket path is ignored).
target parse_http_url(const std::string& url) {
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("ws://", 0) == 0) {
    rest = url.substr(5);
  } else {
    throw std::invalid_argument("'" + url + "': expected http://HOST:PORT (TLS is not supported)");
  }
  rest = rest.substr(0, rest.find('/'));
  target t;
  std::string port;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos) throw std::invalid_argument("'" + url + "': bad host");
    t.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') port = rest.substr(close + 2);
  } else {
    const auto colon = rest.rfind(':');
    t.host = rest.substr(0, colon);
    if (colon != std::string::npos) port = rest.substr(colon + 1);
  }
  if (t.host.empty()) throw std::invalid_argument("'" + url + "': no host");
  if (!port.empty()) {
    std::size_t used = 0;
    int p = 0;
    try {
      p = std::stoi(port, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != port.size() || p <= 0 || p > 65535)
      throw std::invalid_argument("'" + url + "': bad port");
    t.port = static_cast<std::uint16_t>(p);
  }
  return t;
}

std::string collection(const write_args& a) {
  if (a.kind == "sensor") return a.test_endpoints ? "/api/v1/test-sensors/" : "/api/v1/sensores/";
  return "/api/v1/lecturas/";
}

// Sends one request; prints a 2xx body on stdout, anything else on stderr.
bool send(const target& t, const write_args& a, const std::string& method, const std::string& path,
          const std::optional<std::string>& body) {
  const http_result r = http_request(t.host, t.port, method, path, body, a.token);
  if (r.status >= 200 && r.status < 300) {
    if (!r.body.empty()) std::cout << r.body << "\n";
    return true;
  }
  std::cerr << "sensorhub-cli: " << method << " " << path << ": HTTP " << r.status << " " << r.body
            << "\n";
  return false;
}

// Runs `body` mapping connect_error to 3, usage errors to 2 and failures to 1.
template <typename F>
int guarded(F&& body) {
  try {
    return body() ? exit_ok : exit_failed;
  } catch (const connect_error& e) {
    std::cerr << "sensorhub-cli: cannot connect: " << e.what() << "\n";
    return exit_cannot_connect;
  } catch (const std::invalid_argument& e) {
    std::cerr << "sensorhub-cli: " << e.what() << "\n";
    return exit_usage;
  } catch (const std::exception& e) {
    std::cerr << "sensorhub-cli: " << e.what() << "\n";
    return exit_failed;
  }
}

}  // namespace

int run_post(const write_args& a) {
  return guarded([&] {
    const target t = parse_http_url(a.url);
    if (!a.fields.empty()) {
      bool ok = true;
      for (const auto& body : json_bodies(a.fields))
        ok = send(t, a, "POST", collection(a), body) && ok;
      return ok;
    }
    // JSON lines on stdin: readings go to the batch endpoint (10,000 a request),
    // sensors one request each. Every line is checked before anything is sent.
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(std::cin, line)) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      require_json_object(line);
      lines.push_back(line);
    }
    if (lines.empty())
      throw std::invalid_argument("nothing to post (no arguments, no JSON lines on stdin)");
    bool ok = true;
    if (a.kind == "reading") {
      for (std::size_t from = 0; from < lines.size(); from += 10000) {
        std::string batch = "[";
        for (std::size_t i = from; i < lines.size() && i < from + 10000; ++i)
          batch += (i == from ? "" : ",") + lines[i];
        batch += "]";
        ok = send(t, a, "POST", "/api/v1/lecturas/batch", batch) && ok;
      }
    } else {
      for (const auto& l : lines) ok = send(t, a, "POST", collection(a), l) && ok;
    }
    return ok;
  });
}

int run_update(const write_args& a) {
  return guarded([&] {
    const target t = parse_http_url(a.url);
    const auto bodies = json_bodies(a.fields);
    if (bodies.size() != 1)
      throw std::invalid_argument("update takes one JSON object or KEY=VALUE fields");
    return send(t, a, "PATCH", collection(a) + std::to_string(a.id), bodies.front());
  });
}

int run_delete(const write_args& a) {
  return guarded([&] {
    const target t = parse_http_url(a.url);
    return send(t, a, "DELETE", collection(a) + std::to_string(a.id), std::nullopt);
  });
}

}  // namespace sensorhub::cli
