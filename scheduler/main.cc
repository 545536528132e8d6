// nbsched: a kube-scheduler extender for notebook clusters. Command line per interfaces.md §2.

#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "scheduler/config/policy_loader.h"
#include "scheduler/framework/registry.h"
#include "scheduler/server/command_line.h"
#include "scheduler/server/explain_command.h"
#include "scheduler/server/serve.h"
#include "scheduler/simulate/simulate_main.h"

namespace nbsched {
namespace {

constexpr std::string_view kVersion = "0.1.0";

constexpr std::string_view kUsage =
    R"(usage: nbsched <command> [flags]

commands:
  serve         run the extender (HTTP) on a cluster snapshot
  check-policy  validate a policy file and print it normalised
  explain       why a pod is Pending, or why on that node: a table per node
  simulate      replay a workload through the same engine and compare policies (CSV, plots)
  version       print the version

Run 'nbsched <command> --help' for the flags of a command.
)";

constexpr std::string_view kCheckPolicyUsage =
    R"(usage: nbsched check-policy FILE [--metrics-source none|metrics.k8s.io|prometheus=URL]

Validates a policy file as the server would and prints it normalised. Exit 1 with a message
naming the line if it is invalid. A policy that enables a usage-aware priority is valid
without a usage source, with a warning on stderr (exit 0) that it will score from requests;
--metrics-source as serve would get it (default none) says whether there is one.
)";

constexpr std::string_view kVersionUsage =
    R"(usage: nbsched version

Prints the version.
)";

[[noreturn]] void UsageError(const std::string& message) {
  std::cerr << "nbsched: " << message << "\n";
  std::exit(2);
}

server::FlagSet::Parsed ParseOrExit(const server::FlagSet& flags, int argc, char** argv) {
  auto parsed = flags.Parse(argc, argv, 2);
  if (!parsed.ok()) UsageError(std::string(parsed.status().message()));
  return std::move(*parsed);
}

int CheckPolicy(int argc, char** argv) {
  server::FlagSet flag_set;
  flag_set.Value("metrics-source");
  const server::FlagSet::Parsed flags = ParseOrExit(flag_set, argc, argv);
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
  const std::string source = flags.Get("metrics-source").value_or("none");
  if (const std::string warning = server::UsageSourceWarning(**policy, source != "none");
      !warning.empty()) {
    std::cerr << "nbsched: warning: " << warning << "\n";
  }
  return 0;
}

int Version(int argc, char** argv) {
  const server::FlagSet::Parsed flags = ParseOrExit(server::FlagSet(), argc, argv);
  if (flags.help) {
    std::cout << kVersionUsage;
    return 0;
  }
  if (!flags.positional.empty()) {
    UsageError("unexpected argument \"" + flags.positional[0] + "\"");
  }
  std::cout << "nbsched " << kVersion << "\n";
  return 0;
}

int Serve(int argc, char** argv) {
  auto options = server::ParseServeOptions(argc, argv);
  if (!options.ok()) UsageError(std::string(options.status().message()));
  if (options->help) {
    std::cout << server::ServeUsage();
    return 0;
  }
  return server::Serve(*options);
}

int Explain(int argc, char** argv) {
  auto options = server::ParseExplainOptions(argc, argv);
  if (!options.ok()) UsageError(std::string(options.status().message()));
  if (options->help) {
    std::cout << server::ExplainUsage();
    return 0;
  }
  return server::RunExplain(*options, std::cout, std::cerr);
}

int Main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string_view command = argv[1];
  if (command == "serve") return Serve(argc, argv);
  if (command == "check-policy") return CheckPolicy(argc, argv);
  if (command == "explain") return Explain(argc, argv);
  if (command == "simulate") return simulate::RunSimulate(argc, argv);
  if (command == "version" || command == "--version") return Version(argc, argv);
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return 0;
  }
  UsageError("unknown command \"" + std::string(command) + "\" (see nbsched --help)");
}

}  // namespace
}  // namespace nbsched

int main(int argc, char** argv) { return nbsched::Main(argc, argv); }
