#include "scheduler/model/selectors.h"

#include <catch2/catch.hpp>

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
