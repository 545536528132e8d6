// Kubeconfig and in-cluster configuration parsing (no server needed).

#include "scheduler/state/kube_client.h"

#include <stdlib.h>
#include <sys/stat.h>
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

void CheckSame(const absl::StatusOr<KubeConfig>& got, const absl::StatusOr<KubeConfig>& want) {
  REQUIRE(got.ok() == want.ok());
  if (!want.ok()) {
    CHECK(got.status() == want.status());
    return;
  }
  CHECK(got->server == want->server);
  CHECK(got->ca == want->ca);
  CHECK(got->token == want->token);
  CHECK(got->token_file == want->token_file);
  CHECK(got->client_cert == want->client_cert);
  CHECK(got->client_key == want->client_key);
  CHECK(got->insecure_skip_tls_verify == want->insecure_skip_tls_verify);
  CHECK(got->tls_server_name == want->tls_server_name);
}

TEST_CASE("ParseKubeconfig on the text gives what LoadKubeconfig gives on the file",
          "[state][kube_client]") {
  const TempDir dir;
  dir.Write("ca.crt", "CA FILE");
  const std::string path = dir.Write("config", kKubeconfig);
  const std::string relative = R"(current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: {server: "https://[::1]:6443", certificate-authority: ca.crt}}]
users: [{name: u, user: {tokenFile: secrets/token}}]
)";
  const std::string relative_path = dir.Write("relative", relative);
  for (const std::string context : {"", "prod", "plain", "files", "exec", "nope", "dangling"}) {
    DYNAMIC_SECTION("context \"" << context << "\"") {
      CheckSame(ParseKubeconfig(kKubeconfig, dir.path, context, path),
                LoadKubeconfig(path, context));
    }
  }
  SECTION("relative paths resolve against base_dir") {
    const auto parsed = ParseKubeconfig(relative, dir.path);
    CheckSame(parsed, LoadKubeconfig(relative_path));
    REQUIRE(parsed.ok());
    CHECK(parsed->ca == "CA FILE");
    CHECK(parsed->token_file == dir.path + "/secrets/token");
  }
}

TEST_CASE("ParseKubeconfig names the problem of a broken config", "[state][kube_client]") {
  const std::string head =
      "current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n";
  struct Row {
    std::string name;
    std::string yaml;
    std::string want_error;  // the whole message
  };
  const std::vector<Row> rows = {
      {"YAML syntax, with its line", "current-context: a\ncontexts: [\n",
       "kubeconfig:3: end of sequence flow not found"},
      {"no current context", "clusters: []\n", "kubeconfig: no current-context"},
      {"no server", head + "clusters: [{name: k, cluster: {}}]\n",
       "kubeconfig: cluster \"k\": no server"},
      {"bad base64",
       head + "clusters: [{name: k, cluster: {server: \"http://h\", "
              "certificate-authority-data: \"%%%\"}}]\n",
       "kubeconfig: cluster \"k\".certificate-authority-data: invalid base64"},
      {"missing user", head + "clusters: [{name: k, cluster: {server: \"http://h\"}}]\n",
       "kubeconfig: user \"u\" not found"},
      {"certificate without key",
       head + "clusters: [{name: k, cluster: {server: \"http://h\"}}]\n"
              "users: [{name: u, user: {client-certificate-data: Q0VSVA==}}]\n",
       "kubeconfig: user \"u\": a client certificate needs a client key"},
      {"relative file under base_dir",
       head + "clusters: [{name: k, cluster: {server: \"http://h\", "
              "certificate-authority: ca.crt}}]\n",
       "kubeconfig: cluster \"k\".certificate-authority: cannot read /nonexistent/dir/ca.crt"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const auto config = ParseKubeconfig(row.yaml, "/nonexistent/dir");
      REQUIRE(!config.ok());
      CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
      CHECK(std::string(config.status().message()) == row.want_error);
    }
  }
  CHECK(std::string(ParseKubeconfig("clusters: []\n", "/", "", "inline").status().message()) ==
        "inline: no current-context");
}

TEST_CASE("Files named in a kubeconfig are read only when regular and small",
          "[state][kube_client]") {
  const TempDir dir;
  REQUIRE(mkfifo((dir.path + "/fifo").c_str(), 0600) == 0);  // opening it would block
  std::filesystem::create_directory(dir.path + "/folder");
  dir.Write("huge.crt", std::string((size_t{1} << 20) + 1, 'x'));
  dir.Write("max.crt", std::string(size_t{1} << 20, 'x'));
  const auto with_ca = [](const std::string& ca_path) {
    return "current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n"
           "clusters: [{name: k, cluster: {server: \"https://h\", certificate-authority: \"" +
           ca_path + "\"}}]\n";
  };
  struct Row {
    std::string name;
    std::string ca_path;
    std::string want_error;  // substring; empty: must succeed
  };
  const std::vector<Row> rows = {
      {"a device that never ends", "/dev/zero", "/dev/zero is not a regular file"},
      {"a FIFO (would block)", "fifo", dir.path + "/fifo is not a regular file"},
      {"a folder", "folder", dir.path + "/folder is not a regular file"},
      {"over 1 MiB", "huge.crt", dir.path + "/huge.crt is larger than 1048576 bytes"},
      {"exactly 1 MiB", "max.crt", ""},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const auto config = ParseKubeconfig(with_ca(row.ca_path), dir.path);
      if (row.want_error.empty()) {
        REQUIRE(config.ok());
        CHECK(config->ca.size() == size_t{1} << 20);
        continue;
      }
      REQUIRE(!config.ok());
      CHECK_THAT(std::string(config.status().message()),
                 Catch::Contains("certificate-authority: " + row.want_error));
    }
  }
  SECTION("client certificate and key too") {
    const auto config = ParseKubeconfig(
        "current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n"
        "clusters: [{name: k, cluster: {server: \"https://h\"}}]\n"
        "users: [{name: u, user: {client-certificate-data: Q0VSVA==, client-key: fifo}}]\n",
        dir.path);
    REQUIRE(!config.ok());
    CHECK_THAT(std::string(config.status().message()),
               Catch::Contains("client-key: " + dir.path + "/fifo is not a regular file"));
  }
  SECTION("a token file is only named at load; a call does not read a device") {
    const auto config = ParseKubeconfig(
        "current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n"
        "clusters: [{name: k, cluster: {server: \"http://127.0.0.1:1\"}}]\n"
        "users: [{name: u, user: {tokenFile: /dev/zero}}]\n",
        dir.path);
    REQUIRE(config.ok());
    CHECK(config->token_file == "/dev/zero");
    auto client = KubeClient::Create(*config);
    REQUIRE(client.ok());  // nothing listens on port 1: the call fails after the token read
    CHECK((*client)->Get("/api/v1/nodes", {}).status().code() == absl::StatusCode::kUnavailable);
  }
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
