// PodLabels' compact form (interned, reference-counted) and the Boxed fields of Pod.

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "scheduler/model/pod.h"
#include "scheduler/model/selectors.h"

namespace nbsched {
namespace {

Labels NotebookLabels(const std::string& user) {
  return {{"app", "jupyterhub"},
          {"chart", "jupyterhub-4.0.0"},
          {"component", "singleuser-server"},
          {"heritage", "jupyterhub"},
          {"hub.jupyter.org/network-access-hub", "true"},
          {"hub.jupyter.org/servername", ""},
          {"hub.jupyter.org/username", user},
          {"release", "jhub"}};
}

TEST_CASE("PodLabels' compact form round-trips the labels", "[model][pod_labels]") {
  for (const Labels& labels :
       {Labels{}, Labels{{"", ""}}, NotebookLabels("dave"),
        Labels{{"a", "1"}, {"b", std::string(300, 'x')}, {std::string(200, 'k'), "v"}}}) {
    const PodLabels plain = labels;
    const PodLabels compact = PodLabels::Compacted(plain);
    CHECK_FALSE(plain.compact());
    CHECK(compact.compact() == !labels.empty());
    CHECK(compact == labels);
    CHECK(compact == plain);
    CHECK(compact.ToMap() == labels);
    REQUIRE(compact.size() == labels.size());
    CHECK(compact.empty() == labels.empty());
    auto it = compact.begin();
    for (const auto& [key, value] : labels) {
      CHECK(it->first == key);
      CHECK((*it).second == value);
      CHECK(compact.Get(key) == std::optional<std::string_view>(value));
      CHECK(compact.at(key) == value);
      CHECK(compact.contains(key));
      CHECK(compact.find(key) == it);
      ++it;
    }
    CHECK(it == compact.end());
    for (std::string_view missing : {"zzz", "ap", "app0", "hub.jupyter.org/user"}) {
      if (labels.contains(missing)) continue;
      CHECK_FALSE(compact.Get(missing).has_value());
      CHECK(compact.find(missing) == compact.end());
      CHECK_FALSE(compact.contains(missing));
      CHECK_THROWS_AS(compact.at(missing), std::out_of_range);
    }
  }
}

TEST_CASE("A write to compact PodLabels expands them first", "[model][pod_labels]") {
  PodLabels labels = PodLabels::Compacted(NotebookLabels("erin"));
  const PodLabels shared = labels;  // a copy shares the block, and keeps its content
  labels["app"] = "other";
  labels.emplace("zone", "a");
  CHECK_FALSE(labels.compact());
  Labels want = NotebookLabels("erin");
  want["app"] = "other";
  want.emplace("zone", "a");
  CHECK(labels == want);
  CHECK(shared.compact());
  CHECK(shared == NotebookLabels("erin"));
  labels.clear();
  CHECK(labels.empty());
}

TEST_CASE("Selectors give the same answers on both forms of pod labels", "[model][pod_labels]") {
  const auto req = [](std::string key, SelectorOp op, std::vector<std::string> values) {
    return LabelSelectorRequirement{std::move(key), op, std::move(values)};
  };
  std::vector<LabelSelector> selectors = {
      {},
      {.match_labels = {}, .match_expressions = {}, .nothing = true},
      {.match_labels = {{"app", "jupyterhub"}}},
      {.match_labels = {{"app", "jupyterhub"}, {"component", "singleuser-server"}}},
      {.match_labels = {{"app", "jupyterhub"}, {"component", "hub"}}},
      {.match_labels = {{"missing", ""}}},
      {.match_labels = {{"hub.jupyter.org/servername", ""}}},
      {.match_expressions = {req("hub.jupyter.org/username", SelectorOp::kIn, {"dave", "x"})}},
      {.match_expressions = {req("hub.jupyter.org/username", SelectorOp::kIn, {})}},
      {.match_expressions = {req("hub.jupyter.org/username", SelectorOp::kNotIn, {"dave"})}},
      {.match_expressions = {req("missing", SelectorOp::kNotIn, {"dave"})}},
      {.match_expressions = {req("missing", SelectorOp::kNotIn, {})}},
      {.match_expressions = {req("release", SelectorOp::kExists, {})}},
      {.match_expressions = {req("release", SelectorOp::kExists, {"jhub"})}},
      {.match_expressions = {req("missing", SelectorOp::kExists, {})}},
      {.match_expressions = {req("missing", SelectorOp::kDoesNotExist, {})}},
      {.match_expressions = {req("release", SelectorOp::kDoesNotExist, {})}},
      {.match_expressions = {req("count", SelectorOp::kGt, {"1"})}},
      {.match_expressions = {req("app", SelectorOp::kInvalid, {"jupyterhub"})}},
      {.match_labels = {{"app", "jupyterhub"}},
       .match_expressions = {req("heritage", SelectorOp::kIn, {"jupyterhub"}),
                             req("missing", SelectorOp::kDoesNotExist, {})}},
  };
  const std::vector<Labels> label_sets = {
      {}, NotebookLabels("dave"), NotebookLabels("frank"), {{"count", "3"}, {"release", "jhub"}}};
  int matched = 0;
  for (const Labels& labels : label_sets) {
    const PodLabels compact = PodLabels::Compacted(labels);
    for (const LabelSelector& selector : selectors) {
      const bool want = LabelSelectorMatches(selector, labels);
      CHECK(LabelSelectorMatches(selector, compact) == want);
      CHECK(LabelSelectorMatches(selector, PodLabels(labels)) == want);
      CHECK(MapSelectorMatches(selector.match_labels, compact) ==
            MapSelectorMatches(selector.match_labels, labels));
      matched += want;
    }
  }
  CHECK(matched > 10);  // the table exercises both answers
}

TEST_CASE("The label pool frees the strings no pod uses any more", "[model][pod_labels]") {
  const size_t before = PodLabelPoolSize();
  {
    // "app" and "jupyterhub" may be in the pool already; the user names are new.
    const PodLabels a = PodLabels::Compacted(Labels{{"pool-test/user", "pool-test-user-a"}});
    const size_t with_a = PodLabelPoolSize();
    CHECK(with_a == before + 2);
    const PodLabels b = PodLabels::Compacted(Labels{{"pool-test/user", "pool-test-user-b"}});
    CHECK(PodLabelPoolSize() == with_a + 1);  // the key is shared
    {
      const PodLabels copy = a;  // shares a's block
      PodLabels moved = PodLabels::Compacted(Labels{{"pool-test/user", "pool-test-user-a"}});
      CHECK(PodLabelPoolSize() == with_a + 1);
      moved = PodLabels();
    }
    CHECK(PodLabelPoolSize() == with_a + 1);
  }
  CHECK(PodLabelPoolSize() == before);
  {
    // Labels written after compaction leave the pool too.
    PodLabels c = PodLabels::Compacted(Labels{{"pool-test/gone", "pool-test-gone"}});
    CHECK(PodLabelPoolSize() == before + 2);
    c["other"] = "x";
    CHECK(PodLabelPoolSize() == before);
  }
}

TEST_CASE("Compact pod labels are read safely while other threads build and drop others",
          "[model][pod_labels]") {
  const PodLabels shared = PodLabels::Compacted(NotebookLabels("shared-user"));
  const LabelSelector selector = {.match_labels = {{"app", "jupyterhub"}, {"release", "jhub"}}};
  constexpr int kThreads = 4;
  constexpr int kRounds = 2000;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        // Readers of the shared block, and builders/droppers of blocks naming the same strings
        // (and per-thread unique ones) at the same time.
        const PodLabels copy = shared;
        const PodLabels own =
            PodLabels::Compacted(NotebookLabels("user-" + std::to_string(t * kRounds + i % 7)));
        if (!LabelSelectorMatches(selector, copy) || !LabelSelectorMatches(selector, own) ||
            copy.Get("hub.jupyter.org/username") !=
                std::optional<std::string_view>("shared-user")) {
          ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int m : mismatches) CHECK(m == 0);
  CHECK(shared == NotebookLabels("shared-user"));
}

TEST_CASE("CompactBoundPod keeps the labels compact, and a copy of the pod shares them",
          "[model][pod_labels]") {
  Pod full;
  full.name = "jupyter-gina";
  full.namespace_ = "jhub";
  full.node_name = "node-00001";
  full.phase = "Running";
  full.labels = NotebookLabels("gina");
  full.Finalize();
  const Pod compact = CompactBoundPod(full);
  CHECK_FALSE(full.labels.compact());
  CHECK(compact.labels.compact());
  CHECK(compact.labels == full.labels);
  const Pod copy = compact;
  CHECK(copy.labels.compact());
  CHECK(copy.labels == NotebookLabels("gina"));
  const LabelSelector selector = {.match_labels = {{"hub.jupyter.org/username", "gina"}}};
  CHECK(LabelSelectorMatches(selector, copy.labels));
}

TEST_CASE("Boxed pod fields read as empty until written and copy deeply", "[model][pod]") {
  Pod pod;
  CHECK(pod.tolerations.empty());
  CHECK(pod.tolerations.begin() == pod.tolerations.end());
  CHECK_FALSE(pod.node_affinity.has_value());
  CHECK(pod.scheduler_name == "");
  CHECK(pod.overhead.find("cpu") == pod.overhead.end());
  pod.tolerations.push_back({"k", "Equal", "v", "NoSchedule"});
  pod.node_affinity = NodeAffinity{};
  pod.scheduler_name = "notebook-scheduler";
  pod.overhead["cpu"] = Quantity::FromMilli(10);
  Pod copy = pod;
  copy.tolerations[0].value = "w";
  copy.scheduler_name = "other";
  CHECK(pod.tolerations[0].value == "v");
  CHECK(pod.scheduler_name == "notebook-scheduler");
  CHECK(copy.node_affinity.has_value());
  CHECK(copy.overhead.at("cpu") == Quantity::FromMilli(10));
  const std::vector<Toleration>& as_vector = pod.tolerations;
  CHECK(as_vector.size() == 1);
}

}  // namespace
}  // namespace nbsched
