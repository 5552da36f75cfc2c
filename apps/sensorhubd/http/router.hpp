// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sensorhub/data_scope.hpp"
#include "sensorhub/transports/websocket.hpp"

namespace sensorhubd {

// Captured {param} segments of a matched path, in order.
using path_params = std::vector<std::string>;
// The caller's data scope (SPEC 7.1) as the security guard resolved it from
// the request's token: unrestricted for open routes, --no-auth and tokens
// without `where`. Every handler gets it and hands it to the services.
using scope_t = sensorhub::data_scope;
using route_handler = std::function<void(const sensorhub::http_request&, const path_params&,
                                         const scope_t&, sensorhub::http_responder)>;

struct route {
  std::string method;
  std::string pattern;  // "/api/v1/sensores/{id}"; also the metrics label
  route_handler handler;
  std::size_t max_body = 0;  // body limit; 0: the front's default
};

// Method + path matching. A trailing slash is ignored ("/sensores" and
// "/sensores/" are one path). Literal segments win over {param} segments
// ("/lecturas/batch" before "/lecturas/{id}"). A path that matches but not
// with this method gives 405 and the Allow list. Not thread-safe while
// routes are added; match() is const and thread-safe afterwards.
class router {
 public:
  void add(route r);

  struct match_result {
    const route* found = nullptr;  // null: see status
    path_params params;
    int status = 404;   // 404 or 405 when found is null
    std::string allow;  // for 405: "GET, HEAD, POST" (HEAD wherever GET is)
  };
  match_result match(std::string_view method, std::string_view path) const;

  // Every (method, pattern) added, in order (HEAD is implied by GET and not
  // listed). The daemon's route table as docs/openapi.json must describe it.
  std::vector<std::pair<std::string, std::string>> routes() const;

 private:
  struct entry {
    route r;
    std::vector<std::string> segments;  // "{...}" marks a parameter
  };
  std::vector<entry> routes_;
};

// Splits "/a/b/" into {"a", "b"} (empty segments in the middle are kept).
std::vector<std::string_view> split_path(std::string_view path);

}  // namespace sensorhubd
