#include "sensorhub/transports/websocket.hpp"

namespace sensorhub {

const std::string& http_request::header(const std::string& lower_name) const {
  static const std::string none;
  const auto it = headers.find(lower_name);
  return it == headers.end() ? none : it->second;
}

}  // namespace sensorhub
