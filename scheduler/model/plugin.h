#pragma once

/// The two extension points (upstream framework FilterPlugin / ScorePlugin). Plugins are
/// stateless: built once per policy from their args, `const` methods only, shared by all request
/// threads. Per-request data goes into the request's CycleState.

#include <any>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scheduler/model/node_info.h"
#include "scheduler/model/pod.h"
#include "scheduler/model/snapshot.h"
#include "scheduler/model/status.h"

namespace nbsched {

inline constexpr int64_t kMaxNodeScore = 100;

/// Per-request scratch space: PreFilter/PreScore store, Filter/Score read. Keyed by plugin name.
/// Thread-compatible: written before the per-node loop, only read inside it. A handful of
/// entries in a flat list: Filter reads its entry once per node, and a scan (string == compares
/// sizes first) costs about one short memcmp, a tree of strings several.
class CycleState {
 public:
  template <typename T>
  void Write(std::string_view key, T value) {
    auto data = std::make_shared<const T>(std::move(value));
    for (Entry& entry : entries_) {
      if (entry.key == key) {
        entry.data = std::move(data);
        return;
      }
    }
    entries_.push_back({std::string(key), std::move(data)});
  }
  /// nullptr when nothing of that type was written under the key.
  template <typename T>
  const T* Read(std::string_view key) const {
    for (const Entry& entry : entries_) {
      if (entry.key == key) {
        return static_cast<const T*>(entry.data.get());
      }
    }
    return nullptr;
  }

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const void> data;
  };
  std::vector<Entry> entries_;
};

struct NodeScore {
  const NodeInfo* node = nullptr;
  int64_t score = 0;
};

/// A plugin's arguments from the policy file: each key holds one value or a list, as strings
/// (`form: legacy` → {"form": ["legacy"]}; `resources: [a, b]` → {"resources": ["a", "b"]}).
using PluginArgs = std::map<std::string, std::vector<std::string>, std::less<>>;

class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual std::string_view Name() const = 0;
};

class FilterPlugin : public Plugin {
 public:
  /// Optional: precompute per-pod state once per request (e.g. inter-pod affinity counts).
  virtual void PreFilter(CycleState& /*state*/, const Pod& /*pod*/,
                         const Snapshot& /*snapshot*/) const {}
  /// Optional, called after PreFilter: true when Filter would return Success on every node for
  /// this pod (upstream's PreFilter `Skip`), so the runner need not call it once per node.
  virtual bool Skip(const CycleState& /*state*/, const Pod& /*pod*/) const { return false; }
  /// Optional: true when Filter returns Success for every pod on every node whose NodeFlags are
  /// `clean` (the predicate rejects only for a condition, pressure, cordon or taint), so the
  /// runner need not call it on such nodes.
  virtual bool PassesCleanNodes() const { return false; }
  /// Success, or Unschedulable[AndUnresolvable] with the upstream reasons. Never throws.
  virtual Status Filter(const CycleState& state, const Pod& pod, const NodeInfo& node) const = 0;
  /// Filter for the node of `row` (the runner's call): the same answer, from the row's facts
  /// where the plugin can. Default: Filter(*row.info).
  virtual Status FilterRow(const CycleState& state, const Pod& pod, const NodeRow& row) const {
    return Filter(state, pod, *row.info);
  }
};

