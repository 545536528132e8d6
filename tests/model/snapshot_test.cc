#include "scheduler/model/snapshot.h"

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "tests/testing/builders.h"

namespace nbsched {
namespace {

using testing::MakeNode;
using testing::MakePod;
using testing::NodeBuilder;

TEST_CASE("the node-name index finds every node and nothing else", "[model][snapshot]") {
  SnapshotBuilder builder;
  constexpr int kNodes = 10000;  // several index growths
  for (int i = 0; i < kNodes; ++i) builder.AddNode(MakeNode("node-" + std::to_string(i)).Ptr());
  builder.AddNode(MakeNode("node-7").Alloc("1", "1Gi").Ptr());  // a repeated name: first wins
  const auto snapshot = std::move(builder).Build();
  REQUIRE(snapshot->nodes().size() == kNodes);
  for (int i = 0; i < kNodes; ++i) {
    const std::string name = "node-" + std::to_string(i);
    REQUIRE(snapshot->FindPosition(name) == static_cast<size_t>(i));
    REQUIRE(snapshot->Find(name)->name() == name);
  }
  CHECK(snapshot->Find("node-7")->allocatable().milli_cpu == 0);
  for (const char* missing : {"", "node-", "node-10000", "node-01", "Node-1", "node-1 "}) {
    INFO(missing);
    CHECK(snapshot->Find(missing) == nullptr);
    CHECK(snapshot->FindPosition(missing) == NodeNameIndex::kNotFound);
  }

  // A bind's copy shares the names: lookups still work in both, and only the copy sees the pod.
  const auto info = snapshot->FindShared("node-42");
  const auto next = snapshot->WithNodeInfo(info->WithPod(
      std::make_shared<const Pod>(MakePod().Name("nb").Node("node-42").Req("1", "1Gi").Obj())));
  CHECK(next->Find("node-42")->pod_count() == 1);
  CHECK(snapshot->Find("node-42")->pod_count() == 0);
  CHECK(next->Find("node-9999")->name() == "node-9999");
  CHECK(next->Find("nope") == nullptr);
}

TEST_CASE("the node-name index tells apart long names that differ in one byte",
          "[model][snapshot]") {
  // Cloud names: long shared prefixes and suffixes; sizes on both sides of 8 and 16 bytes.
  SnapshotBuilder builder;
  std::vector<std::string> names;
  for (int i = 0; i < 300; ++i) {
    names.push_back("ip-10-0-" + std::to_string(i) + "-7.eu-west-1.compute.internal");
    names.push_back("n" + std::to_string(i));
    names.push_back(std::string(static_cast<size_t>(i % 40), 'x') + "y" + std::to_string(i));
  }
  for (const std::string& name : names) builder.AddNode(MakeNode(name).Ptr());
  const auto snapshot = std::move(builder).Build();
  REQUIRE(snapshot->nodes().size() == names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    REQUIRE(snapshot->FindPosition(names[i]) == i);
    std::string off_by_one = names[i];
    off_by_one.back() = static_cast<char>(off_by_one.back() + 1);
    if (snapshot->Find(off_by_one) != nullptr)
      REQUIRE(snapshot->Find(off_by_one)->name() == off_by_one);
    std::string first_changed = names[i];
    first_changed.front() = 'Z';
    REQUIRE(snapshot->Find(first_changed) == nullptr);
  }
  CHECK(snapshot->Find(std::string_view("n1\0", 3)) == nullptr);  // a NUL byte is a byte

  // FindPositions (prefetching, several names in flight) answers as FindPosition, for lists
  // shorter and longer than its look-ahead, with repeats and unknown names.
  for (size_t size : {0, 1, 7, 8, 9, 1000}) {
    std::vector<std::string> query;
    for (size_t i = 0; i < size; ++i) {
      query.push_back(i % 5 == 3 ? "unknown-" + std::to_string(i) : names[(i * 7) % names.size()]);
    }
    std::vector<size_t> positions = {42};  // replaced, not appended to
    snapshot->FindPositions(query, positions);
    REQUIRE(positions.size() == size);
    for (size_t i = 0; i < size; ++i) REQUIRE(positions[i] == snapshot->FindPosition(query[i]));
  }
}

TEST_CASE("nodes tainted alike share one TaintSet", "[model][snapshot]") {
  const auto info = [](NodeBuilder node) {
    return std::make_shared<const NodeInfo>(node.Ptr(), std::vector<std::shared_ptr<const Pod>>{});
  };
  const auto gpu = [&](const std::string& name) {
    return info(MakeNode(name)
                    .Taint("nvidia.com/gpu", "present", "NoSchedule")
                    .Taint("example.com/soft", "", "PreferNoSchedule"));
  };
  const auto a = gpu("gpu-a");
  const auto b = gpu("gpu-b");
  CHECK(&a->taints() == &b->taints());
  REQUIRE(a->taints().taints.size() == 2);
  CHECK(a->taints().failures[0] ==
        Status::UnschedulableAndUnresolvable(
            {"node(s) had untolerated taint {nvidia.com/gpu: present}"}));
  CHECK(a->taints().failures[1].ok());  // PreferNoSchedule only lowers the score
  // Another value, another effect, another order or a split key/value: another set.
  const auto other_value = info(MakeNode("x")
                                    .Taint("nvidia.com/gpu", "absent", "NoSchedule")
                                    .Taint("example.com/soft", "", "PreferNoSchedule"));
  const auto other_order = info(MakeNode("y")
                                    .Taint("example.com/soft", "", "PreferNoSchedule")
                                    .Taint("nvidia.com/gpu", "present", "NoSchedule"));
  const auto split_a = info(MakeNode("s1").Taint("ab", "c", "NoSchedule"));
  const auto split_b = info(MakeNode("s2").Taint("a", "bc", "NoSchedule"));
  CHECK(&other_value->taints() != &a->taints());
  CHECK(&other_order->taints() != &a->taints());
  CHECK(&split_a->taints() != &split_b->taints());
  CHECK(other_order->taints().taints[0].key == "example.com/soft");
  // No taint: the shared empty set; a copy with a pod keeps the node's set.
  const auto plain = info(MakeNode("plain"));
  CHECK(plain->taints().taints.empty());
  const auto with_pod =
      a->WithPod(std::make_shared<const Pod>(MakePod().Name("p").Node("gpu-a").Obj()));
  CHECK(&with_pod->taints() == &a->taints());
}

TEST_CASE("NodeFlags read the conditions as the predicates did", "[model][snapshot]") {
  auto flags = [](const Node& node) { return NodeFlags::Of(node); };
  const Node ready = MakeNode("a").Obj();  // the builder reports Ready=True
  CHECK_FALSE(flags(ready).not_ready);
  CHECK_FALSE(flags(ready).network_unavailable);
  CHECK(flags(MakeNode("b").NoConditions().Obj()).not_ready);  // no Ready: not known ready
  CHECK(flags(MakeNode("c").Condition("Ready", "Unknown").Obj()).not_ready);
  CHECK(flags(MakeNode("d").Condition("NetworkUnavailable", "Unknown").Obj()).network_unavailable);
  CHECK(flags(MakeNode("e").Condition("MemoryPressure", "True").Obj()).memory_pressure);
  CHECK(flags(MakeNode("f").Condition("DiskPressure", "True").Obj()).disk_pressure);
  CHECK(flags(MakeNode("g").Condition("PIDPressure", "True").Obj()).pid_pressure);
  CHECK(flags(MakeNode("h").Unschedulable().Obj()).unschedulable);
  CHECK(flags(MakeNode("i").Taint("k", "v", "PreferNoSchedule").Obj()).has_taints);
  CHECK_FALSE(flags(ready).has_taints);
  // Repeated types: CheckNodeCondition took the last Ready, the pressure predicates the first.
  Node twice = MakeNode("j").NoConditions().Obj();
  twice.conditions = {{"Ready", "False"},
                      {"Ready", "True"},
                      {"MemoryPressure", "True"},
                      {"MemoryPressure", "False"}};
  CHECK_FALSE(flags(twice).not_ready);
  CHECK(flags(twice).memory_pressure);
}

}  // namespace
}  // namespace nbsched

