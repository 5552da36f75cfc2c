// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sensorhub/error.hpp"

namespace sensorhub {

// One plain HTTP request received by an HTTP front (the WebSocket
// transport's, or yours). Handed to a handler with its body complete (a
// chunked body arrives decoded); a head check sees it with an empty body.
struct http_request {
  std::string method;                          // "GET", "POST", ... ("GET" for HEAD, see head)
  std::string path;                            // raw request path, no query
  std::string query;                           // raw query string, no '?'
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string remote_address;  // peer IP address
  bool head = false;           // a HEAD request: answer as for GET, the body is not sent
  int version_minor = 1;       // HTTP/1.<minor>
  // Whatever the front's head check attached to this request (e.g. the
  // route and caller it resolved before the body was read); handed back
  // unchanged with the complete request. Null when none.
  std::shared_ptr<void> context;

  // The header's value, or "" when absent (name in lower case).
  const std::string& header(const std::string& lower_name) const;
};

class http_stream;

struct http_response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string body;
  std::string content_type = "application/json";  // "" sends none
  // Set it to stream the body instead (Server-Sent Events, long answers):
  // the head goes out without a length (chunked on HTTP/1.1; HTTP/1.0
  // closes at the end), `body` (when not empty) is the first piece, and
  // `stream` is called once on the network thread with the handle to write
  // the rest with. A HEAD request gets the head only and `stream` is not
  // called.
  std::function<void(std::shared_ptr<http_stream>)> stream;
};

// The body of a streamed response, written over time. Any thread; every
// call is carried out in order on the connection's network thread.
class http_stream {
 public:
  virtual ~http_stream() = default;
  // Queues bytes for the client; false once the client is gone or the
  // stream ended (the data is dropped).
  virtual bool write(std::string data) = 0;
  // Ends the response; the connection then serves the next request.
  virtual void end() = 0;
  // Ends it as a slow consumer's (SPEC §10): every write not yet handed to
  // the kernel is dropped (one partly sent is finished, so the client reads
  // whole writes), then `last` goes out and the response ends. Once; a
  // no-op after end().
  virtual void cut(std::string last) = 0;
  // Bytes written here and not yet taken by the kernel (for a
  // slow-consumer rule); updated on the network thread.
  virtual std::size_t buffered_bytes() const = 0;
  // fn runs once, on the network thread, if the client goes away (or the
  // transport stops) before end(). Set it before the first write.
  virtual void on_close(std::function<void()> fn) = 0;
  // fn(buffered_bytes()) runs on the network thread whenever the kernel
  // took some of the unsent bytes, so that an owner holding output back
  // (a slow-consumer rule, conflation) hears of the room. Set it before
  // the first write.
  virtual void on_backlog(std::function<void(std::size_t)> fn) = 0;
};

// Answers one HTTP request. Call it exactly once, from any thread: the
// response is handed to the network thread and written there. If every copy
// is destroyed without a call, the client gets a 500.
using http_responder = std::function<void(http_response)>;

// A JSON response with this status and body.
http_response json_response(int status, std::string body);

// The one SPEC §2 error response: the code's HTTP status and the body
// {"error":..,"detail":..[,"fields":{..}]}. Used by the transport for the
// errors it answers itself and by REST fronts for theirs. Thread-safe.
http_response error_response(errc code, std::string_view detail, const field_errors& fields = {});

}  // namespace sensorhub
