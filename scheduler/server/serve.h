#pragma once

/// `nbsched serve` (interfaces.md §2, §3): the command line parsed into ServeOptions, and the
/// server run from them (cluster state, policy watcher, metrics, live cluster, HTTP and gRPC).
/// Parsing is separate from running so the flags can be tested and extended on their own:
/// ParseServeOptions only reads and checks argv (no file is opened, nothing listens), Serve
/// opens and serves until SIGINT/SIGTERM (SIGHUP reloads the policy).
///
/// Adding a flag (e.g. issue 19's --metrics-source, --metrics-interval, --metrics-max-age):
///   1. a field in ServeOptions (the block marked "usage metrics" is reserved for them);
///   2. one line in ServeFlags() in serve.cc, plus its check/conversion in
///      ParseServeOptions (helpers in command_line.h: FlagPositive, FlagDuration, FlagHostPort);
///   3. its line in ServeUsage();
///   4. what it starts, in Serve() at the "extension point" comment (after the cluster state
///      and metrics exist, before the HTTP server starts), stopped on the way out.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "scheduler/framework/policy.h"
#include "scheduler/server/http_server.h"
#include "scheduler/server/log.h"
#include "scheduler/state/usage_poller.h"

namespace nbsched::server {

struct ServeOptions {
  bool help = false;  // --help / -h: print ServeUsage() and exit 0, nothing else is checked

  std::string policy_path;  // --policy FILE (required)
  // Exactly one cluster source.
  std::string snapshot_path;    // --snapshot FILE
  std::string kubeconfig_path;  // --kubeconfig FILE
  bool in_cluster = false;      // --in-cluster

  /// --listen, --threads, --max-body-bytes, --max-header-bytes, --max-connections,
  /// --read-timeout, --idle-timeout, --tls-cert/--tls-key/--client-ca (observer unset).
  ServerOptions http;
  std::optional<std::string> grpc_listen;  // --grpc-listen HOST:PORT as given
  std::string grpc_host;                   // its parts, checked by the parser
  uint16_t grpc_port = 0;

  std::optional<LogLevel> log_level;     // --log-level; unset: the logger's default (info)
  std::optional<size_t> max_nodes;       // --max-nodes; unset: the codec's default (10000)
  std::string scheduler_name;            // --scheduler-name; empty: every pod is judged
  std::chrono::seconds assume_ttl{600};  // --assume-ttl; 0 = never expire

  // --- usage metrics (issue 19, interfaces.md §11) ---
  enum class MetricsSource { kNone, kMetricsApi, kPrometheus };
  MetricsSource metrics_source = MetricsSource::kNone;  // --metrics-source
  std::string prometheus_url;                           // of --metrics-source prometheus=URL
  std::chrono::milliseconds metrics_interval{std::chrono::seconds(30)};  // --metrics-interval
  std::chrono::milliseconds metrics_max_age{std::chrono::minutes(2)};    // --metrics-max-age
  state::PrometheusQueries prometheus_queries;  // --prometheus-{node,pod}-{cpu,memory}-query
};

/// The warning for a policy with a usage-aware priority while no usage source is configured
/// ("" when there is nothing to say). serve logs it at start; check-policy prints it to stderr.
std::string UsageSourceWarning(const framework::Policy& policy, bool has_usage_source);

/// The `nbsched serve --help` text.
std::string_view ServeUsage();

/// Parses `nbsched serve ...`: argv[0] is the program, argv[1] "serve", flags from argv[2].
/// `--name VALUE` and `--name=VALUE` both work; a flag given twice keeps the last value.
/// InvalidArgument with a one-line message naming the flag (no "nbsched: " prefix) for an
/// unknown flag, a missing or malformed value, a missing --policy or cluster source, or a stray
/// argument; the caller prints it and exits 2.
[[nodiscard]] absl::StatusOr<ServeOptions> ParseServeOptions(int argc, const char* const* argv);

/// Runs the server until SIGINT or SIGTERM. Returns the process exit code: 0 after a clean stop,
/// 1 if the policy, snapshot or cluster configuration is invalid or it cannot listen. Blocks
/// SIGINT, SIGTERM and SIGHUP in the calling thread (and so in every thread it starts).
int Serve(const ServeOptions& options);

}  // namespace nbsched::server
