// UsagePoller: the metrics.k8s.io and Prometheus decoders (table tests over metrics-server's and
// Prometheus' real reply shapes), then the poller against the fake API server's metrics API and
// the fake Prometheus: schema, errors, stale samples, missing nodes, a source going away (its
// samples kept with their old times, so they age out) and coming back, the thread's start/stop.

#include "scheduler/state/usage_poller.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "scheduler/model/published.h"
#include "scheduler/model/usage.h"
#include "tests/testing/fake_apiserver.h"

namespace nbsched::state {
namespace {

using nbsched::testing::FakeApiServer;
using nbsched::testing::FakePrometheus;

constexpr int64_t kMiB = 1024 * 1024;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_CASE("ParseRfc3339Ms reads metav1.Time", "[state][usage_poller]") {
  struct Row {
    std::string name;
    std::string text;
    int64_t want;  // -1: an error
  };
  const std::vector<Row> rows = {
      {"seconds, Z", "2023-03-03T04:37:54Z", 1677818274000},
      {"fraction", "2023-03-03T04:37:54.250Z", 1677818274250},
      {"offset", "2023-03-03T05:37:54+01:00", 1677818274000},
      {"epoch", "1970-01-01T00:00:00Z", 0},
      {"not a time", "yesterday", -1},
      {"date only", "2023-03-03", -1},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const auto got = ParseRfc3339Ms(row.text);
      if (row.want < 0) {
        CHECK_FALSE(got.ok());
      } else {
        REQUIRE(got.ok());
        CHECK(*got == row.want);
      }
    }
  }
}

TEST_CASE("ParseNodeMetricsList reads metrics-server's NodeMetricsList", "[state][usage_poller]") {
  // Shaped as `kubectl get --raw /apis/metrics.k8s.io/v1beta1/nodes` prints it.
  const std::string json = R"({"kind":"NodeMetricsList","apiVersion":"metrics.k8s.io/v1beta1",
    "metadata":{},"items":[
    {"metadata":{"name":"ub18","creationTimestamp":"2023-03-03T04:38:08Z",
      "labels":{"kubernetes.io/hostname":"ub18"}},
     "timestamp":"2023-03-03T04:37:54Z","window":"20.064s",
     "usage":{"cpu":"329087452n","memory":"2748180Ki"}},
    {"metadata":{"name":"w2"},"timestamp":"2023-03-03T04:37:50Z","window":"20s",
     "usage":{"cpu":"2","memory":"1Gi"}}]})";
  std::vector<std::string> errors;
  const auto got = ParseNodeMetricsList(json, &errors);
  REQUIRE(got.ok());
  CHECK(errors.empty());
  REQUIRE(got->size() == 2);
  // 329087452n = 0.329087452 cores → 330m (rounded up, as Quantity::MilliValue).
  CHECK(got->at("ub18").milli_cpu == 330);
  CHECK(got->at("ub18").memory_bytes == int64_t{2748180} * 1024);
  CHECK(got->at("ub18").timestamp_unix_ms == 1677818274000);
  CHECK(got->at("w2").milli_cpu == 2000);
  CHECK(got->at("w2").memory_bytes == 1024 * kMiB);
}

