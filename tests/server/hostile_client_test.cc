// Hostile clients against a real HttpServer on 127.0.0.1 with the real extender routes on the
// example cluster: every abuse gets a 4xx (or a clean close), and /healthz still answers at once
// afterwards. Waiting is done with poll(2) deadlines, never sleeps.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "scheduler/codec/extender_codec.h"
#include "scheduler/config/policy_loader.h"
#include "scheduler/framework/registry.h"
#include "scheduler/server/extender_service.h"
#include "scheduler/server/http_server.h"
#include "tests/testing/files.h"
#include "tests/testing/http_client.h"

namespace nbsched::server {
namespace {

using namespace std::chrono_literals;
using ::nbsched::testing::ConnectLoopback;
using ::nbsched::testing::HttpClient;
using ::nbsched::testing::RawConnection;
using ::nbsched::testing::ReadFile;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxBody = size_t{8} << 20;
constexpr size_t kMaxHeader = size_t{16} << 10;

// The extender on the example cluster, served on an ephemeral port.
struct Server {
  explicit Server(std::chrono::milliseconds read_timeout = 2s)
      : cluster(*state::LoadSnapshotFile("examples/cluster.json")),
        policies(*config::LoadPolicy(ReadFile("examples/policy.yaml"), "policy.yaml",
                                     framework::Registry::Default(), 1)),
        service(cluster, policies, ExtenderOptions{}),
        http([&] {
          ServerOptions o;
          o.host = "127.0.0.1";
          o.port = 0;
          o.threads = 2;
          o.max_body_bytes = kMaxBody;
          o.max_header_bytes = kMaxHeader;
          o.read_timeout = read_timeout;
          o.idle_timeout = 5s;
          o.max_connections = 256;
          return o;
        }()) {
    service.Register(http);
    auto started = http.Start();
    REQUIRE(started.ok());
    port = *started;
  }

  // /healthz on a fresh connection answers 200 "ok" well within a second.
  void CheckHealthzAtOnce() {
    HttpClient client(port, 1000ms);
    const auto start = Clock::now();
    const auto reply = client.Get("/healthz");
    const auto took = Clock::now() - start;
    REQUIRE(reply.ok());
    CHECK(reply.status == 200);
    CHECK(reply.body == "ok");
    CHECK(took < 500ms);
  }

