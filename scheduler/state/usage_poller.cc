#include "scheduler/state/usage_poller.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <utility>

#include "absl/time/time.h"
#include "scheduler/model/quantity.h"

namespace nbsched::state {
namespace {

using simdjson::SUCCESS;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// Concatenates strings and numbers (absl::StrCat wants absl::string_view here).
template <typename... T>
std::string Cat(const T&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

constexpr std::string_view kMetricsNodesPath = "/apis/metrics.k8s.io/v1beta1/nodes";
constexpr std::string_view kMetricsPodsPath = "/apis/metrics.k8s.io/v1beta1/pods";
constexpr std::string_view kPrometheusQueryPath = "/api/v1/query";
// Bodies above this are refused: a PodMetricsList of 100k pods is ~40 MB.
constexpr size_t kMaxBodyBytes = 256u << 20;

absl::Status Invalid(std::string_view path, std::string_view message) {
  return absl::InvalidArgumentError(Cat(path, ": ", message));
}

// Parses `json` into `doc`, which must be an object.
absl::StatusOr<object> ParseTop(simdjson::dom::parser& parser, std::string_view json) {
  element root;
  if (const auto error = parser.parse(json.data(), json.size()).get(root); error != SUCCESS) {
    return absl::InvalidArgumentError(Cat("not JSON: ", simdjson::error_message(error)));
  }
  object top;
  if (root.get(top) != SUCCESS) return absl::InvalidArgumentError("not a JSON object");
  return top;
}

absl::Status GetString(object o, std::string_view key, std::string_view path,
                       std::string_view* out) {
  element e;
  if (o[key].get(e) != SUCCESS) return Invalid(path, Cat("missing field \"", key, "\""));
  if (e.get(*out) != SUCCESS) return Invalid(Cat(path, ".", key), "expected a string");
  return absl::OkStatus();
}

absl::Status GetObject(object o, std::string_view key, std::string_view path, object* out) {
  element e;
  if (o[key].get(e) != SUCCESS) return Invalid(path, Cat("missing field \"", key, "\""));
  if (e.get(*out) != SUCCESS) return Invalid(Cat(path, ".", key), "expected an object");
  return absl::OkStatus();
}

absl::Status GetArray(object o, std::string_view key, std::string_view path, array* out) {
  element e;
  if (o[key].get(e) != SUCCESS) return Invalid(path, Cat("missing field \"", key, "\""));
  if (e.get(*out) != SUCCESS) return Invalid(Cat(path, ".", key), "expected an array");
  return absl::OkStatus();
}

// usage: {"cpu": "329087452n", "memory": "2748180Ki"} → milli-CPU (rounded up, as
// Quantity::MilliValue) and bytes.
absl::Status ParseUsage(object usage, std::string_view path, UsageSample* sample) {
  for (const std::string_view resource : {"cpu", "memory"}) {
    std::string_view text;
    if (auto s = GetString(usage, resource, path, &text); !s.ok()) return s;
    auto q = Quantity::Parse(text);
    if (!q.ok()) {
      return Invalid(Cat(path, ".", resource),
                     Cat("invalid quantity \"", text, "\": ", q.status().message()));
    }
    if (q->IsNegative()) {
      return Invalid(Cat(path, ".", resource), Cat("negative quantity \"", text, "\""));
    }
    if (resource == "cpu") {
      sample->milli_cpu += q->MilliValue();
    } else {
      sample->memory_bytes += q->Value();
    }
  }
  return absl::OkStatus();
}

// One NodeMetrics / PodMetrics item: name (+ namespace), timestamp and usage.
absl::Status ParseItem(object item, std::string_view path, bool pod, std::string* key,
                       UsageSample* sample) {
  object meta;
  if (auto s = GetObject(item, "metadata", path, &meta); !s.ok()) return s;
  const std::string meta_path = Cat(path, ".metadata");
  std::string_view name;
  if (auto s = GetString(meta, "name", meta_path, &name); !s.ok()) return s;
  if (name.empty()) return Invalid(Cat(meta_path, ".name"), "empty");
  if (pod) {
    std::string_view ns;
    if (auto s = GetString(meta, "namespace", meta_path, &ns); !s.ok()) return s;
    *key = Cat(ns, "/", name);
  } else {
    *key = std::string(name);
  }
  std::string_view timestamp;
  if (auto s = GetString(item, "timestamp", path, &timestamp); !s.ok()) return s;
  auto ms = ParseRfc3339Ms(timestamp);
  if (!ms.ok()) return Invalid(Cat(path, ".timestamp"), std::string(ms.status().message()));
  sample->timestamp_unix_ms = *ms;
  if (!pod) {
    object usage;
    if (auto s = GetObject(item, "usage", path, &usage); !s.ok()) return s;
    return ParseUsage(usage, Cat(path, ".usage"), sample);
  }
  array containers;
  if (auto s = GetArray(item, "containers", path, &containers); !s.ok()) return s;
  size_t i = 0;
  for (element c : containers) {
    const std::string c_path = Cat(path, ".containers[", i++, "]");
    object container;
    if (c.get(container) != SUCCESS) return Invalid(c_path, "expected an object");
    object usage;
    if (auto s = GetObject(container, "usage", c_path, &usage); !s.ok()) return s;
    if (auto s = ParseUsage(usage, Cat(c_path, ".usage"), sample); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<UsageSamples> ParseMetricsList(std::string_view json, bool pod,
                                              std::vector<std::string>* item_errors) {
  simdjson::dom::parser parser;
  auto top = ParseTop(parser, json);
  if (!top.ok()) return top.status();
  array items;
  if (auto s = GetArray(*top, "items", pod ? "PodMetricsList" : "NodeMetricsList", &items);
      !s.ok()) {
    return s;
  }
  UsageSamples samples;
  size_t i = 0;
  for (element e : items) {
    const std::string path = Cat("items[", i++, "]");
    object item;
    std::string key;
    UsageSample sample;
    absl::Status s = e.get(item) == SUCCESS ? ParseItem(item, path, pod, &key, &sample)
                                            : Invalid(path, "expected an object");
    if (!s.ok()) {
      if (item_errors != nullptr) item_errors->emplace_back(s.message());
      continue;
    }
    samples[std::move(key)] = sample;
  }
  return samples;
}

// "10.0.0.1:9100" → "10.0.0.1"; "[::1]:9100" → "[::1]"; a bare name stays.
std::string_view StripPort(std::string_view instance) {
  const size_t colon = instance.rfind(':');
  if (colon == std::string_view::npos) return instance;
  const std::string_view port = instance.substr(colon + 1);
  if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) {
    return instance;
  }
  const std::string_view host = instance.substr(0, colon);
  // An IPv6 address without brackets has more colons and no port.
  if (host.find(':') != std::string_view::npos && host.front() != '[') return instance;
  return host;
}

void AppendProblem(std::vector<std::string>* problems, const absl::Status& status) {
  if (!status.ok()) problems->emplace_back(status.message());
}

// A list with items left out: their keys may be unknown, so the part's previous samples that the
// list does not replace stay (with their old timestamps, to age out like a failed part's).
void KeepOld(const UsageSamples& old, UsageSamples* next) {
  for (const auto& [key, sample] : old) next->emplace(key, sample);
}

}  // namespace

absl::StatusOr<int64_t> ParseRfc3339Ms(std::string_view text) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(text), &t, &error)) {
    return absl::InvalidArgumentError(Cat("invalid RFC 3339 time \"", text, "\""));
  }
  return absl::ToUnixMillis(t);
}

absl::StatusOr<UsageSamples> ParseNodeMetricsList(std::string_view json,
                                                  std::vector<std::string>* item_errors) {
  return ParseMetricsList(json, false, item_errors);
}

absl::StatusOr<UsageSamples> ParsePodMetricsList(std::string_view json,
                                                 std::vector<std::string>* item_errors) {
  return ParseMetricsList(json, true, item_errors);
}

absl::StatusOr<std::unordered_map<std::string, PrometheusPoint>> ParsePrometheusVector(
    std::string_view json, PrometheusKey key, std::vector<std::string>* item_errors) {
  simdjson::dom::parser parser;
  auto top = ParseTop(parser, json);
  if (!top.ok()) return top.status();
  std::string_view status;
  if (auto s = GetString(*top, "status", "reply", &status); !s.ok()) return s;
  if (status != "success") {
    std::string_view error = "(no error text)";
    std::string_view type;
    (void)GetString(*top, "error", "reply", &error);
    (void)GetString(*top, "errorType", "reply", &type);
    return absl::InvalidArgumentError(Cat("query failed: ", type, type.empty() ? "" : ": ", error));
  }
  object data;
  if (auto s = GetObject(*top, "data", "reply", &data); !s.ok()) return s;
  std::string_view type;
  if (auto s = GetString(data, "resultType", "data", &type); !s.ok()) return s;
  if (type != "vector") {
    return Invalid("data.resultType", Cat("expected \"vector\", got \"", type, "\""));
  }
  array result;
  if (auto s = GetArray(data, "result", "data", &result); !s.ok()) return s;
  std::unordered_map<std::string, PrometheusPoint> points;
  size_t i = 0;
  for (element e : result) {
    const std::string path = Cat("data.result[", i++, "]");
    auto one = [&]() -> absl::Status {
      object series;
      if (e.get(series) != SUCCESS) return Invalid(path, "expected an object");
      object metric;
      if (auto s = GetObject(series, "metric", path, &metric); !s.ok()) return s;
      std::string name;
      const std::string m_path = Cat(path, ".metric");
      std::string_view label;
      if (key == PrometheusKey::kNode) {
        if (GetString(metric, "node", m_path, &label).ok() && !label.empty()) {
          name = std::string(label);
        } else if (GetString(metric, "instance", m_path, &label).ok() && !label.empty()) {
          name = std::string(StripPort(label));
        } else {
          return Invalid(m_path, "no \"node\" or \"instance\" label");
        }
      } else {
        std::string_view ns;
        if (!GetString(metric, "namespace", m_path, &ns).ok() ||
            !GetString(metric, "pod", m_path, &label).ok() || label.empty()) {
          return Invalid(m_path, "no \"namespace\" and \"pod\" labels");
        }
        name = Cat(ns, "/", label);
      }
      array value;
      if (auto s = GetArray(series, "value", path, &value); !s.ok()) return s;
      element ts_e, v_e;
      if (value.size() != 2 || value.at(0).get(ts_e) != SUCCESS ||
          value.at(1).get(v_e) != SUCCESS) {
        return Invalid(Cat(path, ".value"), "expected [timestamp, \"value\"]");
      }
      double ts = 0;
      if (ts_e.get(ts) != SUCCESS) {
        return Invalid(Cat(path, ".value[0]"), "expected a number");
      }
      std::string_view v_text;
      if (v_e.get(v_text) != SUCCESS) {
        return Invalid(Cat(path, ".value[1]"), "expected a string");
      }
      // Prometheus writes floats as Go's strconv does: digits, exponents, NaN, +Inf, -Inf.
      const std::string v_str(v_text);
      char* end = nullptr;
      const double v = std::strtod(v_str.c_str(), &end);
      if (v_str.empty() || end != v_str.c_str() + v_str.size()) {
        return Invalid(Cat(path, ".value[1]"), Cat("not a number: \"", v_text, "\""));
      }
      if (!std::isfinite(v) || v < 0 || v > 9e15) {
        return Invalid(Cat(path, ".value[1]"), Cat("not a usable usage: \"", v_text, "\""));
      }
      points[std::move(name)] = PrometheusPoint{v, std::llround(ts * 1000.0)};
      return absl::OkStatus();
    };
    if (auto s = one(); !s.ok() && item_errors != nullptr) item_errors->emplace_back(s.message());
  }
  return points;
}

UsagePoller::UsagePoller(std::unique_ptr<KubeClient> client, UsagePollerOptions options,
                         Published<UsageTable>& out)
    : client_(std::move(client)), options_(std::move(options)), out_(out) {}

UsagePoller::~UsagePoller() { Stop(); }

void UsagePoller::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void UsagePoller::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  canceller_.Cancel();
  if (thread_.joinable()) thread_.join();
}

