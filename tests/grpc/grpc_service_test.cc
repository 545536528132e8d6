// The gRPC service in process: a real grpc::Server on 127.0.0.1:0 next to the HTTP extender
// service, both on the example cluster and policy; every answer compared with the HTTP reply.

#include "scheduler/server/grpc_service.h"

#include <catch2/catch.hpp>

#include "scheduler/config/policy_loader.h"
#include "scheduler/framework/registry.h"
#include "scheduler/server/extender_service.h"
#include "tests/grpc/grpc_testing.h"

namespace nbsched::server {
namespace {

using nbsched::testing::json;
using nbsched::testing::ReadFile;

struct Fixture {
  explicit Fixture(const std::string& policy_yaml = ReadFile("examples/policy.yaml"),
                   std::optional<GrpcTlsFiles> tls = std::nullopt)
      : cluster(*state::LoadSnapshotFile("examples/cluster.json")),
        policies(
            *config::LoadPolicy(policy_yaml, "policy.yaml", framework::Registry::Default(), 1)),
        http(cluster, policies, Options()),
        grpc_service(cluster, policies, Options()),
        server(grpc_service, GrpcServerOptions{.address = "127.0.0.1:0", .tls = std::move(tls)}) {
    auto bound = server.Start();
    REQUIRE(bound.ok());
    port = *bound;
    channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                  grpc::InsecureChannelCredentials());
    stub = v1::Scheduler::NewStub(channel);
  }
  static ExtenderOptions Options() {
    ExtenderOptions options;
    options.scheduler_name = nbsched::testing::kSchedulerName;
    return options;
  }
  json Http(HttpResponse (ExtenderService::*verb)(const HttpRequest&) const, std::string body) {
    HttpRequest r;
    r.method = "POST";
    r.body = std::move(body);
    const HttpResponse response = (http.*verb)(r);
    REQUIRE(response.status == 200);
    return json::parse(response.body);
  }

  state::ClusterState cluster;
  Published<framework::Policy> policies;
  ExtenderService http;
  GrpcService grpc_service;
  GrpcServer server;
  uint16_t port = 0;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::Scheduler::Stub> stub;
};

std::unique_ptr<grpc::ClientContext> Context(
    std::chrono::system_clock::duration timeout = std::chrono::seconds(20)) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  return context;
}

void CheckParity(Fixture& f) {
  for (const auto& row : nbsched::testing::ParityRows()) {
    DYNAMIC_SECTION(row.name) {
      const v1::ScheduleRequest request = nbsched::testing::ToRequest(row);
      const std::string body = nbsched::testing::ToHttpBody(row);

      v1::FilterResponse filter;
      REQUIRE(f.stub->Filter(Context().get(), request, &filter).ok());
      CHECK(nbsched::testing::FilterAsHttp(filter) == f.Http(&ExtenderService::Filter, body));

      v1::PrioritizeResponse prioritize;
      REQUIRE(f.stub->Prioritize(Context().get(), request, &prioritize).ok());
      CHECK(nbsched::testing::PrioritizeAsHttp(prioritize) ==
            f.Http(&ExtenderService::Prioritize, body));

      v1::ExplainResponse explain;
      REQUIRE(f.stub->Explain(Context().get(), request, &explain).ok());
      CHECK(nbsched::testing::ExplainAsHttp(explain) == f.Http(&ExtenderService::Explain, body));
    }
  }
}

TEST_CASE("gRPC answers exactly as HTTP for a table of pods", "[grpc]") {
  Fixture f;
  CheckParity(f);
}

TEST_CASE("gRPC answers exactly as HTTP under best-in-filter selection", "[grpc]") {
  Fixture f(ReadFile("examples/policy.yaml") + "selection: best-in-filter\n");
  CheckParity(f);
}

