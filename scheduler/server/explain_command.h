#pragma once

/// `nbsched explain --kubeconfig FILE [--server URL | --policy FILE] NAMESPACE/POD`: why is this
/// pod Pending, why on that node. Reads the pod and the node names from the API server, then
/// asks a running nbsched's POST /explain at URL, or (no --server) runs the same engine locally
/// on a fresh list of the cluster with the policy FILE, and prints one summary line and a table
/// per node: feasible, each priority's 0..100 score, the weighted sum S, the 0..10 extender
/// score, the reasons. Exit 0 on an answer, 1 when the pod is unknown or a server cannot be
/// asked (message on stderr), 2 for a bad command line.

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace nbsched::server {

struct ExplainCommandOptions {
  bool help = false;
  std::string kubeconfig_path;  // --kubeconfig FILE (required)
  std::string context;          // --context NAME; empty: the kubeconfig's current-context
  std::string server_url;       // --server URL of a running nbsched; empty: local engine
  std::string server_ca_path;   // --server-ca FILE: PEM CA for an https:// --server
  std::string policy_path;      // --policy FILE (required without --server)
  std::string pod_namespace;
  std::string pod_name;
};

std::string_view ExplainUsage();

/// Parses `nbsched explain ...` (argv[1] is "explain"). InvalidArgument naming the flag or
/// argument; the caller prints it and exits 2.
[[nodiscard]] absl::StatusOr<ExplainCommandOptions> ParseExplainOptions(int argc,
                                                                        const char* const* argv);

/// Runs the command; returns its exit code (0 or 1).
int RunExplain(const ExplainCommandOptions& options, std::ostream& out, std::ostream& err);

/// The table for an /explain reply (interfaces.md §4) of `pod_phase` pod (for the summary).
/// Exposed for tests.
std::string FormatExplain(const std::string& explain_json, const std::string& bound_node);

}  // namespace nbsched::server
