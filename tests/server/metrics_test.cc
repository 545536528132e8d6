#include "scheduler/server/metrics.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/builders.h"

namespace nbsched::server {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Prometheus text format 0.0.4, line by line: `# HELP name text`, `# TYPE name type`, or
// `name{label="value",...} value [timestamp]`. Returns the first bad line in `error`.
bool ParseExposition(const std::string& text, std::vector<Sample>& samples, std::string& error) {
  static const std::regex kHelp(R"(^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$)");
  static const std::regex kType(
      R"(^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$)");
  static const std::regex kSample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? ([^ ]+)( -?[0-9]+)?$)");
  static const std::regex kLabel(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$))re");
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.rfind("#", 0) == 0) {
      if (std::regex_match(line, kHelp) || std::regex_match(line, kType)) continue;
      error = line;
      return false;
    }
    std::smatch m;
    if (!std::regex_match(line, m, kSample)) {
      error = line;
      return false;
    }
    Sample sample;
    sample.name = m[1];
    const std::string labels = m[3];
    size_t consumed = 0;
    for (auto it = std::sregex_iterator(labels.begin(), labels.end(), kLabel);
         it != std::sregex_iterator(); ++it) {
      if (static_cast<size_t>(it->position()) != consumed) break;  // junk between labels
      sample.labels[(*it)[1]] = (*it)[2];
      consumed += static_cast<size_t>(it->length());
    }
    if (consumed != labels.size()) {
      error = line;
      return false;
    }
    const std::string value = m[4];
    char* end = nullptr;
    sample.value = std::strtod(value.c_str(), &end);
    if (end != value.c_str() + value.size()) {
      error = line;
      return false;
    }
    samples.push_back(std::move(sample));
  }
  return true;
}

std::vector<Sample> Parse(const Metrics& metrics) {
  std::vector<Sample> samples;
  std::string error;
  const std::string text = metrics.Render();
  INFO(text);
  REQUIRE(ParseExposition(text, samples, error));
  return samples;
}

