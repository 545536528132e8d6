#include "scheduler/server/serve.h"

#include <pthread.h>

#include <condition_variable>
#include <csignal>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "scheduler/codec/extender_codec.h"
#include "scheduler/config/policy_loader.h"
#include "scheduler/framework/registry.h"
#include "scheduler/framework/runner.h"
#include "scheduler/model/gpu.h"
#include "scheduler/server/command_line.h"
#include "scheduler/server/extender_service.h"
#include "scheduler/server/grpc_service.h"
#include "scheduler/server/metrics.h"
#include "scheduler/server/policy_watcher.h"
#include "scheduler/server/scheduling_core.h"
#include "scheduler/state/cluster_state.h"
#include "scheduler/state/live_cluster.h"

namespace nbsched::server {
namespace {

constexpr std::string_view kServeUsage =
    R"(usage: nbsched serve --policy FILE (--snapshot FILE | --kubeconfig FILE | --in-cluster)
                     [--listen HOST:PORT] [--grpc-listen HOST:PORT]
                     [--tls-cert F --tls-key F [--client-ca F]]
                     [--threads N] [--max-body-bytes N] [--log-level debug|info|warn|error]
                     [--scheduler-name NAME] [--max-header-bytes N] [--max-nodes N]
                     [--max-connections N] [--read-timeout D] [--idle-timeout D]
                     [--metrics-source none|metrics.k8s.io|prometheus=URL]
                     [--metrics-interval D] [--metrics-max-age D]
                     [--prometheus-node-cpu-query Q] [--prometheus-node-memory-query Q]
                     [--prometheus-pod-cpu-query Q] [--prometheus-pod-memory-query Q]

  --policy FILE          policy.yaml (predicates, weighted priorities)
  --snapshot FILE        cluster state: a 'kubectl get nodes,pods,services,rc,rs,statefulsets
                         -A -o json' List
  --kubeconfig FILE      follow a live cluster (list + watch) through this kubeconfig
  --in-cluster           follow the cluster nbsched runs in (service-account token and CA)
  --listen HOST:PORT     HTTP address (default 0.0.0.0:8888)
  --grpc-listen HOST:PORT
                         also serve the gRPC API (nbsched.v1.Scheduler, health, reflection)
  --tls-cert FILE        serve HTTPS (and TLS gRPC) with this PEM certificate chain; the
                         files are re-read when they change (checked every 10 s at most)
  --tls-key FILE         the certificate's PEM private key (with --tls-cert)
  --client-ca FILE       require client certificates signed by this PEM CA (mutual TLS)
  --threads N            worker threads (default: number of cores)
  --max-body-bytes N     largest request body accepted (default 268435456); larger gets 413
  --max-header-bytes N   largest request header accepted (default 65536); larger gets 431
  --max-nodes N          most nodes one request may name (NodeNames, Nodes, preemption
                         victims; default 10000); more gets 400
  --max-connections N    open connections at most (default 4096); more get 503 and close
  --read-timeout D       time to receive one whole request (default 10s); slower clients are
                         closed. D: N (seconds), Nms, Ns or Nm
  --idle-timeout D       keep-alive connections idle this long are closed (default 60s)
  --log-level LEVEL      debug, info (default), warn or error
  --scheduler-name NAME  judge only pods with this spec.schedulerName; others pass through
  --assume-ttl SECONDS   forget pods bound through /bind after this long unless the cluster
                         state confirms them (default 600; 0 = never)
  --metrics-source SRC   measured usage for UsageBalancedPriority / OvercommitRiskPriority:
                         none (default: they score from requests), metrics.k8s.io (the
                         metrics API through the API server; needs --kubeconfig or
                         --in-cluster) or prometheus=URL (the Prometheus HTTP API at URL)
  --metrics-interval D   poll the usage source this often (default 30s)
  --metrics-max-age D    a usage sample older than this is missing: that node scores from
                         its requests (default 2m)
  --prometheus-node-cpu-query Q
                         PromQL for node CPU usage in cores, one series per node named by
                         its "node" label (else "instance" without its port); default:
                         sum by (node) (rate(container_cpu_usage_seconds_total{id="/"}[5m]))
  --prometheus-node-memory-query Q
                         node memory usage in bytes; default:
                         sum by (node) (container_memory_working_set_bytes{id="/"})
  --prometheus-pod-cpu-query Q
                         pod CPU usage in cores, by "namespace" and "pod"; default: the
                         containers' rate(container_cpu_usage_seconds_total[5m]) summed
  --prometheus-pod-memory-query Q
                         pod memory usage in bytes; default: the containers'
                         container_memory_working_set_bytes summed
)";

// The flags of `nbsched serve`; checks and conversions are in ParseServeOptions.
FlagSet ServeFlags() {
  FlagSet flags;
  for (const char* name : {"policy",
                           "snapshot",
                           "kubeconfig",
                           "listen",
                           "grpc-listen",
                           "tls-cert",
                           "tls-key",
                           "client-ca",
                           "threads",
                           "max-body-bytes",
                           "log-level",
                           "scheduler-name",
                           "assume-ttl",
                           "max-header-bytes",
                           "max-nodes",
                           "max-connections",
                           "read-timeout",
                           "idle-timeout",
                           "metrics-source",
                           "metrics-interval",
                           "metrics-max-age",
                           "prometheus-node-cpu-query",
                           "prometheus-node-memory-query",
                           "prometheus-pod-cpu-query",
                           "prometheus-pod-memory-query"}) {
    flags.Value(name);
  }
  flags.Boolean("in-cluster");
  return flags;
}

// Assigns a checked flag value or returns its error from the enclosing function.
#define NBSCHED_ASSIGN_OR_RETURN(lhs, expr)       \
  do {                                            \
    auto value_or = (expr);                       \
    if (!value_or.ok()) return value_or.status(); \
    lhs = std::move(*value_or);                   \
  } while (false)

}  // namespace