void UsagePoller::Run() {
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    (void)PollOnce();
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, options_.interval, [this] { return stopping_; })) return;
  }
}

uint64_t UsagePoller::poll_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return polls_;
}

bool UsagePoller::WaitForPolls(uint64_t count,
                               std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_until(lock, deadline, [&] { return polls_ >= count; });
}

int64_t UsagePoller::NowMs() const {
  if (options_.now_unix_ms) return options_.now_unix_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

absl::StatusOr<std::string> UsagePoller::Get(std::string_view what, std::string_view path,
                                             const Query& query) {
  RequestOptions request;
  request.timeout = options_.request_timeout;
  request.canceller = &canceller_;
  auto reply = client_->Get(path, query, request);
  if (!reply.ok()) {
    return absl::Status(reply.status().code(), Cat(what, ": ", reply.status().message()));
  }
  if (reply->status < 200 || reply->status > 299) {
    std::string body = reply->body.substr(0, 200);
    for (char& c : body) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    return absl::UnavailableError(Cat(what, ": HTTP ", reply->status, ": ", body));
  }
  if (reply->body.size() > kMaxBodyBytes) {
    return absl::ResourceExhaustedError(
        Cat(what, ": reply of ", reply->body.size(), " bytes is too large"));
  }
  return std::move(reply->body);
}

void UsagePoller::FetchMetricsApi(std::vector<std::string>* problems) {
  const struct {
    std::string_view what;
    std::string_view path;
    bool pod;
    UsageSamples* out;
  } parts[] = {{"metrics.k8s.io nodes", kMetricsNodesPath, false, &nodes_},
               {"metrics.k8s.io pods", kMetricsPodsPath, true, &pods_}};
  for (const auto& part : parts) {
    auto body = Get(part.what, part.path, {});
    if (!body.ok()) {
      AppendProblem(problems, body.status());
      continue;
    }
    std::vector<std::string> item_errors;
    auto samples = ParseMetricsList(*body, part.pod, &item_errors);
    if (!samples.ok()) {
      AppendProblem(problems,
                    absl::InvalidArgumentError(Cat(part.what, ": ", samples.status().message())));
      continue;
    }
    for (const std::string& e : item_errors) {
      problems->push_back(Cat(part.what, ": ", e, " (item left out)"));
    }
    if (!item_errors.empty()) KeepOld(*part.out, &*samples);
    *part.out = std::move(*samples);
  }
}

void UsagePoller::FetchPrometheus(std::vector<std::string>* problems) {
  const struct {
    std::string_view what;
    const std::string* cpu_query;
    const std::string* memory_query;
    PrometheusKey key;
    UsageSamples* out;
  } parts[] = {{"prometheus node", &options_.queries.node_cpu, &options_.queries.node_memory,
                PrometheusKey::kNode, &nodes_},
               {"prometheus pod", &options_.queries.pod_cpu, &options_.queries.pod_memory,
                PrometheusKey::kPod, &pods_}};
  for (const auto& part : parts) {
    std::unordered_map<std::string, PrometheusPoint> got[2];
    const size_t problems_before = problems->size();
    bool ok = true;
    for (int i = 0; i < 2 && ok; ++i) {
      const std::string what = Cat(part.what, i == 0 ? " cpu query" : " memory query");
      auto body = Get(what, kPrometheusQueryPath,
                      {{"query", i == 0 ? *part.cpu_query : *part.memory_query}});
      if (!body.ok()) {
        AppendProblem(problems, body.status());
        ok = false;
        break;
      }
      std::vector<std::string> item_errors;
      auto points = ParsePrometheusVector(*body, part.key, &item_errors);
      if (!points.ok()) {
        problems->push_back(Cat(what, ": ", points.status().message()));
        ok = false;
        break;
      }
      for (const std::string& e : item_errors) {
        problems->push_back(Cat(what, ": ", e, " (series left out)"));
      }
      got[i] = std::move(*points);
    }
    if (!ok) continue;  // the part keeps its last good samples
    const bool left_out = problems->size() > problems_before;
    // A sample needs both figures: a key with only one of them is missing.
    UsageSamples samples;
    for (const auto& [name, cpu] : got[0]) {
      const auto mem = got[1].find(name);
      if (mem == got[1].end()) continue;
      UsageSample s;
      s.milli_cpu = static_cast<int64_t>(std::ceil(cpu.value * 1000.0));
      s.memory_bytes = std::llround(mem->second.value);
      s.timestamp_unix_ms = std::min(cpu.timestamp_unix_ms, mem->second.timestamp_unix_ms);
      samples.emplace(name, s);
    }
    if (left_out) KeepOld(*part.out, &samples);
    *part.out = std::move(samples);
  }
}

absl::Status UsagePoller::PollOnce() {
  std::lock_guard<std::mutex> poll_lock(poll_mu_);
  std::vector<std::string> problems;
  if (options_.source == UsageSourceKind::kMetricsApi) {
    FetchMetricsApi(&problems);
  } else {
    FetchPrometheus(&problems);
  }
  auto table = std::make_shared<UsageTable>();
  table->nodes = nodes_;
  table->pods = pods_;
  table->fetched_unix_ms = NowMs();
  table->max_age_ms = options_.max_age.count();
  table->source = options_.source == UsageSourceKind::kMetricsApi ? "metrics.k8s.io" : "prometheus";
  std::string joined;
  for (const std::string& p : problems) joined += (joined.empty() ? "" : "; ") + p;
  const absl::Status status = problems.empty() ? absl::OkStatus() : absl::UnavailableError(joined);
  out_.Publish(table);
  if (options_.on_poll) options_.on_poll(status, *table);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++polls_;
  }
  cv_.notify_all();
  return status;
}

absl::StatusOr<std::unique_ptr<UsagePoller>> MakeUsagePoller(KubeConfig config,
                                                             UsagePollerOptions options,
                                                             Published<UsageTable>& out) {
  auto client = KubeClient::Create(std::move(config));
  if (!client.ok()) return client.status();
  return std::make_unique<UsagePoller>(std::move(*client), std::move(options), out);
}

}  // namespace nbsched::state
