#pragma once

/// The gRPC API (interfaces.md §6): nbsched.v1.Scheduler on the same engine, snapshot and
/// policy as the HTTP extender (scheduling_core), so both give identical answers. Plus the
/// standard grpc.health.v1.Health service (SERVING once started) and server reflection.
///
/// Status codes: a bad `pod_json` → INVALID_ARGUMENT with the field named
/// (`pod_json.spec.containers[0]...`); a request whose deadline passed or that the client
/// cancelled before the work → DEADLINE_EXCEEDED / CANCELLED (ScoreMany checks between pods);
/// a bug caught by the last-resort net → INTERNAL. Thread-safe: handlers share only published
/// immutable state.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "nbsched/v1/scheduler.grpc.pb.h"
#include "scheduler/framework/policy.h"
#include "scheduler/model/published.h"
#include "scheduler/server/scheduling_core.h"
#include "scheduler/state/cluster_state.h"

namespace grpc {
class Server;
}  // namespace grpc

namespace nbsched::server {

class GrpcService final : public nbsched::v1::Scheduler::Service {
 public:
  GrpcService(state::ClusterState& cluster, Published<framework::Policy>& policies,
              ExtenderOptions options);

  grpc::Status Filter(grpc::ServerContext* context, const v1::ScheduleRequest* request,
                      v1::FilterResponse* response) override;
  grpc::Status Prioritize(grpc::ServerContext* context, const v1::ScheduleRequest* request,
                          v1::PrioritizeResponse* response) override;
  grpc::Status Explain(grpc::ServerContext* context, const v1::ScheduleRequest* request,
                       v1::ExplainResponse* response) override;
  grpc::Status ScoreMany(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::ExplainResponse, v1::ScheduleRequest>* stream) override;

 private:
  state::ClusterState& cluster_;
  Published<framework::Policy>& policies_;
  ExtenderOptions options_;
};

/// PEM files, as for HTTPS. With `client_ca_file`, clients must present a certificate it signed.
struct GrpcTlsFiles {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;  // empty: no client certificate asked for
};

struct GrpcServerOptions {
  std::string address = "0.0.0.0:9090";  // HOST:PORT; port 0 picks a free port
  std::optional<GrpcTlsFiles> tls;       // unset: plaintext
};

/// Owns the grpc::Server. Start() and Stop() from one thread.
class GrpcServer {
 public:
  GrpcServer(GrpcService& service, GrpcServerOptions options);
  ~GrpcServer();  // Stop(0) if still running
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  /// Listens and serves; health reports SERVING. Returns the bound port. InvalidArgument for an
  /// unreadable TLS file, Unavailable when the address cannot be bound.
  [[nodiscard]] absl::StatusOr<uint16_t> Start();
  /// Health NOT_SERVING, then waits up to `grace` for running calls and cancels the rest.
  void Stop(std::chrono::milliseconds grace);

 private:
  GrpcService& service_;
  GrpcServerOptions options_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace nbsched::server
