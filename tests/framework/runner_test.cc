#include "scheduler/framework/runner.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "tests/testing/builders.h"

namespace nbsched::framework {
namespace {

using testing::MakeNode;
using testing::MakePod;
using testing::MakeSnapshot;

// Fakes keep these tests about the runner, not about the real plugins.
class FailOn final : public FilterPlugin {
 public:
  FailOn(std::string name, std::string node, std::vector<std::string> reasons, bool unresolvable)
      : name_(std::move(name)),
        node_(std::move(node)),
        reasons_(std::move(reasons)),
        unresolvable_(unresolvable) {}
  std::string_view Name() const override { return name_; }
  Status Filter(const CycleState&, const Pod&, const NodeInfo& node) const override {
    if (node.name() != node_) return Status::Success();
    return unresolvable_ ? Status::UnschedulableAndUnresolvable(reasons_)
                         : Status::Unschedulable(reasons_);
  }

 private:
  std::string name_, node_;
  std::vector<std::string> reasons_;
  bool unresolvable_;
};

class FixedScore final : public ScorePlugin {
 public:
  FixedScore(std::string name, std::map<std::string, int64_t> scores)
      : name_(std::move(name)), scores_(std::move(scores)) {}
  std::string_view Name() const override { return name_; }
  int64_t Score(const CycleState&, const Pod&, const NodeInfo& node) const override {
    auto it = scores_.find(node.name());
    return it == scores_.end() ? 0 : it->second;
  }

 private:
  std::string name_;
  std::map<std::string, int64_t> scores_;
};

TEST_CASE("ExtenderScore maps S/W to 0..10 rounding half up", "[framework][runner]") {
  struct Row {
    std::string name;
    int64_t s, w, want;
  };
  const std::vector<Row> rows = {
      {"protocol example gpu-1", 261, 3, 9},  // (2610 + 150) / 300 = 9.2 → 9
      {"protocol example gpu-2", 217, 3, 7},  // (2170 + 150) / 300 = 7.73 → 7
      {"half rounds up", 45, 1, 5},           // 4.5 → 5
      {"just below half", 44, 1, 4},          // (440 + 50) / 100 = 4
      {"full", 300, 3, 10},                   //
      {"zero", 0, 3, 0},                      //
      {"no weights", 100, 0, 0},              // W = 0 → 0
      {"weighted", 2 * 100 + 1 * 50, 3, 8},   // 250/3 = 83.3 → (2500 + 150) / 300 = 8
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) { CHECK(ExtenderScore(row.s, row.w) == row.want); }
  }
}

TEST_CASE("Runner keeps every failing predicate's reasons in policy order", "[framework][runner]") {
  auto snapshot = MakeSnapshot({{MakeNode("a").Alloc("4", "8Gi").Obj(), {}},
                                {MakeNode("b").Alloc("4", "8Gi").Obj(), {}},
                                {MakeNode("c").Alloc("4", "8Gi").Obj(), {}}});
  Policy policy;
  policy.filters.push_back(
      std::make_shared<FailOn>("First", "a", std::vector<std::string>{"r1"}, false));
  policy.filters.push_back(
      std::make_shared<FailOn>("Second", "a", std::vector<std::string>{"r2", "r3"}, true));
  policy.filters.push_back(
      std::make_shared<FailOn>("Third", "b", std::vector<std::string>{"r4"}, false));
  policy.scorers.push_back(
      {std::make_shared<FixedScore>("S", std::map<std::string, int64_t>{{"c", 70}}), 2, {}});
  const std::vector<std::string> names = {"a", "b", "c", "ghost"};
  const Candidates candidates = ResolveNames(*snapshot, names);
  const Pod pod = MakePod().Obj();
  const Decision d = Schedule(policy, *snapshot, pod, candidates);

  REQUIRE(d.nodes.size() == 4);
  CHECK(d.nodes[0].status == Status::UnschedulableAndUnresolvable({"r1", "r2", "r3"}));
  CHECK(d.nodes[1].status == Status::Unschedulable({"r4"}));
  CHECK(d.nodes[2].feasible());
  CHECK(std::ranges::equal(d.nodes[2].scores, std::vector<int64_t>{70}));
  CHECK(d.nodes[2].weighted == 140);
  CHECK(d.nodes[2].extender_score == 7);  // (1400 + 100) / 200 = 7
  CHECK(d.nodes[3].status == Status::UnschedulableAndUnresolvable({std::string(kNodeNotFound)}));
  CHECK(d.nodes[3].node->name() == "ghost");
  CHECK(d.best == -1);  // selection: score
}

// Returns one shared Status (as PodFitsResources and MatchNodeSelector do) on the nodes whose
// name starts with `prefix`.
class SharedFailOn final : public FilterPlugin {
 public:
  SharedFailOn(std::string name, std::string prefix, Status failure)
      : name_(std::move(name)), prefix_(std::move(prefix)), failure_(std::move(failure)) {}
  std::string_view Name() const override { return name_; }
  Status Filter(const CycleState&, const Pod&, const NodeInfo& node) const override {
    return node.name().starts_with(prefix_) ? failure_ : Status::Success();
  }

