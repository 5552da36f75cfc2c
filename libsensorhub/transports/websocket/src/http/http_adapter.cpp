#include "http/http_adapter.hpp"

#include <atomic>
#include <exception>
#include <memory>
#include <utility>

#include "listener.hpp"
#include "sensorhub/error.hpp"

namespace sensorhub::ws_detail {
namespace {

ws_conn_data& data(ws_connection& c) { return static_cast<ws_conn_data&>(c); }

// Writes the deferred response of c (network thread), unless c was
// terminated meanwhile.
void finish_http(const listener& l, const ws_con_ptr& c, const http_response& r) {
  auto& d = data(*c);
  if (!d.deferred) return;  // terminated meanwhile
  d.deferred = false;
  try {
    write_response(*c, r);
    websocketpp::lib::error_code ec;
    c->send_http_response(ec);
  } catch (const std::exception& e) {
    l.log(log_level::warn, std::string("http response failed: ") + e.what());
  }
}

// The shared state of one http_responder: sends at most once; if nobody
// answered, the destructor sends a 500 so the connection is never stuck.
struct pending_response {
  std::weak_ptr<listener> owner;
  ws_con_ptr con;
  std::atomic<bool> done{false};

  void send(http_response r) {
    if (done.exchange(true)) return;
    auto l = owner.lock();
    if (!l) return;
    listener* raw = l.get();
    l->post([raw, con = con, r = std::move(r)] { finish_http(*raw, con, r); });
  }
  ~pending_response() {
    if (!done.load()) {
      try {
        send(error_response(errc::internal, "the request was not answered"));
      } catch (...) {  // destructors never throw
      }
    }
  }
};

http_responder make_responder(listener& l, const ws_con_ptr& c) {
  auto p = std::make_shared<pending_response>();
  p->owner = l.weak_from_this();
  p->con = c;
  return [p](http_response r) { p->send(std::move(r)); };
}

}  // namespace

http_request read_request(ws_connection& c) {
  const auto& req = c.get_request();
  http_request out;
  out.method = req.get_method();
  std::string target = req.get_uri();
  // absolute-form (http://host/path) -> path
  if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) {
    const auto slash = target.find('/', target.find("//") + 2);
    target = slash == std::string::npos ? "/" : target.substr(slash);
  }
  const auto q = target.find('?');
  out.path = target.substr(0, q);
  if (q != std::string::npos) out.query = target.substr(q + 1);
  for (const auto& [name, value] : req.get_headers()) out.headers[lower(name)] = value;
  out.body = req.get_body();
  asio::error_code ec;
  const auto ep = c.get_raw_socket().remote_endpoint(ec);
  if (!ec) out.remote_address = ep.address().to_string();
  return out;
}

void write_response(ws_connection& c, const http_response& r) {
  c.set_status(static_cast<websocketpp::http::status_code::value>(r.status),
               reason_phrase(r.status));
  for (const auto& [name, value] : r.headers) c.replace_header(name, value);
  if (!r.content_type.empty() && !r.body.empty()) c.replace_header("Content-Type", r.content_type);
  c.replace_header("Connection", "close");
  if (!r.body.empty()) {
    c.set_body(r.body);
  } else if (r.status != 204 && r.status >= 200) {
    c.replace_header("Content-Length", "0");
  }
}

void serve_http(listener& l, const ws_con_ptr& c) {
  http_request request = read_request(*c);
  c->defer_http_response();
  data(*c).deferred = true;
  http_responder respond = make_responder(l, c);
  try {
    l.options().http_handler(request, respond);
  } catch (const std::exception& e) {
    l.log(log_level::error, std::string("http handler threw: ") + e.what());
    respond(error_response(errc::internal, "internal error"));
  } catch (...) {
    respond(error_response(errc::internal, "internal error"));
  }
}

}  // namespace sensorhub::ws_detail
