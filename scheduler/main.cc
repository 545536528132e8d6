// nbsched: a kube-scheduler extender for notebook clusters. Command line per interfaces.md §2.

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
#include <vector>

#include "scheduler/config/policy_loader.h"
#include "scheduler/framework/registry.h"
#include "scheduler/server/extender_service.h"
#include "scheduler/server/http_server.h"
#include "scheduler/server/log.h"
#include "scheduler/state/cluster_state.h"

namespace nbsched {
namespace {

constexpr std::string_view kVersion = "0.1.0";

constexpr std::string_view kUsage =
    R"(usage: nbsched <command> [flags]

commands:
  serve         run the extender (HTTP) on a cluster snapshot
  check-policy  validate a policy file and print it normalised
  version       print the version

Run 'nbsched <command> --help' for the flags of a command.
)";

constexpr std::string_view kServeUsage =
    R"(usage: nbsched serve --policy FILE (--snapshot FILE | --kubeconfig FILE | --in-cluster)
                     [--listen HOST:PORT] [--grpc-listen HOST:PORT]
                     [--tls-cert F --tls-key F [--client-ca F]]
                     [--threads N] [--max-body-bytes N] [--log-level debug|info|warn|error]
                     [--scheduler-name NAME]

  --policy FILE          policy.yaml (predicates, weighted priorities)
  --snapshot FILE        cluster state: a 'kubectl get nodes,pods,services,rc,rs,statefulsets
                         -A -o json' List
  --listen HOST:PORT     HTTP address (default 0.0.0.0:8888)
  --threads N            worker threads (default: number of cores)
  --max-body-bytes N     largest request body accepted (default 268435456); larger gets 413
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
       "client-ca", "threads", "max-body-bytes", "log-level", "scheduler-name", "assume-ttl"},
      {"in-cluster"});
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
  for (const char* unsupported :
       {"kubeconfig", "in-cluster", "grpc-listen", "tls-cert", "tls-key", "client-ca"}) {
    if (v.contains(unsupported))
      UsageError(std::string("flag --") + unsupported + " is not supported by this build yet");
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

  auto policy = config::LoadPolicyFile(v["policy"], framework::Registry::Default(), 1);
  if (!policy.ok()) {
    server::Log(server::LogLevel::kError, "invalid policy",
                {{"error", std::string(policy.status().message())}});
    return 1;
  }
  auto snapshot = state::LoadSnapshotFile(v["snapshot"]);
  if (!snapshot.ok()) {
    server::Log(server::LogLevel::kError, "invalid snapshot",
                {{"error", std::string(snapshot.status().message())}});
    return 1;
  }
  server::Log(server::LogLevel::kInfo, "cluster snapshot loaded",
              {{"nodes", static_cast<int64_t>((*snapshot)->nodes().size())},
               {"pods", static_cast<int64_t>((*snapshot)->pod_count())}});

  std::chrono::seconds assume_ttl(600);
  if (auto it = v.find("assume-ttl"); it != v.end()) {
    assume_ttl =
        std::chrono::seconds(it->second == "0" ? 0 : ParsePositive("assume-ttl", it->second));
  }
  state::ClusterState cluster(*snapshot, assume_ttl);
  Published<framework::Policy> policies(*policy);
  server::ExtenderOptions extender_options;
  if (auto it = v.find("scheduler-name"); it != v.end())
    extender_options.scheduler_name = it->second;
  server::ExtenderService service(cluster, policies, extender_options);

  // Block the stop signals before any thread starts, then wait for one here.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  server::HttpServer http(options);
  service.Register(http);
  auto port = http.Start();
  if (!port.ok()) {
    server::Log(server::LogLevel::kError, "cannot listen",
                {{"error", std::string(port.status().message())}});
    return 1;
  }
  const std::string shown_host = options.host == "0.0.0.0" ? "127.0.0.1" : options.host;
  server::Log(server::LogLevel::kInfo, "serving",
              {{"listen", options.host + ":" + std::to_string(*port)}});
  std::cout << "nbsched ready on http://" << shown_host << ":" << *port << std::endl;

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
    }
  });

  int received = 0;
  sigwait(&signals, &received);
  {
    std::lock_guard<std::mutex> lock(janitor_mu);
    stopping = true;
  }
  janitor_cv.notify_all();
  janitor.join();
  server::Log(server::LogLevel::kInfo, "shutting down",
              {{"signal", static_cast<int64_t>(received)}});
  http.Stop(std::chrono::seconds(10));
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
