#pragma once

namespace sensorhub {

class callback_subscriber;

namespace detail {

// True when the calling thread is `s`'s worker thread (i.e. we are inside its
// callback). Lets the hub avoid destroying a callback_subscriber from its own
// callback, which would have to join the thread it runs on.
bool on_callback_thread_of(const callback_subscriber* s) noexcept;

}  // namespace detail
}  // namespace sensorhub