TEST_CASE("ParseNodeMetricsList names what is wrong", "[state][usage_poller]") {
  struct Row {
    std::string name;
    std::string json;
    std::string want_error;       // of the whole list; "" when the list decodes
    std::string want_item_error;  // of an item left out
    size_t want_samples;
  };
  const std::string ok_item =
      R"({"metadata":{"name":"good"},"timestamp":"2023-03-03T04:37:54Z","usage":{"cpu":"1","memory":"1Mi"}})";
  const std::vector<Row> rows = {
      {"not JSON", R"({"items":[{"metadata":)", "not JSON", "", 0},
      {"not an object", R"([1,2])", "not a JSON object", "", 0},
      {"no items", R"({"kind":"NodeMetricsList"})", "missing field \"items\"", "", 0},
      {"items not an array", R"({"items":"x"})", "NodeMetricsList.items: expected an array", "", 0},
      {"bad quantity",
       R"({"items":[)" + ok_item +
           R"(,{"metadata":{"name":"w"},"timestamp":"2023-03-03T04:37:54Z",
         "usage":{"cpu":"1.5.0","memory":"1Mi"}}]})",
       "", "items[1].usage.cpu: invalid quantity \"1.5.0\"", 1},
      {"negative usage", R"({"items":[{"metadata":{"name":"w"},"timestamp":"2023-03-03T04:37:54Z",
         "usage":{"cpu":"-1","memory":"1Mi"}}]})",
       "", "items[0].usage.cpu: negative quantity \"-1\"", 0},
      {"number for a string", R"({"items":[{"metadata":{"name":7},"timestamp":"x","usage":{}}]})",
       "", "items[0].metadata.name: expected a string", 0},
      {"bad timestamp", R"({"items":[{"metadata":{"name":"w"},"timestamp":"soon",
         "usage":{"cpu":"1","memory":"1Mi"}}]})",
       "", "items[0].timestamp: invalid RFC 3339 time \"soon\"", 0},
      {"no memory", R"({"items":[{"metadata":{"name":"w"},"timestamp":"2023-03-03T04:37:54Z",
         "usage":{"cpu":"1"}}]})",
       "", "items[0].usage: missing field \"memory\"", 0},
      {"item not an object", R"({"items":[3,)" + ok_item + "]}", "", "items[0]: expected an object",
       1},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      std::vector<std::string> errors;
      const auto got = ParseNodeMetricsList(row.json, &errors);
      if (!row.want_error.empty()) {
        REQUIRE_FALSE(got.ok());
        CHECK_THAT(std::string(got.status().message()), Catch::Contains(row.want_error));
      } else {
        REQUIRE(got.ok());
        CHECK(got->size() == row.want_samples);
        REQUIRE(errors.size() == 1);
        CHECK_THAT(errors[0], Catch::Contains(row.want_item_error));
      }
    }
  }
}

TEST_CASE("ParsePodMetricsList sums the containers", "[state][usage_poller]") {
  const std::string json = R"({"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1",
    "metadata":{},"items":[
    {"metadata":{"name":"jupyter-ada","namespace":"hub"},"timestamp":"2023-03-03T04:37:54Z",
     "window":"30s","containers":[
       {"name":"notebook","usage":{"cpu":"1500m","memory":"900Mi"}},
       {"name":"sidecar","usage":{"cpu":"470087n","memory":"76012Ki"}}]},
    {"metadata":{"name":"idle","namespace":"hub"},"timestamp":"2023-03-03T04:37:54Z",
     "window":"30s","containers":[]},
    {"metadata":{"name":"broken","namespace":"hub"},"timestamp":"2023-03-03T04:37:54Z",
     "window":"30s","containers":{"cpu":"1"}}]})";
  std::vector<std::string> errors;
  const auto got = ParsePodMetricsList(json, &errors);
  REQUIRE(got.ok());
  REQUIRE(got->size() == 2);
  // 1500m + 0.000470087 (→ 1m) = 1501m; 900Mi + 76012Ki.
  CHECK(got->at("hub/jupyter-ada").milli_cpu == 1501);
  CHECK(got->at("hub/jupyter-ada").memory_bytes == 900 * kMiB + 76012 * 1024);
  CHECK(got->at("hub/idle").milli_cpu == 0);
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], Catch::Contains("items[2].containers: expected an array"));
}

