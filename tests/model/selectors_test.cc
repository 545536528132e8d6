#include "scheduler/model/selectors.h"

#include <catch2/catch.hpp>

#include "scheduler/model/label_ids.h"

namespace nbsched {
namespace {

TEST_CASE("Node selector requirements follow the operator table", "[model][selectors]") {
  const Labels labels = {{"zone", "a"}, {"gpus", "4"}};
  struct Row {
    std::string name;
    NodeSelectorRequirement req;
    bool want;
  };
  const std::vector<Row> rows = {
      {"In match", {"zone", SelectorOp::kIn, {"a", "b"}}, true},
      {"In miss", {"zone", SelectorOp::kIn, {"b"}}, false},
      {"In absent label", {"rack", SelectorOp::kIn, {"a"}}, false},
      {"In empty values is invalid", {"zone", SelectorOp::kIn, {}}, false},
      {"NotIn absent label", {"rack", SelectorOp::kNotIn, {"x"}}, true},
      {"NotIn listed", {"zone", SelectorOp::kNotIn, {"a"}}, false},
      {"Exists", {"zone", SelectorOp::kExists, {}}, true},
      {"Exists with values is invalid", {"zone", SelectorOp::kExists, {"a"}}, false},
      {"DoesNotExist", {"rack", SelectorOp::kDoesNotExist, {}}, true},
      {"Gt", {"gpus", SelectorOp::kGt, {"3"}}, true},
      {"Gt equal", {"gpus", SelectorOp::kGt, {"4"}}, false},
      {"Lt", {"gpus", SelectorOp::kLt, {"5"}}, true},
      {"Gt non-integer", {"gpus", SelectorOp::kGt, {"x"}}, false},
      {"Gt two values", {"gpus", SelectorOp::kGt, {"1", "2"}}, false},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      NodeSelectorTerm term;
      term.match_expressions.push_back(row.req);
      CHECK(NodeSelectorTermMatches(term, labels, "n1") == row.want);
      // Compiled against the interned label ids: the same answer. The node's labels are
      // interned first (as a NodeInfo does before any request).
      const LabelIds ids = LabelIds::Of(labels);
      CHECK(CompiledNodeSelectorTerm(term).Matches(ids, labels, "n1") == row.want);
    }
  }
  SECTION("an empty term matches nothing") {
    CHECK_FALSE(NodeSelectorTermMatches({}, labels, "n1"));
  }
  SECTION("matchFields on metadata.name") {
    NodeSelectorTerm term;
    term.match_fields.push_back({"metadata.name", SelectorOp::kIn, {"n1"}});
    CHECK(NodeSelectorTermMatches(term, labels, "n1"));
    CHECK_FALSE(NodeSelectorTermMatches(term, labels, "n2"));
  }
  SECTION("terms are ORed") {
    NodeSelectorTerm a, b;
    a.match_expressions.push_back({"zone", SelectorOp::kIn, {"x"}});
    b.match_expressions.push_back({"zone", SelectorOp::kIn, {"a"}});
    CHECK(NodeSelectorTermsMatch({a, b}, labels, "n1"));
    CHECK_FALSE(NodeSelectorTermsMatch({}, labels, "n1"));
  }
}

// labels.NewRequirement validates what the API server does not (values as label values, Gt/Lt
// numbers); a requirement that does not parse makes its term match no node, whatever the labels.
TEST_CASE("Node selector requirements that upstream does not parse match nothing",
          "[model][selectors]") {
  const Labels labels = {{"zone", "a"}, {"gpus", "4"}, {"example.com/disk", "ssd"}};
  const std::string v63(63, 'x');
  const std::string v64(64, 'x');
  struct Row {
    std::string name;
    NodeSelectorRequirement req;
    bool want;  // matches `labels`
  };
  const std::vector<Row> rows = {
      // Each would match were it parsed (zone is "a", rack absent, gpus 4).
      {"NotIn value with spaces and symbols",
       {"zone", SelectorOp::kNotIn, {"bad value: _@#$%^"}},
       false},
      {"NotIn value of 64 characters", {"zone", SelectorOp::kNotIn, {v64}}, false},
      {"NotIn value starting with '-'", {"zone", SelectorOp::kNotIn, {"-b"}}, false},
      {"NotIn value ending with '.'", {"zone", SelectorOp::kNotIn, {"b."}}, false},
      {"In with one bad value beside the matching one",
       {"zone", SelectorOp::kIn, {"a", "b c"}},
       false},
      {"DoesNotExist key with a space", {"bad key", SelectorOp::kDoesNotExist, {}}, false},
      {"DoesNotExist key with two slashes", {"a/b/c", SelectorOp::kDoesNotExist, {}}, false},
      {"DoesNotExist key with an empty prefix", {"/rack", SelectorOp::kDoesNotExist, {}}, false},
      {"DoesNotExist key with an empty name",
       {"example.com/", SelectorOp::kDoesNotExist, {}},
       false},
      {"DoesNotExist key with an upper-case prefix",
       {"Example.com/rack", SelectorOp::kDoesNotExist, {}},
       false},
      {"DoesNotExist key with a prefix label ending in '-'",
       {"a-.com/rack", SelectorOp::kDoesNotExist, {}},
       false},
      {"DoesNotExist empty key", {"", SelectorOp::kDoesNotExist, {}}, false},
      {"DoesNotExist key name of 64 characters", {v64, SelectorOp::kDoesNotExist, {}}, false},
      {"DoesNotExist with values", {"rack", SelectorOp::kDoesNotExist, {"x"}}, false},
      // Integers, but not label values.
      {"Gt with a negative number", {"gpus", SelectorOp::kGt, {"-1"}}, false},
      {"Lt with a plus sign", {"gpus", SelectorOp::kLt, {"+9"}}, false},
      {"Lt beyond int64", {"gpus", SelectorOp::kLt, {"9223372036854775808"}}, false},
      // Valid edge cases still match.
      {"NotIn empty value", {"zone", SelectorOp::kNotIn, {""}}, true},
      {"NotIn value of 63 characters", {"zone", SelectorOp::kNotIn, {v63}}, true},
      {"DoesNotExist key name of 63 characters", {v63, SelectorOp::kDoesNotExist, {}}, true},
      {"DoesNotExist prefixed key", {"example.com/rack", SelectorOp::kDoesNotExist, {}}, true},
      {"DoesNotExist name with '.', '-', '_' and upper case",
       {"example.com/A_b.c-D", SelectorOp::kDoesNotExist, {}},
       true},
      {"Exists prefixed key", {"example.com/disk", SelectorOp::kExists, {}}, true},
      {"Gt with leading zeros", {"gpus", SelectorOp::kGt, {"0003"}}, true},
      {"Lt at int64 max", {"gpus", SelectorOp::kLt, {"9223372036854775807"}}, true},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      NodeSelectorTerm term;
      term.match_expressions.push_back(row.req);
      CHECK(NodeSelectorRequirementParses(row.req) == row.want);
      CHECK(NodeSelectorTermParses(term) == row.want);
      CHECK(NodeSelectorTermMatches(term, labels, "n1") == row.want);
      // The node's labels are interned first (as a NodeInfo does before any request).
      const LabelIds ids = LabelIds::Of(labels);
      CHECK(CompiledNodeSelectorTerm(term).Matches(ids, labels, "n1") == row.want);
      // The unchecked form matches the valid rows alike.
      if (row.want) CHECK(ParsedNodeSelectorTermMatches(term, labels, "n1"));
    }
  }
  SECTION("one requirement that does not parse spoils its term only") {
    NodeSelectorTerm bad;
    bad.match_expressions.push_back({"zone", SelectorOp::kIn, {"a"}});
    bad.match_expressions.push_back({"zone", SelectorOp::kNotIn, {"bad value!"}});
    NodeSelectorTerm good;
    good.match_expressions.push_back({"gpus", SelectorOp::kExists, {}});
    CHECK_FALSE(NodeSelectorTermMatches(bad, labels, "n1"));
    CHECK(NodeSelectorTermsMatch({bad, good}, labels, "n1"));
    CHECK_FALSE(NodeSelectorTermsMatch({bad}, labels, "n1"));
  }
  SECTION("matchFields: metadata.name, In or NotIn, one value") {
    CHECK(NodeSelectorFieldRequirementParses({"metadata.name", SelectorOp::kNotIn, {"n2"}}));
    CHECK_FALSE(NodeSelectorFieldRequirementParses({"metadata.name", SelectorOp::kNotIn, {}}));
    CHECK_FALSE(
        NodeSelectorFieldRequirementParses({"metadata.name", SelectorOp::kIn, {"n1", "n2"}}));
    CHECK_FALSE(NodeSelectorFieldRequirementParses({"metadata.name", SelectorOp::kExists, {}}));
    NodeSelectorTerm term;
    term.match_fields.push_back({"metadata.name", SelectorOp::kIn, {"n1", "n2"}});
    CHECK_FALSE(NodeSelectorTermMatches(term, labels, "n1"));
  }
}

