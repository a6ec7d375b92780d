// When the MDM's accepted commands reach the emulated device: at once, after a delay (a background
// thread, as a device that checks in a little later), or at the device's next poll (the next run of
// the fake `profiles`). The runtime's "confirm by listing again, with a timeout" is tested against
// the last two.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "testworld/device_state.h"

namespace cmdm::testworld {

struct DeliveryPolicy {
  enum class Mode { kImmediate, kAfterDelay, kOnNextPoll };
  Mode mode = Mode::kImmediate;
  int delay_ms = 0;  // for kAfterDelay
};

// Parses "now", "poll" or a delay in milliseconds ("250").
Result<DeliveryPolicy> parse_delivery_policy(std::string_view text);

// Delivers to one device by its policy. Thread-safe. At most kMaxQueued delayed deliveries wait at
// once; more are refused, so a runaway client cannot grow the fake without bound.
class DeliveryQueue {
 public:
  static constexpr std::size_t kMaxQueued = 10000;

  DeliveryQueue(DeviceState device, DeliveryPolicy policy);
  // Stops the thread. Delayed deliveries not yet due are dropped, as with a device that went away.
  ~DeliveryQueue();
  DeliveryQueue(const DeliveryQueue&) = delete;
  DeliveryQueue& operator=(const DeliveryQueue&) = delete;

  // Hands a delivery to the device by the policy. An immediate delivery the device refuses is that
  // delivery's error; a delayed one is counted in failed().
  Status deliver(Delivery delivery);
  // Waits until no delayed delivery is waiting (for tests), or `timeout_ms` passes; true if empty.
  bool drain(int timeout_ms);

  std::size_t delivered() const;  // applied to the state directory (or stored for the next poll)
  std::size_t failed() const;     // refused by the device
  const DeviceState& device() const { return device_; }

 private:
  struct Due {
    std::chrono::steady_clock::time_point at;
    Delivery delivery;
  };
  void run();
  void record(const Status& status);

  DeviceState device_;
  DeliveryPolicy policy_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Due> queue_;
  bool stopping_ = false;
  bool busy_ = false;
  std::size_t delivered_ = 0;
  std::size_t failed_ = 0;
  std::thread worker_;
};

}  // namespace cmdm::testworld
