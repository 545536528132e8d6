#include "scheduler/server/http_server.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/http_client.h"

namespace nbsched::server {
namespace {

using namespace std::chrono_literals;
using ::nbsched::testing::HttpClient;
using ::nbsched::testing::HttpReply;
using ::nbsched::testing::RawConnection;
using ::nbsched::testing::RawResponse;

ServerOptions TestOptions() {
  ServerOptions opts;
  opts.host = "127.0.0.1";
  opts.port = 0;
  opts.threads = 2;
  opts.read_timeout = 5s;
  opts.idle_timeout = 5s;
  return opts;
}

HttpResponse Text(std::string body) {
  HttpResponse res;
  res.content_type = "text/plain";
  res.body = std::move(body);
  return res;
}

// The routes every test server has.
void AddRoutes(HttpServer& server) {
  server.Route("GET", "/hello", [](const HttpRequest&) {
    HttpResponse res;
    res.body = R"({"hello": "world"})";
    res.headers.emplace_back("X-Test", "yes");
    return res;
  });
  server.Route("POST", "/echo", [](const HttpRequest& req) { return Text(req.body); });
  server.Route("GET", "/both", [](const HttpRequest&) { return Text("get"); });
  server.Route("POST", "/both", [](const HttpRequest&) { return Text("post"); });
  server.Route("GET", "/info", [](const HttpRequest& req) {
    return Text(req.method + " " + req.path + " " + req.target + " " + req.content_type + " " +
                std::string(req.Header("x-custom")) + "|" + std::string(req.Header("X-Absent")));
  });
  server.Route("POST", "/throw", [](const HttpRequest&) -> HttpResponse {
    throw std::runtime_error("boom \"quoted\"");
  });
  server.Route("POST", "/throw-int", [](const HttpRequest&) -> HttpResponse { throw 42; });
  server.Route("GET", "/bad-status", [](const HttpRequest&) {
    HttpResponse res;
    res.status = 1000;
    return res;
  });
}

// A started server with AddRoutes (plus any extra routes added by `setup`).
class TestServer {
 public:
  explicit TestServer(ServerOptions opts = TestOptions(),
                      const std::function<void(HttpServer&)>& setup = {})
      : server_(std::move(opts)) {
    AddRoutes(server_);
    if (setup) setup(server_);
    const absl::StatusOr<uint16_t> port = server_.Start();
    REQUIRE(port.ok());
    port_ = *port;
  }
  HttpServer& server() { return server_; }
  uint16_t port() const { return port_; }

 private:
  HttpServer server_;
  uint16_t port_ = 0;
};

bool IsJsonError(const std::string& body) {
  const nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  return doc.is_object() && doc.contains("Error") && doc["Error"].is_string();
}

TEST_CASE("HttpServer routes by exact path and method", "[server][http_server]") {
  TestServer ts;
  struct Row {
    std::string name;
    std::string method;
    std::string target;
    int want_status;
    std::string want_body;
    std::string want_allow;
  };
  const std::vector<Row> rows = {
      {"exact path", "GET", "/hello", 200, R"({"hello": "world"})", ""},
      {"query string ignored", "GET", "/hello?x=1&y=2", 200, R"({"hello": "world"})", ""},
      {"second method on a path", "POST", "/both", 200, "post", ""},
      {"unknown path", "GET", "/nope", 404, R"({"Error": "no such endpoint: /nope"})", ""},
      {"unknown path, query dropped", "GET", "/nope?a=1", 404,
       R"({"Error": "no such endpoint: /nope"})", ""},
      {"prefix is not a match", "GET", "/hello/x", 404,
       R"({"Error": "no such endpoint: /hello/x"})", ""},
      {"wrong method, one allowed", "GET", "/echo", 405,
       R"({"Error": "method GET not allowed on /echo; use POST"})", "POST"},
      {"wrong method, allowed joined", "DELETE", "/both", 405,
       R"({"Error": "method DELETE not allowed on /both; use GET, POST"})", "GET, POST"},
  };
  HttpClient client(ts.port());
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const HttpReply reply = client.Send(row.method, row.target, "", "", true);
      REQUIRE(reply.ok());
      CHECK(reply.status == row.want_status);
      CHECK(reply.body == row.want_body);
      CHECK(reply.Header("Allow") == row.want_allow);
      CHECK(reply.Header("Server") == "nbsched");
      CHECK(reply.Header("Content-Length") == std::to_string(row.want_body.size()));
      CHECK_FALSE(reply.Header("Content-Type").empty());
      if (row.want_status >= 400) CHECK(IsJsonError(reply.body));
    }
  }
}