TEST_CASE("Tolerations tolerate taints as upstream", "[model][selectors]") {
  const Taint gpu{"nvidia.com/gpu", "present", "NoSchedule"};
  CHECK(ToleratesTaint({"nvidia.com/gpu", "Exists", "", ""}, gpu));
  CHECK(ToleratesTaint({"nvidia.com/gpu", "Equal", "present", "NoSchedule"}, gpu));
  CHECK(ToleratesTaint({"nvidia.com/gpu", "", "present", ""}, gpu));
  CHECK_FALSE(ToleratesTaint({"nvidia.com/gpu", "Equal", "absent", ""}, gpu));
  CHECK_FALSE(ToleratesTaint({"nvidia.com/gpu", "Exists", "", "NoExecute"}, gpu));
  CHECK(ToleratesTaint({"", "Exists", "", ""}, gpu));  // tolerates everything
  CHECK_FALSE(ToleratesTaint({"other", "Exists", "", ""}, gpu));
}

TEST_CASE("Label selectors", "[model][selectors]") {
  const Labels labels = {{"app", "jupyter"}, {"tier", "user"}};
  LabelSelector s;
  CHECK(LabelSelectorMatches(s, labels));  // empty selects everything
  s.match_labels = {{"app", "jupyter"}};
  CHECK(LabelSelectorMatches(s, labels));
  s.match_expressions.push_back({"tier", SelectorOp::kNotIn, {"system"}});
  CHECK(LabelSelectorMatches(s, labels));
  s.nothing = true;
  CHECK_FALSE(LabelSelectorMatches(s, labels));
}

}  // namespace
}  // namespace nbsched