TEST_CASE("gRPC replies carry the documented values", "[grpc]") {
  Fixture f;
  const auto rows = nbsched::testing::ParityRows();
  const v1::ScheduleRequest request = nbsched::testing::ToRequest(rows[0]);  // CPU-only notebook
  v1::FilterResponse filter;
  REQUIRE(f.stub->Filter(Context().get(), request, &filter).ok());
  CHECK(std::vector<std::string>(filter.node_names().begin(), filter.node_names().end()) ==
        std::vector<std::string>{"worker-1", "worker-2", "gpu-1"});
  CHECK(filter.failed_nodes().at("master") ==
        "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }");
  CHECK(filter.error().empty());
  v1::PrioritizeResponse prioritize;
  REQUIRE(f.stub->Prioritize(Context().get(), request, &prioritize).ok());
  // S = 468, 455, 283 with W = 5 (extender_service_test): (10·S + 250) / 500 = 9, 9, 6; the
  // master is infeasible: 0.
  REQUIRE(prioritize.scores_size() == 4);
  CHECK(prioritize.scores(0).score() == 0);
  CHECK(prioritize.scores(1).score() == 9);
  CHECK(prioritize.scores(3).host() == "gpu-1");
  CHECK(prioritize.scores(3).score() == 6);

  SECTION("all_nodes judges every node of the cluster state") {
    v1::ScheduleRequest everything;
    everything.set_pod_json(request.pod_json());
    everything.set_all_nodes(true);
    v1::ExplainResponse explain;
    REQUIRE(f.stub->Explain(Context().get(), everything, &explain).ok());
    CHECK(explain.pod() == "jhub/jupyter-dave");
    CHECK(explain.policy_generation() == 1);
    REQUIRE(explain.nodes_size() == 4);  // master, worker-1, worker-2, gpu-1
    for (const auto& node : explain.nodes()) {
      if (node.name() == "worker-1") CHECK(node.weighted() == 468);
    }
  }
}

TEST_CASE("gRPC health reports SERVING and reflection lists the API", "[grpc]") {
  Fixture f;
  for (const std::string service : {"", "nbsched.v1.Scheduler"}) {
    DYNAMIC_SECTION("health of \"" << service << "\"") {
      nbsched::testing::grpcstd::HealthCheckResponse health;
      REQUIRE(nbsched::testing::HealthCheck(f.channel, service, &health).ok());
      CHECK(health.status() == nbsched::testing::grpcstd::HealthCheckResponse::SERVING);
    }
  }
  std::vector<std::string> services;
  REQUIRE(nbsched::testing::ListServices(f.channel, &services).ok());
  CHECK_THAT(services, Catch::VectorContains(std::string("nbsched.v1.Scheduler")));
  CHECK_THAT(services, Catch::VectorContains(std::string("grpc.health.v1.Health")));
}

