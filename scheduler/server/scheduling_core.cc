#include "scheduler/server/scheduling_core.h"

#include <malloc.h>

#include <algorithm>
#include <chrono>

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

// `known`: the memo's verdicts for this pod, policy and snapshot (null: none).
CoreResult Run(Verb verb, Inputs inputs, std::shared_ptr<const Pod> pod,
               framework::Candidates candidates, const ExtenderOptions& options,
               const FilterMemo::Verdicts* known = nullptr) {
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
  if (options.usage != nullptr && run.score && framework::PolicyUsesUsage(*r.inputs.policy)) {
    run.usage = options.usage->Current();
    run.now_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  }
  std::optional<std::vector<Status>> verdicts;
  // Only requests the memo can serve count as hits or misses: name-resolved candidates (not a
  // non-cache request's Node objects) of a pod with a uid and a resourceVersion.
  if (options.filter_memo != nullptr && verb != Verb::kFilter && !r.pod->uid.empty() &&
      !r.pod->resource_version.empty() && !r.candidates.positions.empty()) {
    if (known != nullptr) verdicts = known->For(r.candidates);
    options.filter_memo->Count(verdicts.has_value());
    if (verdicts) run.verdicts = *verdicts;
  }
  r.decision = framework::Schedule(*r.inputs.policy, *r.inputs.snapshot, *r.pod, r.candidates, run);
  if (options.filter_memo != nullptr && verb == Verb::kFilter) {
    options.filter_memo->Remember(r.inputs, *r.pod, r.candidates, r.decision);
  }
  if (options.on_nodes_evaluated)
    options.on_nodes_evaluated(static_cast<int64_t>(r.candidates.nodes.size()));
  return r;
}