TEST_CASE("ParsePrometheusVector keys series by node or pod", "[state][usage_poller]") {
  struct Row {
    std::string name;
    PrometheusKey key;
    std::string json;
    std::string want_error;
    std::vector<std::pair<std::string, double>> want;
    std::string want_item_error;
  };
  const std::string ok_head = R"({"status":"success","data":{"resultType":"vector","result":[)";
  const std::vector<Row> rows = {
      {"node label",
       PrometheusKey::kNode,
       ok_head +
           R"({"metric":{"node":"w1","instance":"10.0.0.1:10250"},"value":[1700000000.5,"1.25"]},
                    {"metric":{"node":"w2"},"value":[1700000000.5,"3e-1"]}]}})",
       "",
       {{"w1", 1.25}, {"w2", 0.3}},
       ""},
      {"instance without its port",
       PrometheusKey::kNode,
       ok_head + R"({"metric":{"instance":"w3:9100"},"value":[1700000000,"2"]},
                    {"metric":{"instance":"w4"},"value":[1700000000,"1"]}]}})",
       "",
       {{"w3", 2}, {"w4", 1}},
       ""},
      {"no node label",
       PrometheusKey::kNode,
       ok_head + R"({"metric":{"job":"x"},"value":[1700000000,"2"]}]}})",
       "",
       {},
       "data.result[0].metric: no \"node\" or \"instance\" label"},
      {"pod labels",
       PrometheusKey::kPod,
       ok_head +
           R"({"metric":{"namespace":"hub","pod":"jupyter-ada"},"value":[1700000000,"0.5"]}]}})",
       "",
       {{"hub/jupyter-ada", 0.5}},
       ""},
      {"NaN left out",
       PrometheusKey::kNode,
       ok_head + R"({"metric":{"node":"w1"},"value":[1700000000,"NaN"]}]}})",
       "",
       {},
       "not a usable usage: \"NaN\""},
      {"value not a string",
       PrometheusKey::kNode,
       ok_head + R"({"metric":{"node":"w1"},"value":[1700000000,2]}]}})",
       "",
       {},
       "data.result[0].value[1]: expected a string"},
      {"error reply",
       PrometheusKey::kNode,
       R"({"status":"error","errorType":"bad_data","error":"parse error at char 3"})",
       "query failed: bad_data: parse error at char 3",
       {},
       ""},
      {"matrix",
       PrometheusKey::kNode,
       R"({"status":"success","data":{"resultType":"matrix","result":[]}})",
       "data.resultType: expected \"vector\", got \"matrix\"",
       {},
       ""},
      {"garbage", PrometheusKey::kNode, R"({"status":"succ)", "not JSON", {}, ""},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      std::vector<std::string> errors;
      const auto got = ParsePrometheusVector(row.json, row.key, &errors);
      if (!row.want_error.empty()) {
        REQUIRE_FALSE(got.ok());
        CHECK_THAT(std::string(got.status().message()), Catch::Contains(row.want_error));
        continue;
      }
      REQUIRE(got.ok());
      CHECK(got->size() == row.want.size());
      for (const auto& [key, value] : row.want) {
        REQUIRE(got->count(key) == 1);
        CHECK(got->at(key).value == Approx(value));
      }
      if (row.want_item_error.empty()) {
        CHECK(errors.empty());
      } else {
        REQUIRE(errors.size() == 1);
        CHECK_THAT(errors[0], Catch::Contains(row.want_item_error));
      }
    }
  }
}

// A poller on the fake API server's metrics API; polls run on the test's thread.
struct MetricsHarness {
  explicit MetricsHarness(FakeApiServer& fake) {
    KubeConfig config;
    config.server = fake.url();
    UsagePollerOptions options;
    options.source = UsageSourceKind::kMetricsApi;
    options.max_age = std::chrono::minutes(2);
    options.on_poll = [this](const absl::Status& status, const UsageTable&) {
      last_status = status;
    };
    auto made = MakeUsagePoller(config, options, published);
    if (made.ok()) poller = std::move(*made);
  }
  std::shared_ptr<const UsageTable> Poll() {
    (void)poller->PollOnce();
    return published.Current();
  }
  Published<UsageTable> published;
  std::unique_ptr<UsagePoller> poller;
  absl::Status last_status;
};

TEST_CASE("UsagePoller follows the metrics API", "[state][usage_poller]") {
  FakeApiServer fake;
  REQUIRE(fake.ok());
  MetricsHarness h(fake);
  REQUIRE(h.poller != nullptr);
  REQUIRE(fake.SetNodeUsage("w1", "1500m", "2Gi"));
  REQUIRE(fake.SetNodeUsage("w2", "250m", "512Mi"));
  REQUIRE(fake.SetNodeUsage("old", "1", "1Gi", /*age_seconds=*/600));
  REQUIRE(fake.SetPodUsage("hub", "jupyter-ada", {{"1", "1Gi"}, {"250m", "256Mi"}}));

  const int64_t before = NowMs();
  auto table = h.Poll();
  INFO(h.last_status.message());
  REQUIRE(h.last_status.ok());
  REQUIRE(table != nullptr);
  CHECK(table->source == "metrics.k8s.io");
  CHECK(table->max_age_ms == 120000);
  CHECK(table->fetched_unix_ms >= before);
  const int64_t now = NowMs();

  SECTION("schema: node and pod samples") {
    const UsageSample* w1 = table->FreshNode("w1", now);
    REQUIRE(w1 != nullptr);
    CHECK(w1->milli_cpu == 1500);
    CHECK(w1->memory_bytes == 2048 * kMiB);
    // The fake writes whole seconds: the sample is at most a second older than the GET.
    CHECK(w1->timestamp_unix_ms <= now);
    CHECK(w1->timestamp_unix_ms >= before - 1000);
    REQUIRE(table->FreshNode("w2", now) != nullptr);
    CHECK(table->FreshNode("w2", now)->milli_cpu == 250);
    REQUIRE(table->pods.count("hub/jupyter-ada") == 1);
    CHECK(table->pods.at("hub/jupyter-ada").milli_cpu == 1250);
    CHECK(table->pods.at("hub/jupyter-ada").memory_bytes == 1280 * kMiB);
  }

  SECTION("a stale sample is missing, a node without one too") {
    CHECK(table->nodes.count("old") == 1);
    CHECK(table->FreshNode("old", now) == nullptr);
    CHECK(table->FreshNode("nowhere", now) == nullptr);
  }

  SECTION("a node dropped by the source is missing at the next poll") {
    REQUIRE(fake.DeleteUsage("nodes", "w2"));
    table = h.Poll();
    CHECK(h.last_status.ok());
    CHECK(table->FreshNode("w2", NowMs()) == nullptr);
    CHECK(table->FreshNode("w1", NowMs()) != nullptr);
  }

  SECTION("new usage replaces the old") {
    REQUIRE(fake.SetNodeUsage("w1", "3", "7Gi"));
    table = h.Poll();
    REQUIRE(table->FreshNode("w1", NowMs()) != nullptr);
    CHECK(table->FreshNode("w1", NowMs())->milli_cpu == 3000);
    CHECK(table->FreshNode("w1", NowMs())->memory_bytes == 7168 * kMiB);
  }
}

