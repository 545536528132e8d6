// A small nbsched gRPC client to copy from: explains where pods would go, over one
// ScoreMany stream (one snapshot and policy for all of them), against every node or the named
// ones.
//
//   nbsched serve --policy examples/policy.yaml --snapshot examples/cluster.json
//       --listen 127.0.0.1:8888 --grpc-listen 127.0.0.1:9090 &
//   nbsched_grpc_example 127.0.0.1:9090 examples/notebook-pod.json
//       examples/gpu-notebook-pod.json [--nodes worker-1,gpu-1]
// (see README.md).

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "nbsched/v1/scheduler.grpc.pb.h"

namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

void Print(const nbsched::v1::ExplainResponse& explain) {
  std::cout << explain.pod() << " (policy generation " << explain.policy_generation() << ")\n";
  for (const auto& node : explain.nodes()) {
    std::cout << "  " << node.name() << ": ";
    if (!node.feasible()) {
      std::cout << "does not fit:";
      for (const auto& reason : node.reasons()) std::cout << " [" << reason << "]";
      std::cout << "\n";
      continue;
    }
    std::cout << "score " << node.extender_score() << "/10 (weighted sum " << node.weighted()
              << ";";
    for (const auto& [priority, score] : node.scores())
      std::cout << " " << priority << "=" << score;
    std::cout << ")\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string target;
  std::vector<std::string> pod_files;
  std::vector<std::string> nodes;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--nodes" && i + 1 < argc) {
      std::stringstream list(argv[++i]);
      for (std::string name; std::getline(list, name, ',');) nodes.push_back(name);
    } else if (target.empty()) {
      target = arg;
    } else {
      pod_files.push_back(arg);
    }
  }
  if (target.empty() || pod_files.empty()) {
    std::cerr << "usage: nbsched_grpc_example HOST:PORT POD.json... [--nodes a,b,c]\n";
    return 2;
  }

  auto stub = nbsched::v1::Scheduler::NewStub(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto stream = stub->ScoreMany(&context);
  for (const std::string& file : pod_files) {
    nbsched::v1::ScheduleRequest request;
    if (!ReadFile(file, request.mutable_pod_json())) {
      std::cerr << "cannot read " << file << "\n";
      return 1;
    }
    if (nodes.empty()) {
      request.set_all_nodes(true);
    } else {
      for (const std::string& n : nodes) request.add_node_names(n);
    }
    if (!stream->Write(request)) break;  // the server ended the stream: Finish() says why
  }
  stream->WritesDone();
  nbsched::v1::ExplainResponse explain;
  while (stream->Read(&explain)) Print(explain);
  const grpc::Status status = stream->Finish();
  if (!status.ok()) {
    std::cerr << "ScoreMany: " << status.error_message() << " (code " << status.error_code()
              << ")\n";
    return 1;
  }
  return 0;
}
