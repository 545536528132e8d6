#include "predicates/pod_fits_resources.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/testing/builders.h"

namespace nbsched::predicates {
namespace {

using nbsched::testing::ContainerBuilder;
using nbsched::testing::MakeNode;
using nbsched::testing::MakePod;

// A node running `n` pods, one of which requests cpu/memory, the rest nothing.
NodeInfo NodeWithPods(const nbsched::testing::NodeBuilder& node, int n, const std::string& cpu,
                      const std::string& memory) {
  std::vector<Pod> pods;
  pods.push_back(MakePod().Name("big").Req(cpu, memory).Obj());
  for (int i = 1; i < n; ++i) pods.push_back(MakePod().Name("p" + std::to_string(i)).Obj());
  return node.Info(pods);
}

TEST_CASE("PodFitsResources keeps every reason", "[predicates][pod_fits_resources]") {
  struct Row {
    std::string name;
    Pod pod;
    NodeInfo node;
    Status want;
  };
  // 4 cpu / 8Gi / 4 GPUs; running pod 3 cpu / 1Gi / 1 GPU → free 1000m, 7Gi, 3 GPUs.
  const NodeInfo w1 =
      MakeNode("w1").Alloc("4", "8Gi").Gpus(4).Info({MakePod().Req("3", "1Gi").Gpus(1).Obj()});
  // kubernetes-semantics.md §4.3: 110 pods already running, together 3500m / 7Gi, no GPU.
  const NodeInfo full = NodeWithPods(MakeNode("full").Alloc("4", "8Gi"), 110, "3500m", "7Gi");
  // Over-committed in cpu (5 cpu requested on 4).
  const NodeInfo overcpu = MakeNode("oc").Alloc("4", "8Gi").Info({MakePod().Req("5", "1Gi").Obj()});
  const NodeInfo storage = MakeNode("s")
                               .Alloc("4", "8Gi")
                               .Res("ephemeral-storage", "10Gi")
                               .Info({MakePod().Res("ephemeral-storage", "6Gi").Obj()});
  const NodeInfo scalars = MakeNode("x")
                               .Alloc("4", "8Gi")
                               .Gpus(1)
                               .Res("example.com/foo", "2")
                               .Res("hugepages-2Mi", "4Mi")
                               .Info();
  const std::vector<Row> rows = {
      // 1000m ≤ 1000m free, 7Gi ≤ 7Gi free, 3 ≤ 3 GPUs free.
      {"fits exactly", MakePod().Req("1", "7Gi").Gpus(3).Obj(), w1, Status::Success()},
      {"one millicore over", MakePod().Req("1001m", "1Gi").Obj(), w1,
       Status::Unschedulable({"Insufficient cpu"})},
      // 7Gi + 1 byte > 7Gi free.
      {"one byte of memory over", MakePod().Req("1", "7516192769").Obj(), w1,
       Status::Unschedulable({"Insufficient memory"})},
      {"one GPU over", MakePod().Gpus(4).Obj(), w1,
       Status::Unschedulable({"Insufficient nvidia.com/gpu"})},
      {"all reasons, upstream order", MakePod().Req("2", "8Gi").Gpus(4).Obj(), w1,
       Status::Unschedulable(
           {"Insufficient cpu", "Insufficient memory", "Insufficient nvidia.com/gpu"})},
      // §4.3 worked example: 110 + 1 > 110 pods; 1000m > 500m; 2Gi > 1Gi; 1 > 0 GPUs.
      {"worked example: 110 pods, all four reasons", MakePod().Req("1", "2Gi").Gpus(1).Obj(), full,
       Status::Unschedulable({"Too many pods", "Insufficient cpu", "Insufficient memory",
                              "Insufficient nvidia.com/gpu"})},
      // §4.3 first example: cpu-1 (4 cpu / 8Gi, 1500m / 3Gi used, no GPU).
      {"worked example: cpu-1 lacks only the GPU", MakePod().Req("1", "2Gi").Gpus(1).Obj(),
       MakeNode("cpu-1").Alloc("4", "8Gi").Info({MakePod().Req("1500m", "3Gi").Obj()}),
       Status::Unschedulable({"Insufficient nvidia.com/gpu"})},
      {"request-less pod only needs a slot", MakePod().Obj(), MakeNode("full").MaxPods(0).Info(),
       Status::Unschedulable({"Too many pods"})},
      {"request-less pod fits an over-committed node", MakePod().Obj(), overcpu, Status::Success()},
      // Current form's `> 0` guard: cpu not requested, so the over-commitment is not checked.
      {"memory-only pod ignores cpu over-commitment", MakePod().Req("", "1Gi").Obj(), overcpu,
       Status::Success()},
      {"explicit zero cpu ignores cpu over-commitment", MakePod().Req("0", "1Gi").Obj(), overcpu,
       Status::Success()},
      {"cpu pod on over-committed node", MakePod().Req("1m", "").Obj(), overcpu,
       Status::Unschedulable({"Insufficient cpu"})},
      {"pod slot: 109 running + 1 fits 110", MakePod().Obj(),
       NodeWithPods(MakeNode("n").Alloc("4", "8Gi"), 109, "", ""), Status::Success()},
      // 6Gi used + 4Gi = 10Gi fits; + 4Gi + 1 byte does not.
      {"ephemeral-storage fits", MakePod().Res("ephemeral-storage", "4Gi").Obj(), storage,
       Status::Success()},
      {"ephemeral-storage over", MakePod().Res("ephemeral-storage", "4294967297").Obj(), storage,
       Status::Unschedulable({"Insufficient ephemeral-storage"})},
      {"ephemeral-storage missing from allocatable", MakePod().Res("ephemeral-storage", "1").Obj(),
       MakeNode("n").Alloc("4", "8Gi").Info(),
       Status::Unschedulable({"Insufficient ephemeral-storage"})},
      {"scalars fit",
       MakePod().Gpus(1).Res("example.com/foo", "2").Res("hugepages-2Mi", "4Mi").Obj(), scalars,
       Status::Success()},
      // Names sorted: example.com/foo < hugepages-2Mi < nvidia.com/gpu < zz.io/bar.
      {"scalar reasons sorted by name",
       MakePod()
           .Res("zz.io/bar", "1")
           .Gpus(2)
           .Res("hugepages-2Mi", "6Mi")
           .Res("example.com/foo", "3")
           .Obj(),
       scalars,
       Status::Unschedulable({"Insufficient example.com/foo", "Insufficient hugepages-2Mi",
                              "Insufficient nvidia.com/gpu", "Insufficient zz.io/bar"})},
      {"explicit zero GPU on a node without GPUs", MakePod().Req("1", "1Gi").Gpus(0).Obj(),
       MakeNode("n").Alloc("4", "8Gi").Info(), Status::Success()},
      // Only whole GPUs as scalar (the shared-Status path): native reasons, then the GPU's.
      {"explicit zero GPU, cpu short", MakePod().Req("5", "1Gi").Gpus(0).Obj(),
       MakeNode("n").Alloc("4", "8Gi").Info(), Status::Unschedulable({"Insufficient cpu"})},
      {"GPU pod short of pods, memory and GPUs", MakePod().Req("1", "9Gi").Gpus(1).Obj(),
       MakeNode("n").Alloc("4", "8Gi").MaxPods(0).Info(),
       Status::Unschedulable(
           {"Too many pods", "Insufficient memory", "Insufficient nvidia.com/gpu"})},
      {"GPU from limits only",
       MakePod().Container(ContainerBuilder().Limit("nvidia.com/gpu", "1").Obj()).Obj(),
       MakeNode("n").Alloc("4", "8Gi").Info(),
       Status::Unschedulable({"Insufficient nvidia.com/gpu"})},
      // Effective request: max(1 cpu containers, 2 cpu init) + 250m overhead = 2250m > 2 cpu.
      {"effective request with init container and overhead",
       MakePod()
           .Req("1", "1Gi")
           .InitContainer(ContainerBuilder("init").Req("cpu", "2").Obj())
           .Overhead("cpu", "250m")
           .Obj(),
       MakeNode("n").Alloc("2", "8Gi").Info(), Status::Unschedulable({"Insufficient cpu"})},
      // Node side counts init containers: running pod needs max(1, 3) = 3 cpu; 1 + 3 > 3.5.
      {"node side uses effective requests", MakePod().Req("1", "").Obj(),
       MakeNode("n")
           .Alloc("3500m", "8Gi")
           .Info({MakePod()
                      .Req("1", "")
                      .InitContainer(ContainerBuilder("i").Req("cpu", "3").Obj())
                      .Obj()}),
       Status::Unschedulable({"Insufficient cpu"})},
  };
  const PodFitsResources plugin;
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      CHECK(plugin.Filter(CycleState(), row.pod, row.node) == row.want);
      // After PreFilter (the pod's GPU demand computed once): the same verdict.
      CycleState state;
      plugin.PreFilter(state, row.pod, Snapshot());
      CHECK(plugin.Filter(state, row.pod, row.node) == row.want);
    }
  }
}

}  // namespace
}  // namespace nbsched::predicates