TEST_CASE("gRPC rejects bad pod_json with INVALID_ARGUMENT naming the field", "[grpc]") {
  Fixture f;
  json bad_cpu = json::parse(ReadFile("examples/notebook-pod.json"));
  bad_cpu["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "1.5.0";
  json wrong_type = bad_cpu;
  wrong_type["spec"]["containers"] = "notebook";
  struct Row {
    std::string name;
    std::string pod_json;
    std::string message;
  };
  const std::vector<Row> rows = {
      {"not JSON", "{\"metadata\": ", "pod_json"},
      {"empty", "", "pod_json"},
      {"bad quantity", bad_cpu.dump(), "pod_json.spec.containers[0].resources.requests.cpu"},
      {"wrong type", wrong_type.dump(), "pod_json.spec.containers"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      v1::ScheduleRequest request;
      request.set_pod_json(row.pod_json);
      request.add_node_names("worker-1");
      v1::FilterResponse filter;
      v1::PrioritizeResponse prioritize;
      v1::ExplainResponse explain;
      for (const grpc::Status& status : {f.stub->Filter(Context().get(), request, &filter),
                                         f.stub->Prioritize(Context().get(), request, &prioritize),
                                         f.stub->Explain(Context().get(), request, &explain)}) {
        CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
        CHECK_THAT(status.error_message(), Catch::StartsWith(row.message));
      }
    }
  }
}

TEST_CASE("gRPC honours deadlines", "[grpc]") {
  Fixture f;
  const v1::ScheduleRequest request =
      nbsched::testing::ToRequest(nbsched::testing::ParityRows()[0]);
  v1::ExplainResponse explain;
  SECTION("a deadline already passed") {
    const auto past = -std::chrono::seconds(1);
    CHECK(f.stub->Explain(Context(past).get(), request, &explain).error_code() ==
          grpc::StatusCode::DEADLINE_EXCEEDED);
    auto context = Context(past);
    auto stream = f.stub->ScoreMany(context.get());
    stream->Write(request);
    stream->WritesDone();
    while (stream->Read(&explain)) {
    }
    CHECK(stream->Finish().error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  SECTION("a deadline passing in the middle of a ScoreMany stream") {
    auto context = Context(std::chrono::milliseconds(300));
    auto stream = f.stub->ScoreMany(context.get());
    REQUIRE(stream->Write(request));
    REQUIRE(stream->Read(&explain));  // the first pod is answered in time
    // No second pod comes: this Read waits until the deadline ends the call.
    CHECK_FALSE(stream->Read(&explain));
    CHECK(stream->Finish().error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  CHECK(f.stub->Explain(Context().get(), request, &explain).ok());  // still serving
}

TEST_CASE("ScoreMany answers a stream of pods in order, each as Explain", "[grpc]") {
  Fixture f;
  const auto rows = nbsched::testing::ParityRows();
  auto context = Context();
  auto stream = f.stub->ScoreMany(context.get());
  constexpr int kRounds = 50;  // 300 what-if pods on one stream
  for (int i = 0; i < kRounds; ++i) {
    for (const auto& row : rows) REQUIRE(stream->Write(nbsched::testing::ToRequest(row)));
  }
  stream->WritesDone();
  std::vector<v1::ExplainResponse> answers;
  v1::ExplainResponse answer;
  while (stream->Read(&answer)) answers.push_back(answer);
  REQUIRE(stream->Finish().ok());
  REQUIRE(answers.size() == kRounds * rows.size());
  for (size_t i = 0; i < answers.size(); ++i) {
    const auto& row = rows[i % rows.size()];
    v1::ExplainResponse single;
    REQUIRE(f.stub->Explain(Context().get(), nbsched::testing::ToRequest(row), &single).ok());
    INFO(row.name << " #" << i);
    CHECK(nbsched::testing::ExplainAsHttp(answers[i]) == nbsched::testing::ExplainAsHttp(single));
  }

  SECTION("a bad pod ends the stream with INVALID_ARGUMENT naming its index") {
    auto bad_context = Context();
    auto bad = f.stub->ScoreMany(bad_context.get());
    REQUIRE(bad->Write(nbsched::testing::ToRequest(rows[0])));
    v1::ScheduleRequest broken;
    broken.set_pod_json("{\"spec\": {\"containers\": 7}}");
    bad->Write(broken);
    bad->WritesDone();
    int read = 0;
    while (bad->Read(&answer)) ++read;
    const grpc::Status status = bad->Finish();
    CHECK(read == 1);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(status.error_message(), Catch::StartsWith("requests[1].pod_json.spec.containers"));
  }
}

TEST_CASE("gRPC over TLS, with client certificates when a client CA is given", "[grpc]") {
  const std::string dir = "tests/grpc/testdata/";
  const GrpcTlsFiles files{.cert_file = dir + "server.pem",
                           .key_file = dir + "server.key",
                           .client_ca_file = dir + "ca.pem"};
  Fixture f(ReadFile("examples/policy.yaml"), files);
  const std::string target = "127.0.0.1:" + std::to_string(f.port);
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  const auto call = [&](const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
    auto stub = v1::Scheduler::NewStub(grpc::CreateCustomChannel(target, credentials, args));
    v1::ExplainResponse explain;
    return stub->Explain(Context(std::chrono::seconds(5)).get(),
                         nbsched::testing::ToRequest(nbsched::testing::ParityRows()[0]), &explain);
  };
  grpc::SslCredentialsOptions with_cert{.pem_root_certs = ReadFile(dir + "ca.pem"),
                                        .pem_private_key = ReadFile(dir + "client.key"),
                                        .pem_cert_chain = ReadFile(dir + "client.pem")};
  CHECK(call(grpc::SslCredentials(with_cert)).ok());
  grpc::SslCredentialsOptions without_cert;
  without_cert.pem_root_certs = with_cert.pem_root_certs;
  CHECK(call(grpc::SslCredentials(without_cert)).error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK_FALSE(call(grpc::InsecureChannelCredentials()).ok());

  SECTION("a missing key file is reported naming the flag") {
    GrpcServer broken(f.grpc_service, {.address = "127.0.0.1:0",
                                       .tls = GrpcTlsFiles{.cert_file = files.cert_file,
                                                           .key_file = "nope.key",
                                                           .client_ca_file = ""}});
    const auto bound = broken.Start();
    REQUIRE_FALSE(bound.ok());
    CHECK_THAT(std::string(bound.status().message()), Catch::StartsWith("--tls-key"));
  }
}

}  // namespace
}  // namespace nbsched::server
