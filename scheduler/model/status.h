#pragma once

/// The outcome of a filter for one node: an answer, not an error (upstream framework.Status).
/// Plugins return only Success or Unschedulable[AndUnresolvable] with the upstream reasons.
/// The reasons are immutable and shared: a plugin may keep a failing Status in a `static` (or a
/// NodeInfo may precompute one) and return copies, which cost a reference count, not an
/// allocation per node.

#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace nbsched {

class [[nodiscard]] Status {
 public:
  enum class Code { kSuccess, kUnschedulable, kUnschedulableAndUnresolvable, kError };

  Status() = default;
  static Status Success() { return Status(); }
  static Status Unschedulable(std::vector<std::string> reasons) {
    return Status(Code::kUnschedulable, std::move(reasons));
  }
  static Status UnschedulableAndUnresolvable(std::vector<std::string> reasons) {
    return Status(Code::kUnschedulableAndUnresolvable, std::move(reasons));
  }
  static Status Error(std::string message) { return Status(Code::kError, {std::move(message)}); }

  Code code() const { return code_; }
  bool ok() const { return code_ == Code::kSuccess; }
  const std::vector<std::string>& reasons() const { return reasons_ ? *reasons_ : NoReasons(); }

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.reasons() == b.reasons();
  }
  friend std::ostream& operator<<(std::ostream& os, const Status& s);

 private:
  Status(Code code, std::vector<std::string> reasons)
      : code_(code),
        reasons_(std::make_shared<const std::vector<std::string>>(std::move(reasons))) {}
  static const std::vector<std::string>& NoReasons();
  Code code_ = Code::kSuccess;
  std::shared_ptr<const std::vector<std::string>> reasons_;
};

}  // namespace nbsched
