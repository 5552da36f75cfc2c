// SPDX-License-Identifier: MIT
#include "sensorhub/event_bus.hpp"

#include <atomic>
#include <utility>

namespace sensorhub {

namespace {

// event_bus::subscribe_scoped's default: sits between a bus that knows
// nothing of scopes and the real subscriber. The bus delivers every event of
// the channel (empty filter); the view, then the filter, are applied here.
class scoped_forwarder final : public subscriber {
 public:
  scoped_forwarder(std::shared_ptr<subscriber> target, data_scope scope, event_filter f)
      : target_(std::move(target)),
        scope_(std::move(scope)),
        filter_(std::make_shared<const event_filter>(std::move(f))) {}

  void on_event(const event& e) override {
    const event* v = scoped_view_ptr(e, scope_);
    if (v == nullptr) return;
    const auto f = std::atomic_load(&filter_);
    if (f->matches(*v)) target_->on_event(*v);
  }

  void set_filter(event_filter f) {
    std::atomic_store(&filter_, std::make_shared<const event_filter>(std::move(f)));
  }

 private:
  const std::shared_ptr<subscriber> target_;
  const data_scope scope_;
  std::shared_ptr<const event_filter> filter_;  // atomic_load / atomic_store only
};

class scoped_control final : public subscription::control {
 public:
  scoped_control(subscription inner, std::shared_ptr<scoped_forwarder> fwd)
      : inner_(std::move(inner)), fwd_(std::move(fwd)) {}
  void cancel() noexcept override { inner_.reset(); }
  void set_filter(event_filter filter) override { fwd_->set_filter(std::move(filter)); }

 private:
  subscription inner_;
  std::shared_ptr<scoped_forwarder> fwd_;
};

}  // namespace

subscription event_bus::subscribe_scoped(channel c, std::shared_ptr<subscriber> s,
                                         event_filter filter, data_scope scope) {
  if (scope.unrestricted()) return subscribe(c, std::move(s), std::move(filter));
  if (!s) return subscription{};
  auto fwd = std::make_shared<scoped_forwarder>(std::move(s), std::move(scope), std::move(filter));
  subscription inner = subscribe(c, fwd, event_filter{});
  if (!inner) return subscription{};
  return subscription(std::make_unique<scoped_control>(std::move(inner), std::move(fwd)));
}

}  // namespace sensorhub