std::string_view ServeUsage() { return kServeUsage; }

absl::StatusOr<ServeOptions> ParseServeOptions(int argc, const char* const* argv) {
  auto parsed_or = ServeFlags().Parse(argc, argv, 2);
  if (!parsed_or.ok()) return parsed_or.status();
  const FlagSet::Parsed& flags = *parsed_or;
  ServeOptions out;
  if (flags.help) {
    out.help = true;
    return out;
  }
  if (!flags.positional.empty()) {
    return absl::InvalidArgumentError("unexpected argument \"" + flags.positional[0] + "\"");
  }
  if (auto level = flags.Get("log-level")) {
    LogLevel parsed;
    if (!ParseLogLevel(*level, parsed)) {
      return absl::InvalidArgumentError(
          "flag --log-level must be debug, info, warn or error (got \"" + *level + "\")");
    }
    out.log_level = parsed;
  }
  if (!flags.Has("policy")) return absl::InvalidArgumentError("serve needs --policy FILE");
  out.policy_path = *flags.Get("policy");
  const int sources = flags.Has("snapshot") + flags.Has("kubeconfig") + flags.Has("in-cluster");
  if (sources != 1) {
    return absl::InvalidArgumentError(
        "serve needs exactly one of --snapshot, --kubeconfig, --in-cluster");
  }
  out.snapshot_path = flags.Get("snapshot").value_or("");
  out.kubeconfig_path = flags.Get("kubeconfig").value_or("");
  out.in_cluster = flags.Has("in-cluster");
  if (flags.Has("tls-cert") != flags.Has("tls-key")) {
    return absl::InvalidArgumentError("flags --tls-cert and --tls-key go together");
  }
  if (flags.Has("client-ca") && !flags.Has("tls-cert")) {
    return absl::InvalidArgumentError("flag --client-ca needs --tls-cert and --tls-key");
  }

  ServerOptions& http = out.http;
  if (auto listen = flags.Get("listen")) {
    HostPort address;
    NBSCHED_ASSIGN_OR_RETURN(address, FlagHostPort("listen", *listen));
    http.host = address.host;
    http.port = address.port;
  }
  if (auto v = flags.Get("threads")) {
    int64_t n = 0;
    NBSCHED_ASSIGN_OR_RETURN(n, FlagPositive("threads", *v));
    http.threads = static_cast<int>(n);
  }
  for (const auto& [flag, field] : {std::pair<const char*, size_t ServerOptions::*>{
                                        "max-body-bytes", &ServerOptions::max_body_bytes},
                                    {"max-header-bytes", &ServerOptions::max_header_bytes},
                                    {"max-connections", &ServerOptions::max_connections}}) {
    if (auto v = flags.Get(flag)) {
      int64_t n = 0;
      NBSCHED_ASSIGN_OR_RETURN(n, FlagPositive(flag, *v));
      http.*field = static_cast<size_t>(n);
    }
  }
  if (auto v = flags.Get("read-timeout")) {
    NBSCHED_ASSIGN_OR_RETURN(http.read_timeout, FlagDuration("read-timeout", *v));
  }
  if (auto v = flags.Get("idle-timeout")) {
    NBSCHED_ASSIGN_OR_RETURN(http.idle_timeout, FlagDuration("idle-timeout", *v));
  }
  if (auto v = flags.Get("max-nodes")) {
    int64_t n = 0;
    NBSCHED_ASSIGN_OR_RETURN(n, FlagPositive("max-nodes", *v));
    out.max_nodes = static_cast<size_t>(n);
  }
  if (flags.Has("tls-cert")) {
    http.tls = TlsOptions{.cert_file = *flags.Get("tls-cert"),
                          .key_file = *flags.Get("tls-key"),
                          .client_ca_file = flags.Get("client-ca").value_or("")};
  }
  if (auto v = flags.Get("grpc-listen")) {
    HostPort address;
    NBSCHED_ASSIGN_OR_RETURN(address, FlagHostPort("grpc-listen", *v));
    out.grpc_listen = *v;
    out.grpc_host = address.host;
    out.grpc_port = address.port;
  }
  out.scheduler_name = flags.Get("scheduler-name").value_or("");
  if (auto v = flags.Get("assume-ttl"); v && *v != "0") {
    int64_t n = 0;
    NBSCHED_ASSIGN_OR_RETURN(n, FlagPositive("assume-ttl", *v));
    out.assume_ttl = std::chrono::seconds(n);
  } else if (v) {
    out.assume_ttl = std::chrono::seconds(0);
  }

  // Usage source (interfaces.md §11).
  using Source = ServeOptions::MetricsSource;
  if (auto v = flags.Get("metrics-source")) {
    if (*v == "none") {
      out.metrics_source = Source::kNone;
    } else if (*v == "metrics.k8s.io") {
      if (!out.snapshot_path.empty()) {
        return absl::InvalidArgumentError(
            "flag --metrics-source metrics.k8s.io needs --kubeconfig or --in-cluster");
      }
      out.metrics_source = Source::kMetricsApi;
    } else if (v->rfind("prometheus=", 0) == 0) {
      out.prometheus_url = v->substr(std::string_view("prometheus=").size());
      const bool http_url = out.prometheus_url.rfind("http://", 0) == 0 ||
                            out.prometheus_url.rfind("https://", 0) == 0;
      if (!http_url || out.prometheus_url.find_first_of(" \t\r\n") != std::string::npos ||
          out.prometheus_url.size() <= std::string_view("https://").size()) {
        return absl::InvalidArgumentError(
            "flag --metrics-source prometheus=URL needs an http:// or https:// URL (got \"" + *v +
            "\")");
      }
      while (out.prometheus_url.size() > 8 && out.prometheus_url.back() == '/') {
        out.prometheus_url.pop_back();
      }
      out.metrics_source = Source::kPrometheus;
    } else {
      return absl::InvalidArgumentError(
          "flag --metrics-source must be none, metrics.k8s.io or prometheus=URL (got \"" + *v +
          "\")");
    }
  }
  if (auto v = flags.Get("metrics-interval")) {
    NBSCHED_ASSIGN_OR_RETURN(out.metrics_interval, FlagDuration("metrics-interval", *v));
  }
  if (auto v = flags.Get("metrics-max-age")) {
    NBSCHED_ASSIGN_OR_RETURN(out.metrics_max_age, FlagDuration("metrics-max-age", *v));
  }
  for (const auto& [flag, field] :
       {std::pair<const char*, std::string state::PrometheusQueries::*>{
            "prometheus-node-cpu-query", &state::PrometheusQueries::node_cpu},
        {"prometheus-node-memory-query", &state::PrometheusQueries::node_memory},
        {"prometheus-pod-cpu-query", &state::PrometheusQueries::pod_cpu},
        {"prometheus-pod-memory-query", &state::PrometheusQueries::pod_memory}}) {
    if (auto v = flags.Get(flag)) {
      if (out.metrics_source != Source::kPrometheus) {
        return absl::InvalidArgumentError(std::string("flag --") + flag +
                                          " needs --metrics-source prometheus=URL");
      }
      if (v->empty()) {
        return absl::InvalidArgumentError(std::string("flag --") + flag + " needs a query");
      }
      out.prometheus_queries.*field = *v;
    }
  }
  return out;
}

