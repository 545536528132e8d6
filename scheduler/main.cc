// nbsched: a kube-scheduler extender for notebook clusters. Command line per interfaces.md §2.

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "scheduler/codec/extender_codec.h"
#include "scheduler/config/policy_loader.h"
#include "scheduler/framework/registry.h"
#include "scheduler/framework/runner.h"
#include "scheduler/model/gpu.h"
#include "scheduler/server/extender_service.h"
#include "scheduler/server/grpc_service.h"
#include "scheduler/server/http_server.h"
#include "scheduler/server/log.h"
#include "scheduler/server/metrics.h"
#include "scheduler/server/policy_watcher.h"
#include "scheduler/server/scheduling_core.h"
#include "scheduler/simulate/simulate_main.h"
#include "scheduler/state/cluster_state.h"
#include "scheduler/state/live_cluster.h"

namespace nbsched {
namespace {

constexpr std::string_view kVersion = "0.1.0";

constexpr std::string_view kUsage =
    R"(usage: nbsched <command> [flags]

commands:
  serve         run the extender (HTTP) on a cluster snapshot
  check-policy  validate a policy file and print it normalised
  simulate      replay a workload through the same engine and compare policies (CSV, plots)
  version       print the version

Run 'nbsched <command> --help' for the flags of a command.
)";

constexpr std::string_view kServeUsage =
    R"(usage: nbsched serve --policy FILE (--snapshot FILE | --kubeconfig FILE | --in-cluster)
                     [--listen HOST:PORT] [--grpc-listen HOST:PORT]
                     [--tls-cert F --tls-key F [--client-ca F]]
                     [--threads N] [--max-body-bytes N] [--log-level debug|info|warn|error]
                     [--scheduler-name NAME] [--max-header-bytes N] [--max-nodes N]
                     [--max-connections N] [--read-timeout D] [--idle-timeout D]

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
)";

constexpr std::string_view kCheckPolicyUsage =
    R"(usage: nbsched check-policy FILE

Validates a policy file as the server would and prints it normalised. Exit 1 with a message
naming the line if it is invalid.
)";

[[noreturn]] void UsageError(const std::string& message) {
  std::cerr << "nbsched: " << message << "\n";
  std::exit(2);
}

// Flags as --name VALUE or --name=VALUE; boolean flags take no value.
struct Flags {
  std::map<std::string, std::string> values;
  std::vector<std::string> positional;
  bool help = false;
};

Flags ParseFlags(int argc, char** argv, int first, const std::vector<std::string>& with_value,
                 const std::vector<std::string>& booleans) {
  Flags flags;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      flags.help = true;
      continue;
    }
    if (!arg.starts_with("--")) {
      flags.positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (std::find(booleans.begin(), booleans.end(), name) != booleans.end()) {
      if (value) UsageError("flag --" + name + " takes no value");
      flags.values[name] = "true";
      continue;
    }
    if (std::find(with_value.begin(), with_value.end(), name) == with_value.end()) {
      UsageError("unknown flag --" + name);
    }
    if (!value) {
      if (i + 1 >= argc) UsageError("flag --" + name + " needs a value");
      value = argv[++i];
    }
    flags.values[name] = *value;
  }
  return flags;
}

int64_t ParsePositive(const std::string& flag, const std::string& text) {
  try {
    size_t used = 0;
    const long long v = std::stoll(text, &used);
    if (used == text.size() && v > 0) return v;
  } catch (const std::exception&) {
  }
  UsageError("flag --" + flag + " needs a positive integer (got \"" + text + "\")");
}

// A duration flag: N (seconds), Nms, Ns or Nm; positive.
std::chrono::milliseconds ParseDuration(const std::string& flag, const std::string& text) {
  std::string number = text;
  int64_t unit_ms = 1000;
  for (const auto& [suffix, ms] :
       {std::pair<std::string_view, int64_t>{"ms", 1}, {"s", 1000}, {"m", 60000}}) {
    if (text.size() > suffix.size() && text.ends_with(suffix)) {
      number = text.substr(0, text.size() - suffix.size());
      unit_ms = ms;
      break;
    }
  }
  try {
    size_t used = 0;
    const long long n = std::stoll(number, &used);
    if (used == number.size() && n > 0 && n <= (int64_t{1} << 40)) {
      return std::chrono::milliseconds(n * unit_ms);
    }
  } catch (const std::exception&) {
  }
  UsageError("flag --" + flag + " needs a positive duration such as 10s or 500ms (got \"" + text +
             "\")");
}

