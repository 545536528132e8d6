#include "predicates/match_inter_pod_affinity.h"

namespace nbsched::predicates {

// STUB: to be implemented.
void MatchInterPodAffinity::PreFilter(CycleState&, const Pod&, const Snapshot&) const {}

Status MatchInterPodAffinity::Filter(const CycleState&, const Pod&, const NodeInfo&) const { return Status::Success(); }

}  // namespace nbsched::predicates
