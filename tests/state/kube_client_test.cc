// Kubeconfig and in-cluster configuration parsing (no server needed).

#include "scheduler/state/kube_client.h"

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace nbsched::state {
namespace {

struct TempDir {
  TempDir() {
    char pattern[] = "/tmp/nbsched-kubeconfig-XXXXXX";
    const char* made = mkdtemp(pattern);
    path = made == nullptr ? "" : made;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string file = path + "/" + name;
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }
  std::string path;
};

// base64("CA PEM") = "Q0EgUEVN", base64("CERT") = "Q0VSVA==", base64("KEY") = "S0VZ".
constexpr char kKubeconfig[] = R"(apiVersion: v1
kind: Config
current-context: dev
contexts:
- name: dev
  context: {cluster: dev-cluster, user: dev-user}
- name: prod
  context: {cluster: prod-cluster, user: prod-user}
- name: files
  context: {cluster: files-cluster, user: files-user}
- name: plain
  context: {cluster: plain-cluster}
- name: exec
  context: {cluster: plain-cluster, user: exec-user}
- name: dangling
  context: {cluster: missing, user: dev-user}
clusters:
- name: dev-cluster
  cluster: {server: "https://10.0.0.1:6443", certificate-authority-data: Q0EgUEVN}
- name: prod-cluster
  cluster: {server: "https://api.example:443", insecure-skip-tls-verify: true,
            tls-server-name: kubernetes}
- name: files-cluster
  cluster: {server: "https://[::1]:6443", certificate-authority: ca.crt}
- name: plain-cluster
  cluster: {server: "http://127.0.0.1:8080"}
users:
- name: dev-user
  user: {token: abc123}
- name: prod-user
  user: {client-certificate-data: Q0VSVA==, client-key-data: S0VZ}
- name: files-user
  user: {tokenFile: secrets/token, client-certificate: /abs/none.crt}
- name: exec-user
  user: {exec: {command: aws}}
)";

TEST_CASE("LoadKubeconfig reads clusters, users and contexts", "[state][kube_client]") {
  const TempDir dir;
  dir.Write("ca.crt", "CA FILE");
  const std::string path = dir.Write("config", kKubeconfig);

  struct Row {
    std::string name;
    std::string context;
    std::string want_error;  // substring; empty: must succeed
    KubeConfig want;
  };
  KubeConfig dev;
  dev.server = "https://10.0.0.1:6443";
  dev.ca = "CA PEM";
  dev.token = "abc123";
  KubeConfig prod;
  prod.server = "https://api.example:443";
  prod.insecure_skip_tls_verify = true;
  prod.tls_server_name = "kubernetes";
  prod.client_cert = "CERT";
  prod.client_key = "KEY";
  KubeConfig plain;
  plain.server = "http://127.0.0.1:8080";
  const std::vector<Row> rows = {
      {"current-context: token, inline CA", "", "", dev},
      {"named context: inline client certificate, insecure", "prod", "", prod},
      {"no user: anonymous plain http", "plain", "", plain},
      {"a missing file is named", "files", "client-certificate: cannot read /abs/none.crt", {}},
      {"exec is not supported", "exec", "\"exec\" authentication is not supported", {}},
      {"unknown context", "nope", "context \"nope\" not found", {}},
      {"dangling cluster", "dangling", "cluster \"missing\" not found", {}},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      auto config = LoadKubeconfig(path, row.context);
      if (!row.want_error.empty()) {
        REQUIRE(!config.ok());
        CHECK_THAT(std::string(config.status().message()), Catch::Contains(row.want_error));
        continue;
      }
      REQUIRE(config.ok());
      CHECK(config->server == row.want.server);
      CHECK(config->ca == row.want.ca);
      CHECK(config->token == row.want.token);
      CHECK(config->token_file == row.want.token_file);
      CHECK(config->client_cert == row.want.client_cert);
      CHECK(config->client_key == row.want.client_key);
      CHECK(config->insecure_skip_tls_verify == row.want.insecure_skip_tls_verify);
      CHECK(config->tls_server_name == row.want.tls_server_name);
    }
  }
}

TEST_CASE("LoadKubeconfig resolves relative paths against its folder", "[state][kube_client]") {
  const TempDir dir;
  dir.Write("ca.crt", "CA FILE");
  const std::string path = dir.Write("config", R"(current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: {server: "https://[::1]:6443", certificate-authority: ca.crt}}]
users: [{name: u, user: {tokenFile: secrets/token}}]
)");
  auto config = LoadKubeconfig(path);
  REQUIRE(config.ok());
  CHECK(config->ca == "CA FILE");
  CHECK(config->token_file == dir.path + "/secrets/token");
  CHECK(KubeClient::Create(*config).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("LoadKubeconfig reports YAML errors with a line", "[state][kube_client]") {
  const TempDir dir;
  const std::string path = dir.Write("config", "current-context: a\ncontexts: [\n");
  auto config = LoadKubeconfig(path);
  REQUIRE(!config.ok());
  CHECK_THAT(std::string(config.status().message()), Catch::StartsWith(path + ":"));
  CHECK(LoadKubeconfig(dir.path + "/absent").status().message() ==
        dir.path + "/absent: cannot read");
}

TEST_CASE("LoadInClusterConfig uses the service account and the service env",
          "[state][kube_client]") {
  const TempDir dir;
  dir.Write("ca.crt", "CLUSTER CA");
  dir.Write("token", "sa-token\n");
  unsetenv("KUBERNETES_SERVICE_HOST");
  CHECK(LoadInClusterConfig(dir.path).status().code() == absl::StatusCode::kFailedPrecondition);
  setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  auto config = LoadInClusterConfig(dir.path);
  unsetenv("KUBERNETES_SERVICE_HOST");
  unsetenv("KUBERNETES_SERVICE_PORT");
  REQUIRE(config.ok());
  CHECK(config->server == "https://[fd00::1]:443");
  CHECK(config->ca == "CLUSTER CA");
  CHECK(config->token_file == dir.path + "/token");
}

TEST_CASE("KubeClient checks the server URL", "[state][kube_client]") {
  struct Row {
    std::string server;
    bool ok;
  };
  const std::vector<Row> rows = {
      {"http://127.0.0.1:8080", true},
      {"https://kubernetes.default.svc", true},
      {"http://127.0.0.1/prefix/", true},
      {"ftp://x", false},
      {"https://", false},
      {"https://[::1", false},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.server) {
      KubeConfig config;
      config.server = row.server;
      config.insecure_skip_tls_verify = true;
      CHECK(KubeClient::Create(config).ok() == row.ok);
    }
  }
  CHECK(UrlEncode("a b/c=d&e~") == "a%20b%2Fc%3Dd%26e~");
}

TEST_CASE("A connection refused is Unavailable, a cancelled call Cancelled",
          "[state][kube_client]") {
  KubeConfig config;
  config.server = "http://127.0.0.1:1";  // nothing listens on port 1
  auto client = KubeClient::Create(config);
  REQUIRE(client.ok());
  CHECK((*client)->Get("/api/v1/nodes", {}).status().code() == absl::StatusCode::kUnavailable);
  Canceller canceller;
  canceller.Cancel();
  RequestOptions options;
  options.canceller = &canceller;
  CHECK((*client)->Get("/api/v1/nodes", {}, options).status().code() ==
        absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace nbsched::state
