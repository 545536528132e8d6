// The real `nbsched serve`: SIGTERM while a request is in flight (a client mid-body). The server
// stops accepting, the in-flight request is still answered (with Connection: close), idle
// keep-alive connections are closed, and the process exits 0.

#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <nlohmann/json.hpp>

#include "tests/testing/files.h"
#include "tests/testing/http_client.h"
#include "tests/testing/process.h"
#include "tests/testing/subprocess.h"

namespace nbsched {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing::RawConnection;
using testing::ReadFile;
using testing::ReadyPort;
using testing::ServeArgs;
using testing::Subprocess;

bool Refused(uint16_t port) {
  const int fd = testing::ConnectLoopback(port);
  if (fd < 0) return true;
  ::close(fd);
  return false;
}

TEST_CASE("SIGTERM: the in-flight request is answered, then exit 0", "[e2e][shutdown]") {
  Subprocess server(ServeArgs(NBSCHED_BINARY, {"--read-timeout", "20s"}));
  const uint16_t port = ReadyPort(server);

  const json args = {{"Pod", json::parse(ReadFile("examples/notebook-pod.json"))},
                     {"NodeNames", {"master", "worker-1", "worker-2", "gpu-1"}}};
  const std::string body = args.dump();
  const std::string head =
      "POST /filter HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  // An idle keep-alive connection (one request done) and a client half-way through its body.
  RawConnection idle(port);
  REQUIRE(idle.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(idle.ReadResponse().has_value());
  RawConnection in_flight(port);
  REQUIRE(in_flight.Send(head + body.substr(0, body.size() / 2)));
  REQUIRE(in_flight.OpenAndQuiet());

  server.Signal(SIGTERM);
  // Stop() has begun once new connections are refused (each probe waits for the kernel only).
  bool refused = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!refused && std::chrono::steady_clock::now() < deadline) {
    refused = Refused(port);
    if (!refused) idle.WaitClosed(milliseconds(20));
  }
  REQUIRE(refused);
  CHECK(idle.WaitClosed(milliseconds(5000)));  // idle connections go at once

  REQUIRE(in_flight.Send(body.substr(body.size() / 2)));
  const auto res = in_flight.ReadResponse(milliseconds(10000));
  REQUIRE(res.has_value());
  CHECK(res->status == 200);
  CHECK(testing::Lowercase(res->Header("Connection")) == "close");
  CHECK(json::parse(res->body)["NodeNames"] == json{"worker-1", "worker-2", "gpu-1"});
  CHECK(server.Wait(milliseconds(15000)) == 0);
}

}  // namespace
}  // namespace nbsched