TEST_CASE("HttpServer passes request fields and reply headers", "[server][http_server]") {
  TestServer ts;
  HttpClient client(ts.port());
  const HttpReply info =
      client.Send("GET", "/info?q=1", "", "text/x-test", true, {{"X-Custom", "custom value"}});
  REQUIRE(info.ok());
  CHECK(info.body == "GET /info /info?q=1 text/x-test custom value|");
  CHECK(info.Header("Content-Type") == "text/plain");

  const HttpReply hello = client.Get("/hello");
  REQUIRE(hello.ok());
  CHECK(hello.Header("Content-Type") == "application/json");
  CHECK(hello.Header("X-Test") == "yes");
}

TEST_CASE("HttpServer 404 body is valid JSON for any path", "[server][http_server]") {
  TestServer ts;
  // Quotes, backslashes and non-UTF-8 bytes in the path are escaped, not copied.
  RawConnection conn(ts.port());
  REQUIRE(conn.connected());
  REQUIRE(conn.Send("GET /a\\b\"c\xff\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto res = conn.ReadResponse();
  REQUIRE(res.has_value());
  CHECK(res->status == 404);
  CHECK(res->body == "{\"Error\": \"no such endpoint: /a\\\\b\\\"c\\ufffd\xc3\xa9\"}");
  CHECK(IsJsonError(res->body));
}

TEST_CASE("HttpServer enforces max_body_bytes with 413", "[server][http_server]") {
  ServerOptions opts = TestOptions();
  opts.max_body_bytes = 1024;
  TestServer ts(opts);
  struct Row {
    std::string name;
    size_t body_bytes;
    int want_status;
  };
  const std::vector<Row> rows = {
      {"at the limit", 1024, 200},
      {"one byte over", 1025, 413},
      {"far over", 100000, 413},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      HttpClient client(ts.port());
      const HttpReply reply = client.Post("/echo", std::string(row.body_bytes, 'x'));
      REQUIRE(reply.ok());
      CHECK(reply.status == row.want_status);
      if (row.want_status == 413) {
        CHECK(reply.body == R"({"Error": "request body exceeds 1024 bytes"})");
        CHECK(reply.Header("Connection") == "close");
        CHECK_FALSE(client.connected());
      } else {
        CHECK(reply.body.size() == row.body_bytes);
      }
    }
  }
  SECTION("chunked body over the limit") {
    RawConnection conn(ts.port());
    REQUIRE(conn.connected());
    const std::string chunk(1000, 'y');
    REQUIRE(
        conn.Send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "3e8\r\n" +
                  chunk + "\r\n3e8\r\n" + chunk + "\r\n0\r\n\r\n"));  // 0x3e8 = 1000
    const auto res = conn.ReadResponse();
    REQUIRE(res.has_value());
    CHECK(res->status == 413);
    CHECK(conn.WaitClosed());
  }
}

