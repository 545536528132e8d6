#include "predicates/check_node_condition.h"

#include <string>
#include <vector>

namespace nbsched::predicates {
namespace {

constexpr std::string_view kNotReady = "node(s) were not ready";
constexpr std::string_view kNetworkUnavailable = "node(s) had unavailable network";

}  // namespace

Status CheckNodeCondition::Filter(const CycleState&, const Pod&, const NodeInfo& node) const {
  // nbsched's choice (interfaces.md §5): a node that does not report Ready is not known to be
  // ready, unlike 1.13, which only looked at conditions that were present. One pass over the
  // conditions: this runs for every node of every request.
  bool not_ready = true;
  bool no_network = false;
  for (const NodeCondition& c : node.node().conditions) {
    if (c.type == "Ready") {
      not_ready = c.status != "True";
    } else if (c.type == "NetworkUnavailable") {
      no_network = c.status != "False";
    }
  }
  if (!not_ready && !no_network) return Status::Success();
  std::vector<std::string> reasons;
  if (not_ready) reasons.emplace_back(kNotReady);
  if (no_network) reasons.emplace_back(kNetworkUnavailable);
  return Status::UnschedulableAndUnresolvable(std::move(reasons));
}

}  // namespace nbsched::predicates
