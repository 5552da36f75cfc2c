#pragma once
// websocketpp and Asio, included as system headers so the project's warning
// flags (and -Werror) apply to our code only, and the server config with its
// typedefs. Included only by the few translation units that talk to
// websocketpp: listener.cpp, connection_handlers.cpp (the server's member
// templates), http_adapter.cpp and ws_session.cpp (connection members). The
// policy pieces (admission, flood_policy, ping_sweeper, frame_cache) do not
// include it.
#if defined(__GNUC__)
#pragma GCC system_header
#endif

#include <memory>
#include <optional>
#include <string>

#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/logger/stub.hpp>
#include <websocketpp/processors/hybi13.hpp>
#include <websocketpp/server.hpp>

#include "policy/flood_policy.hpp"
#include "http/http_policy.hpp"
#include "policy/ping_sweeper.hpp"
#include "sensorhub/session.hpp"

namespace sensorhub::ws_detail {

// Per-connection state, stored inside websocketpp's connection object
// (config::connection_base). Touched on the network thread only.
struct ws_conn_data : websocketpp::connection_base {
  std::shared_ptr<sensorhub::session> session;  // set once the WebSocket is open
  std::optional<session_options> pending;       // parsed query, from validate to open
  ping_state ping;                              // last heard from, ping outstanding
  flood_state flood;                            // client message rate
  bool deferred = false;                        // an HTTP response is owed
  bool tracked = false;                         // counted in the live set
  std::string principal;                        // from handshake_check (e.g. a token name)
  std::string address;  // counted in admission's per-address WebSocket count when non-empty
};

// The server config: asio_no_tls with our connection base, websocketpp's own
// logging compiled out (it would print query strings, which carry tokens),
// and no strands (a single network thread runs the io_context).
struct ws_config : websocketpp::config::asio {
  typedef ws_config type;
  typedef websocketpp::config::asio base;

  typedef base::concurrency_type concurrency_type;
  typedef ws_request request_type;
  typedef ws_response response_type;
  typedef base::message_type message_type;
  typedef base::con_msg_manager_type con_msg_manager_type;
  typedef base::endpoint_msg_manager_type endpoint_msg_manager_type;
  typedef websocketpp::log::stub alog_type;
  typedef websocketpp::log::stub elog_type;
  typedef base::rng_type rng_type;

  struct transport_config : public base::transport_config {
    typedef type::concurrency_type concurrency_type;
    typedef type::alog_type alog_type;
    typedef type::elog_type elog_type;
    typedef type::request_type request_type;
    typedef type::response_type response_type;
    typedef websocketpp::transport::asio::basic_socket::endpoint socket_type;
    static const bool enable_multithreading = false;
  };
  typedef websocketpp::transport::asio::endpoint<transport_config> transport_type;

  typedef ws_conn_data connection_base;

  static const long timeout_close_handshake = 2000;
  static const std::size_t max_message_size = 64 * 1024;
  static const std::size_t max_http_body_size = 16 * 1024 * 1024;
};

using ws_server = websocketpp::server<ws_config>;
using ws_connection = ws_server::connection_type;
using ws_con_ptr = ws_server::connection_ptr;
using ws_message_ptr = ws_server::message_ptr;
using ws_framer = websocketpp::processor::hybi13<ws_config>;

}  // namespace sensorhub::ws_detail