// NaN when the series is absent.
double Value(const std::vector<Sample>& samples, const std::string& name,
             const std::map<std::string, std::string>& labels = {}) {
  for (const Sample& s : samples) {
    if (s.name == name && s.labels == labels) return s.value;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

TEST_CASE("Metrics renders every contract name", "[server][metrics]") {
  const Metrics metrics;
  const std::string text = metrics.Render();
  for (const char* name :
       {"nbsched_requests_total", "nbsched_request_duration_seconds",
        "nbsched_plugin_duration_seconds", "nbsched_nodes_evaluated_total",
        "nbsched_policy_generation", "nbsched_policy_reload_errors_total", "nbsched_cache_nodes",
        "nbsched_cache_pods", "nbsched_watch_restarts_total", "nbsched_filter_memo_total",
        "nbsched_usage_sample_age_seconds", "nbsched_usage_nodes_without_sample"}) {
    DYNAMIC_SECTION(name) {
      CHECK(text.find(std::string("# TYPE ") + name + " ") != std::string::npos);
    }
  }
  const auto samples = Parse(metrics);
  CHECK(Value(samples, "nbsched_requests_total", {{"verb", "filter"}, {"code", "200"}}) == 0);
  CHECK(Value(samples, "nbsched_plugin_duration_seconds_count", {{"plugin", "PodFitsResources"}}) ==
        0);
  CHECK(Value(samples, "nbsched_plugin_duration_seconds_count", {{"plugin", "filter"}}) == 0);
  CHECK(Value(samples, "nbsched_plugin_duration_seconds_count",
              {{"plugin", "LeastRequestedPriority"}}) == 0);
}

TEST_CASE("Metrics counters move by the right amount", "[server][metrics]") {
  Metrics metrics;
  for (int i = 0; i < 3; ++i) metrics.ObserveRequest("filter", 200, microseconds(900));
  metrics.ObserveRequest("/prioritize", 500, milliseconds(20));
  metrics.ObserveRequest(Metrics::Verb::kBind, 200, microseconds(60));
  metrics.ObserveRequest("filter", 400, microseconds(40));
  metrics.ObservePlugin("PodFitsResources", microseconds(3));
  metrics.ObservePlugin(metrics.PluginIndex("PodFitsResources"), microseconds(7));
  metrics.AddNodesEvaluated(5);
  metrics.AddNodesEvaluated(7);
  metrics.SetPolicyGeneration(4);
  metrics.IncPolicyReloadErrors();
  metrics.IncPolicyReloadErrors();
  metrics.SetCacheSizes(5000, 120000);
  metrics.IncWatchRestarts();
  metrics.CountFilterMemo(true);
  metrics.CountFilterMemo(true);
  metrics.CountFilterMemo(false);
  const auto s = Parse(metrics);

  struct Row {
    std::string name;
    std::string series;
    std::map<std::string, std::string> labels;
    double want;
  };
  const std::vector<Row> rows = {
      {"filter 200 three times",
       "nbsched_requests_total",
       {{"verb", "filter"}, {"code", "200"}},
       3},
      {"filter 400 once", "nbsched_requests_total", {{"verb", "filter"}, {"code", "400"}}, 1},
      {"slash stripped from the verb",
       "nbsched_requests_total",
       {{"verb", "prioritize"}, {"code", "500"}},
       1},
      {"verb enum", "nbsched_requests_total", {{"verb", "bind"}, {"code", "200"}}, 1},
      {"filter latency count",
       "nbsched_request_duration_seconds_count",
       {{"verb", "filter"}},
       4},  // 3 × 200 + 1 × 400
      {"900us is under the 1ms bucket",
       "nbsched_request_duration_seconds_bucket",
       {{"verb", "filter"}, {"le", "0.001"}},
       4},
      {"40us is under the lowest bucket 50us",
       "nbsched_request_duration_seconds_bucket",
       {{"verb", "filter"}, {"le", "5e-05"}},
       1},
      {"20ms not under 10ms",
       "nbsched_request_duration_seconds_bucket",
       {{"verb", "prioritize"}, {"le", "0.01"}},
       0},
      {"20ms under 25ms",
       "nbsched_request_duration_seconds_bucket",
       {{"verb", "prioritize"}, {"le", "0.025"}},
       1},
      {"top bucket 5s",
       "nbsched_request_duration_seconds_bucket",
       {{"verb", "prioritize"}, {"le", "5"}},
       1},
      {"plugin by name and by index",
       "nbsched_plugin_duration_seconds_count",
       {{"plugin", "PodFitsResources"}},
       2},
      {"plugin 3us+7us under 10us",
       "nbsched_plugin_duration_seconds_bucket",
       {{"plugin", "PodFitsResources"}, {"le", "1e-05"}},
       2},
      {"plugin lowest bucket 1us",
       "nbsched_plugin_duration_seconds_bucket",
       {{"plugin", "PodFitsResources"}, {"le", "1e-06"}},
       0},
      {"nodes evaluated", "nbsched_nodes_evaluated_total", {}, 12},  // 5 + 7
      {"policy generation", "nbsched_policy_generation", {}, 4},
      {"reload errors", "nbsched_policy_reload_errors_total", {}, 2},
      {"cache nodes", "nbsched_cache_nodes", {}, 5000},
      {"cache pods", "nbsched_cache_pods", {}, 120000},
      {"watch restarts", "nbsched_watch_restarts_total", {}, 1},
      {"filter memo hits", "nbsched_filter_memo_total", {{"result", "hit"}}, 2},
      {"filter memo misses", "nbsched_filter_memo_total", {{"result", "miss"}}, 1},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) { CHECK(Value(s, row.series, row.labels) == row.want); }
  }
  CHECK(Value(s, "nbsched_request_duration_seconds_sum", {{"verb", "filter"}}) ==
        Approx(0.00274));  // 3 × 0.0009 + 0.00004
}

TEST_CASE("Metrics map unknown labels to other", "[server][metrics]") {
  Metrics metrics;
  metrics.ObserveRequest("DROP TABLE", 200, microseconds(1));
  metrics.ObserveRequest("/filter/extra", 200, microseconds(1));
  metrics.ObserveRequest("filter", 999, microseconds(1));
  metrics.ObserveRequest("filter", -1, microseconds(1));
  metrics.ObservePlugin("NoSuchPlugin", microseconds(1));
  metrics.ObservePlugin(12345, microseconds(1));
  CHECK(metrics.PluginIndex("NoSuchPlugin") == metrics.PluginIndex("other"));
  CHECK(Metrics::ParseVerb("/readyz") == Metrics::Verb::kReadyz);
  CHECK(Metrics::ParseVerb("Filter") == Metrics::Verb::kOther);  // exact, as the routes are
  const auto s = Parse(metrics);
  CHECK(Value(s, "nbsched_requests_total", {{"verb", "other"}, {"code", "200"}}) == 2);
  CHECK(Value(s, "nbsched_requests_total", {{"verb", "filter"}, {"code", "other"}}) == 2);
  CHECK(Value(s, "nbsched_plugin_duration_seconds_count", {{"plugin", "other"}}) == 2);
  for (const Sample& sample : s) {
    const auto verb = sample.labels.find("verb");
    if (verb != sample.labels.end()) {
      CHECK(Metrics::VerbName(Metrics::ParseVerb(verb->second)) == verb->second);
    }
    const auto plugin = sample.labels.find("plugin");
    if (plugin != sample.labels.end()) CHECK(plugin->second != "NoSuchPlugin");
  }
}

TEST_CASE("Metrics count every observation from concurrent threads", "[server][metrics]") {
  Metrics metrics;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&metrics, t] {
      // Each thread also creates a code series of its own, racing the lazy table.
      for (int i = 0; i < kPerThread; ++i) {
        metrics.ObserveRequest("filter", i % 2 == 0 ? 200 : 404 + t, microseconds(100));
        metrics.ObservePlugin("filter", microseconds(2));
        metrics.AddNodesEvaluated(3);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const auto s = Parse(metrics);
  CHECK(Value(s, "nbsched_requests_total", {{"verb", "filter"}, {"code", "200"}}) ==
        kThreads * kPerThread / 2);
  for (int t = 0; t < kThreads; ++t) {
    CHECK(Value(s, "nbsched_requests_total",
                {{"verb", "filter"}, {"code", std::to_string(404 + t)}}) == kPerThread / 2);
  }
  CHECK(Value(s, "nbsched_request_duration_seconds_count", {{"verb", "filter"}}) ==
        kThreads * kPerThread);
  CHECK(Value(s, "nbsched_plugin_duration_seconds_count", {{"plugin", "filter"}}) ==
        kThreads * kPerThread);
  CHECK(Value(s, "nbsched_nodes_evaluated_total") == 3.0 * kThreads * kPerThread);
}

TEST_CASE("ParseExposition rejects malformed lines", "[server][metrics]") {
  std::vector<Sample> samples;
  std::string error;
  CHECK_FALSE(ParseExposition("nbsched_x{verb=filter} 1\n", samples, error));
  CHECK_FALSE(ParseExposition("nbsched_x 1 2 3\n", samples, error));
  CHECK_FALSE(ParseExposition("# TYPE nbsched_x thing\n", samples, error));
  CHECK(
      ParseExposition("# HELP a b\n# TYPE a counter\na{x=\"1\",y=\"q\\\"\"} 2\n", samples, error));
}

TEST_CASE("ComputeUsageGauges counts snapshot nodes without a fresh sample", "[server][metrics]") {
  using nbsched::testing::MakeNode;
  const auto snapshot = nbsched::testing::MakeSnapshot(
      {{MakeNode("w1").Obj(), {}}, {MakeNode("w2").Obj(), {}}, {MakeNode("w3").Obj(), {}}});
  UsageTable table;
  table.max_age_ms = 120'000;
  const int64_t now = 1'000'000'000;
  table.nodes["w1"] = UsageSample{1000, 1 << 30, now - 45'500};     // fresh, 45.5 s old
  table.nodes["w2"] = UsageSample{1000, 1 << 30, now - 5'000};      // fresh, 5 s old
  table.nodes["w3"] = UsageSample{1000, 1 << 30, now - 120'001};    // stale: missing
  table.nodes["gone"] = UsageSample{1000, 1 << 30, now - 200'000};  // not in the snapshot
  struct Row {
    std::string name;
    const UsageTable* table;
    UsageGauges want;
  };
  const std::vector<Row> rows = {
      {"oldest fresh sample, stale and absent nodes", &table, {45.5, 1}},
      {"no source: every node falls back", nullptr, {0, 3}},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const UsageGauges got = ComputeUsageGauges(row.table, *snapshot, now);
      CHECK(got.oldest_sample_age_seconds == row.want.oldest_sample_age_seconds);
      CHECK(got.nodes_without_sample == row.want.nodes_without_sample);
      Metrics metrics;
      metrics.SetUsageGauges(got);
      const auto samples = Parse(metrics);
      CHECK(Value(samples, "nbsched_usage_sample_age_seconds") ==
            row.want.oldest_sample_age_seconds);
      CHECK(Value(samples, "nbsched_usage_nodes_without_sample") ==
            static_cast<double>(row.want.nodes_without_sample));
    }
  }
}

}  // namespace
}  // namespace nbsched::server
