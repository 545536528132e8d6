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
  // ready, unlike 1.13, which only looked at conditions that were present. The conditions are
  // read once per NodeInfo (NodeFlags::Of): this runs for every node of every request.
  const bool not_ready = node.flags().not_ready;
  const bool no_network = node.flags().network_unavailable;
  if (!not_ready && !no_network) return Status::Success();
  static const Status kNotReadyOnly =
      Status::UnschedulableAndUnresolvable({std::string(kNotReady)});
  static const Status kNoNetworkOnly =
      Status::UnschedulableAndUnresolvable({std::string(kNetworkUnavailable)});
  static const Status kBoth = Status::UnschedulableAndUnresolvable(
      {std::string(kNotReady), std::string(kNetworkUnavailable)});
  if (!not_ready) return kNoNetworkOnly;
  return no_network ? kBoth : kNotReadyOnly;
}

}  // namespace nbsched::predicates