namespace nbsched::predicates {
namespace {

TEST_CASE("PodFitsResources checks GPUs one by one", "[predicates][pod_fits_resources][gpu]") {
  using testing::MakeNode;
  using testing::MakePod;
  const PodFitsResources plugin;
  // One GPU shared as 1000 milli; a 600 share already sits on it.
  const NodeInfo one_gpu = MakeNode("g1")
                               .Alloc("8", "32Gi")
                               .Gpus(1)
                               .Res("nbsched.io/gpu-milli", "1000")
                               .Info({MakePod().Res("nbsched.io/gpu-milli", "600").Obj()});
  CHECK(plugin.Filter(CycleState(), MakePod().Res("nbsched.io/gpu-milli", "400").Obj(), one_gpu) ==
        Status::Success());
  // Two 600-milli pods never share one GPU (400 free, total 400 also short).
  CHECK(plugin.Filter(CycleState(), MakePod().Res("nbsched.io/gpu-milli", "600").Obj(), one_gpu) ==
        Status::Unschedulable({"Insufficient nbsched.io/gpu-milli"}));
  // Two GPUs with 300 + 300 free: the total (600) fits, no single GPU does.
  const NodeInfo two = MakeNode("g2")
                           .Alloc("8", "32Gi")
                           .Gpus(2)
                           .Res("nbsched.io/gpu-milli", "2000")
                           .Info({MakePod().Res("nbsched.io/gpu-milli", "700").Obj(),
                                  MakePod().Res("nbsched.io/gpu-milli", "700").Obj()});
  CHECK(plugin.Filter(CycleState(), MakePod().Res("nbsched.io/gpu-milli", "500").Obj(), two) ==
        Status::Unschedulable({"Insufficient nbsched.io/gpu-milli"}));
  // A whole-GPU pod needs a fully free GPU: the count (2 allocatable, 0 whole requested) is not
  // enough once shares occupy both GPUs.
  CHECK(plugin.Filter(CycleState(), MakePod().Gpus(1).Obj(), two) ==
        Status::Unschedulable({"Insufficient nvidia.com/gpu"}));
  // The same whole-GPU pod after PreFilter (its demand computed once per request).
  const Pod whole = MakePod().Gpus(1).Obj();
  CycleState state;
  plugin.PreFilter(state, whole, Snapshot());
  CHECK(plugin.Filter(state, whole, two) == Status::Unschedulable({"Insufficient nvidia.com/gpu"}));
  const NodeInfo free_gpu = MakeNode("g3").Alloc("8", "32Gi").Gpus(1).Info();
  CHECK(plugin.Filter(state, whole, free_gpu) == Status::Success());
}

}  // namespace
}  // namespace nbsched::predicates