bool SplitHostPort(const std::string& text, std::string& host, uint16_t& port) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  try {
    size_t used = 0;
    const int p = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || p < 0 || p > 65535) return false;
    port = static_cast<uint16_t>(p);
  } catch (const std::exception&) {
    return false;
  }
  return !host.empty();
}

int CheckPolicy(int argc, char** argv) {
  Flags flags = ParseFlags(argc, argv, 2, {}, {});
  if (flags.help) {
    std::cout << kCheckPolicyUsage;
    return 0;
  }
  if (flags.positional.size() != 1) UsageError("check-policy takes exactly one FILE");
  auto policy = config::LoadPolicyFile(flags.positional[0], framework::Registry::Default(), 1);
  if (!policy.ok()) {
    std::cerr << policy.status().message() << "\n";
    return 1;
  }
  std::cout << (*policy)->ToYaml();
  return 0;
}

int Serve(int argc, char** argv) {
  Flags flags = ParseFlags(
      argc, argv, 2,
      {"policy", "snapshot", "kubeconfig", "listen", "grpc-listen", "tls-cert", "tls-key",
       "client-ca", "threads", "max-body-bytes", "log-level", "scheduler-name", "assume-ttl",
       "max-header-bytes", "max-nodes", "max-connections", "read-timeout", "idle-timeout"},
      {"in-cluster"});
  server::ConfigureAllocatorForServing();
  if (flags.help) {
    std::cout << kServeUsage;
    return 0;
  }
  if (!flags.positional.empty()) UsageError("unexpected argument \"" + flags.positional[0] + "\"");
  auto& v = flags.values;
  if (auto it = v.find("log-level"); it != v.end()) {
    server::LogLevel level;
    if (!server::ParseLogLevel(it->second, level)) {
      UsageError("flag --log-level must be debug, info, warn or error (got \"" + it->second +
                 "\")");
    }
    server::SetLogLevel(level);
  }
  if (!v.contains("policy")) UsageError("serve needs --policy FILE");
  const int sources = v.contains("snapshot") + v.contains("kubeconfig") + v.contains("in-cluster");
  if (sources != 1) UsageError("serve needs exactly one of --snapshot, --kubeconfig, --in-cluster");
  if (v.contains("tls-cert") != v.contains("tls-key")) {
    UsageError("flags --tls-cert and --tls-key go together");
  }
  if (v.contains("client-ca") && !v.contains("tls-cert")) {
    UsageError("flag --client-ca needs --tls-cert and --tls-key");
  }

  server::ServerOptions options;
  options.host = "0.0.0.0";
  options.port = 8888;
  if (auto it = v.find("listen");
      it != v.end() && !SplitHostPort(it->second, options.host, options.port)) {
    UsageError("flag --listen needs HOST:PORT (got \"" + it->second + "\")");
  }
  if (auto it = v.find("threads"); it != v.end())
    options.threads = static_cast<int>(ParsePositive("threads", it->second));
  if (auto it = v.find("max-body-bytes"); it != v.end()) {
    options.max_body_bytes = static_cast<size_t>(ParsePositive("max-body-bytes", it->second));
  }
  if (auto it = v.find("max-header-bytes"); it != v.end()) {
    options.max_header_bytes = static_cast<size_t>(ParsePositive("max-header-bytes", it->second));
  }
  if (auto it = v.find("max-connections"); it != v.end()) {
    options.max_connections = static_cast<size_t>(ParsePositive("max-connections", it->second));
  }
  if (auto it = v.find("read-timeout"); it != v.end()) {
    options.read_timeout = ParseDuration("read-timeout", it->second);
  }
  if (auto it = v.find("idle-timeout"); it != v.end()) {
    options.idle_timeout = ParseDuration("idle-timeout", it->second);
  }
  if (auto it = v.find("max-nodes"); it != v.end()) {
    codec::SetMaxNodesPerRequest(static_cast<size_t>(ParsePositive("max-nodes", it->second)));
  }
  if (v.contains("tls-cert")) {
    options.tls = server::TlsOptions{
        .cert_file = v["tls-cert"], .key_file = v["tls-key"], .client_ca_file = v["client-ca"]};
  }

  auto policy = config::LoadPolicyFile(v["policy"], framework::Registry::Default(), 1);
  if (!policy.ok()) {
    server::Log(server::LogLevel::kError, "invalid policy",
                {{"error", std::string(policy.status().message())}});
    return 1;
  }
  // Cluster state: a snapshot file, or list + watch from the API server.
  std::shared_ptr<const Snapshot> initial = SnapshotBuilder().Build();
  std::optional<state::KubeConfig> kube_config;
  if (v.contains("snapshot")) {
    auto snapshot = state::LoadSnapshotFile(v["snapshot"]);
    if (!snapshot.ok()) {
      server::Log(server::LogLevel::kError, "invalid snapshot",
                  {{"error", std::string(snapshot.status().message())}});
      return 1;
    }
    initial = *snapshot;
    server::Log(server::LogLevel::kInfo, "cluster snapshot loaded",
                {{"nodes", static_cast<int64_t>(initial->nodes().size())},
                 {"pods", static_cast<int64_t>(initial->pod_count())}});
  } else {
    auto config = v.contains("in-cluster") ? state::LoadInClusterConfig()
                                           : state::LoadKubeconfig(v["kubeconfig"]);
    if (!config.ok()) {
      server::Log(server::LogLevel::kError, "invalid cluster configuration",
                  {{"error", std::string(config.status().message())}});
      return 1;
    }
    kube_config = std::move(*config);
  }

  std::chrono::seconds assume_ttl(600);
  if (auto it = v.find("assume-ttl"); it != v.end()) {
    assume_ttl =
        std::chrono::seconds(it->second == "0" ? 0 : ParsePositive("assume-ttl", it->second));
  }
  Published<framework::Policy> policies(*policy);
  state::ClusterState cluster(initial, assume_ttl);
  // The GPUs a bound pod gets: the policy's choice (e.g. the FGD score's GPU), as the simulator.
  cluster.SetGpuChooser(
      [&policies](const Snapshot& snapshot, const Pod& pod, const NodeInfo& node) {
        return framework::ChooseGpus(*policies.Current(), snapshot, pod, node);
      });
  server::ExtenderOptions extender_options;
  server::FilterMemo filter_memo;
  extender_options.filter_memo = &filter_memo;
  if (auto it = v.find("scheduler-name"); it != v.end())
    extender_options.scheduler_name = it->second;
  // Metrics (interfaces.md §7): request counts and latency from the HTTP server, plugin timings
  // and nodes evaluated from the runner, policy generation from the watcher.
  server::Metrics metrics;
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
      server::LogLevel parsed = server::LogLevel::kInfo;
      server::ParseLogLevel(level, parsed);
      server::Log(parsed, message);
    };
    auto started = state::StartLiveCluster(std::move(live_options), cluster);
    if (!started.ok()) {
      server::Log(server::LogLevel::kError, "cannot reach the API server",
                  {{"error", std::string(started.status().message())}});
      return 1;
    }
    live = std::move(*started);
    extender_options.not_ready_reason = [&live] { return live->NotReadyReason(); };
    extender_options.binder = [&live](const Pod& pod, const std::string& node) {
      Labels annotations;
      if (auto it = pod.annotations.find(kGpuIndexAnnotation); it != pod.annotations.end()) {
        annotations.emplace(it->first, it->second);
      }
      return live->Bind(pod, node, annotations);
    };
  }
  server::ExtenderService service(cluster, policies, extender_options);

  // The policy file is watched (ConfigMap ..data swaps included) and reloaded on SIGHUP; a bad
  // version is logged and counted, the last good one stays.
  server::PolicyWatcher watcher({.path = v["policy"]}, policies, framework::Registry::Default(),
                                [&metrics](bool ok, int64_t generation, const std::string&) {
                                  if (ok) {
                                    metrics.SetPolicyGeneration(generation);
                                  } else {
                                    metrics.IncPolicyReloadErrors();
                                  }
                                });

  // Block the stop and reload signals before any thread starts, then wait for them here.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  watcher.Start();

  server::HttpServer http(options);
  service.Register(http);
  http.Route("GET", "/metrics", [&metrics](const server::HttpRequest&) {
    server::HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics.Render();
    return r;
  });
  auto port = http.Start();
  if (!port.ok()) {
    server::Log(server::LogLevel::kError, "cannot listen",
                {{"error", std::string(port.status().message())}});
    return 1;
  }
  const std::string shown_host = options.host == "0.0.0.0" ? "127.0.0.1" : options.host;
  server::Log(server::LogLevel::kInfo, "serving",
              {{"listen", options.host + ":" + std::to_string(*port)}});
  std::cout << "nbsched ready on " << (options.tls ? "https" : "http") << "://" << shown_host << ":"
            << *port << std::endl;

  // gRPC beside HTTP: same cluster state, policy and options, so the same answers.
  std::unique_ptr<server::GrpcService> grpc_service;
  std::unique_ptr<server::GrpcServer> grpc_server;
  if (auto it = v.find("grpc-listen"); it != v.end()) {
    std::string grpc_host;
    uint16_t grpc_port = 0;
    if (!SplitHostPort(it->second, grpc_host, grpc_port)) {
      http.Stop(std::chrono::seconds(0));
      UsageError("flag --grpc-listen needs HOST:PORT (got \"" + it->second + "\")");
    }
    grpc_service = std::make_unique<server::GrpcService>(cluster, policies, extender_options);
    grpc_server = std::make_unique<server::GrpcServer>(
        *grpc_service,
        server::GrpcServerOptions{
            .address = it->second,
            .tls = options.tls ? std::optional<server::GrpcTlsFiles>(server::GrpcTlsFiles{
                                     .cert_file = options.tls->cert_file,
                                     .key_file = options.tls->key_file,
                                     .client_ca_file = options.tls->client_ca_file})
                               : std::nullopt});
    auto bound = grpc_server->Start();
    if (!bound.ok()) {
      server::Log(server::LogLevel::kError, "cannot listen",
                  {{"error", std::string(bound.status().message())}});
      http.Stop(std::chrono::seconds(0));
      return 1;
    }
    const std::string grpc_shown = grpc_host == "0.0.0.0" ? "127.0.0.1" : grpc_host;
    server::Log(server::LogLevel::kInfo, "serving gRPC",
                {{"listen", grpc_host + ":" + std::to_string(*bound)}});
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
        server::Log(server::LogLevel::kInfo, "assumed pods expired",
                    {{"count", static_cast<int64_t>(n)}});
      }
      if (!live) publish_cache_sizes();
    }
  });

  int received = 0;
  for (;;) {
    sigwait(&signals, &received);
    if (received != SIGHUP) break;
    if (const absl::Status reloaded = watcher.ReloadNow(); !reloaded.ok()) {
      server::Log(server::LogLevel::kWarn, "SIGHUP: policy not reloaded",
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
  server::Log(server::LogLevel::kInfo, "shutting down",
              {{"signal", static_cast<int64_t>(received)}});
  if (grpc_server) grpc_server->Stop(std::chrono::seconds(10));
  http.Stop(std::chrono::seconds(10));
  if (live) live->Stop();
  return 0;
}

int Main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string_view command = argv[1];
  if (command == "serve") return Serve(argc, argv);
  if (command == "check-policy") return CheckPolicy(argc, argv);
  if (command == "simulate") return simulate::RunSimulate(argc, argv);
  if (command == "version" || command == "--version") {
    std::cout << "nbsched " << kVersion << "\n";
    return 0;
  }
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return 0;
  }
  UsageError("unknown command \"" + std::string(command) + "\" (see nbsched --help)");
}

}  // namespace
}  // namespace nbsched

int main(int argc, char** argv) { return nbsched::Main(argc, argv); }
