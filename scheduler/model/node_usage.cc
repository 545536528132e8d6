#include "scheduler/model/node_usage.h"

#include <algorithm>
#include <string>

namespace nbsched {

NodeUsage UsageOf(const UsageContext* context, const NodeInfo& node) {
  NodeUsage out;
  const UsageSample* sample = nullptr;
  if (context != nullptr && context->table != nullptr) {
    sample = context->table->FreshNode(node.name(), context->now_unix_ms);
  }
  if (sample == nullptr) {
    out.used = node.expected_usage();
    return out;
  }
  out.from_requests = false;
  out.used = {std::max<int64_t>(0, sample->milli_cpu), std::max<int64_t>(0, sample->memory_bytes)};
  const auto& pods = context->table->pods;
  if (pods.empty()) return out;
  std::string key;
  for (const auto& pod : node.pods()) {
    key.assign(pod->namespace_).append("/").append(pod->name);
    if (!pods.contains(key)) out.used.Add(pod->expected_usage);
  }
  return out;
}

}  // namespace nbsched