TEST_CASE("UsagePoller keeps a failed source's samples to age out, and takes it back",
          "[state][usage_poller]") {
  FakeApiServer fake;
  REQUIRE(fake.ok());
  MetricsHarness h(fake);
  REQUIRE(h.poller != nullptr);
  REQUIRE(fake.SetNodeUsage("w1", "1", "1Gi"));
  REQUIRE(fake.SetPodUsage("hub", "p", {{"100m", "100Mi"}}));
  auto good = h.Poll();
  REQUIRE(h.last_status.ok());
  REQUIRE(good->nodes.count("w1") == 1);
  const int64_t good_ts = good->nodes.at("w1").timestamp_unix_ms;

  struct Row {
    std::string name;
    std::string resource;
    std::string mode;
    std::string want_problem;
  };
  const std::vector<Row> rows = {
      {"503 on nodes", "nodes", "503", "metrics.k8s.io nodes: HTTP 503"},
      {"garbage on nodes", "nodes", "garbage", "metrics.k8s.io nodes: not JSON"},
      {"wrong types on nodes", "nodes", "wrong_types",
       "metrics.k8s.io nodes: items[0].metadata.name: expected a string"},
      {"wrong types on pods", "pods", "wrong_types",
       "metrics.k8s.io pods: PodMetricsList.items: expected an array"},
      {"503 on both", "all", "503", "metrics.k8s.io pods: HTTP 503"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      REQUIRE(fake.SetNodeUsage("w1", "2", "2Gi"));  // not seen while the source fails
      REQUIRE(fake.SetMetricsMode(row.resource, row.mode));
      auto bad = h.Poll();
      REQUIRE_FALSE(h.last_status.ok());
      CHECK_THAT(std::string(h.last_status.message()), Catch::Contains(row.want_problem));
      // The last good samples stay, with their old times: fresh now, missing after max-age.
      REQUIRE(bad->nodes.count("w1") == 1);
      REQUIRE(bad->pods.count("hub/p") == 1);
      if (row.resource != "pods") {
        CHECK(bad->nodes.at("w1").milli_cpu == 1000);
        CHECK(bad->nodes.at("w1").timestamp_unix_ms == good_ts);
        CHECK(bad->FreshNode("w1", good_ts + bad->max_age_ms) != nullptr);
        CHECK(bad->FreshNode("w1", good_ts + bad->max_age_ms + 1) == nullptr);
      } else {
        CHECK(bad->nodes.at("w1").milli_cpu == 2000);  // the nodes part still follows
      }
      CHECK(bad->pods.at("hub/p").milli_cpu == 100);

      // The source comes back: its new figures are used at once.
      REQUIRE(fake.SetMetricsMode("all", "ok"));
      REQUIRE(fake.SetPodUsage("hub", "p", {{"300m", "100Mi"}}));
      auto back = h.Poll();
      CHECK(h.last_status.ok());
      REQUIRE(back->FreshNode("w1", NowMs()) != nullptr);
      CHECK(back->FreshNode("w1", NowMs())->milli_cpu == 2000);
      CHECK(back->pods.at("hub/p").milli_cpu == 300);
      REQUIRE(fake.SetNodeUsage("w1", "1", "1Gi"));
      REQUIRE(fake.SetPodUsage("hub", "p", {{"100m", "100Mi"}}));
      good = h.Poll();
    }
  }
}

