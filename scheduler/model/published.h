#pragma once

#include <atomic>
#include <memory>

namespace nbsched {

/// A value swapped whole: readers take the current `shared_ptr<const T>` once per request and
/// see one consistent version. Thread-safe: any number of readers, one writer at a time.
template <typename T>
class Published {
 public:
  Published() = default;
  explicit Published(std::shared_ptr<const T> initial) : value_(std::move(initial)) {}
  std::shared_ptr<const T> Current() const { return value_.load(); }
  void Publish(std::shared_ptr<const T> next) { value_.store(std::move(next)); }

 private:
  std::atomic<std::shared_ptr<const T>> value_;
};

}  // namespace nbsched