// The memo's verdicts for a /prioritize or /explain of this pod against these inputs (null:
// none, or a /filter, which computes them).
std::shared_ptr<const FilterMemo::Verdicts> Remembered(Verb verb, const Inputs& inputs,
                                                       const Pod& pod,
                                                       const ExtenderOptions& options) {
  if (options.filter_memo == nullptr || verb == Verb::kFilter) return nullptr;
  return options.filter_memo->Find(inputs, pod);
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

void FilterMemo::Remember(const Inputs& inputs, const Pod& pod,
                          const framework::Candidates& candidates,
                          const framework::Decision& decision) {
  if (capacity_ == 0 || pod.uid.empty() || pod.resource_version.empty()) return;
  if (candidates.positions.size() != decision.nodes.size()) return;  // not resolved by name
  auto entry = std::make_shared<Verdicts>();
  entry->policy = inputs.policy;
  entry->snapshot = inputs.snapshot;
  entry->uid = pod.uid;
  entry->resource_version = pod.resource_version;
  entry->verdict.assign(inputs.snapshot->nodes().size(), 0);
  entry->kept.reserve(decision.nodes.size());
  for (size_t i = 0; i < decision.nodes.size(); ++i) {
    const size_t position = candidates.positions[i];
    const framework::NodeDecision& nd = decision.nodes[i];
    // The nodes the /filter reply keeps (SplitFilter's rule), in reply order.
    if (nd.feasible() && !nd.duplicate && !decision.NotBest(i)) entry->kept.push_back(position);
    if (position >= entry->verdict.size() || entry->verdict[position] != 0) continue;
    entry->verdict[position] = nd.feasible() ? 1 : 2;
    if (!nd.feasible()) entry->rejected.emplace_back(position, nd.status);
  }
  std::sort(entry->rejected.begin(), entry->rejected.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::lock_guard<std::mutex> lock(mu_);
  // A newer verdict for the same pod replaces the older one.
  std::erase_if(entries_, [&](const std::shared_ptr<const Verdicts>& e) {
    return e->uid == pod.uid && e->resource_version == pod.resource_version;
  });
  entries_.push_back(std::move(entry));
  while (entries_.size() > capacity_) entries_.pop_front();
}

std::shared_ptr<const std::vector<size_t>> FilterMemo::FilterOrder() const {
  std::lock_guard<std::mutex> lock(mu_);
  return filter_order_;
}

void FilterMemo::RememberFilterOrder(const std::vector<size_t>& positions) {
  if (capacity_ == 0) return;
  auto order = std::make_shared<const std::vector<size_t>>(positions);
  std::lock_guard<std::mutex> lock(mu_);
  filter_order_ = std::move(order);
}

std::shared_ptr<const FilterMemo::Verdicts> FilterMemo::Find(const Inputs& inputs,
                                                             const Pod& pod) const {
  if (pod.uid.empty() || pod.resource_version.empty()) return nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    const Verdicts& e = **it;
    if (e.uid != pod.uid || e.resource_version != pod.resource_version) continue;
    // Identity, not equality: a weak_ptr that still locks to the current object cannot be a
    // new object at a recycled address.
    if (e.policy.lock() != inputs.policy || e.snapshot.lock() != inputs.snapshot) return nullptr;
    return *it;
  }
  return nullptr;
}

std::optional<std::vector<Status>> FilterMemo::Verdicts::For(
    const framework::Candidates& candidates) const {
  if (candidates.positions.size() != candidates.nodes.size() || candidates.nodes.empty()) {
    return std::nullopt;
  }
  std::vector<Status> verdicts(candidates.nodes.size());
  for (size_t i = 0; i < candidates.nodes.size(); ++i) {
    const size_t position = candidates.positions[i];
    if (position == NodeNameIndex::kNotFound) continue;  // the runner answers "not found"
    const uint8_t v = position < verdict.size() ? verdict[position] : 0;
    if (v == 1) continue;
    if (v == 0) return std::nullopt;
    const auto it =
        std::lower_bound(rejected.begin(), rejected.end(), position,
                         [](const std::pair<size_t, Status>& r, size_t p) { return r.first < p; });
    verdicts[i] = it->second;
  }
  return verdicts;
}

void ConfigureAllocatorForServing() {
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's largest (HEAP_MAX / 2 on 64-bit)
}

bool NeedsScores(Verb verb, const framework::Policy& policy) {
  return verb != Verb::kFilter || policy.selection == framework::Selection::kBestInFilter;
}

CoreResult Evaluate(Verb verb, Inputs inputs, std::shared_ptr<const Pod> pod,
                    std::span<const std::string> node_names, const ExtenderOptions& options) {
  const std::shared_ptr<const FilterMemo::Verdicts> known = Remembered(verb, inputs, *pod, options);
  // kube-scheduler's /prioritize names are the /filter's reply, in order, and its /filter names
  // the last /filter's: with the hint, most names are checked against one snapshot name instead
  // of hashed and probed.
  std::shared_ptr<const std::vector<size_t>> order;
  if (options.filter_memo != nullptr && verb == Verb::kFilter) {
    order = options.filter_memo->FilterOrder();
  }
  const std::span<const size_t> expected = known != nullptr   ? std::span<const size_t>(known->kept)
                                           : order != nullptr ? std::span<const size_t>(*order)
                                                              : std::span<const size_t>();
  framework::Candidates candidates =
      framework::ResolveNames(*inputs.snapshot, node_names, expected);
  if (options.filter_memo != nullptr && verb == Verb::kFilter &&
      (order == nullptr || *order != candidates.positions)) {
    options.filter_memo->RememberFilterOrder(candidates.positions);
  }
  return Run(verb, std::move(inputs), std::move(pod), std::move(candidates), options, known.get());
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
  candidates.positions.reserve(nodes.size());
  for (const auto& node : nodes) {
    candidates.positions.push_back(candidates.nodes.size());
    candidates.nodes.push_back(node.get());
  }
  candidates.missing.assign(nodes.size(), 0);
  const std::shared_ptr<const FilterMemo::Verdicts> known = Remembered(verb, inputs, *pod, options);
  return Run(verb, std::move(inputs), std::move(pod), std::move(candidates), options, known.get());
}

FilterSplit SplitFilter(const framework::Decision& decision) {
  FilterSplit split;
  const auto& nodes = decision.nodes;
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
    } else if (decision.NotBest(i)) {
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