TEST_CASE("HttpServer keeps connections alive", "[server][http_server]") {
  TestServer ts;
  SECTION("HTTP/1.1 default: many requests, one connection") {
    HttpClient client(ts.port());
    for (int i = 0; i < 5; ++i) {
      const HttpReply reply = client.Post("/echo", "n" + std::to_string(i));
      REQUIRE(reply.ok());
      CHECK(reply.status == 200);
      CHECK(reply.body == "n" + std::to_string(i));
    }
    CHECK(client.connections() == 1);
    CHECK(client.connected());
  }
  SECTION("Connection: close is honoured") {
    RawConnection conn(ts.port());
    REQUIRE(conn.connected());
    REQUIRE(conn.Send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    const auto res = conn.ReadResponse();
    REQUIRE(res.has_value());
    CHECK(res->status == 200);
    CHECK(res->Header("connection") == "close");
    CHECK(conn.WaitClosed());
  }
  SECTION("HTTP/1.0 closes by default") {
    RawConnection conn(ts.port());
    REQUIRE(conn.connected());
    REQUIRE(conn.Send("GET /hello HTTP/1.0\r\n\r\n"));
    const auto res = conn.ReadResponse();
    REQUIRE(res.has_value());
    CHECK(res->status == 200);
    CHECK(res->body == R"({"hello": "world"})");
    CHECK(conn.WaitClosed());
  }
  SECTION("HTTP/1.0 with Connection: keep-alive stays open") {
    RawConnection conn(ts.port());
    REQUIRE(conn.connected());
    for (int i = 0; i < 2; ++i) {
      REQUIRE(conn.Send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
      const auto res = conn.ReadResponse();
      REQUIRE(res.has_value());
      CHECK(res->status == 200);
      CHECK(res->Header("connection") == "keep-alive");
    }
    CHECK(conn.OpenAndQuiet());
  }
}

TEST_CASE("HttpServer answers pipelined requests in order", "[server][http_server]") {
  TestServer ts;
  RawConnection conn(ts.port());
  REQUIRE(conn.connected());
  std::string pipeline;
  for (const std::string body : {"first", "second", "third"}) {
    pipeline += "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\n\r\n" + body;
  }
  pipeline += "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(conn.Send(pipeline));
  for (const std::string want : {"first", "second", "third"}) {
    const auto res = conn.ReadResponse();
    REQUIRE(res.has_value());
    CHECK(res->status == 200);
    CHECK(res->body == want);
  }
  const auto last = conn.ReadResponse();
  REQUIRE(last.has_value());
  CHECK(last->status == 404);
  CHECK(conn.OpenAndQuiet());
}

TEST_CASE("HttpServer rejects bad HTTP and closes", "[server][http_server]") {
  ServerOptions opts = TestOptions();
  opts.max_header_bytes = 4096;
  TestServer ts(opts);
  std::string flood = "GET /hello HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 200; ++i) flood += "X-Flood-" + std::to_string(i) + ": " + "aaaaaaaa\r\n";
  flood += "\r\n";  // 200 lines of ~21 bytes: ~4.2 KB > 4096
  struct Row {
    std::string name;
    std::string bytes;
    int want_status;
  };
  const std::vector<Row> rows = {
      {"malformed request line", "GARBAGE\r\n\r\n", 400},
      {"no HTTP version", "GET /hello\r\n\r\n", 400},
      {"bad header line", "GET /hello HTTP/1.1\r\nno colon here\r\n\r\n", 400},
      {"bad content-length", "POST /echo HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400},
      {"header flood", flood, 431},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      RawConnection conn(ts.port());
      REQUIRE(conn.connected());
      REQUIRE(conn.Send(row.bytes));
      const auto res = conn.ReadResponse();
      REQUIRE(res.has_value());
      CHECK(res->status == row.want_status);
      CHECK(IsJsonError(res->body));
      CHECK(res->Header("connection") == "close");
      CHECK(conn.WaitClosed());
    }
  }
  // The server is unharmed, and a big header within the limit is fine: 100 lines of 30 bytes.
  HttpClient client(ts.port());
  std::vector<std::pair<std::string, std::string>> big;
  for (int i = 0; i < 100; ++i) big.emplace_back("X-Big-" + std::to_string(100 + i), "12345678");
  const HttpReply reply = client.Send("GET", "/hello", "", "", true, big);
  REQUIRE(reply.ok());
  CHECK(reply.status == 200);
}

TEST_CASE("HttpServer answers Expect: 100-continue", "[server][http_server]") {
  TestServer ts;
  RawConnection conn(ts.port());
  REQUIRE(conn.connected());
  REQUIRE(conn.Send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  const auto interim = conn.ReadResponse();
  REQUIRE(interim.has_value());
  CHECK(interim->status == 100);
  REQUIRE(conn.Send("hello"));
  const auto res = conn.ReadResponse();
  REQUIRE(res.has_value());
  CHECK(res->status == 200);
  CHECK(res->body == "hello");
}

TEST_CASE("HttpServer: a slow client does not block others", "[server][http_server]") {
  ServerOptions opts = TestOptions();
  opts.threads = 1;  // one worker: a blocking read would starve the fast client
  TestServer ts(opts);
  const std::string request = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nslow";
  RawConnection slow(ts.port());
  REQUIRE(slow.connected());
  REQUIRE(slow.Send(request.substr(0, 1)));

  HttpClient fast(ts.port());
  for (int i = 0; i < 3; ++i) {
    const HttpReply reply = fast.Get("/hello");
    REQUIRE(reply.ok());
    CHECK(reply.status == 200);
  }
  CHECK(slow.OpenAndQuiet());  // still mid-request, not answered, not closed

  for (size_t i = 1; i < request.size(); ++i) {
    REQUIRE(slow.Send(request.substr(i, 1)));
    if (i % 7 == 0) CHECK(fast.Get("/hello").status == 200);
  }
  const auto res = slow.ReadResponse();
  REQUIRE(res.has_value());
  CHECK(res->status == 200);
  CHECK(res->body == "slow");
}

TEST_CASE("HttpServer closes connections on timeouts", "[server][http_server]") {
  ServerOptions opts = TestOptions();
  opts.read_timeout = 200ms;
  opts.idle_timeout = 200ms;
  TestServer ts(opts);
  SECTION("request not complete within read_timeout") {
    RawConnection conn(ts.port());
    REQUIRE(conn.connected());
    REQUIRE(conn.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
    CHECK(conn.WaitClosed(5000ms));
    CHECK(conn.pending().empty());  // closed without a reply
  }
  SECTION("connection that never sends") {
    RawConnection conn(ts.port());
    REQUIRE(conn.connected());
    CHECK(conn.WaitClosed(5000ms));
    CHECK(conn.pending().empty());
  }
  SECTION("keep-alive connection idle after a reply") {
    RawConnection conn(ts.port());
    REQUIRE(conn.connected());
    REQUIRE(conn.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
    const auto res = conn.ReadResponse();
    REQUIRE(res.has_value());
    CHECK(res->status == 200);
    CHECK(conn.WaitClosed(5000ms));
  }
}

TEST_CASE("HttpServer turns handler exceptions into 500 and keeps serving",
          "[server][http_server]") {
  TestServer ts;
  HttpClient client(ts.port());
  const HttpReply failed = client.Post("/throw", "{}");
  REQUIRE(failed.ok());
  CHECK(failed.status == 500);
  CHECK(failed.body == R"({"Error": "internal error: boom \"quoted\""})");
  CHECK(IsJsonError(failed.body));
  const HttpReply thrown_int = client.Post("/throw-int", "{}");
  CHECK(thrown_int.status == 500);
  CHECK(thrown_int.body == R"({"Error": "internal error: unknown exception"})");
  const HttpReply bad_status = client.Get("/bad-status");
  CHECK(bad_status.status == 500);
  CHECK(bad_status.body == R"({"Error": "internal error: handler returned status 1000"})");
  const HttpReply next = client.Get("/hello");
  REQUIRE(next.ok());
  CHECK(next.status == 200);
  CHECK(client.connections() == 1);  // the same connection carried on
}

TEST_CASE("HttpServer answers 503 over max_connections", "[server][http_server]") {
  ServerOptions opts = TestOptions();
  opts.max_connections = 2;
  TestServer ts(opts);
  HttpClient a(ts.port());
  HttpClient b(ts.port());
  REQUIRE(a.Get("/hello").status == 200);  // both connections are now registered
  REQUIRE(b.Get("/hello").status == 200);
  {
    RawConnection extra(ts.port());
    REQUIRE(extra.connected());
    const auto res = extra.ReadResponse();
    REQUIRE(res.has_value());
    CHECK(res->status == 503);
    CHECK(IsJsonError(res->body));
    CHECK(extra.WaitClosed());
  }
  CHECK(a.Get("/hello").status == 200);  // the admitted ones are unaffected
}

TEST_CASE("HttpServer serves many concurrent clients", "[server][http_server]") {
  TestServer ts;
  constexpr int kThreads = 8;
  constexpr int kRequests = 200;
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&failures, t, port = ts.port()] {
      HttpClient client(port);
      const bool keep_alive = t % 2 == 0;  // half reuse one connection, half connect each time
      for (int i = 0; i < kRequests; ++i) {
        const std::string body = std::to_string(t) + ":" + std::to_string(i);
        const HttpReply reply = client.Post("/echo", body, keep_alive);
        if (!reply.ok() || reply.status != 200 || reply.body != body) ++failures[t];
      }
    });
  }
  for (std::thread& w : workers) w.join();
  for (int t = 0; t < kThreads; ++t) {
    INFO("client thread " << t);
    CHECK(failures[t] == 0);
  }
}

TEST_CASE("HttpServer::Stop lets an in-flight request finish", "[server][http_server]") {
  std::promise<void> started;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  TestServer ts(TestOptions(), [&](HttpServer& server) {
    server.Route("GET", "/slow", [&started, released](const HttpRequest&) {
      started.set_value();
      released.wait();
      return Text("done");
    });
  });
  const uint16_t port = ts.port();
  RawConnection idle(port);  // an idle keep-alive connection: closed at once by Stop
  REQUIRE(idle.connected());
  REQUIRE(idle.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(idle.ReadResponse().has_value());

  auto client = std::async(std::launch::async, [port] { return HttpClient(port).Get("/slow"); });
  REQUIRE(started.get_future().wait_for(5s) == std::future_status::ready);
  auto stopper = std::async(std::launch::async, [&ts] { ts.server().Stop(5s); });

  CHECK(idle.WaitClosed());
  // The listener closes first: wait for a refused connection (each try is immediate).
  bool refused = false;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!refused && std::chrono::steady_clock::now() < deadline) {
    refused = !RawConnection(port).connected();
  }
  CHECK(refused);
  CHECK(stopper.wait_for(0s) == std::future_status::timeout);  // waiting for the handler

  release.set_value();
  const HttpReply reply = client.get();
  REQUIRE(reply.ok());
  CHECK(reply.status == 200);
  CHECK(reply.body == "done");
  CHECK(reply.Header("Connection") == "close");
  REQUIRE(stopper.wait_for(5s) == std::future_status::ready);
  CHECK(ts.server().port() == 0);
}

TEST_CASE("HttpServer Start/Stop lifecycle", "[server][http_server]") {
  HttpServer server(TestOptions());
  AddRoutes(server);
  const absl::StatusOr<uint16_t> first = server.Start();
  REQUIRE(first.ok());
  CHECK(*first != 0);
  CHECK(server.port() == *first);
  CHECK(server.Start().status().code() == absl::StatusCode::kFailedPrecondition);

  SECTION("a taken port is Unavailable") {
    ServerOptions opts = TestOptions();
    opts.port = *first;
    HttpServer other(opts);
    CHECK(other.Start().status().code() == absl::StatusCode::kUnavailable);
  }
  SECTION("restart after Stop") {
    server.Stop(1s);
    server.Stop(1s);  // a second Stop is a no-op
    const absl::StatusOr<uint16_t> again = server.Start();
    REQUIRE(again.ok());
    HttpClient client(*again);
    CHECK(client.Get("/hello").status == 200);
  }
}

}  // namespace
}  // namespace nbsched::server

