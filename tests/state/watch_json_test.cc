// List pages and watch events (scheduler/codec/watch_json.h).

#include "scheduler/codec/watch_json.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace nbsched::codec {
namespace {

TEST_CASE("DecodeListPage keeps version, continue token and decoded items", "[state][watch_json]") {
  auto page = DecodeListPage(
      R"({"kind":"PodList","metadata":{"resourceVersion":"42","continue":"tok"},"items":[
          {"metadata":{"name":"a","namespace":"ns","resourceVersion":"40"},
           "spec":{"nodeName":"n1","containers":[{"resources":{"requests":{"cpu":"1"}}}]}},
          {"metadata":{"name":"bad","namespace":"ns"},
           "spec":{"containers":[{"resources":{"requests":{"cpu":"1.5.0"}}}]}}]})",
      ObjectKind::kPod);
  REQUIRE(page.ok());
  CHECK(page->resource_version == "42");
  CHECK(page->continue_token == "tok");
  REQUIRE(page->items.size() == 1);
  CHECK(page->items[0].key == "ns/a");
  CHECK(page->items[0].resource_version == "40");
  CHECK(page->items[0].pod->request.milli_cpu == 1000);
  REQUIRE(page->errors.size() == 1);  // the bad item is skipped, its path named
  CHECK_THAT(page->errors[0],
             Catch::StartsWith("list.items[1].spec.containers[0].resources.requests.cpu"));
}

TEST_CASE("DecodeListPage decodes workload selectors", "[state][watch_json]") {
  auto page = DecodeListPage(
      R"({"kind":"ServiceList","metadata":{"resourceVersion":"7"},"items":[
          {"metadata":{"name":"web","namespace":"ns"},"spec":{"selector":{"app":"web"}}}]})",
      ObjectKind::kService);
  REQUIRE(page.ok());
  REQUIRE(page->items.size() == 1);
  CHECK(page->items[0].key == "ns/web");
  REQUIRE(page->items[0].workload.has_value());
  CHECK(page->items[0].workload->map_selector.at("app") == "web");
}

TEST_CASE("DecodeWatchEvent reads each event type", "[state][watch_json]") {
  using Type = WatchEvent::Type;
  struct Row {
    std::string name;
    std::string line;
    ObjectKind kind;
    Type type;
    std::string key;
    std::string resource_version;
    int32_t code;
  };
  const std::vector<Row> rows = {
      {"added node",
       R"({"type":"ADDED","object":{"kind":"Node","metadata":{"name":"n1","resourceVersion":"5"}}})",
       ObjectKind::kNode, Type::kAdded, "n1", "5", 0},
      {"modified pod",
       R"({"type":"MODIFIED","object":{"metadata":{"name":"p","namespace":"d","resourceVersion":"6"}}})",
       ObjectKind::kPod, Type::kModified, "d/p", "6", 0},
      {"deleted pod that no longer decodes still has its key",
       R"({"type":"DELETED","object":{"metadata":{"name":"p","namespace":"d","resourceVersion":"8"},"spec":{"containers":[{"resources":{"requests":{"cpu":"x"}}}]}}})",
       ObjectKind::kPod, Type::kDeleted, "d/p", "8", 0},
      {"bookmark",
       R"({"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"9","annotations":{"k8s.io/initial-events-end":"true"}}}})",
       ObjectKind::kPod, Type::kBookmark, "", "9", 0},
      {"410 error",
       R"json({"type":"ERROR","object":{"kind":"Status","status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}})json",
       ObjectKind::kPod, Type::kError, "", "", 410},
      {"statefulset",
       R"({"type":"ADDED","object":{"kind":"StatefulSet","metadata":{"name":"s","namespace":"d","resourceVersion":"3"},"spec":{"selector":{"matchLabels":{"app":"s"}}}}})",
       ObjectKind::kStatefulSet, Type::kAdded, "d/s", "3", 0},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      auto event = DecodeWatchEvent(row.line, row.kind);
      REQUIRE(event.ok());
      CHECK(event->type == row.type);
      CHECK(event->object.key == row.key);
      CHECK(event->object.resource_version == row.resource_version);
      CHECK(event->code == row.code);
      if (row.kind == ObjectKind::kStatefulSet) CHECK(event->object.workload.has_value());
    }
  }
}

TEST_CASE("DecodeWatchEvent rejects bad events with the path", "[state][watch_json]") {
  struct Row {
    std::string line;
    std::string message;
  };
  const std::vector<Row> rows = {
      {R"({"type":"WHAT","object":{}})", "event.type: unknown watch event type \"WHAT\""},
      {R"({"type":"ADDED"})", "event.object: missing"},
      {R"({"type":"ADDED","object":{"spec":{"containers":[{"resources":{"requests":{"cpu":"x"}}}]}}})",
       "event.object.spec.containers[0].resources.requests.cpu"},
      {"not json", "event: invalid JSON"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.line) {
      auto event = DecodeWatchEvent(row.line, ObjectKind::kPod);
      REQUIRE(!event.ok());
      CHECK_THAT(std::string(event.status().message()), Catch::StartsWith(row.message));
    }
  }
}

TEST_CASE("StatusMessage takes a Status's message, else the body", "[state][watch_json]") {
  CHECK(StatusMessage(R"({"kind":"Status","message":"pods \"x\" not found","code":404})") ==
        "pods \"x\" not found");
  CHECK(StatusMessage("upstream connect error\n") == "upstream connect error");
}

}  // namespace
}  // namespace nbsched::codec