TEST_CASE("UsagePoller reports an unreachable source and keeps polling", "[state][usage_poller]") {
  std::string url;
  {
    FakeApiServer gone;  // started and stopped: its port is closed now
    REQUIRE(gone.ok());
    url = gone.url();
  }
  KubeConfig config;
  config.server = url;
  Published<UsageTable> published;
  UsagePollerOptions options;
  auto poller = MakeUsagePoller(config, options, published);
  REQUIRE(poller.ok());
  const absl::Status status = (*poller)->PollOnce();
  CHECK_FALSE(status.ok());
  CHECK_THAT(std::string(status.message()), Catch::Contains("metrics.k8s.io nodes"));
  REQUIRE(published.Current() != nullptr);  // an empty table: every node falls back
  CHECK(published.Current()->nodes.empty());
}

TEST_CASE("UsagePoller polls on its thread at once and stops promptly", "[state][usage_poller]") {
  FakeApiServer fake;
  REQUIRE(fake.ok());
  REQUIRE(fake.SetNodeUsage("w1", "1", "1Gi"));
  KubeConfig config;
  config.server = fake.url();
  Published<UsageTable> published;
  UsagePollerOptions options;
  SECTION("a short interval polls again and again") {
    options.interval = std::chrono::milliseconds(5);
    auto poller = MakeUsagePoller(config, options, published);
    REQUIRE(poller.ok());
    (*poller)->Start();
    CHECK((*poller)->WaitForPolls(3, std::chrono::steady_clock::now() + std::chrono::seconds(30)));
    (*poller)->Stop();
    const uint64_t polls = (*poller)->poll_count();
    (*poller)->Stop();  // idempotent
    CHECK((*poller)->poll_count() == polls);
    REQUIRE(published.Current() != nullptr);
    CHECK(published.Current()->nodes.count("w1") == 1);
  }
  SECTION("an hour's interval: the first poll at start, Stop does not wait the hour") {
    options.interval = std::chrono::hours(1);
    auto poller = MakeUsagePoller(config, options, published);
    REQUIRE(poller.ok());
    (*poller)->Start();
    CHECK((*poller)->WaitForPolls(1, std::chrono::steady_clock::now() + std::chrono::seconds(30)));
    (*poller)->Stop();  // would hang the test (ctest timeout) if it waited the interval out
    CHECK((*poller)->poll_count() == 1);
  }
}

// A poller on the fake Prometheus.
struct PrometheusHarness {
  explicit PrometheusHarness(FakePrometheus& fake, PrometheusQueries queries = {}) {
    KubeConfig config;
    config.server = fake.url();
    UsagePollerOptions options;
    options.source = UsageSourceKind::kPrometheus;
    options.queries = std::move(queries);
    options.on_poll = [this](const absl::Status& status, const UsageTable&) {
      last_status = status;
    };
    auto made = MakeUsagePoller(config, options, published);
    if (made.ok()) poller = std::move(*made);
  }
  std::shared_ptr<const UsageTable> Poll() {
    (void)poller->PollOnce();
    return published.Current();
  }
  Published<UsageTable> published;
  std::unique_ptr<UsagePoller> poller;
  absl::Status last_status;
};