namespace nbsched::server {
namespace {

TEST_CASE("HttpServer writes body_parts after body, from the request's bytes",
          "[server][http_server]") {
  // The reply: "<" + every 3-byte slice of the request body, joined by "|", + ">" (hundreds of
  // views: several gather writes); release_after_write is held until the reply is written.
  auto released = std::make_shared<std::weak_ptr<const void>>();
  TestServer ts(TestOptions(), [released](HttpServer& server) {
    server.Route("POST", "/parts", [released](const HttpRequest& req) {
      HttpResponse res;
      res.content_type = "text/plain";
      res.body = "<";
      const std::string_view body = req.body;
      for (size_t i = 0; i + 3 <= body.size(); i += 3) {
        if (i > 0) res.body_parts.push_back("|");
        res.body_parts.push_back(body.substr(i, 3));
      }
      auto tail = std::make_shared<const std::string>(">");
      res.body_parts.push_back(*tail);
      *released = tail;
      res.release_after_write = std::move(tail);
      return res;
    });
  });
  HttpClient client(ts.port());
  std::weak_ptr<const void> first;
  for (int round = 0; round < 2; ++round) {  // the same connection serves the next request
    std::string body;
    std::string want = "<";
    for (int i = 0; i < 500; ++i) {
      const std::string slice = std::to_string(100 + (i + round) % 900);
      body += slice;
      if (i > 0) want += "|";
      want += slice;
    }
    want += ">";
    const HttpReply reply = client.Post("/parts", body);
    REQUIRE(reply.ok());
    CHECK(reply.status == 200);
    CHECK(reply.body == want);
    CHECK(reply.Header("content-length") == std::to_string(want.size()));
    if (round == 0) first = *released;
  }
  CHECK(client.connections() == 1);
  // The first reply was written before the connection read the second request.
  CHECK(first.expired());
}

}  // namespace
}  // namespace nbsched::server
