// End to end: the real `nbsched serve --grpc-listen 127.0.0.1:0` binary, driven by a real gRPC
// client and, for parity, by HTTP on the same process. The server prints one ready line per
// listener; the test reads them with a deadline (no sleeps) and stops the server with SIGTERM.

#include <catch2/catch.hpp>

#include "tests/grpc/grpc_testing.h"
#include "tests/testing/http_client.h"
#include "tests/testing/process.h"
#include "tests/testing/subprocess.h"

namespace nbsched {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing::HttpClient;
using testing::Subprocess;

struct Ports {
  uint16_t http = 0;
  uint16_t grpc = 0;
};

// The HTTP ready line comes first, then the gRPC one.
Ports StartServer(Subprocess& server) {
  Ports ports;
  ports.http = testing::ReadyPort(server, testing::kHttpReadyPrefix);
  ports.grpc = testing::ReadyPort(server, testing::kGrpcReadyPrefix);
  return ports;
}

std::vector<std::string> ServeArgs() {
  return testing::ServeArgs(NBSCHED_BINARY, {"--grpc-listen", "127.0.0.1:0", "--scheduler-name",
                                             testing::kSchedulerName});
}

std::unique_ptr<grpc::ClientContext> Context(
    std::chrono::system_clock::duration timeout = std::chrono::seconds(20)) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  return context;
}

json PostJson(HttpClient& client, const std::string& path, const std::string& body) {
  const auto reply = client.Post(path, body);
  REQUIRE(reply.ok());
  REQUIRE(reply.status == 200);
  return json::parse(reply.body);
}

TEST_CASE("nbsched serve --grpc-listen: parity, health, reflection, errors, ScoreMany",
          "[grpc][e2e]") {
  Subprocess server(ServeArgs());
  const Ports ports = StartServer(server);
  HttpClient http(ports.http);
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(ports.grpc),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::Scheduler::NewStub(channel);
  const auto rows = testing::ParityRows();

  // One server for every check (no SECTIONs: each would restart the test case and the server).
  {
    INFO("the same answers as HTTP");
    for (const auto& row : rows) {
      INFO(row.name);
      {
        const v1::ScheduleRequest request = testing::ToRequest(row);
        const std::string body = testing::ToHttpBody(row);
        v1::FilterResponse filter;
        REQUIRE(stub->Filter(Context().get(), request, &filter).ok());
        CHECK(testing::FilterAsHttp(filter) == PostJson(http, "/filter", body));
        v1::PrioritizeResponse prioritize;
        REQUIRE(stub->Prioritize(Context().get(), request, &prioritize).ok());
        CHECK(testing::PrioritizeAsHttp(prioritize) == PostJson(http, "/prioritize", body));
        v1::ExplainResponse explain;
        REQUIRE(stub->Explain(Context().get(), request, &explain).ok());
        CHECK(testing::ExplainAsHttp(explain) == PostJson(http, "/explain", body));
      }
    }
  }

  {
    INFO("health SERVING and reflection listing the service");
    testing::grpcstd::HealthCheckResponse health;
    REQUIRE(testing::HealthCheck(channel, "nbsched.v1.Scheduler", &health).ok());
    CHECK(health.status() == testing::grpcstd::HealthCheckResponse::SERVING);
    std::vector<std::string> services;
    REQUIRE(testing::ListServices(channel, &services).ok());
    CHECK_THAT(services, Catch::VectorContains(std::string("nbsched.v1.Scheduler")));
  }

  {
    INFO("INVALID_ARGUMENT naming the field; deadline exceeded; still serving");
    v1::ScheduleRequest bad;
    bad.set_pod_json(R"({"spec": {"containers": 7}})");
    v1::ExplainResponse explain;
    const grpc::Status status = stub->Explain(Context().get(), bad, &explain);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(status.error_message(), Catch::StartsWith("pod_json.spec.containers"));
    CHECK(stub->Explain(Context(-std::chrono::seconds(1)).get(), testing::ToRequest(rows[0]),
                        &explain)
              .error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
    CHECK(stub->Explain(Context().get(), testing::ToRequest(rows[0]), &explain).ok());
  }

  {
    INFO("ScoreMany over a stream of what-if pods");
    auto context = Context();
    auto stream = stub->ScoreMany(context.get());
    for (const auto& row : rows) REQUIRE(stream->Write(testing::ToRequest(row)));
    stream->WritesDone();
    std::vector<json> answers;
    v1::ExplainResponse answer;
    while (stream->Read(&answer)) answers.push_back(testing::ExplainAsHttp(answer));
    REQUIRE(stream->Finish().ok());
    REQUIRE(answers.size() == rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      INFO(rows[i].name);
      CHECK(answers[i] == PostJson(http, "/explain", testing::ToHttpBody(rows[i])));
    }
  }

  stub.reset();
  channel.reset();
  CHECK(server.Terminate() == 0);  // graceful stop of both listeners on SIGTERM
}

TEST_CASE("nbsched serve rejects a malformed --grpc-listen with exit 2", "[grpc][e2e]") {
  Subprocess run({NBSCHED_BINARY, "serve", "--listen", "127.0.0.1:0", "--grpc-listen", "nope",
                  "--snapshot", "examples/cluster.json", "--policy", "examples/policy.yaml"});
  CHECK(run.Wait(milliseconds(20000)) == 2);
  CHECK_THAT(run.ReadAllStderr(milliseconds(2000)), Catch::Contains("--grpc-listen"));
}

}  // namespace
}  // namespace nbsched
