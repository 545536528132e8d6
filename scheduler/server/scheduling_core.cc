#include "scheduler/server/scheduling_core.h"

#include <malloc.h>

#include <algorithm>

#include "scheduler/codec/extender_codec.h"

namespace nbsched::server {
namespace {

// A pod of another scheduler (shared kube-scheduler process): keep every node, judge nothing.
framework::Decision PassThrough(const framework::Policy& policy,
                                const framework::Candidates& candidates) {
  framework::Decision d;
  d.policy_generation = policy.generation;
  d.nodes.resize(candidates.nodes.size());
  for (size_t i = 0; i < candidates.nodes.size(); ++i) d.nodes[i].node = candidates.nodes[i];
  return d;
}

CoreResult Run(Verb verb, Inputs inputs, std::shared_ptr<const Pod> pod,
               framework::Candidates candidates, const ExtenderOptions& options) {
  CoreResult r;
  r.inputs = std::move(inputs);
  r.pod = std::move(pod);
  r.candidates = std::move(candidates);
  if (!options.scheduler_name.empty() && r.pod->scheduler_name != options.scheduler_name) {
    r.decision = PassThrough(*r.inputs.policy, r.candidates);
    return r;
  }
  framework::ScheduleOptions run;
  run.score = NeedsScores(verb, *r.inputs.policy);
  run.timer = options.plugin_timer;
  run.details = verb == Verb::kExplain;
  r.decision = framework::Schedule(*r.inputs.policy, *r.inputs.snapshot, *r.pod, r.candidates, run);
  if (options.on_nodes_evaluated)
    options.on_nodes_evaluated(static_cast<int64_t>(r.candidates.nodes.size()));
  return r;
}

std::string JoinReasons(const std::vector<std::string>& reasons) {
  std::string joined;
  for (size_t i = 0; i < reasons.size(); ++i) {
    if (i > 0) joined += ", ";
    joined += reasons[i];
  }
  return joined;
}

}  // namespace

void ConfigureAllocatorForServing() {
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's largest (HEAP_MAX / 2 on 64-bit)
}

bool NeedsScores(Verb verb, const framework::Policy& policy) {
  return verb != Verb::kFilter || policy.selection == framework::Selection::kBestInFilter;
}

CoreResult Evaluate(Verb verb, Inputs inputs, std::shared_ptr<const Pod> pod,
                    std::span<const std::string> node_names, const ExtenderOptions& options) {
  framework::Candidates candidates = framework::ResolveNames(*inputs.snapshot, node_names);
  return Run(verb, std::move(inputs), std::move(pod), std::move(candidates), options);
}

CoreResult Evaluate(Verb verb, Inputs inputs, std::shared_ptr<const Pod> pod,
                    std::span<const std::shared_ptr<const Node>> nodes,
                    const ExtenderOptions& options) {
  framework::Candidates candidates = framework::OverlayNodes(*inputs.snapshot, nodes);
  return Run(verb, std::move(inputs), std::move(pod), std::move(candidates), options);
}

CoreResult EvaluateAllNodes(Verb verb, Inputs inputs, std::shared_ptr<const Pod> pod,
                            const ExtenderOptions& options) {
  framework::Candidates candidates;
  const auto& nodes = inputs.snapshot->nodes();
  candidates.nodes.reserve(nodes.size());
  for (const auto& node : nodes) candidates.nodes.push_back(node.get());
  candidates.missing.assign(nodes.size(), 0);
  return Run(verb, std::move(inputs), std::move(pod), std::move(candidates), options);
}

FilterSplit SplitFilter(const framework::Decision& decision) {
  FilterSplit split;
  const auto& nodes = decision.nodes;
  const bool best_only = decision.best >= 0 && decision.best < static_cast<int64_t>(nodes.size());
  // One entry per name, the first occurrence's verdict (as the HTTP encoder).
  for (size_t i = 0; i < nodes.size(); ++i) {
    const framework::NodeDecision& nd = nodes[i];
    if (nd.duplicate) continue;
    const std::string name(nd.name());
    if (!nd.feasible()) {
      std::string message = JoinReasons(nd.status.reasons());
      if (nd.status.code() == Status::Code::kUnschedulableAndUnresolvable) {
        split.unresolvable.emplace_back(name, message);
      }
      split.failed.emplace_back(name, std::move(message));
    } else if (best_only && static_cast<int64_t>(i) != decision.best) {
      split.failed.emplace_back(name, std::string(codec::kNotBestReason));
    } else {
      split.kept.push_back(name);
    }
  }
  return split;
}

int64_t HostScore(const framework::NodeDecision& node) {
  // Out-of-range scores are not checked by kube-scheduler; never send one.
  return node.feasible() ? std::clamp<int64_t>(node.extender_score, 0, 10) : 0;
}

}  // namespace nbsched::server
