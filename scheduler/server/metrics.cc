#include "scheduler/server/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <cmath>

namespace nbsched::server {
namespace {

constexpr std::array<std::string_view, Metrics::kVerbCount> kVerbNames = {
    "filter", "prioritize", "explain", "bind", "preempt", "healthz", "readyz", "metrics", "other"};

// 1-2.5-5 per decade: log-spaced, and each bound reads as a round number on a dashboard.
prometheus::Histogram::BucketBoundaries Decades(int first_exponent, int last_exponent,
                                                double lowest, double highest) {
  prometheus::Histogram::BucketBoundaries bounds;
  for (int exponent = first_exponent; exponent <= last_exponent; ++exponent) {
    for (double step : {1.0, 2.5, 5.0}) {
      // step × 10^e computed per bound (not by repeated ×10) so the printed bound stays round.
      const double bound =
          exponent < 0 ? step / std::pow(10.0, -exponent) : step * std::pow(10.0, exponent);
      if (bound >= lowest * 0.999999 && bound <= highest * 1.000001) bounds.push_back(bound);
    }
  }
  return bounds;
}

// Request latency: 50µs (a /healthz) to 5s (a 5000-node /prioritize under load).
const prometheus::Histogram::BucketBoundaries& RequestBuckets() {
  static const auto* bounds =
      new prometheus::Histogram::BucketBoundaries(Decades(-5, 0, 50e-6, 5.0));
  return *bounds;
}
// Plugin latency, one plugin over all nodes of a request: 1µs to 1s.
const prometheus::Histogram::BucketBoundaries& PluginBuckets() {
  static const auto* bounds =
      new prometheus::Histogram::BucketBoundaries(Decades(-6, 0, 1e-6, 1.0));
  return *bounds;
}

double Seconds(std::chrono::nanoseconds duration) {
  return static_cast<double>(duration.count()) * 1e-9;
}

}  // namespace

Metrics::Verb Metrics::ParseVerb(std::string_view verb) {
  if (!verb.empty() && verb.front() == '/') verb.remove_prefix(1);
  for (size_t i = 0; i + 1 < kVerbCount; ++i) {
    if (verb == kVerbNames[i]) return static_cast<Verb>(i);
  }
  return Verb::kOther;
}

std::string_view Metrics::VerbName(Verb verb) { return kVerbNames[static_cast<size_t>(verb)]; }

Metrics::Metrics(const framework::Registry& plugins)
    : registry_(std::make_shared<prometheus::Registry>()) {
  requests_ = &prometheus::BuildCounter()
                   .Name("nbsched_requests_total")
                   .Help("Requests served, by verb and HTTP code.")
                   .Register(*registry_);
  auto& request_duration = prometheus::BuildHistogram()
                               .Name("nbsched_request_duration_seconds")
                               .Help("Request latency from the first byte read to the reply.")
                               .Register(*registry_);
  for (size_t i = 0; i < kVerbCount; ++i) {
    const std::string verb(kVerbNames[i]);
    request_duration_[i] = &request_duration.Add({{"verb", verb}}, RequestBuckets());
    // The usual answer exists from the start, so dashboards see every verb at 0.
    RequestCounter(static_cast<Verb>(i), 200);
  }

  auto& plugin_duration = prometheus::BuildHistogram()
                              .Name("nbsched_plugin_duration_seconds")
                              .Help("Time one plugin spent on one request, all nodes together.")
                              .Register(*registry_);
  std::vector<std::string> names = plugins.filter_names();
  names.insert(names.end(), plugins.score_names().begin(), plugins.score_names().end());
  names.emplace_back("filter");  // the runner reports its whole filter loop under this name
  names.emplace_back("other");
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (const std::string& name : names) {
    plugin_index_.emplace_back(name, static_cast<int>(plugin_duration_.size()));
    plugin_duration_.push_back(&plugin_duration.Add({{"plugin", name}}, PluginBuckets()));
  }
  other_plugin_ = PluginIndex("other");

  nodes_evaluated_ = &prometheus::BuildCounter()
                          .Name("nbsched_nodes_evaluated_total")
                          .Help("Nodes run through the filters, summed over requests.")
                          .Register(*registry_)
                          .Add({});
  policy_generation_ = &prometheus::BuildGauge()
                            .Name("nbsched_policy_generation")
                            .Help("Generation of the policy in force; +1 on each good reload.")
                            .Register(*registry_)
                            .Add({});
  policy_reload_errors_ = &prometheus::BuildCounter()
                               .Name("nbsched_policy_reload_errors_total")
                               .Help("Policy reloads rejected; the last good policy stayed.")
                               .Register(*registry_)
                               .Add({});
  cache_nodes_ = &prometheus::BuildGauge()
                      .Name("nbsched_cache_nodes")
                      .Help("Nodes in the cluster-state cache.")
                      .Register(*registry_)
                      .Add({});
  cache_pods_ = &prometheus::BuildGauge()
                     .Name("nbsched_cache_pods")
                     .Help("Pods in the cluster-state cache.")
                     .Register(*registry_)
                     .Add({});
  watch_restarts_ = &prometheus::BuildCounter()
                         .Name("nbsched_watch_restarts_total")
                         .Help("Kubernetes watches restarted (expired, closed or failed).")
                         .Register(*registry_)
                         .Add({});
  usage_sample_age_ = &prometheus::BuildGauge()
                           .Name("nbsched_usage_sample_age_seconds")
                           .Help(
                               "Age of the oldest fresh usage sample of a cluster node in use "
                               "by the usage-aware priorities (0: none).")
                           .Register(*registry_)
                           .Add({});
  usage_nodes_without_sample_ =
      &prometheus::BuildGauge()
           .Name("nbsched_usage_nodes_without_sample")
           .Help("Cluster nodes without a fresh usage sample; they score from their requests.")
           .Register(*registry_)
           .Add({});
  auto& memo = prometheus::BuildCounter()
                   .Name("nbsched_filter_memo_total")
                   .Help(
                       "/prioritize and /explain requests answered with (hit) or without (miss) "
                       "the filter verdicts of the same scheduling cycle.")
                   .Register(*registry_);
  filter_memo_hits_ = &memo.Add({{"result", "hit"}});
  filter_memo_misses_ = &memo.Add({{"result", "miss"}});
}

Metrics::~Metrics() = default;

prometheus::Counter& Metrics::RequestCounter(Verb verb, int code) {
  const size_t slot = (code >= kMinCode && code <= kMaxCode) ? static_cast<size_t>(code - kMinCode)
                                                             : kCodeSlots - 1;
  std::atomic<prometheus::Counter*>& cell = requests_by_code_[static_cast<size_t>(verb)][slot];
  if (prometheus::Counter* counter = cell.load(std::memory_order_acquire)) return *counter;
  std::lock_guard<std::mutex> lock(create_mu_);
  if (prometheus::Counter* counter = cell.load(std::memory_order_relaxed)) return *counter;
  const std::string code_label = slot == kCodeSlots - 1 ? "other" : std::to_string(code);
  prometheus::Counter* counter =
      &requests_->Add({{"verb", std::string(VerbName(verb))}, {"code", code_label}});
  cell.store(counter, std::memory_order_release);
  return *counter;
}

void Metrics::ObserveRequest(std::string_view verb, int code, std::chrono::nanoseconds duration) {
  ObserveRequest(ParseVerb(verb), code, duration);
}

void Metrics::ObserveRequest(Verb verb, int code, std::chrono::nanoseconds duration) {
  RequestCounter(verb, code).Increment();
  request_duration_[static_cast<size_t>(verb)]->Observe(Seconds(duration));
}

int Metrics::PluginIndex(std::string_view plugin) const {
  const auto it = std::lower_bound(plugin_index_.begin(), plugin_index_.end(), plugin,
                                   [](const std::pair<std::string, int>& entry,
                                      std::string_view name) { return entry.first < name; });
  if (it == plugin_index_.end() || it->first != plugin) return other_plugin_;
  return it->second;
}

void Metrics::ObservePlugin(std::string_view plugin, std::chrono::nanoseconds duration) {
  ObservePlugin(PluginIndex(plugin), duration);
}

void Metrics::ObservePlugin(int plugin_index, std::chrono::nanoseconds duration) {
  if (plugin_index < 0 || static_cast<size_t>(plugin_index) >= plugin_duration_.size()) {
    plugin_index = other_plugin_;
  }
  plugin_duration_[static_cast<size_t>(plugin_index)]->Observe(Seconds(duration));
}

void Metrics::AddNodesEvaluated(int64_t nodes) {
  if (nodes > 0) nodes_evaluated_->Increment(static_cast<double>(nodes));
}

void Metrics::SetPolicyGeneration(int64_t value) {
  policy_generation_->Set(static_cast<double>(value));
}

void Metrics::IncPolicyReloadErrors() { policy_reload_errors_->Increment(); }

void Metrics::SetCacheSizes(int64_t nodes, int64_t pods) {
  cache_nodes_->Set(static_cast<double>(nodes));
  cache_pods_->Set(static_cast<double>(pods));
}

void Metrics::IncWatchRestarts() { watch_restarts_->Increment(); }

void Metrics::SetUsageGauges(const UsageGauges& gauges) {
  usage_sample_age_->Set(gauges.oldest_sample_age_seconds);
  usage_nodes_without_sample_->Set(static_cast<double>(gauges.nodes_without_sample));
}

UsageGauges ComputeUsageGauges(const UsageTable* table, const Snapshot& snapshot,
                               int64_t now_unix_ms) {
  UsageGauges gauges;
  int64_t oldest_ms = 0;
  for (const auto& node : snapshot.nodes()) {
    const UsageSample* sample =
        table == nullptr ? nullptr : table->FreshNode(node->name(), now_unix_ms);
    if (sample == nullptr) {
      ++gauges.nodes_without_sample;
      continue;
    }
    oldest_ms = std::max(oldest_ms, now_unix_ms - sample->timestamp_unix_ms);
  }
  gauges.oldest_sample_age_seconds = static_cast<double>(oldest_ms) / 1000.0;
  return gauges;
}

void Metrics::CountFilterMemo(bool hit) {
  (hit ? filter_memo_hits_ : filter_memo_misses_)->Increment();
}

std::string Metrics::Render() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace nbsched::server
