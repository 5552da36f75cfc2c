// SPDX-License-Identifier: MIT
#pragma once

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

namespace ceiling {

class hub;

// Accepts on the first worker's thread and hands each socket to the next
// worker, round robin. Lives on that thread only.
class acceptor {
 public:
  acceptor(hub& server, const asio::ip::tcp::endpoint& at);
  asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  void start();

 private:
  hub& hub_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer retry_;  // after EMFILE and the like
};

}  // namespace ceiling