 private:
  std::string name_, prefix_;
  Status failure_;
};

TEST_CASE("Runner merges several failures alike once per request, reasons unchanged",
          "[framework][runner]") {
  // 40 nodes x0..x39: every node fails Gpu (one shared Status); x1 and x10..x19 also fail
  // Selector (shared); x7 also fails Fresh (a new Status per call).
  std::vector<std::pair<Node, std::vector<Pod>>> nodes;
  std::vector<std::string> names;
  for (int i = 0; i < 40; ++i) {
    names.push_back("x" + std::to_string(i));
    nodes.push_back({MakeNode(names.back()).Alloc("4", "8Gi").Obj(), {}});
  }
  auto snapshot = MakeSnapshot(nodes);
  Policy policy;
  policy.filters.push_back(std::make_shared<SharedFailOn>(
      "Gpu", "x", Status::Unschedulable({"Insufficient nvidia.com/gpu"})));
  policy.filters.push_back(std::make_shared<SharedFailOn>(
      "Selector", "x1", Status::UnschedulableAndUnresolvable({"selector"})));
  policy.filters.push_back(
      std::make_shared<FailOn>("Fresh", "x7", std::vector<std::string>{"fresh"}, false));
  const Decision d = Schedule(policy, *snapshot, MakePod().Obj(), ResolveNames(*snapshot, names));
  REQUIRE(d.nodes.size() == 40);
  const Status gpu_only = Status::Unschedulable({"Insufficient nvidia.com/gpu"});
  const Status gpu_selector =
      Status::UnschedulableAndUnresolvable({"Insufficient nvidia.com/gpu", "selector"});
  const Status gpu_fresh = Status::Unschedulable({"Insufficient nvidia.com/gpu", "fresh"});
  for (int i = 0; i < 40; ++i) {
    INFO(names[i]);
    const std::string& n = names[i];
    const Status& want = n == "x7" ? gpu_fresh : n.starts_with("x1") ? gpu_selector : gpu_only;
    CHECK(d.nodes[i].status == want);
  }
  // x1, x10..x19 fail alike: one merged Status, shared.
  CHECK(&d.nodes[10].status.reasons() == &d.nodes[1].status.reasons());
  CHECK(&d.nodes[19].status.reasons() == &d.nodes[1].status.reasons());
}

TEST_CASE("Runner merges fresh failures correctly when none repeats", "[framework][runner]") {
  // Every node fails two fakes that build a new Status per call: no identity repeats, more
  // combinations than the merger remembers.
  std::vector<std::pair<Node, std::vector<Pod>>> nodes;
  std::vector<std::string> names;
  Policy policy;
  for (int i = 0; i < 50; ++i) {
    names.push_back("n" + std::to_string(i));
    nodes.push_back({MakeNode(names.back()).Alloc("4", "8Gi").Obj(), {}});
    policy.filters.push_back(std::make_shared<FailOn>("A" + std::to_string(i), names.back(),
                                                      std::vector<std::string>{"a" + names.back()},
                                                      false));
    policy.filters.push_back(std::make_shared<FailOn>("B" + std::to_string(i), names.back(),
                                                      std::vector<std::string>{"b" + names.back()},
                                                      i % 2 == 0));
  }
  auto snapshot = MakeSnapshot(nodes);
  const Decision d = Schedule(policy, *snapshot, MakePod().Obj(), ResolveNames(*snapshot, names));
  REQUIRE(d.nodes.size() == 50);
  for (int i = 0; i < 50; ++i) {
    INFO(names[i]);
    const std::vector<std::string> reasons = {"a" + names[i], "b" + names[i]};
    CHECK(d.nodes[i].status == (i % 2 == 0 ? Status::UnschedulableAndUnresolvable(reasons)
                                           : Status::Unschedulable(reasons)));
  }
}

TEST_CASE("ResolveNames marks repeated names and keeps the request's spelling",
          "[framework][runner]") {
  auto snapshot = MakeSnapshot({{MakeNode("a").Obj(), {}}, {MakeNode("b").Obj(), {}}});
  std::vector<std::string> names = {"a", "ghost", "b", "a", "ghost"};
  const Candidates c = ResolveNames(*snapshot, names);
  CHECK(c.missing == std::vector<char>{0, 1, 0, 0, 1});
  CHECK(c.duplicate == std::vector<char>{0, 0, 0, 1, 1});
  CHECK(c.nodes[0] == c.nodes[3]);
  names.assign(5, "overwritten");  // the candidates own their copy of the names
  const Decision d = Schedule(Policy(), *snapshot, MakePod().Obj(), c);
  REQUIRE(d.nodes.size() == 5);
  CHECK(d.nodes[1].name() == "ghost");
  CHECK(d.nodes[3].name() == "a");
  CHECK(d.nodes[3].duplicate);
  CHECK_FALSE(d.nodes[2].duplicate);
  // Plain names (no byte to escape) are known to be plain, so replies copy them as they are.
  CHECK(c.names_plain);
  CHECK(d.names_plain);
  const std::vector<std::string> odd = {"a", "gh\"ost"};
  const Candidates with_quote = ResolveNames(*snapshot, odd);
  CHECK_FALSE(with_quote.names_plain);
  CHECK_FALSE(Schedule(Policy(), *snapshot, MakePod().Obj(), with_quote).names_plain);
}

TEST_CASE("ResolveNames with expected positions finds what it finds without them",
          "[framework][runner]") {
  std::vector<std::pair<Node, std::vector<Pod>>> nodes;
  for (int i = 0; i < 50; ++i) nodes.push_back({MakeNode("n" + std::to_string(i)).Obj(), {}});
  auto snapshot = MakeSnapshot(std::move(nodes));
  const std::vector<std::string> names = {"n3", "n7", "ghost", "n7", "n49", "n0", "n12"};
  const Candidates plain = ResolveNames(*snapshot, names);
  const std::vector<std::vector<size_t>> hints = {
      {3, 7, 99, 7, 49, 0, 12},                              // right (and one out of range)
      {7, 3, 2, 1, 0, 5, 6},                                 // all wrong
      {3, 7},                                                // shorter than the names
      {3, 7, NodeNameIndex::kNotFound, 8, 49, 0, 12, 1, 2},  // longer, one wrong
  };
  for (const auto& hint : hints) {
    const Candidates c = ResolveNames(*snapshot, names, hint);
    CHECK(c.positions == plain.positions);
    CHECK(c.missing == plain.missing);
    for (size_t i = 0; i < names.size(); ++i) {
      // Unknown names get a placeholder NodeInfo of their own per call.
      CHECK(c.nodes[i]->name() == names[i]);
      if (!c.missing[i]) CHECK(c.nodes[i] == plain.nodes[i]);
    }
    CHECK(c.duplicate == plain.duplicate);
    CHECK(c.names == std::vector<std::string_view>(names.begin(), names.end()));
  }
  CHECK(plain.positions[2] == NodeNameIndex::kNotFound);
  CHECK(plain.positions[4] == 49);
}

TEST_CASE("Runner clamps plugin scores to 0..100", "[framework][runner]") {
  auto snapshot = MakeSnapshot({{MakeNode("a").Obj(), {}}, {MakeNode("b").Obj(), {}}});
  Policy policy;
  policy.scorers.push_back(
      {std::make_shared<FixedScore>("Wild", std::map<std::string, int64_t>{{"a", 140}, {"b", -3}}),
       1,
       {}});
  const std::vector<std::string> names = {"a", "b"};
  const Decision d = Schedule(policy, *snapshot, MakePod().Obj(), ResolveNames(*snapshot, names));
  CHECK(d.nodes[0].scores[0] == 100);
  CHECK(d.nodes[1].scores[0] == 0);
}

TEST_CASE("best-in-filter keeps the largest S, ties by the seeded rank", "[framework][runner]") {
  auto snapshot = MakeSnapshot({{MakeNode("n1").Obj(), {}},
                                {MakeNode("n2").Obj(), {}},
                                {MakeNode("n3").Obj(), {}},
                                {MakeNode("n4").Obj(), {}}});
  Policy policy;
  policy.selection = Selection::kBestInFilter;
  policy.scorers.push_back(
      {std::make_shared<FixedScore>(
           "S", std::map<std::string, int64_t>{{"n1", 10}, {"n2", 90}, {"n3", 90}, {"n4", 90}}),
       1,
       {}});
  const std::vector<std::string> names = {"n1", "n2", "n3", "n4"};
  for (uint64_t seed : {0u, 1u, 2u, 3u, 42u}) {
    policy.tie_break_seed = seed;
    const Decision d = Schedule(policy, *snapshot, MakePod().Obj(), ResolveNames(*snapshot, names));
    REQUIRE(d.best >= 1);  // never n1, whose S is lower
    const std::string winner = d.nodes[d.best].node->name();
    for (const std::string other : {"n2", "n3", "n4"}) {
      if (other == winner) continue;
      CHECK(TieBreakRank(seed, winner) < TieBreakRank(seed, other));
    }
    // The same seed picks the same node whatever the input order.
    const std::vector<std::string> reversed = {"n4", "n3", "n2", "n1"};
    const Decision again =
        Schedule(policy, *snapshot, MakePod().Obj(), ResolveNames(*snapshot, reversed));
    CHECK(again.nodes[again.best].node->name() == winner);
  }
  // Different seeds do not always pick the same node (the rank is a permutation per seed).
  std::set<std::string> winners;
  for (uint64_t seed = 0; seed < 32; ++seed) {
    policy.tie_break_seed = seed;
    const Decision d = Schedule(policy, *snapshot, MakePod().Obj(), ResolveNames(*snapshot, names));
    winners.insert(d.nodes[d.best].node->name());
  }
  CHECK(winners.size() == 3);
}

TEST_CASE("Overlay nodes carry the snapshot's pods for that name", "[framework][runner]") {
  auto snapshot =
      MakeSnapshot({{MakeNode("w1").Alloc("4", "8Gi").Obj(), {MakePod().Req("1", "1Gi").Obj()}}});
  std::vector<std::shared_ptr<const Node>> nodes = {MakeNode("w1").Alloc("8", "16Gi").Ptr(),
                                                    MakeNode("new").Alloc("2", "2Gi").Ptr()};
  const Candidates c = OverlayNodes(*snapshot, nodes);
  REQUIRE(c.nodes.size() == 2);
  CHECK(c.nodes[0]->allocatable().milli_cpu == 8000);  // the request's Node wins
  CHECK(c.nodes[0]->requested().milli_cpu == 1000);    // the snapshot's pods stay
  CHECK(c.nodes[1]->pod_count() == 0);
  CHECK_FALSE(c.missing[1]);
}

TEST_CASE("FitsWithout removes the victims before filtering", "[framework][runner]") {
  const Pod victim = MakePod().Name("v").Uid("uid-v").Obj();
  auto snapshot = MakeSnapshot({{MakeNode("a").Obj(), {victim}}});
  Policy policy;
  // Fails while the node still runs a pod.
  class NeedsEmpty final : public FilterPlugin {
   public:
    std::string_view Name() const override { return "NeedsEmpty"; }
    Status Filter(const CycleState&, const Pod&, const NodeInfo& node) const override {
      return node.pod_count() == 0 ? Status::Success() : Status::Unschedulable({"busy"});
    }
  };
  policy.filters.push_back(std::make_shared<NeedsEmpty>());
  const NodeInfo& a = *snapshot->Find("a");
  const std::vector<std::string> victims = {"uid-v"};
  const std::vector<std::string> others = {"uid-x"};
  CHECK(FitsWithout(policy, *snapshot, MakePod().Obj(), a, victims));
  CHECK_FALSE(FitsWithout(policy, *snapshot, MakePod().Obj(), a, others));
}

}  // namespace
}  // namespace nbsched::framework
