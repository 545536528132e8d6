#include "scheduler/model/node.h"

namespace nbsched {

const std::string* Node::ConditionStatus(std::string_view type) const {
  for (const NodeCondition& c : conditions) {
    if (c.type == type) return &c.status;
  }
  return nullptr;
}

}  // namespace nbsched
