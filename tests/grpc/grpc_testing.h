#pragma once

/// Helpers of the gRPC tests: standard services (health, reflection) called by method path with
/// grpc::GenericStub, the gRPC replies turned into the HTTP replies' JSON shape for parity checks,
/// and the table of parity pods. Header-only; test code.

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "grpc_std.pb.h"
#include "nbsched/v1/scheduler.grpc.pb.h"
#include "tests/testing/files.h"

namespace nbsched::testing {

using nlohmann::json;

inline grpc::ByteBuffer ToBuffer(const google::protobuf::MessageLite& message) {
  const std::string bytes = message.SerializeAsString();
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

inline bool FromBuffer(const grpc::ByteBuffer& buffer, google::protobuf::MessageLite* message) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return false;
  std::string bytes;
  for (const grpc::Slice& s : slices)
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return message->ParseFromString(bytes);
}

// Waits for the one outstanding operation of `cq` (tags are not needed: one at a time).
inline bool Await(grpc::CompletionQueue& cq) {
  void* tag = nullptr;
  bool ok = false;
  if (!cq.Next(&tag, &ok)) return false;
  return ok;
}

inline void Drain(grpc::CompletionQueue& cq) {
  cq.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (cq.Next(&tag, &ok)) {
  }
}

/// A unary call by full method path ("/grpc.health.v1.Health/Check").
inline grpc::Status RawUnary(const std::shared_ptr<grpc::Channel>& channel,
                             const std::string& method,
                             const google::protobuf::MessageLite& request,
                             google::protobuf::MessageLite* response) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  grpc::CompletionQueue cq;
  const grpc::ByteBuffer in = ToBuffer(request);
  auto call = stub.PrepareUnaryCall(&context, method, in, &cq);
  call->StartCall();
  grpc::ByteBuffer out;
  grpc::Status status;
  call->Finish(&out, &status, nullptr);
  Await(cq);
  Drain(cq);
  if (status.ok() && !FromBuffer(out, response)) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "unparsable response");
  }
  return status;
}

inline grpc::Status HealthCheck(const std::shared_ptr<grpc::Channel>& channel,
                                const std::string& service,
                                grpcstd::HealthCheckResponse* response) {
  grpcstd::HealthCheckRequest request;
  request.set_service(service);
  return RawUnary(channel, "/grpc.health.v1.Health/Check", request, response);
}

/// Server reflection (v1alpha) list_services: the service names, or a failed status.
inline grpc::Status ListServices(const std::shared_ptr<grpc::Channel>& channel,
                                 std::vector<std::string>* names) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  grpc::CompletionQueue cq;
  auto call = stub.PrepareCall(
      &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  call->StartCall(nullptr);
  bool ok = Await(cq);
  if (ok) {
    grpcstd::ServerReflectionRequest request;
    request.set_list_services("*");
    call->Write(ToBuffer(request), nullptr);
    ok = Await(cq);
  }
  if (ok) {
    call->WritesDone(nullptr);
    ok = Await(cq);
  }
  grpc::ByteBuffer buffer;
  while (ok) {
    call->Read(&buffer, nullptr);
    if (!Await(cq)) break;
    grpcstd::ServerReflectionResponse response;
    if (!FromBuffer(buffer, &response)) break;
    for (const auto& s : response.list_services_response().service()) names->push_back(s.name());
  }
  grpc::Status status;
  call->Finish(&status, nullptr);
  Await(cq);
  Drain(cq);
  return status;
}

// ---- gRPC replies in the HTTP replies' JSON shape ----

inline json FilterAsHttp(const v1::FilterResponse& r) {
  json out = {{"Nodes", nullptr},
              {"NodeNames", json::array()},
              {"FailedNodes", json::object()},
              {"FailedAndUnresolvableNodes", json::object()},
              {"Error", r.error()}};
  for (const std::string& name : r.node_names()) out["NodeNames"].push_back(name);
  for (const auto& [name, message] : r.failed_nodes()) out["FailedNodes"][name] = message;
  for (const auto& [name, message] : r.failed_and_unresolvable_nodes()) {
    out["FailedAndUnresolvableNodes"][name] = message;
  }
  return out;
}

inline json PrioritizeAsHttp(const v1::PrioritizeResponse& r) {
  json out = json::array();
  for (const v1::HostScore& s : r.scores())
    out.push_back({{"Host", s.host()}, {"Score", s.score()}});
  return out;
}

inline json ExplainAsHttp(const v1::ExplainResponse& r) {
  json out = {
      {"pod", r.pod()}, {"policyGeneration", r.policy_generation()}, {"nodes", json::array()}};
  for (const v1::NodeExplanation& n : r.nodes()) {
    json node = {{"name", n.name()}, {"feasible", n.feasible()}};
    if (!n.assumed_pods().empty()) {
      node["assumedPods"] =
          json(std::vector<std::string>(n.assumed_pods().begin(), n.assumed_pods().end()));
    }
    if (!n.feasible()) {
      node["reasons"] = json(std::vector<std::string>(n.reasons().begin(), n.reasons().end()));
    } else {
      node["scores"] = json::object();
      for (const auto& [name, score] : n.scores()) node["scores"][name] = score;
      node["weighted"] = n.weighted();
      node["extenderScore"] = n.extender_score();
    }
    out["nodes"].push_back(std::move(node));
  }
  return out;
}

// ---- the parity table ----

inline constexpr const char* kSchedulerName = "notebook-scheduler";

struct ParityRow {
  std::string name;
  json pod;
  std::vector<std::string> nodes;
};

/// Pods and candidate nodes on examples/cluster.json, judged with
/// `--scheduler-name notebook-scheduler`.
inline std::vector<ParityRow> ParityRows() {
  const json notebook = json::parse(ReadFile("examples/notebook-pod.json"));
  json gpu = json::parse(ReadFile("examples/gpu-notebook-pod.json"));
  gpu["spec"]["schedulerName"] = kSchedulerName;
  json other = notebook;
  other["spec"]["schedulerName"] = "default-scheduler";
  json untolerating = notebook;
  untolerating["metadata"]["name"] = "jupyter-erin";
  untolerating["spec"].erase("tolerations");
  const std::vector<std::string> all = {"master", "worker-1", "worker-2", "gpu-1"};
  return {
      {"CPU-only notebook", notebook, all},
      {"GPU notebook", gpu, all},
      {"untolerated control-plane taint", untolerating, {"master", "gpu-1"}},
      {"unknown, empty and repeated node names", notebook, {"ghost", "worker-1", "", "worker-1"}},
      {"pod of another scheduler", other, all},
      {"no candidate nodes", notebook, {}},
  };
}

inline v1::ScheduleRequest ToRequest(const ParityRow& row) {
  v1::ScheduleRequest request;
  request.set_pod_json(row.pod.dump());
  for (const std::string& n : row.nodes) request.add_node_names(n);
  return request;
}

/// The HTTP extender body for the same request (cache-capable form).
inline std::string ToHttpBody(const ParityRow& row) {
  return json{{"Pod", row.pod}, {"Nodes", nullptr}, {"NodeNames", row.nodes}}.dump();
}

}  // namespace nbsched::testing