namespace nbsched::predicates {
namespace {

// Upstream IsScalarResourceName counts names in the `*kubernetes.io/` domain
// (IsPrefixedNativeResource) as scalars, so their capacity is enforced like an extended resource's,
// though they are not extended resources (fit.go's ignored-resource lists never apply to them).
TEST_CASE("PodFitsResources enforces kubernetes.io-domain resources",
          "[predicates][pod_fits_resources]") {
  using testing::ContainerBuilder;
  using testing::MakeNode;
  using testing::MakePod;
  struct Row {
    std::string name;
    Pod pod;
    NodeInfo node;
    Status want;
  };
  const NodeInfo plain = MakeNode("plain").Alloc("4", "8Gi").Info();
  // 2 kubernetes.io/foo allocatable, 1 used by a running pod → 1 free.
  const NodeInfo has_foo = MakeNode("foo")
                               .Alloc("4", "8Gi")
                               .Res("kubernetes.io/foo", "2")
                               .Info({MakePod().Res("kubernetes.io/foo", "1").Obj()});
  const std::vector<Row> rows = {
      {"kubernetes.io/foo on a node without it",
       MakePod().Req("1", "1Gi").Res("kubernetes.io/foo", "10").Obj(), plain,
       Status::Unschedulable({"Insufficient kubernetes.io/foo"})},
      {"subdomain.kubernetes.io/foo from an init container",
       MakePod()
           .Req("1", "1Gi")
           .InitContainer(ContainerBuilder("init").Req("subdomain.kubernetes.io/foo", "3").Obj())
           .Obj(),
       plain, Status::Unschedulable({"Insufficient subdomain.kubernetes.io/foo"})},
      // 1 ≤ 1 free fits; 2 > 1 free does not.
      {"kubernetes.io/foo fits what is free", MakePod().Res("kubernetes.io/foo", "1").Obj(),
       has_foo, Status::Success()},
      {"kubernetes.io/foo one over", MakePod().Res("kubernetes.io/foo", "2").Obj(), has_foo,
       Status::Unschedulable({"Insufficient kubernetes.io/foo"})},
      {"a zero kubernetes.io request is not checked", MakePod().Res("kubernetes.io/foo", "0").Obj(),
       plain, Status::Success()},
      // Sorted by name: example.com/bbb < kubernetes.io/foo; cpu first as always.
      {"extended and kubernetes.io reasons together",
       MakePod().Req("5", "1Gi").Res("kubernetes.io/foo", "1").Res("example.com/bbb", "1").Obj(),
       plain,
       Status::Unschedulable(
           {"Insufficient cpu", "Insufficient example.com/bbb", "Insufficient kubernetes.io/foo"})},
      // Neither native, scalar nor extended: upstream's Resource.Add drops these names.
      {"a bare unknown name is ignored", MakePod().Res("foo", "1").Obj(), plain, Status::Success()},
      {"a requests.-prefixed name is ignored", MakePod().Res("requests.example.com/foo", "1").Obj(),
       plain, Status::Success()},
  };
  const PodFitsResources plugin;
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      CHECK(plugin.Filter(CycleState(), row.pod, row.node) == row.want);
      // After PreFilter (the pod's GPU demand computed once): the same verdict.
      CycleState state;
      plugin.PreFilter(state, row.pod, Snapshot());
      CHECK(plugin.Filter(state, row.pod, row.node) == row.want);
    }
  }
}

}  // namespace
}  // namespace nbsched::predicates