class ScorePlugin : public Plugin {
 public:
  /// Optional: precompute per-pod state from the snapshot and the feasible nodes.
  virtual void PreScore(CycleState& /*state*/, const Pod& /*pod*/, const Snapshot& /*snapshot*/,
                        std::span<const NodeInfo* const> /*feasible*/) const {}
  /// Raw score for one feasible node.
  virtual int64_t Score(const CycleState& state, const Pod& pod, const NodeInfo& node) const = 0;
  /// Raw scores of all `nodes` into `out` (same size): out[j] = {nodes[j], Score(nodes[j])}.
  /// DirectScorePlugin overrides it without a virtual call per node.
  virtual void ScoreAll(const CycleState& state, const Pod& pod,
                        std::span<const NodeInfo* const> nodes, std::span<NodeScore> out) const {
    for (size_t j = 0; j < nodes.size(); ++j) out[j] = {nodes[j], Score(state, pod, *nodes[j])};
  }
  /// ScoreAll with the nodes' table rows (rows[j]->info == nodes[j]): the runner's call. Default:
  /// ScoreAll; plugins whose score the row's facts give override it.
  virtual void ScoreRows(const CycleState& state, const Pod& pod,
                         std::span<const NodeInfo* const> nodes,
                         std::span<const NodeRow* const> /*rows*/, std::span<NodeScore> out) const {
    ScoreAll(state, pod, nodes, out);
  }
  /// Maps the raw scores of all feasible nodes to 0..100 in place. Default: as is.
  virtual void NormalizeScore(const CycleState& /*state*/, const Pod& /*pod*/,
                              std::span<NodeScore> /*scores*/) const {}
  /// Optional: true when the score reads measured usage (the request's UsageContext, under
  /// kUsageStateKey in model/node_usage.h): the runner then provides it and /explain reports
  /// which nodes had no fresh sample (interfaces.md §11).
  virtual bool UsesUsage() const { return false; }
  /// Optional, for /explain only: extra integers describing how this plugin saw the node (e.g.
  /// GPUFragmentationPriority's fragmentation before/after). Called after PreScore.
  virtual void Explain(const CycleState& /*state*/, const Pod& /*pod*/, const NodeInfo& /*node*/,
                       std::vector<std::pair<std::string, int64_t>>& /*details*/) const {}
  /// Optional: the GPU index(es) this plugin's score assumed for `pod` on `node` (e.g. the FGD
  /// score's GPU), so that bind and the simulator assign the GPU that was scored. Empty: no
  /// preference (the default rule of GpuSlots::Choose applies). Called after PreScore.
  virtual std::vector<int> PreferredGpus(const CycleState& /*state*/, const Pod& /*pod*/,
                                         const NodeInfo& /*node*/) const {
    return {};
  }
};

/// Base of a `final` score plugin: ScoreAll calls Self::Score directly (inlined where Score is
/// defined), not through the vtable once per node: a request scores thousands of nodes.
template <typename Self>
class DirectScorePlugin : public ScorePlugin {
 public:
  void ScoreAll(const CycleState& state, const Pod& pod, std::span<const NodeInfo* const> nodes,
                std::span<NodeScore> out) const override {
    const Self& self = static_cast<const Self&>(*this);
    for (size_t j = 0; j < nodes.size(); ++j) {
      out[j] = {nodes[j], self.Self::Score(state, pod, *nodes[j])};
    }
  }
  /// Where Self has `int64_t ScoreRow(const CycleState&, const Pod&, const NodeRow&) const` (the
  /// same answer as Score), the rows are scored with it; else as ScoreAll.
  void ScoreRows(const CycleState& state, const Pod& pod, std::span<const NodeInfo* const> nodes,
                 std::span<const NodeRow* const> rows, std::span<NodeScore> out) const override {
    const Self& self = static_cast<const Self&>(*this);
    if constexpr (requires { self.ScoreRow(state, pod, *rows[0]); }) {
      for (size_t j = 0; j < rows.size(); ++j) {
        out[j] = {rows[j]->info, self.Self::ScoreRow(state, pod, *rows[j])};
      }
    } else {
      self.Self::ScoreAll(state, pod, nodes, out);
    }
  }
};

/// Upstream helper.DefaultNormalizeScore: scale to 0..max_priority by the largest value; with
/// `reverse`, max − value (all-zero input: everything max when reversed, else unchanged).
void DefaultNormalizeScore(int64_t max_priority, bool reverse, std::span<NodeScore> scores);

}  // namespace nbsched
