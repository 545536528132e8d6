// The usage plumbing through the runner and the /explain encoder (interfaces.md §11): a node
// without a fresh sample says `usageFromRequests: 1`; the usage priorities see the table.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "scheduler/codec/extender_codec.h"
#include "scheduler/framework/policy.h"
#include "scheduler/framework/registry.h"
#include "scheduler/framework/runner.h"
#include "tests/testing/builders.h"

namespace nbsched::framework {
namespace {

using nbsched::testing::MakeNode;
using nbsched::testing::MakePod;
using nbsched::testing::MakeSnapshot;

constexpr int64_t kNow = 1'700'000'000'000;
constexpr int64_t kGi = int64_t{1} << 30;

Policy MakePolicy(const std::vector<std::pair<std::string, int64_t>>& scorers) {
  const Registry& r = Registry::Default();
  Policy policy;
  for (const auto& [name, weight] : scorers) {
    policy.scorers.push_back({*(*r.FindScore(name))({}), weight, {}});
  }
  return policy;
}

int64_t DetailOf(const Decision& d, size_t node, const std::string& key) {
  for (const auto& [k, v] : d.DetailsOf(node)) {
    if (k == key) return v;
  }
  return -1;
}

TEST_CASE("Usage reaches the priorities; /explain shows the fallback", "[priorities][usage]") {
  // Both workers run one 500m / 1Gi pod; w1's fresh sample says it really uses 3 cpu / 6Gi,
  // w2 has no sample (usage from requests: 500m / 1Gi).
  const auto snapshot = MakeSnapshot({
      {MakeNode("w1").Alloc("4", "8Gi").Obj(), {MakePod().Name("a").Req("500m", "1Gi").Obj()}},
      {MakeNode("w2").Alloc("4", "8Gi").Obj(), {MakePod().Name("b").Req("500m", "1Gi").Obj()}},
  });
  auto table = std::make_shared<UsageTable>();
  table->nodes["w1"] = {3000, 6 * kGi, kNow - 5000};
  const Pod pod = MakePod().Name("new").Req("500m", "1Gi").Obj();
  const std::vector<std::string> names = {"w1", "w2"};
  const Policy usage_policy = MakePolicy({{"UsageBalancedPriority", 1}});
  const Policy request_policy = MakePolicy({{"LeastRequestedPriority", 1}});
  CHECK(PolicyUsesUsage(usage_policy));
  CHECK_FALSE(PolicyUsesUsage(request_policy));
  CHECK_FALSE(PolicyUsesUsage(MakePolicy({{"OvercommitRiskPriority", 1}})));

  SECTION("with a source: measured usage and usageFromRequests per node") {
    const Decision d = Schedule(usage_policy, *snapshot, pod, ResolveNames(*snapshot, names),
                                {.details = true, .usage = table, .now_unix_ms = kNow});
    // w1: cpu 3500 → 12, mem 7Gi → 12 → 12. w2: cpu 1000 → 75, mem 2Gi → 75 → 75.
    CHECK(d.nodes[0].scores[0] == 12);
    CHECK(d.nodes[1].scores[0] == 75);
    CHECK(DetailOf(d, 0, "usageFromRequests") == 0);
    CHECK(DetailOf(d, 1, "usageFromRequests") == 1);
    CHECK(DetailOf(d, 0, "UsageBalancedPriority.nodeCpuUsedMilli") == 3000);
    CHECK(DetailOf(d, 1, "UsageBalancedPriority.nodeCpuUsedMilli") == 500);
    const std::string json = codec::EncodeExplain(d, "default/new");
    CHECK(json.find("\"usageFromRequests\":1") != std::string::npos);
    CHECK(json.find("\"usageFromRequests\":0") != std::string::npos);
  }
  SECTION("a stale table counts as no sample") {
    const Decision d =
        Schedule(usage_policy, *snapshot, pod, ResolveNames(*snapshot, names),
                 {.details = true, .usage = table, .now_unix_ms = kNow + table->max_age_ms});
    CHECK(d.nodes[0].scores[0] == 75);
    CHECK(DetailOf(d, 0, "usageFromRequests") == 1);
  }
  SECTION("without a source every node scores from requests") {
    const Decision d =
        Schedule(usage_policy, *snapshot, pod, ResolveNames(*snapshot, names), {.details = true});
    CHECK(d.nodes[0].scores[0] == 75);
    CHECK(DetailOf(d, 0, "usageFromRequests") == 1);
    CHECK(DetailOf(d, 1, "usageFromRequests") == 1);
  }
  SECTION("a request-based policy reports no usage details") {
    const Decision d = Schedule(request_policy, *snapshot, pod, ResolveNames(*snapshot, names),
                                {.details = true, .usage = table, .now_unix_ms = kNow});
    CHECK(DetailOf(d, 0, "usageFromRequests") == -1);
  }
}

}  // namespace
}  // namespace nbsched::framework
