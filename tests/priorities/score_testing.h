#pragma once

/// Shared fixtures for the priority tests: the running example cluster of extender-protocol.md §9
/// (kubernetes-semantics.md §5.2) and a helper that runs PreScore → Score → NormalizeScore as the
/// runner does.

#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "scheduler/model/plugin.h"
#include "scheduler/model/snapshot.h"
#include "tests/testing/builders.h"

namespace nbsched::priorities::testing {

using nbsched::testing::MakeNode;
using nbsched::testing::MakePod;

/// One container with no resources at all (a pod without containers would get no defaults: they
/// are filled per container).
inline Pod NoRequests() { return MakePod().Req("", "").Obj(); }

/// Pod jhub/jupyter-alice: one container, 1 CPU / 2Gi / 1 nvidia.com/gpu.
inline Pod Alice() {
  return MakePod().Name("jupyter-alice").Namespace("jhub").Req("1", "2Gi").Gpus(1).Obj();
}

/// Running pods' requests split over several pods; all set requests, so defaulted == real sums.
inline std::vector<Pod> Running(const std::string& prefix, int count, const std::string& cpu,
                                const std::string& memory, int64_t gpus = 0) {
  std::vector<Pod> pods;
  for (int i = 0; i < count; ++i) {
    auto b = MakePod().Name(prefix + std::to_string(i));
    if (i == 0) {
      b.Req(cpu, memory);
      if (gpus > 0) b.Gpus(gpus);
    } else {
      b.Req("0", "0");
    }
    pods.push_back(b.Obj());
  }
  return pods;
}

/// cpu-1: 4 / 1500m cpu, 8Gi / 3Gi, no GPU, zone-b.
inline std::pair<Node, std::vector<Pod>> Cpu1() {
  return {MakeNode("cpu-1").Alloc("4", "8Gi").Label("topology.kubernetes.io/zone", "zone-b").Obj(),
          Running("cpu1-", 10, "1500m", "3Gi")};
}
/// gpu-1: 8 / 2 cpu, 32Gi / 8Gi, 4 / 1 GPU, zone-a, A100.
inline std::pair<Node, std::vector<Pod>> Gpu1() {
  return {MakeNode("gpu-1")
              .Alloc("8", "32Gi")
              .Gpus(4)
              .Label("topology.kubernetes.io/zone", "zone-a")
              .Label("nvidia.com/gpu.product", "NVIDIA-A100-SXM4-40GB")
              .Obj(),
          Running("gpu1-", 4, "2", "8Gi", 1)};
}
/// gpu-2: 16 / 12 cpu, 64Gi / 24Gi, 4 / 0 GPU, zone-a.
inline std::pair<Node, std::vector<Pod>> Gpu2() {
  return {MakeNode("gpu-2")
              .Alloc("16", "64Gi")
              .Gpus(4)
              .Label("topology.kubernetes.io/zone", "zone-a")
              .Obj(),
          Running("gpu2-", 9, "12", "24Gi")};
}

inline NodeInfo InfoOf(const std::pair<Node, std::vector<Pod>>& n) {
  std::vector<std::shared_ptr<const Pod>> pods;
  for (Pod p : n.second) {
    p.node_name = n.first.name;
    pods.push_back(std::make_shared<const Pod>(std::move(p)));
  }
  return NodeInfo(std::make_shared<const Node>(n.first), std::move(pods));
}

/// PreScore, Score per feasible node, NormalizeScore: the plugin's final 0..100 per node.
inline std::vector<int64_t> RunScores(const ScorePlugin& plugin, const Pod& pod,
                                      const Snapshot& snapshot,
                                      const std::vector<const NodeInfo*>& feasible) {
  CycleState state;
  plugin.PreScore(state, pod, snapshot, std::span<const NodeInfo* const>(feasible));
  std::vector<NodeScore> scores;
  for (const NodeInfo* node : feasible) scores.push_back({node, plugin.Score(state, pod, *node)});
  // The runner calls ScoreAll: it must give every node the raw score Score gives it.
  std::vector<NodeScore> all(feasible.size());
  plugin.ScoreAll(state, pod, std::span<const NodeInfo* const>(feasible), all);
  for (size_t j = 0; j < feasible.size(); ++j) {
    CHECK(all[j].node == feasible[j]);
    CHECK(all[j].score == scores[j].score);
  }
  plugin.NormalizeScore(state, pod, scores);
  std::vector<int64_t> out;
  for (const NodeScore& s : scores) out.push_back(s.score);
  return out;
}

/// Every node of the snapshot, in order, as the feasible list.
inline std::vector<const NodeInfo*> AllNodes(const Snapshot& snapshot) {
  std::vector<const NodeInfo*> out;
  for (const auto& n : snapshot.nodes()) out.push_back(n.get());
  return out;
}

/// RunScores over every node of the snapshot.
inline std::vector<int64_t> RunScores(const ScorePlugin& plugin, const Pod& pod,
                                      const Snapshot& snapshot) {
  return RunScores(plugin, pod, snapshot, AllNodes(snapshot));
}

}  // namespace nbsched::priorities::testing
