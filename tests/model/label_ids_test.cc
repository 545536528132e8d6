#include "scheduler/model/label_ids.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace nbsched {
namespace {

// Strings that no test puts on a node: their ids stay unknown.
constexpr std::string_view kNeverKey = "label-ids-test.example.com/never-on-a-node";
constexpr std::string_view kNeverValue = "label-ids-test-never-a-value";

TEST_CASE("A node's labels interned as ids", "[model][label_ids]") {
  const Labels labels = {{"hub.jupyter.org/node-purpose", "user"},
                         {"kubernetes.io/hostname", "label-ids-node-1"},
                         {"topology.kubernetes.io/zone", "zone-a"},
                         {"zone-a", "hub.jupyter.org/node-purpose"}};  // a value used as a key
  const LabelIds ids = LabelIds::Of(labels);
  REQUIRE(ids.size() == labels.size());
  for (const auto& [key, value] : labels) {
    const uint32_t key_id = FindLabelId(key);
    REQUIRE(key_id != kNoLabelId);
    CHECK(ids.ValueOf(key_id) == FindLabelId(value));
  }
  CHECK(FindLabelId(kNeverKey) == kNoLabelId);
  // A key id that the node lacks: another node's key.
  LabelIds::Of({{"label-ids-test/other-node-only", "x"}});
  CHECK(ids.ValueOf(FindLabelId("label-ids-test/other-node-only")) == kNoLabelId);
  CHECK(ids.ValueOf(kNoLabelId) == kNoLabelId);
  CHECK(LabelIds().ValueOf(FindLabelId("kubernetes.io/hostname")) == kNoLabelId);
  CHECK(LabelIds::Of({}).size() == 0);
  SECTION("the same strings get the same ids on every node") {
    const LabelIds again = LabelIds::Of({{"topology.kubernetes.io/zone", "zone-a"}});
    const uint32_t zone = FindLabelId("topology.kubernetes.io/zone");
    CHECK(again.ValueOf(zone) == ids.ValueOf(zone));
  }
}

TEST_CASE("A compiled node selector term agrees with the string matcher on every node",
          "[model][label_ids]") {
  struct NodeRow {
    std::string name;
    Labels labels;
  };
  const std::vector<NodeRow> nodes = {
      {"user-node", {{"hub.jupyter.org/node-purpose", "user"}, {"zone", "a"}, {"gpus", "4"}}},
      {"core-node", {{"hub.jupyter.org/node-purpose", "core"}, {"zone", "b"}}},
      {"bare-node", {}},
      {"gpu-node", {{"nvidia.com/gpu.product", "A100-SXM4-80GB"}, {"zone", "a"}, {"gpus", "8"}}},
  };
  std::vector<LabelIds> ids;
  for (const NodeRow& n : nodes) ids.push_back(LabelIds::Of(n.labels));

  using R = NodeSelectorRequirement;
  struct TermRow {
    std::string name;
    NodeSelectorTerm term;
  };
  const std::string never_key(kNeverKey);
  const std::string never_value(kNeverValue);
  const std::vector<TermRow> terms = {
      {"In", {{R{"hub.jupyter.org/node-purpose", SelectorOp::kIn, {"user"}}}, {}}},
      {"In two values", {{R{"zone", SelectorOp::kIn, {"b", "a"}}}, {}}},
      {"In an unknown value", {{R{"zone", SelectorOp::kIn, {never_value}}}, {}}},
      {"In an unknown and a known value", {{R{"zone", SelectorOp::kIn, {never_value, "b"}}}, {}}},
      {"In on an unknown key", {{R{never_key, SelectorOp::kIn, {"a"}}}, {}}},
      {"NotIn", {{R{"zone", SelectorOp::kNotIn, {"a"}}}, {}}},
      {"NotIn an unknown value", {{R{"zone", SelectorOp::kNotIn, {never_value}}}, {}}},
      {"NotIn on an unknown key", {{R{never_key, SelectorOp::kNotIn, {"a"}}}, {}}},
      {"Exists", {{R{"nvidia.com/gpu.product", SelectorOp::kExists, {}}}, {}}},
      {"Exists on an unknown key", {{R{never_key, SelectorOp::kExists, {}}}, {}}},
      {"DoesNotExist", {{R{"nvidia.com/gpu.product", SelectorOp::kDoesNotExist, {}}}, {}}},
      {"DoesNotExist on an unknown key", {{R{never_key, SelectorOp::kDoesNotExist, {}}}, {}}},
      {"a value that is another label's key",
       {{R{"zone", SelectorOp::kIn, {"hub.jupyter.org/node-purpose"}}}, {}}},
      {"two requirements ANDed",
       {{R{"zone", SelectorOp::kIn, {"a"}}, R{"gpus", SelectorOp::kExists, {}}}, {}}},
      {"two requirements, one failing",
       {{R{"zone", SelectorOp::kIn, {"a"}}, R{"zone", SelectorOp::kNotIn, {"a"}}}, {}}},
      {"Gt (string path)", {{R{"gpus", SelectorOp::kGt, {"4"}}}, {}}},
      {"Lt beside In (string path)",
       {{R{"zone", SelectorOp::kIn, {"a"}}, R{"gpus", SelectorOp::kLt, {"5"}}}, {}}},
      {"matchFields (string path)", {{}, {R{"metadata.name", SelectorOp::kIn, {"core-node"}}}}},
      {"matchFields beside an expression",
       {{R{"zone", SelectorOp::kIn, {"a"}}},
        {R{"metadata.name", SelectorOp::kNotIn, {"gpu-node"}}}}},
      {"empty term", {}},
      {"In without values (does not parse)", {{R{"zone", SelectorOp::kIn, {}}}, {}}},
      {"NotIn a value that is not a label value",
       {{R{"zone", SelectorOp::kNotIn, {"bad value!"}}}, {}}},
      {"Exists with values", {{R{"zone", SelectorOp::kExists, {"a"}}}, {}}},
      {"invalid operator", {{R{"zone", SelectorOp::kInvalid, {"a"}}}, {}}},
      {"bad key", {{R{"bad key", SelectorOp::kDoesNotExist, {}}}, {}}},
  };
  for (const TermRow& row : terms) {
    DYNAMIC_SECTION(row.name) {
      const CompiledNodeSelectorTerm compiled(row.term);
      for (size_t i = 0; i < nodes.size(); ++i) {
        INFO("node " << nodes[i].name);
        const bool want = NodeSelectorTermMatches(row.term, nodes[i].labels, nodes[i].name);
        CHECK(compiled.Matches(ids[i], nodes[i].labels, nodes[i].name) == want);
      }
    }
  }
  SECTION("terms are ORed; an empty list matches nothing") {
    const std::vector<NodeSelectorTerm> list = {terms[2].term, terms[5].term};
    const CompiledNodeSelectorTerms compiled(list);
    const CompiledNodeSelectorTerms none({});
    for (size_t i = 0; i < nodes.size(); ++i) {
      INFO("node " << nodes[i].name);
      CHECK(compiled.Matches(ids[i], nodes[i].labels, nodes[i].name) ==
            NodeSelectorTermsMatch(list, nodes[i].labels, nodes[i].name));
      CHECK_FALSE(none.Matches(ids[i], nodes[i].labels, nodes[i].name));
    }
    // zone NotIn [a] holds on core-node and bare-node only.
    CHECK(compiled.Matches(ids[1], nodes[1].labels, nodes[1].name));
    CHECK_FALSE(compiled.Matches(ids[0], nodes[0].labels, nodes[0].name));
  }
}

TEST_CASE("A compiled map selector agrees with MapSelectorMatches", "[model][label_ids]") {
  const Labels gpu = {{"nvidia.com/gpu.product", "A100-SXM4-80GB"}, {"zone", "a"}};
  const Labels cpu = {{"zone", "a"}};
  const Labels bare = {};
  const std::vector<const Labels*> nodes = {&gpu, &cpu, &bare};
  std::vector<LabelIds> ids;
  for (const Labels* n : nodes) ids.push_back(LabelIds::Of(*n));
  struct Row {
    std::string name;
    Labels selector;
    std::vector<bool> want;  // per node: gpu, cpu, bare
  };
  const std::vector<Row> rows = {
      {"empty selector matches every node", {}, {true, true, true}},
      {"one label", {{"nvidia.com/gpu.product", "A100-SXM4-80GB"}}, {true, false, false}},
      {"two labels",
       {{"nvidia.com/gpu.product", "A100-SXM4-80GB"}, {"zone", "a"}},
       {true, false, false}},
      {"a known value on the wrong key", {{"zone", "A100-SXM4-80GB"}}, {false, false, false}},
      {"unknown value", {{"zone", std::string(kNeverValue)}}, {false, false, false}},
      {"unknown key", {{std::string(kNeverKey), "a"}}, {false, false, false}},
      {"unknown key beside a matching one",
       {{std::string(kNeverKey), "a"}, {"zone", "a"}},
       {false, false, false}},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const CompiledMapSelector compiled(row.selector);
      for (size_t i = 0; i < nodes.size(); ++i) {
        INFO("node " << i);
        CHECK(MapSelectorMatches(row.selector, *nodes[i]) == row.want[i]);
        CHECK(compiled.Matches(ids[i]) == row.want[i]);
      }
    }
  }
}

}  // namespace
}  // namespace nbsched
