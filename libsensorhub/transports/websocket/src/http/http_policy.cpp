#include "http/http_policy.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "policy/admission.hpp"

namespace sensorhub::ws_detail {

namespace {

constexpr std::pair<int, const char*> reasons[] = {
    {200, "OK"},
    {201, "Created"},
    {204, "No Content"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {411, "Length Required"},
    {413, "Payload Too Large"},
    {415, "Unsupported Media Type"},
    {422, "Unprocessable Entity"},
    {426, "Upgrade Required"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {503, "Service Unavailable"},
    {505, "HTTP Version Not Supported"},
};

// The SPEC §2 code and a detail for a status websocketpp chose itself.
std::pair<errc, std::string> describe(int status) {
  switch (status) {
    case 404:
      return {errc::not_found, "not found"};
    case 405:
      return {errc::method_not_allowed, "method not allowed"};
    case 411:
      return {errc::length_required, "Content-Length is required"};
    case 413:
      return {errc::payload_too_large, "request body too large"};
    case 431:
      return {errc::invalid_parameter, "request headers too large"};
    case 503:
      return {errc::unavailable, "unavailable"};
    case 505:
      return {errc::invalid_parameter, "HTTP version not supported"};
    default:
      if (status >= 500) return {errc::internal, "internal error"};
      return {errc::invalid_parameter, "malformed request"};
  }
}

}  // namespace

const char* reason_phrase(int status) noexcept {
  for (const auto& [code, text] : reasons) {
    if (code == status) return text;
  }
  return "Status";
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::size_t ws_request::consume(char const* buf, std::size_t len) {
  const std::size_t n = websocketpp::http::parser::request::consume(buf, len);
  if (!ready()) return n;
  if (get_version() != "HTTP/1.1" && get_version() != "HTTP/1.0") {
    throw websocketpp::http::exception("unsupported HTTP version",
                                       websocketpp::http::status_code::http_version_not_supported,
                                       "HTTP version not supported (HTTP/1.1 and HTTP/1.0 are)");
  }
  if (lower(get_header("Upgrade")).find("websocket") != std::string::npos &&
      get_header("Sec-WebSocket-Version") != "13") {
    throw websocketpp::http::exception("unsupported WebSocket version",
                                       websocketpp::http::status_code::bad_request,
                                       bad_version_detail);
  }
  return n;
}

std::string ws_response::raw() const {
  const int status = static_cast<int>(get_status_code());
  if (status < 400 || !get_body().empty()) return websocketpp::http::parser::response::raw();
  auto [code, detail] = describe(status);
  if (!get_status_msg().empty() && get_status_msg() != reason_phrase(status)) {
    detail = get_status_msg();
  }
  websocketpp::http::parser::response copy(*this);
  copy.set_status(get_status_code(), reason_phrase(status));
  copy.set_body(error_response(code, detail).body);
  copy.replace_header("Content-Type", "application/json");
  copy.replace_header("Connection", "close");
  if (detail == bad_version_detail) copy.replace_header("Sec-WebSocket-Version", "13");
  return copy.raw();
}

}  // namespace sensorhub::ws_detail