  state::ClusterState cluster;
  Published<framework::Policy> policies;
  ExtenderService service;
  HttpServer http;
  uint16_t port = 0;
};

std::string Request(std::string_view method, std::string_view target, std::string_view body,
                    std::string_view content_type = "application/json",
                    std::string_view extra_headers = "") {
  std::string r = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: x\r\n";
  if (!content_type.empty()) r += "Content-Type: " + std::string(content_type) + "\r\n";
  r += extra_headers;
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  r += body;
  return r;
}

const json& NotebookPod() {
  static const json pod = json::parse(ReadFile("examples/notebook-pod.json"));
  return pod;
}

std::string PodWithCpu(const std::string& cpu) {
  json pod = NotebookPod();
  pod["spec"]["containers"][0]["resources"]["requests"]["cpu"] = cpu;
  return json{{"Pod", pod}, {"NodeNames", {"worker-1"}}}.dump();
}

struct Row {
  const char* name;
  std::string bytes;       // sent as is
  int want_status;         // exact status expected, or 0: any 4xx
  const char* want_error;  // substring of the {"Error"} message, or ""
};

TEST_CASE("Hostile requests get a 4xx naming the problem and the server carries on",
          "[server][hostile]") {
  Server server;
  const std::string pod = NotebookPod().dump();
  std::string deep_array(100000, '[');
  deep_array += std::string(100000, ']');
  std::string deep_pod = "{\"Pod\": {\"metadata\": {\"annotations\": ";
  for (int i = 0; i < 70; ++i) deep_pod += "{\"a\": ";
  deep_pod += "1" + std::string(70, '}') + "}}}";
  json many_names = {{"Pod", NotebookPod()}, {"NodeNames", json::array()}};
  for (int i = 0; i < 100000; ++i) many_names["NodeNames"].push_back("n" + std::to_string(i));
  json many_nodes = {{"Pod", NotebookPod()}, {"Nodes", {{"items", json::array()}}}};
  for (int i = 0; i < 10001; ++i) {
    many_nodes["Nodes"]["items"].push_back({{"metadata", {{"name", "n" + std::to_string(i)}}}});
  }
  std::string many_tolerations = "{\"Pod\": {\"spec\": {\"tolerations\": [";
  for (int i = 0; i < 100000; ++i) many_tolerations += i == 0 ? "1" : ",1";
  many_tolerations += "]}}, \"NodeNames\": [\"worker-1\"]}";
  std::string header_flood;
  for (int i = 0; i < 2000; ++i) header_flood += "X-Flood-" + std::to_string(i) + ": 1234567\r\n";
  const std::string long_header = "X-Long: " + std::string(kMaxHeader + 1, 'a') + "\r\n";

  const std::vector<Row> rows = {
      // truncated JSON (the HTTP framing is complete, the document is not)
      {"truncated JSON body", Request("POST", "/filter", pod.substr(0, pod.size() / 2)), 400, ""},
      {"empty body", Request("POST", "/filter", ""), 400, ""},
      // Content-Type is not enforced (curl -d sends form encoding); a non-JSON body is a 400.
      {"form-encoded body",
       Request("POST", "/filter", "Pod=x&NodeNames=y", "application/x-www-form-urlencoded"), 400,
       ""},
      {"XML body", Request("POST", "/prioritize", "<Pod><name>x</name></Pod>", "application/xml"),
       400, ""},
      {"multipart body",
       Request("POST", "/bind", "--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n",
               "multipart/form-data; boundary=b"),
       400, ""},
      {"no content type, not JSON", Request("POST", "/filter", "hello", ""), 400, ""},
      {"deep array nesting", Request("POST", "/filter", deep_array), 400, "nesting"},
      {"deep object nesting inside a pod", Request("POST", "/explain", deep_pod), 400, "nesting"},
      {"100k NodeNames", Request("POST", "/filter", many_names.dump()), 400, "NodeNames"},
      {"10001 Nodes items (limit 10000)", Request("POST", "/prioritize", many_nodes.dump()), 400,
       "Nodes"},
      {"100k tolerations of the wrong type", Request("POST", "/filter", many_tolerations), 400,
       "tolerations"},
      {"invalid UTF-8 in a string",
       Request("POST", "/filter", "{\"Pod\": {\"metadata\": {\"name\": \"a\xff\xfe\"}}}"), 400, ""},
      {"lone surrogate escape", Request("POST", "/bind", "{\"PodName\": \"\\ud800\", \"Node\": 7}"),
       400, ""},
      {"duplicate keys: the later, invalid one wins",
       Request("POST", "/filter", "{\"Pod\": " + pod + ", \"pod\": 5, \"NodeNames\": []}"), 400,
       "Pod"},
      {"duplicate NodeNames: the later, invalid one wins",
       Request("POST", "/filter",
               "{\"Pod\": " + pod + ", \"NodeNames\": [\"worker-1\"], \"nodenames\": {}}"),
       400, "NodeNames"},
      {"cpu beyond int64", Request("POST", "/filter", PodWithCpu("99999999999999999999999")), 400,
       "cpu"},
      {"cpu with a huge exponent", Request("POST", "/filter", PodWithCpu("1e300")), 400, "cpu"},
      {"negative cpu request", Request("POST", "/filter", PodWithCpu("-1")), 400, "negative"},
      {"huge JSON number",
       Request("POST", "/preempt",
               "{\"Pod\": " + pod +
                   ", \"NodeNameToMetaVictims\": {\"w\": "
                   "{\"NumPDBViolations\": 1e400}}}"),
       400, ""},
      {"integer beyond int64",
       Request("POST", "/preempt",
               "{\"Pod\": " + pod +
                   ", \"NodeNameToMetaVictims\": {\"w\": {\"NumPDBViolations\": "
                   "18446744073709551615}}}"),
       400, "NumPDBViolations"},
      {"header flood (2000 headers)", Request("GET", "/healthz", "", "", header_flood), 431, ""},
      {"one header over the limit", Request("GET", "/healthz", "", "", long_header), 431, ""},
      {"body over max_body_bytes",
       "POST /filter HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(kMaxBody + 1) +
           "\r\n\r\n{",
       413, ""},
      {"garbage request line", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400, ""},
      {"bad chunk size",
       "POST /filter HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
       "chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
       400, ""},
      {"unknown path", Request("POST", "/filter/../../etc/passwd", "{}"), 404, ""},
      {"wrong method", Request("DELETE", "/filter", ""), 405, ""},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      RawConnection conn(server.port);
      REQUIRE(conn.connected());
      // A 413/431 may come before everything is sent; the reply still arrives.
      conn.Send(row.bytes, 10s);
      const auto res = conn.ReadResponse(10s);
      REQUIRE(res.has_value());
      if (row.want_status != 0) {
        CHECK(res->status == row.want_status);
      } else {
        CHECK(res->status >= 400);
        CHECK(res->status < 500);
      }
      INFO(res->body);
      const json body = json::parse(res->body, nullptr, /*allow_exceptions=*/false);
      REQUIRE(body.is_object());
      REQUIRE(body.contains("Error"));
      CHECK_THAT(body["Error"].get<std::string>(), Catch::Contains(row.want_error));
      server.CheckHealthzAtOnce();
    }
  }
}

TEST_CASE("The max-nodes limit is configurable and names the field", "[server][hostile]") {
  Server server;
  const size_t saved = codec::MaxNodesPerRequest();
  codec::SetMaxNodesPerRequest(3);
  HttpClient client(server.port);
  const json ok = {{"Pod", NotebookPod()}, {"NodeNames", {"worker-1", "worker-2", "gpu-1"}}};
  const json over = {{"Pod", NotebookPod()},
                     {"NodeNames", {"master", "worker-1", "worker-2", "gpu-1"}}};
  const auto accepted = client.Post("/filter", ok.dump());
  const auto rejected = client.Post("/filter", over.dump());
  codec::SetMaxNodesPerRequest(saved);
  CHECK(accepted.status == 200);
  CHECK(rejected.status == 400);
  CHECK(json::parse(rejected.body)["Error"] ==
        "NodeNames: 4 nodes exceed the limit of 3 nodes per request (--max-nodes)");
}

TEST_CASE("Truncated bodies and resets mid-body end in a clean close", "[server][hostile]") {
  Server server;
  SECTION("half-close after part of the body") {
    RawConnection conn(server.port);
    REQUIRE(conn.Send("POST /filter HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"Pod\""));
    // RawConnection has no half-close; a second connection does it by hand below.
    const int fd = ConnectLoopback(server.port);
    REQUIRE(fd >= 0);
    const std::string partial =
        "POST /filter HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"Pod\"";
    REQUIRE(::send(fd, partial.data(), partial.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(partial.size()));
    REQUIRE(::shutdown(fd, SHUT_WR) == 0);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char buf[256];
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    ::close(fd);
    CHECK(n == 0);  // closed without a reply (nothing sensible to answer a half request)
    server.CheckHealthzAtOnce();
    CHECK(conn.OpenAndQuiet());  // the other, still-sending client is untouched
  }
  SECTION("reset (RST) mid-body, many times") {
    for (int i = 0; i < 50; ++i) {
      const int fd = ConnectLoopback(server.port);
      REQUIRE(fd >= 0);
      const std::string partial =
          "POST /filter HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" +
          std::string(5000, ' ');
      ::send(fd, partial.data(), partial.size(), MSG_NOSIGNAL);
      linger lg{1, 0};  // close() sends RST
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
      ::close(fd);
    }
    server.CheckHealthzAtOnce();
  }
}

TEST_CASE("Slowloris: one byte at a time cannot hold a worker", "[server][hostile]") {
  Server server(1500ms);
  // Twenty clients each trickle a request; the pool has two threads.
  const std::string request = Request("POST", "/filter", NotebookPod().dump());
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 20; ++i) {
    slow.push_back(std::make_unique<RawConnection>(server.port));
    REQUIRE(slow.back()->connected());
  }
  // Five rounds of one byte per client, 100 ms apart (the wait is a poll that must see nothing
  // from the server), with /healthz answered at once in between.
  for (size_t b = 0; b < 5; ++b) {
    for (auto& c : slow) REQUIRE(c->Send(request.substr(b, 1)));
    CHECK_FALSE(slow.front()->WaitClosed(100ms));
    server.CheckHealthzAtOnce();
  }
  // read_timeout (1.5 s) covers the whole request: every trickler is closed without a reply.
  for (auto& c : slow) {
    CHECK(c->WaitClosed(5s));
    CHECK(c->pending().empty());
  }
  server.CheckHealthzAtOnce();
}

TEST_CASE("Idle keep-alive connections are closed after idle_timeout", "[server][hostile]") {
  Server server;
  // The fixture's idle timeout is 5 s; a dedicated server uses 300 ms.
  ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.threads = 1;
  o.idle_timeout = 300ms;
  HttpServer quick(o);
  server.service.Register(quick);
  auto port = quick.Start();
  REQUIRE(port.ok());
  RawConnection conn(*port);
  REQUIRE(conn.Send(Request("GET", "/healthz", "", "")));
  const auto res = conn.ReadResponse();
  REQUIRE(res.has_value());
  CHECK(res->status == 200);
  CHECK(conn.WaitClosed(3s));
}

}  // namespace
}  // namespace nbsched::server