namespace nbsched {
namespace {

// Every row of the node table against the NodeInfo it was copied from.
void CheckTable(const Snapshot& snapshot) {
  for (size_t p = 0; p < snapshot.nodes().size(); ++p) {
    const NodeInfo& info = *snapshot.nodes()[p];
    const NodeRow& row = snapshot.row(p);
    INFO(info.name());
    REQUIRE(row.info == &info);
    CHECK(row.taints == info.taints_ptr().get());
    if (row.taints == nullptr) {
      CHECK(row.taint_index == NodeRow::kNoTaintIndex);
    } else {
      REQUIRE(row.taint_index < snapshot.taint_sets().size());
      CHECK(snapshot.taint_sets()[row.taint_index] == row.taints);
    }
    const auto want_labels = info.label_ids().pairs();
    CHECK(std::vector<uint64_t>(row.labels().begin(), row.labels().end()) ==
          std::vector<uint64_t>(want_labels.begin(), want_labels.end()));
    CHECK(row.flags.clean == info.flags().clean);
    CHECK(row.flags.not_ready == info.flags().not_ready);
    CHECK(row.flags.has_taints == info.flags().has_taints);
    CHECK(row.flags.unschedulable == info.flags().unschedulable);
    CHECK(row.flags.memory_pressure == info.flags().memory_pressure);
    CHECK(row.pod_count == info.pod_count());
    CHECK(row.allowed_pods == info.allocatable().allowed_pods);
    CHECK(row.allocatable.milli_cpu == info.allocatable().milli_cpu);
    CHECK(row.allocatable.memory == info.allocatable().memory);
    CHECK(row.allocatable_ephemeral_storage == info.allocatable().ephemeral_storage);
    CHECK(row.requested.milli_cpu == info.requested().milli_cpu);
    CHECK(row.requested.memory == info.requested().memory);
    CHECK(row.requested_ephemeral_storage == info.requested().ephemeral_storage);
    CHECK(row.non_zero_requested.milli_cpu == info.non_zero_requested().milli_cpu);
    CHECK(row.non_zero_requested.memory == info.non_zero_requested().memory);
  }
}

TEST_CASE("the node table says what the NodeInfos say, after binds and node updates",
          "[model][snapshot][node_table]") {
  SnapshotBuilder builder;
  constexpr int kNodes = 600;  // three chunks
  for (int i = 0; i < kNodes; ++i) {
    auto b =
        MakeNode("node-" + std::to_string(i)).Alloc("4", "8Gi").Res("ephemeral-storage", "10Gi");
    b.Label("zone", std::to_string(i % 3)).Label("rack", std::to_string(i % 17));
    if (i % 5 == 0) b.Taint("dedicated", "user", "NoSchedule");
    if (i % 7 == 0) b.Taint("soft", "", "PreferNoSchedule");
    if (i % 11 == 0) b.Condition("Ready", "False");
    builder.AddNode(b.Ptr());
    for (int k = 0; k < i % 4; ++k) {
      builder.AddPod(
          std::make_shared<const Pod>(MakePod()
                                          .Name("p-" + std::to_string(i) + "-" + std::to_string(k))
                                          .Node("node-" + std::to_string(i))
                                          .Req("100m", "")
                                          .Obj()));
    }
  }
  const auto snapshot = std::move(builder).Build();
  CheckTable(*snapshot);
  CHECK(snapshot->taint_sets().size() == 3);  // dedicated, soft, both

  // A bind: the bound node's row counts the pod; the old snapshot's rows are untouched.
  const auto pod =
      std::make_shared<const Pod>(MakePod().Name("nb").Node("node-300").Req("1", "1Gi").Obj());
  const auto bound = snapshot->WithNodeInfo(snapshot->FindShared("node-300")->WithPod(pod));
  CheckTable(*bound);
  CheckTable(*snapshot);
  CHECK(bound->row(300).requested.milli_cpu == snapshot->row(300).requested.milli_cpu + 1000);
  CHECK(&bound->row(0) == &snapshot->row(0));  // other chunks shared

  // A node update with new labels and a taint list no node had: a new TaintSet is numbered.
  auto changed = std::make_shared<Node>(snapshot->FindShared("node-301")->node());
  changed->labels["zone"] = "9";
  changed->taints.push_back({"fresh", "v", "NoExecute"});
  const auto updated = bound->WithNodeInfo(bound->FindShared("node-301")->WithNode(changed));
  CheckTable(*updated);
  CHECK(updated->taint_sets().size() == 4);
  CHECK(bound->taint_sets().size() == 3);

  // A rebuild from the updated snapshot numbers its own sets.
  SnapshotBuilder again(*updated);
  const auto rebuilt = std::move(again).Build();
  CheckTable(*rebuilt);
}

}  // namespace
}  // namespace nbsched
