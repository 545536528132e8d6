#include "scheduler/server/grpc_service.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>

#include <exception>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "scheduler/codec/k8s_json.h"
#include "scheduler/server/log.h"

namespace nbsched::server {
namespace {

using AssumedMap = std::map<std::string, std::vector<std::string>>;

constexpr const char* kServiceName = "nbsched.v1.Scheduler";

grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

// The call is over before the work starts: deadline passed or client gone.
std::optional<grpc::Status> Expired(const grpc::ServerContext& context) {
  if (context.deadline() <= std::chrono::system_clock::now()) {
    return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "deadline exceeded");
  }
  if (context.IsCancelled()) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client");
  }
  return std::nullopt;
}

absl::StatusOr<std::shared_ptr<const Pod>> DecodePod(const v1::ScheduleRequest& request,
                                                     std::string_view path) {
  auto pod = codec::DecodePodJson(request.pod_json(), path);
  if (!pod.ok()) return pod.status();
  return std::make_shared<const Pod>(*std::move(pod));
}

absl::StatusOr<CoreResult> Run(Verb verb, const v1::ScheduleRequest& request, Inputs inputs,
                               const ExtenderOptions& options, std::string_view path) {
  auto pod = DecodePod(request, path);
  if (!pod.ok()) return pod.status();
  if (request.all_nodes()) return EvaluateAllNodes(verb, std::move(inputs), *pod, options);
  const auto& names = request.node_names();
  // RepeatedPtrField is not contiguous: copy the names (cheap next to scheduling).
  const std::vector<std::string> node_names(names.begin(), names.end());
  return Evaluate(verb, std::move(inputs), *pod, node_names, options);
}

void ToExplain(const CoreResult& r, const AssumedMap& assumed, v1::ExplainResponse* out) {
  const framework::Decision& d = r.decision;
  out->set_pod(r.pod->Key());
  out->set_policy_generation(d.policy_generation);
  out->mutable_nodes()->Reserve(static_cast<int>(d.nodes.size()));
  for (size_t i = 0; i < d.nodes.size(); ++i) {
    const framework::NodeDecision& nd = d.nodes[i];
    v1::NodeExplanation* n = out->add_nodes();
    n->set_name(nd.node->name());
    if (auto it = assumed.find(nd.node->name()); it != assumed.end()) {
      for (const std::string& pod : it->second) n->add_assumed_pods(pod);
    }
    n->set_feasible(nd.feasible());
    if (!nd.feasible()) {
      for (const std::string& reason : nd.status.reasons()) n->add_reasons(reason);
      continue;
    }
    const size_t count = std::min(nd.scores.size(), d.priority_names.size());
    for (size_t s = 0; s < count; ++s) (*n->mutable_scores())[d.priority_names[s]] = nd.scores[s];
    for (const auto& [key, value] : d.DetailsOf(i)) (*n->mutable_details())[key] = value;
    n->set_weighted(nd.weighted);
    n->set_extender_score(nd.extender_score);
  }
}

// Each method ends in this net: a bug becomes INTERNAL, never a crash.
template <typename F>
grpc::Status Guard(std::string_view verb, F&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    Log(LogLevel::kError, "bug in gRPC handler",
        {{"verb", std::string(verb)}, {"error", e.what()}});
  } catch (...) {
    Log(LogLevel::kError, "bug in gRPC handler", {{"verb", std::string(verb)}});
  }
  return grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
}

