// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "sensorhub/connection.hpp"

namespace sensorhub::ws_detail {

class conn;
class shard;

// One WebSocket as its sensorhub::session sees it: the connection
// operations carried out by the conn on its network thread, and post()
// through the shard's batched passes (one pass carries the wake-ups of
// every session of that thread). Holds the conn and the shard weakly:
// once either is gone, every operation is a no-op.
class ws_link final : public connection {
 public:
  ws_link(std::weak_ptr<conn> c, std::weak_ptr<shard> s)
      : conn_(std::move(c)), shard_(std::move(s)) {}

  void send_text(std::shared_ptr<const std::string> text) override;
  void send_event(const event& e) override;
  void close(int code, std::string_view reason) override;
  void post(std::function<void()> fn) override;
  std::size_t buffered_bytes() const override;

 private:
  std::weak_ptr<conn> conn_;
  std::weak_ptr<shard> shard_;
};

}  // namespace sensorhub::ws_detail
