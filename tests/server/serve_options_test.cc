#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "scheduler/server/serve.h"

namespace nbsched::server {
namespace {

absl::StatusOr<ServeOptions> Parse(std::vector<std::string> args) {
  std::vector<const char*> argv = {"nbsched", "serve"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  return ParseServeOptions(static_cast<int>(argv.size()), argv.data());
}

const std::vector<std::string> kMinimal = {"--policy", "p.yaml", "--snapshot", "c.json"};

std::vector<std::string> With(std::vector<std::string> more) {
  std::vector<std::string> args = kMinimal;
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

TEST_CASE("ParseServeOptions reads every flag in both spellings", "[serve]") {
  auto parsed = Parse({"--policy=p.yaml",
                       "--kubeconfig",
                       "kc",
                       "--listen",
                       "127.0.0.1:0",
                       "--grpc-listen=[::1]:9090",
                       "--threads",
                       "3",
                       "--max-body-bytes=1000",
                       "--max-header-bytes",
                       "2000",
                       "--max-connections",
                       "7",
                       "--max-nodes",
                       "50",
                       "--read-timeout",
                       "500ms",
                       "--idle-timeout=2m",
                       "--log-level",
                       "debug",
                       "--scheduler-name",
                       "notebook-scheduler",
                       "--assume-ttl",
                       "0",
                       "--tls-cert",
                       "c.pem",
                       "--tls-key",
                       "k.pem",
                       "--client-ca",
                       "ca.pem"});
  REQUIRE(parsed.ok());
  const ServeOptions& o = *parsed;
  CHECK_FALSE(o.help);
  CHECK(o.policy_path == "p.yaml");
  CHECK(o.kubeconfig_path == "kc");
  CHECK(o.snapshot_path.empty());
  CHECK_FALSE(o.in_cluster);
  CHECK(o.http.host == "127.0.0.1");
  CHECK(o.http.port == 0);
  CHECK(o.grpc_listen == "[::1]:9090");
  CHECK(o.grpc_host == "::1");
  CHECK(o.grpc_port == 9090);
  CHECK(o.http.threads == 3);
  CHECK(o.http.max_body_bytes == 1000);
  CHECK(o.http.max_header_bytes == 2000);
  CHECK(o.http.max_connections == 7);
  CHECK(o.max_nodes == size_t{50});
  CHECK(o.http.read_timeout == std::chrono::milliseconds(500));
  CHECK(o.http.idle_timeout == std::chrono::milliseconds(120000));
  CHECK(o.log_level == LogLevel::kDebug);
  CHECK(o.scheduler_name == "notebook-scheduler");
  CHECK(o.assume_ttl == std::chrono::seconds(0));
  REQUIRE(o.http.tls.has_value());
  CHECK(o.http.tls->cert_file == "c.pem");
  CHECK(o.http.tls->key_file == "k.pem");
  CHECK(o.http.tls->client_ca_file == "ca.pem");
}

TEST_CASE("ParseServeOptions defaults and the last of a repeated flag", "[serve]") {
  auto parsed = Parse(With({"--threads", "2", "--threads=5"}));
  REQUIRE(parsed.ok());
  CHECK(parsed->http.host == "0.0.0.0");
  CHECK(parsed->http.port == 8888);
  CHECK(parsed->http.threads == 5);
  CHECK(parsed->assume_ttl == std::chrono::seconds(600));
  CHECK_FALSE(parsed->grpc_listen.has_value());
  CHECK_FALSE(parsed->http.tls.has_value());
  CHECK_FALSE(parsed->log_level.has_value());

  auto help = Parse({"--bogus-is-not-looked-at-after", "-h"});
  CHECK_FALSE(help.ok());  // flags are checked before --help takes effect, as before
  auto only_help = Parse({"-h"});
  REQUIRE(only_help.ok());
  CHECK(only_help->help);
  auto in_cluster = Parse({"--policy", "p", "--in-cluster"});
  REQUIRE(in_cluster.ok());
  CHECK(in_cluster->in_cluster);
}

TEST_CASE("ParseServeOptions names the flag in every usage error", "[serve]") {
  struct Row {
    std::string name;
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Row> rows = {
      {"unknown flag", With({"--bogus"}), "unknown flag --bogus"},
      {"no abbreviations", With({"--thr", "2"}), "unknown flag --thr"},
      {"missing value", {"--snapshot", "c.json", "--policy"}, "flag --policy needs a value"},
      {"empty value after =", With({"--threads="}), "flag --threads needs a value"},
      {"boolean with a value",
       {"--policy", "p", "--in-cluster=yes"},
       "flag --in-cluster takes no value"},
      {"no policy", {"--snapshot", "c.json"}, "serve needs --policy FILE"},
      {"no source",
       {"--policy", "p"},
       "serve needs exactly one of --snapshot, --kubeconfig, --in-cluster"},
      {"two sources", With({"--in-cluster"}),
       "serve needs exactly one of --snapshot, --kubeconfig, --in-cluster"},
      {"stray argument", With({"extra"}), "unexpected argument \"extra\""},
      {"zero threads", With({"--threads", "0"}),
       "flag --threads needs a positive integer (got \"0\")"},
      {"negative threads", With({"--threads", "-1"}),
       "flag --threads needs a positive integer (got \"-1\")"},
      {"bad duration", With({"--read-timeout", "10h"}),
       "flag --read-timeout needs a positive duration such as 10s or 500ms (got \"10h\")"},
      {"bad listen", With({"--listen", "8888"}), "flag --listen needs HOST:PORT (got \"8888\")"},
      {"port out of range", With({"--grpc-listen", "h:70000"}),
       "flag --grpc-listen needs HOST:PORT (got \"h:70000\")"},
      {"bad log level", With({"--log-level", "loud"}),
       "flag --log-level must be debug, info, warn or error (got \"loud\")"},
      {"key without cert", With({"--tls-key", "k"}), "flags --tls-cert and --tls-key go together"},
      {"client ca without cert", With({"--client-ca", "ca"}),
       "flag --client-ca needs --tls-cert and --tls-key"},
      {"bad assume ttl", With({"--assume-ttl", "-5"}),
       "flag --assume-ttl needs a positive integer (got \"-5\")"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      auto parsed = Parse(row.args);
      REQUIRE_FALSE(parsed.ok());
      CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
      CHECK(std::string(parsed.status().message()) == row.message);
    }
  }
}

}  // namespace
}  // namespace nbsched::server
