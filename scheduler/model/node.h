#pragma once

/// The parts of a v1.Node that scheduling reads. Immutable once decoded; shared as
/// `shared_ptr<const Node>`.

#include <string>
#include <vector>

#include "scheduler/model/resources.h"
#include "scheduler/model/selectors.h"

namespace nbsched {

struct NodeCondition {
  std::string type;    // Ready, MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable, ...
  std::string status;  // True, False, Unknown
  friend bool operator==(const NodeCondition&, const NodeCondition&) = default;
};

struct Node {
  std::string name;
  Labels labels;  // (annotations and capacity are not read by any predicate or priority)
  std::vector<Taint> taints;
  bool unschedulable = false;
  std::vector<NodeCondition> conditions;
  ResourceList allocatable_list;
  Resources allocatable;  // rounded allocatable_list, set by Finalize()

  /// Status of the condition of that type, or nullptr when the node does not report it.
  const std::string* ConditionStatus(std::string_view type) const;
  void Finalize() { allocatable = Resources::FromList(allocatable_list); }
  /// Every member alike (OverlayNodes reuses the snapshot's NodeInfo for an identical node).
  friend bool operator==(const Node&, const Node&) = default;
};

}  // namespace nbsched
