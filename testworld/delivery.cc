// Delivery of accepted commands to the emulated device, at once, later or at the next poll.
#include "testworld/delivery.h"

#include <charconv>

namespace cmdm::testworld {

Result<DeliveryPolicy> parse_delivery_policy(std::string_view text) {
  if (text == "now") return DeliveryPolicy{};
  if (text == "poll") return DeliveryPolicy{.mode = DeliveryPolicy::Mode::kOnNextPoll};
  int ms = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (ec != std::errc() || end != text.data() + text.size() || ms < 0) {
    return Error::make(ExitCode::kUsage, "",
                       "delivery must be \"now\", \"poll\" or a delay in milliseconds, not \"" +
                           std::string(text) + "\"");
  }
  return DeliveryPolicy{.mode = DeliveryPolicy::Mode::kAfterDelay, .delay_ms = ms};
}

DeliveryQueue::DeliveryQueue(DeviceState device, DeliveryPolicy policy)
    : device_(std::move(device)), policy_(policy) {
  if (policy_.mode == DeliveryPolicy::Mode::kAfterDelay) worker_ = std::thread([this] { run(); });
}

DeliveryQueue::~DeliveryQueue() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void DeliveryQueue::record(const Status& status) {
  std::lock_guard<std::mutex> lock(mu_);
  if (status) {
    ++delivered_;
  } else {
    ++failed_;
  }
}

Status DeliveryQueue::deliver(Delivery delivery) {
  switch (policy_.mode) {
    case DeliveryPolicy::Mode::kImmediate: {
      Status applied = device_.apply(delivery, unix_now());
      record(applied);
      return applied;
    }
    case DeliveryPolicy::Mode::kOnNextPoll: {
      Status stored = device_.enqueue_pending(delivery);
      record(stored);
      return stored;
    }
    case DeliveryPolicy::Mode::kAfterDelay:
      break;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= kMaxQueued) {
      return Error::make(ExitCode::kUnavailable, device_.dir(), "delivery queue full");
    }
    auto at = std::chrono::steady_clock::now() + std::chrono::milliseconds(policy_.delay_ms);
    queue_.push_back(Due{at, std::move(delivery)});
  }
  wake_.notify_all();
  return Ok{};
}

// The background thread: waits for the first delivery to fall due, applies it, and repeats. The
// queue is in due order because every delivery waits the same delay.
void DeliveryQueue::run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (queue_.empty()) {
      idle_.notify_all();
      wake_.wait(lock);
      continue;
    }
    auto at = queue_.front().at;
    if (std::chrono::steady_clock::now() < at) {
      wake_.wait_until(lock, at);
      continue;
    }
    Delivery delivery = std::move(queue_.front().delivery);
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    Status applied = device_.apply(delivery, unix_now());
    lock.lock();
    busy_ = false;
    if (applied) {
      ++delivered_;
    } else {
      ++failed_;
    }
  }
  idle_.notify_all();
}

bool DeliveryQueue::drain(int timeout_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  return idle_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                        [this] { return (queue_.empty() && !busy_) || stopping_; });
}

std::size_t DeliveryQueue::delivered() const {
  std::lock_guard<std::mutex> lock(mu_);
  return delivered_;
}

std::size_t DeliveryQueue::failed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failed_;
}

}  // namespace cmdm::testworld
