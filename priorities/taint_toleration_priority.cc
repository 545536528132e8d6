#include "priorities/taint_toleration_priority.h"

namespace nbsched::priorities {
namespace {

constexpr std::string_view kPreferNoSchedule = "PreferNoSchedule";

}  // namespace

int64_t TaintTolerationPriority::Score(const CycleState&, const Pod& pod,
                                       const NodeInfo& node) const {
  // Upstream first keeps the tolerations whose effect is empty or PreferNoSchedule; on a
  // PreferNoSchedule taint ToleratesTaint already rejects every other effect, so no copy is needed.
  int64_t intolerable = 0;
  if (!node.flags().has_taints) return intolerable;
  for (const Taint& taint : node.taints().taints) {
    if (taint.effect != kPreferNoSchedule) continue;
    if (!AnyToleratesTaint(pod.tolerations, taint)) ++intolerable;
  }
  return intolerable;
}

void TaintTolerationPriority::NormalizeScore(const CycleState&, const Pod&,
                                             std::span<NodeScore> scores) const {
  DefaultNormalizeScore(kMaxNodeScore, /*reverse=*/true, scores);
}

}  // namespace nbsched::priorities
