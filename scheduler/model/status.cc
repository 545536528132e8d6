#include "scheduler/model/status.h"

namespace nbsched {

const std::vector<std::string>& Status::NoReasons() {
  static const std::vector<std::string> kNone;
  return kNone;
}

std::ostream& operator<<(std::ostream& os, const Status& s) {
  switch (s.code()) {
    case Status::Code::kSuccess:
      return os << "Success";
    case Status::Code::kUnschedulable:
      os << "Unschedulable";
      break;
    case Status::Code::kUnschedulableAndUnresolvable:
      os << "UnschedulableAndUnresolvable";
      break;
    case Status::Code::kError:
      os << "Error";
      break;
  }
  os << "{";
  for (size_t i = 0; i < s.reasons().size(); ++i)
    os << (i ? ", " : "") << '"' << s.reasons()[i] << '"';
  return os << "}";
}

}  // namespace nbsched
