// websocketpp's per-connection callbacks of the listener: each decision is
// taken by a policy piece (admission, flood_policy, ping_sweeper,
// frame_cache) and carried out here; plain HTTP goes to http_adapter.
#include <exception>
#include <utility>

#include "http/http_adapter.hpp"
#include "listener.hpp"
#include "sensorhub/error.hpp"
#include "sensorhub/protocol.hpp"
#include "ws_session.hpp"

namespace sensorhub::ws_detail {
namespace {

using steady = std::chrono::steady_clock;

}  // namespace

bool listener::on_validate(websocketpp::connection_hdl hdl) {
  ws_con_ptr c = con_of(hdl);
  if (!c) return false;
  if (auto refusal = admission_.refuse_request(stopping_.load(), live_count_.load())) {
    write_response(*c, *refusal);
    return false;
  }
  const http_request req = read_request(*c);
  upgrade_verdict v = admission_.check_upgrade(req);
  if (v.refusal) {
    write_response(*c, *v.refusal);
    return false;
  }
  auto& d = data(*c);
  d.pending = std::move(v.grant.session);
  d.principal = std::move(v.grant.principal);
  d.flood = flood_.open(steady::now());
  if (!req.remote_address.empty()) {
    d.address = req.remote_address;
    admission_.count(d.address);
  }
  return true;
}

void listener::on_http(websocketpp::connection_hdl hdl) {
  ws_con_ptr c = con_of(hdl);
  if (!c) return;
  if (auto refusal = admission_.refuse_request(stopping_.load(), live_count_.load())) {
    return write_response(*c, *refusal);
  }
  const auto& req = c->get_request();
  if (auto refusal =
          admission_.refuse_http_body(req.get_method(), req.get_header("Transfer-Encoding"),
                                      req.get_header("Content-Length"))) {
    return write_response(*c, *refusal);
  }
  if (!opts_.http_handler) return write_response(*c, error_response(errc::not_found, "not found"));
  serve_http(*this, c);
}

void listener::on_open(websocketpp::connection_hdl hdl) {
  ws_con_ptr c = con_of(hdl);
  if (!c) return;
  auto& d = data(*c);
  d.ping.heard(steady::now());
  if (stopping_.load() || !d.pending) {
    websocketpp::lib::error_code ec;
    c->close(websocketpp::close::status::going_away, "going away", ec);
    return;
  }
  const session_options opts = std::move(*d.pending);
  d.pending.reset();
  auto s = std::make_shared<session>(
      ctx_, std::make_shared<ws_session>(weak_from_this(), std::weak_ptr<ws_connection>(c)),
      opts.backlog_limit);
  d.session = s;
  try {
    s->start(opts);
  } catch (const std::exception& e) {
    log(log_level::error, std::string("session start failed: ") + e.what());
    s->stop();
    d.session.reset();
    websocketpp::lib::error_code ec;
    c->close(websocketpp::close::status::internal_endpoint_error, "internal error", ec);
  }
}

void listener::on_message(websocketpp::connection_hdl hdl, const ws_message_ptr& msg) {
  ws_con_ptr c = con_of(hdl);
  if (!c || !msg) return;
  auto& d = data(*c);
  d.ping.heard(steady::now());
  if (!d.session || !admit_message(*c, d)) return;
  try {
    if (msg->get_opcode() == websocketpp::frame::opcode::text) {
      d.session->on_client_text(msg->get_payload());
    } else {
      d.session->on_client_binary();
    }
  } catch (const std::exception& e) {
    log(log_level::error, std::string("client message failed: ") + e.what());
  }
}

bool listener::admit_message(ws_connection& c, ws_conn_data& d) {
  websocketpp::lib::error_code ec;
  switch (flood_.judge(d.flood, d.address, d.principal, d.ping.last_rx)) {
    case flood_verdict::accept:
      return true;
    case flood_verdict::ignore:
      return false;
    case flood_verdict::close:
      log(log_level::warn, "closing a WebSocket that kept flooding after rate_limited warnings");
      c.close(websocketpp::close::status::policy_violation, "rate limited", ec);
      return false;
    case flood_verdict::warn:
      c.send(
          encode_ws_error("rate_limited", "too many messages: slow down or the connection closes"),
          websocketpp::frame::opcode::text);
      return false;
  }
  return false;
}

void listener::on_ping(websocketpp::connection_hdl hdl) {
  if (auto c = con_of(hdl)) data(*c).ping.heard(steady::now());
}

void listener::on_pong(websocketpp::connection_hdl hdl) {
  if (auto c = con_of(hdl)) data(*c).ping.answered(steady::now());
}

void listener::on_pong_timeout(websocketpp::connection_hdl hdl) {
  if (auto c = con_of(hdl)) {
    log(log_level::info, "closing a WebSocket that stopped answering pings");
    websocketpp::lib::error_code ec;
    c->close(websocketpp::close::status::going_away, "ping timeout", ec);
  }
}

// ---- periodic work ------------------------------------------------------------

void listener::schedule_sweep() {
  sweep_timer_.expires_after(ping_sweeper::period);
  sweep_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || stopping_.load()) return;
    sweep();
    schedule_sweep();
  });
}

// Refreshes every session's backlog, pings the idle connections and lets
// the frame cache drop its frames when unused.
void listener::sweep() {
  const auto now = steady::now();
  for (auto& [raw, con] : live_) {
    auto& d = data(*con);
    if (!d.session) continue;
    d.session->set_transport_backlog(con->get_buffered_amount());
    if (pings_.due(d.ping, now) && con->get_state() == websocketpp::session::state::open) {
      websocketpp::lib::error_code ec;
      con->ping("", ec);
      if (!ec) d.ping.outstanding = true;
    }
  }
  frames_.sweep();
}

ws_message_ptr listener::frame(const event& e) {
  return frames_.get(e.json, [this](const std::string& json) { return prepare_frame(json); });
}

ws_message_ptr listener::prepare_frame(const std::string& json) {
  ws_message_ptr in = msg_manager_->get_message(websocketpp::frame::opcode::text, json.size());
  ws_message_ptr out = msg_manager_->get_message();
  if (!in || !out) return {};
  in->append_payload(json);
  if (framer_->prepare_data_frame(in, out)) return {};
  return out;
}

}  // namespace sensorhub::ws_detail
