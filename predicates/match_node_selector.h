#pragma once

#include <string_view>

#include "scheduler/model/plugin.h"

namespace nbsched::predicates {

/// spec.nodeSelector and required node affinity must both match. `node(s) didn't match Pod's node
/// affinity/selector`; UnschedulableAndUnresolvable.
class MatchNodeSelector final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "MatchNodeSelector";
  std::string_view Name() const override { return kName; }
  /// Compiles the pod's nodeSelector and required terms against the interned label ids.
  void PreFilter(CycleState& state, const Pod& pod, const Snapshot& snapshot) const override;
  bool Skip(const CycleState& state, const Pod& pod) const override;
  Status Filter(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
  /// Filter over the row's label pairs when the compiled selector needs no strings.
  Status FilterRow(const CycleState& state, const Pod& pod, const NodeRow& row) const override;
};

}  // namespace nbsched::predicates