TEST_CASE("UsagePoller follows Prometheus with the default queries", "[state][usage_poller]") {
  FakePrometheus fake;
  REQUIRE(fake.ok());
  const PrometheusQueries q;
  REQUIRE(fake.SetSeries(q.node_cpu, {{R"({"node":"w1"})", "1.5"},
                                      {R"({"node":"w2"})", "0.25"},
                                      {R"({"node":"cpu-only"})", "1"}}));
  REQUIRE(fake.SetSeries(q.node_memory,
                         {{R"({"node":"w1"})", "2147483648"}, {R"({"node":"w2"})", "536870912"}}));
  REQUIRE(fake.SetSeries(q.pod_cpu, {{R"({"namespace":"hub","pod":"ada"})", "0.0004"}}));
  REQUIRE(fake.SetSeries(q.pod_memory, {{R"({"namespace":"hub","pod":"ada"})", "1048576"}}));
  PrometheusHarness h(fake);
  REQUIRE(h.poller != nullptr);
  auto table = h.Poll();
  INFO(h.last_status.message());
  REQUIRE(h.last_status.ok());
  CHECK(table->source == "prometheus");
  const int64_t now = NowMs();
  REQUIRE(table->FreshNode("w1", now) != nullptr);
  CHECK(table->FreshNode("w1", now)->milli_cpu == 1500);
  CHECK(table->FreshNode("w1", now)->memory_bytes == 2048 * kMiB);
  CHECK(table->FreshNode("w2", now)->milli_cpu == 250);
  CHECK(table->FreshNode("cpu-only", now) == nullptr);  // no memory series: missing
  REQUIRE(table->pods.count("hub/ada") == 1);
  CHECK(table->pods.at("hub/ada").milli_cpu == 1);  // 0.4m, rounded up
  CHECK(table->pods.at("hub/ada").memory_bytes == kMiB);
  const std::string queries = fake.Queries();
  CHECK_THAT(queries, Catch::Contains("container_cpu_usage_seconds_total"));
  CHECK_THAT(queries, Catch::Contains("container_memory_working_set_bytes"));

  SECTION("stale series are missing") {
    REQUIRE(fake.SetSeries(q.node_cpu, {{R"({"node":"w1"})", "1.5", 600}}));
    table = h.Poll();
    CHECK(table->nodes.count("w1") == 1);
    CHECK(table->FreshNode("w1", NowMs()) == nullptr);
  }

  SECTION("failures keep the last samples, which come back with the source") {
    struct Row {
      std::string mode;
      std::string want_problem;
    };
    const std::vector<Row> rows = {
        {"503", "prometheus node cpu query: HTTP 503"},
        {"garbage", "prometheus node cpu query: not JSON"},
        {"wrong_types", "data.result[0].metric: no \"node\" or \"instance\" label"},
        {"error", "prometheus node cpu query: HTTP 400"},
        {"matrix", "expected \"vector\", got \"matrix\""},
    };
    const int64_t good_ts = table->nodes.at("w1").timestamp_unix_ms;
    for (const Row& row : rows) {
      DYNAMIC_SECTION(row.mode) {
        REQUIRE(fake.SetMode(row.mode));
        auto bad = h.Poll();
        REQUIRE_FALSE(h.last_status.ok());
        CHECK_THAT(std::string(h.last_status.message()), Catch::Contains(row.want_problem));
        REQUIRE(bad->nodes.count("w1") == 1);
        CHECK(bad->nodes.at("w1").timestamp_unix_ms == good_ts);
        CHECK(bad->FreshNode("w1", good_ts + bad->max_age_ms + 1) == nullptr);
        REQUIRE(fake.SetMode("ok"));
        REQUIRE(fake.SetSeries(q.node_cpu, {{R"({"node":"w1"})", "3"}}));
        auto back = h.Poll();
        CHECK(h.last_status.ok());
        REQUIRE(back->FreshNode("w1", NowMs()) != nullptr);
        CHECK(back->FreshNode("w1", NowMs())->milli_cpu == 3000);
      }
    }
  }
}

TEST_CASE("UsagePoller sends the queries it is given", "[state][usage_poller]") {
  FakePrometheus fake;
  REQUIRE(fake.ok());
  PrometheusQueries q;
  q.node_cpu = "my_node_cpu";
  q.node_memory = "my_node_mem";
  q.pod_cpu = "my_pod_cpu";
  q.pod_memory = "my_pod_mem";
  REQUIRE(fake.SetSeries("my_node_cpu", {{R"({"instance":"w9:9100"})", "0.5"}}));
  REQUIRE(fake.SetSeries("my_node_mem", {{R"({"instance":"w9:9100"})", "1024"}}));
  PrometheusHarness h(fake, q);
  REQUIRE(h.poller != nullptr);
  auto table = h.Poll();
  REQUIRE(h.last_status.ok());
  REQUIRE(table->FreshNode("w9", NowMs()) != nullptr);
  CHECK(table->FreshNode("w9", NowMs())->milli_cpu == 500);
  CHECK(table->pods.empty());
  CHECK(fake.Queries() == R"(["my_node_cpu", "my_node_mem", "my_pod_cpu", "my_pod_mem"])");
}

}  // namespace
}  // namespace nbsched::state