absl::StatusOr<std::string> ReadPem(const std::string& flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(flag + ": cannot read \"" + path + "\"");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

GrpcService::GrpcService(state::ClusterState& cluster, Published<framework::Policy>& policies,
                         ExtenderOptions options)
    : cluster_(cluster), policies_(policies), options_(std::move(options)) {}

grpc::Status GrpcService::Filter(grpc::ServerContext* context, const v1::ScheduleRequest* request,
                                 v1::FilterResponse* response) {
  return Guard("filter", [&] {
    if (auto expired = Expired(*context)) return *expired;
    auto r = Run(Verb::kFilter, *request, {policies_.Current(), cluster_.Current()}, options_,
                 "pod_json");
    if (!r.ok()) return ToGrpc(r.status());
    FilterSplit split = SplitFilter(r->decision);
    for (std::string& name : split.kept) response->add_node_names(std::move(name));
    for (auto& [name, message] : split.failed) {
      (*response->mutable_failed_nodes())[name] = std::move(message);
    }
    for (auto& [name, message] : split.unresolvable) {
      (*response->mutable_failed_and_unresolvable_nodes())[name] = std::move(message);
    }
    return grpc::Status::OK;
  });
}

grpc::Status GrpcService::Prioritize(grpc::ServerContext* context,
                                     const v1::ScheduleRequest* request,
                                     v1::PrioritizeResponse* response) {
  return Guard("prioritize", [&] {
    if (auto expired = Expired(*context)) return *expired;
    auto r = Run(Verb::kPrioritize, *request, {policies_.Current(), cluster_.Current()}, options_,
                 "pod_json");
    if (!r.ok()) return ToGrpc(r.status());
    for (const framework::NodeDecision& nd : r->decision.nodes) {
      if (nd.duplicate) continue;  // as HTTP: one entry per host
      v1::HostScore* score = response->add_scores();
      score->set_host(std::string(nd.name()));
      score->set_score(HostScore(nd));
    }
    return grpc::Status::OK;
  });
}

grpc::Status GrpcService::Explain(grpc::ServerContext* context, const v1::ScheduleRequest* request,
                                  v1::ExplainResponse* response) {
  return Guard("explain", [&] {
    if (auto expired = Expired(*context)) return *expired;
    auto r = Run(Verb::kExplain, *request, {policies_.Current(), cluster_.Current()}, options_,
                 "pod_json");
    if (!r.ok()) return ToGrpc(r.status());
    ToExplain(*r, cluster_.AssumedByNode(), response);
    return grpc::Status::OK;
  });
}

grpc::Status GrpcService::ScoreMany(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::ExplainResponse, v1::ScheduleRequest>* stream) {
  return Guard("score_many", [&] {
    // One snapshot and policy for the whole stream.
    const Inputs inputs{policies_.Current(), cluster_.Current()};
    const AssumedMap assumed = cluster_.AssumedByNode();
    v1::ScheduleRequest request;
    v1::ExplainResponse response;
    for (int64_t index = 0;; ++index) {
      if (auto expired = Expired(*context)) return *expired;
      if (!stream->Read(&request)) break;
      if (auto expired = Expired(*context)) return *expired;
      const std::string path = "requests[" + std::to_string(index) + "].pod_json";
      auto r = Run(Verb::kExplain, request, inputs, options_, path);
      if (!r.ok()) return ToGrpc(r.status());
      response.Clear();
      ToExplain(*r, assumed, &response);
      if (!stream->Write(response)) {
        return grpc::Status(grpc::StatusCode::CANCELLED, "stream closed by the client");
      }
    }
    return grpc::Status::OK;
  });
}

GrpcServer::GrpcServer(GrpcService& service, GrpcServerOptions options)
    : service_(service), options_(std::move(options)) {}

GrpcServer::~GrpcServer() { Stop(std::chrono::milliseconds(0)); }

absl::StatusOr<uint16_t> GrpcServer::Start() {
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (options_.tls) {
    auto cert = ReadPem("--tls-cert", options_.tls->cert_file);
    if (!cert.ok()) return cert.status();
    auto key = ReadPem("--tls-key", options_.tls->key_file);
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*std::move(key), *std::move(cert)});
    if (!options_.tls->client_ca_file.empty()) {
      auto ca = ReadPem("--client-ca", options_.tls->client_ca_file);
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = *std::move(ca);
      ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    }
    credentials = grpc::SslServerCredentials(ssl);
  }
  // Both are process-wide switches read when a server is built.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options_.address, credentials, &port);
  builder.RegisterService(&service_);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port == 0) {
    server_.reset();
    return absl::UnavailableError("gRPC: cannot listen on " + options_.address);
  }
  if (auto* health = server_->GetHealthCheckService()) {
    health->SetServingStatus(true);
    health->SetServingStatus(kServiceName, true);
  }
  return static_cast<uint16_t>(port);
}

void GrpcServer::Stop(std::chrono::milliseconds grace) {
  if (server_ == nullptr) return;
  if (auto* health = server_->GetHealthCheckService()) health->SetServingStatus(false);
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_->Wait();
  server_.reset();
}

}  // namespace nbsched::server