#undef NBSCHED_ASSIGN_OR_RETURN

std::string UsageSourceWarning(const framework::Policy& policy, bool has_usage_source) {
  if (has_usage_source) return "";
  if (!framework::PolicyUsesUsage(policy)) return "";
  std::string names;
  for (const auto& scorer : policy.scorers) {
    if (scorer.plugin != nullptr && scorer.plugin->UsesUsage()) {
      names += (names.empty() ? "" : ", ") + std::string(scorer.plugin->Name());
    }
  }
  return "the policy enables " + names +
         " but --metrics-source is none: it will score from requests";
}

int Serve(const ServeOptions& opts) {
  // Block the stop and reload signals before any thread starts (the live cluster's informers
  // and the usage poller start below: a thread that inherited them unblocked could take a
  // SIGTERM with its default action and kill the process), then wait for them at the end.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ConfigureAllocatorForServing();
  if (opts.log_level) SetLogLevel(*opts.log_level);
  if (opts.max_nodes) codec::SetMaxNodesPerRequest(*opts.max_nodes);
  ServerOptions options = opts.http;

  auto policy = config::LoadPolicyFile(opts.policy_path, framework::Registry::Default(), 1);
  if (!policy.ok()) {
    Log(LogLevel::kError, "invalid policy", {{"error", std::string(policy.status().message())}});
    return 1;
  }
  // Cluster state: a snapshot file, or list + watch from the API server.
  std::shared_ptr<const Snapshot> initial = SnapshotBuilder().Build();
  std::optional<state::KubeConfig> kube_config;
  // Snapshot mode: the file's pods, for a /bind of a pod this process did not judge (§10).
  auto snapshot_pods = std::make_shared<const state::PodsByKey>();
  if (!opts.snapshot_path.empty()) {
    state::PodsByKey pods;
    auto snapshot = state::LoadSnapshotFile(opts.snapshot_path, &pods);
    snapshot_pods = std::make_shared<const state::PodsByKey>(std::move(pods));
    if (!snapshot.ok()) {
      Log(LogLevel::kError, "invalid snapshot",
          {{"error", std::string(snapshot.status().message())}});
      return 1;
    }
    initial = *snapshot;
    Log(LogLevel::kInfo, "cluster snapshot loaded",
        {{"nodes", static_cast<int64_t>(initial->nodes().size())},
         {"pods", static_cast<int64_t>(initial->pod_count())}});
  } else {
    auto config = opts.in_cluster ? state::LoadInClusterConfig()
                                  : state::LoadKubeconfig(opts.kubeconfig_path);
    if (!config.ok()) {
      Log(LogLevel::kError, "invalid cluster configuration",
          {{"error", std::string(config.status().message())}});
      return 1;
    }
    kube_config = std::move(*config);
  }

  Published<framework::Policy> policies(*policy);
  state::ClusterState cluster(initial, opts.assume_ttl);
  // The GPUs a bound pod gets: the policy's choice (e.g. the FGD score's GPU), as the simulator.
  cluster.SetGpuChooser(
      [&policies](const Snapshot& snapshot, const Pod& pod, const NodeInfo& node) {
        return framework::ChooseGpus(*policies.Current(), snapshot, pod, node);
      });
  ExtenderOptions extender_options;
  FilterMemo filter_memo;
  extender_options.filter_memo = &filter_memo;
  extender_options.scheduler_name = opts.scheduler_name;
  // Metrics (interfaces.md §7): request counts and latency from the HTTP server, plugin timings
  // and nodes evaluated from the runner, policy generation from the watcher.
  Metrics metrics;
  metrics.SetPolicyGeneration((*policy)->generation);
  const auto publish_cache_sizes = [&metrics, &cluster] {
    const auto current = cluster.Current();
    metrics.SetCacheSizes(static_cast<int64_t>(current->nodes().size()),
                          static_cast<int64_t>(current->pod_count()));
  };
  publish_cache_sizes();
  const framework::PluginTimer plugin_timer = [&metrics](std::string_view plugin,
                                                         std::chrono::nanoseconds took) {
    metrics.ObservePlugin(plugin, took);
  };
  extender_options.plugin_timer = &plugin_timer;
  filter_memo.SetObserver([&metrics](bool hit) { metrics.CountFilterMemo(hit); });
  extender_options.on_nodes_evaluated = [&metrics](int64_t n) { metrics.AddNodesEvaluated(n); };
  options.observer = [&metrics](std::string_view path, int status, std::chrono::nanoseconds took) {
    metrics.ObserveRequest(path, status, took);
  };
  extender_options.find_pod = [snapshot_pods](const std::string& ns, const std::string& name) {
    const auto it = snapshot_pods->find(ns + "/" + name);
    return it == snapshot_pods->end() ? nullptr : it->second;
  };
  std::unique_ptr<state::LiveCluster> live;
  if (kube_config) {
    state::LiveOptions live_options;
    live_options.config = *kube_config;
    for (const auto& scorer : (*policy)->scorers) {
      live_options.watch_workloads |= scorer.plugin->Name() == "SelectorSpreadPriority";
    }
    live_options.on_watch_restart = [&metrics] { metrics.IncWatchRestarts(); };
    live_options.on_cache_sizes = [&metrics](int64_t nodes, int64_t pods) {
      metrics.SetCacheSizes(nodes, pods);
    };
    live_options.log = [](std::string_view level, std::string_view message) {
      LogLevel parsed = LogLevel::kInfo;
      ParseLogLevel(level, parsed);
      Log(parsed, message);
    };
    auto started = state::StartLiveCluster(std::move(live_options), cluster);
    if (!started.ok()) {
      Log(LogLevel::kError, "cannot reach the API server",
          {{"error", std::string(started.status().message())}});
      return 1;
    }
    live = std::move(*started);
    extender_options.not_ready_reason = [&live] { return live->NotReadyReason(); };
    extender_options.find_pod = [&live](const std::string& ns, const std::string& name) {
      return live->FindPod(ns, name);
    };
    extender_options.binder = [&live](const Pod& pod, const std::string& node) {
      Labels annotations;
      if (auto it = pod.annotations.find(kGpuIndexAnnotation); it != pod.annotations.end()) {
        annotations.emplace(it->first, it->second);
      }
      return live->Bind(pod, node, annotations);
    };
  }

  // Extension point: pollers and other services that feed the cluster state or the metrics
  // (issue 19's usage poller) start here, with `cluster`, `metrics`, `kube_config` and
  // `extender_options` at hand, and stop in the shutdown sequence below.

  // Usage source (interfaces.md §11): polled off the request path, published whole; the gauges
  // follow each poll and each scrape of /metrics.
  const bool has_usage_source = opts.metrics_source != ServeOptions::MetricsSource::kNone;
  if (const std::string warning = UsageSourceWarning(**policy, has_usage_source);
      !warning.empty()) {
    Log(LogLevel::kWarn, warning);
  }
  Published<UsageTable> usage;
  std::unique_ptr<state::UsagePoller> usage_poller;
  const auto publish_usage_gauges = [&metrics, &cluster, &usage] {
    const auto table = usage.Current();
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    metrics.SetUsageGauges(ComputeUsageGauges(table.get(), *cluster.Current(), now_ms));
  };
  if (has_usage_source) {
    state::UsagePollerOptions usage_options;
    state::KubeConfig usage_config;
    if (opts.metrics_source == ServeOptions::MetricsSource::kMetricsApi) {
      usage_options.source = state::UsageSourceKind::kMetricsApi;
      usage_config = *kube_config;  // the parser made sure there is one
    } else {
      usage_options.source = state::UsageSourceKind::kPrometheus;
      usage_options.queries = opts.prometheus_queries;
      usage_config.server = opts.prometheus_url;
    }
    usage_options.interval = opts.metrics_interval;
    usage_options.max_age = opts.metrics_max_age;
    // Logs a failure each time, and a recovery once (a source that stays down is still named
    // at every poll: its samples are ageing out).
    auto usage_failing = std::make_shared<bool>(false);
    usage_options.on_poll = [&publish_usage_gauges, usage_failing](const absl::Status& status,
                                                                   const UsageTable& table) {
      if (!status.ok()) {
        Log(LogLevel::kWarn, "usage source failed",
            {{"source", table.source}, {"error", std::string(status.message())}});
      } else if (*usage_failing) {
        Log(LogLevel::kInfo, "usage source back", {{"source", table.source}});
      }
      *usage_failing = !status.ok();
      publish_usage_gauges();
    };
    auto made = state::MakeUsagePoller(std::move(usage_config), std::move(usage_options), usage);
    if (!made.ok()) {
      Log(LogLevel::kError, "invalid usage source",
          {{"error", std::string(made.status().message())}});
      if (live) live->Stop();
      return 1;
    }
    usage_poller = std::move(*made);
    extender_options.usage = &usage;  // HTTP and gRPC read it once per usage-scored request
    usage_poller->Start();
    Log(LogLevel::kInfo, "usage source polled",
        {{"source", opts.metrics_source == ServeOptions::MetricsSource::kMetricsApi
                        ? std::string("metrics.k8s.io")
                        : opts.prometheus_url},
         {"interval_ms", static_cast<int64_t>(opts.metrics_interval.count())},
         {"max_age_ms", static_cast<int64_t>(opts.metrics_max_age.count())}});
  }

  ExtenderService service(cluster, policies, extender_options);

  // The policy file is watched (ConfigMap ..data swaps included) and reloaded on SIGHUP; a bad
  // version is logged and counted, the last good one stays.
  PolicyWatcher watcher({.path = opts.policy_path}, policies, framework::Registry::Default(),
                        [&metrics](bool ok, int64_t generation, const std::string&) {
                          if (ok) {
                            metrics.SetPolicyGeneration(generation);
                          } else {
                            metrics.IncPolicyReloadErrors();
                          }
                        });

  watcher.Start();

  HttpServer http(options);
  service.Register(http);
  http.Route("GET", "/metrics",
             [&metrics, &usage_poller, &publish_usage_gauges](const HttpRequest&) {
               if (usage_poller) publish_usage_gauges();
               HttpResponse r;
               r.content_type = "text/plain; version=0.0.4; charset=utf-8";
               r.body = metrics.Render();
               return r;
             });
  auto port = http.Start();
  if (!port.ok()) {
    Log(LogLevel::kError, "cannot listen", {{"error", std::string(port.status().message())}});
    watcher.Stop();
    if (usage_poller) usage_poller->Stop();
    if (live) live->Stop();
    return 1;
  }
  const std::string shown_host = options.host == "0.0.0.0" ? "127.0.0.1" : options.host;
  Log(LogLevel::kInfo, "serving", {{"listen", options.host + ":" + std::to_string(*port)}});
  std::cout << "nbsched ready on " << (options.tls ? "https" : "http") << "://" << shown_host << ":"
            << *port << std::endl;

  // gRPC beside HTTP: same cluster state, policy and options, so the same answers.
  std::unique_ptr<GrpcService> grpc_service;
  std::unique_ptr<GrpcServer> grpc_server;
  if (opts.grpc_listen) {
    grpc_service = std::make_unique<GrpcService>(cluster, policies, extender_options);
    grpc_server = std::make_unique<GrpcServer>(
        *grpc_service,
        GrpcServerOptions{.address = *opts.grpc_listen,
                          .tls = options.tls ? std::optional<GrpcTlsFiles>(GrpcTlsFiles{
                                                   .cert_file = options.tls->cert_file,
                                                   .key_file = options.tls->key_file,
                                                   .client_ca_file = options.tls->client_ca_file})
                                             : std::nullopt});
    auto bound = grpc_server->Start();
    if (!bound.ok()) {
      Log(LogLevel::kError, "cannot listen", {{"error", std::string(bound.status().message())}});
      http.Stop(std::chrono::seconds(0));
      watcher.Stop();
      if (usage_poller) usage_poller->Stop();
      if (live) live->Stop();
      return 1;
    }
    const std::string grpc_shown = opts.grpc_host == "0.0.0.0" ? "127.0.0.1" : opts.grpc_host;
    Log(LogLevel::kInfo, "serving gRPC",
        {{"listen", opts.grpc_host + ":" + std::to_string(*bound)}});
    std::cout << "nbsched gRPC ready on " << grpc_shown << ":" << *bound << std::endl;
  }

  // Assumed pods that nothing confirmed expire (snapshot mode has no watch to confirm them).
  std::mutex janitor_mu;
  std::condition_variable janitor_cv;
  bool stopping = false;
  std::thread janitor([&] {
    std::unique_lock<std::mutex> lock(janitor_mu);
    while (!janitor_cv.wait_for(lock, std::chrono::seconds(1), [&] { return stopping; })) {
      if (const size_t n = cluster.ExpireAssumed(); n > 0) {
        Log(LogLevel::kInfo, "assumed pods expired", {{"count", static_cast<int64_t>(n)}});
      }
      if (!live) publish_cache_sizes();
    }
  });

  int received = 0;
  for (;;) {
    sigwait(&signals, &received);
    if (received != SIGHUP) break;
    if (const absl::Status reloaded = watcher.ReloadNow(); !reloaded.ok()) {
      Log(LogLevel::kWarn, "SIGHUP: policy not reloaded",
          {{"error", std::string(reloaded.message())}});
    }
  }
  watcher.Stop();
  {
    std::lock_guard<std::mutex> lock(janitor_mu);
    stopping = true;
  }
  janitor_cv.notify_all();
  janitor.join();
  Log(LogLevel::kInfo, "shutting down", {{"signal", static_cast<int64_t>(received)}});
  if (grpc_server) grpc_server->Stop(std::chrono::seconds(10));
  http.Stop(std::chrono::seconds(10));
  if (usage_poller) usage_poller->Stop();
  if (live) live->Stop();
  return 0;
}

}  // namespace nbsched::server
