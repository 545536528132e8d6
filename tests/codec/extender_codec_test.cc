#include "scheduler/codec/extender_codec.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "scheduler/codec/k8s_json.h"
#include "tests/testing/builders.h"

namespace nbsched::codec {
namespace {

using framework::Decision;
using framework::NodeDecision;
using nlohmann::json;
using testing::MakeNode;

std::string ReadGolden(const std::string& name) {
  const std::string path = std::string(NBSCHED_SOURCE_DIR) + "/tests/testdata/extender/" + name;
  std::ifstream in(path);
  INFO("golden file " << path);
  REQUIRE(in.good());
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

json Parse(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  INFO("not JSON: " << text);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

// The §9 cluster's verdicts for jupyter-alice: cpu-1 has no GPU; gpu-1 scores 9, gpu-2 7.
struct Fixture {
  std::vector<std::shared_ptr<const NodeInfo>> infos;
  Decision decision;
};

Fixture MakeDecision(const std::vector<std::shared_ptr<const Node>>& nodes) {
  Fixture f;
  f.decision.priority_names = {"LeastRequestedPriority", "BalancedResourceAllocation",
                               "SelectorSpreadPriority"};
  f.decision.weight_sum = 3;
  f.decision.policy_generation = 3;
  f.decision.scored = true;
  for (const auto& node : nodes) {
    f.infos.push_back(
        std::make_shared<const NodeInfo>(node, std::vector<std::shared_ptr<const Pod>>{}));
    NodeDecision nd;
    nd.node = f.infos.back().get();
    if (node->name == "cpu-1") {
      nd.status = Status::Unschedulable({"Insufficient nvidia.com/gpu"});
    } else if (node->name == "gpu-1") {
      static constexpr int64_t kScores[] = {65, 96, 100};
      nd.scores = kScores;
      nd.weighted = 261;
      nd.extender_score = 9;  // (10·261 + 50·3) / (100·3) = 2760/300 = 9
    } else {
      static constexpr int64_t kScores[] = {38, 79, 100};
      nd.scores = kScores;
      nd.weighted = 217;
      nd.extender_score = 7;  // (10·217 + 150) / 300 = 2320/300 = 7
    }
    f.decision.nodes.push_back(nd);
  }
  return f;
}

Fixture MakeDecision(const std::vector<std::string>& names) {
  std::vector<std::shared_ptr<const Node>> nodes;
  for (const std::string& name : names) nodes.push_back(MakeNode(name).Ptr());
  return MakeDecision(nodes);
}

void CheckAlice(const Pod& pod) {
  CHECK(pod.Key() == "jhub/jupyter-alice");
  CHECK(pod.uid == "0b6f3c2e-5d41-4a8e-9c1a-2f7e9d3b8a10");
  CHECK(pod.scheduler_name == "notebook-scheduler");
  CHECK(pod.request.milli_cpu == 1000);
  CHECK(pod.request.memory == 2147483648);
  CHECK(pod.request.scalars.Get("nvidia.com/gpu") == 1);
}

TEST_CASE("(a) filter, nodeCacheCapable, both casings", "[codec][extender_codec]") {
  for (const std::string request :
       {"filter_cache.request.json", "filter_cache_lowercase.request.json"}) {
    DYNAMIC_SECTION(request) {
      absl::StatusOr<ExtenderArgs> args = DecodeExtenderArgs(ReadGolden(request));
      REQUIRE(args.ok());
      CheckAlice(*args->pod);
      REQUIRE(args->cache_capable());
      REQUIRE(args->node_names.has_value());
      CHECK(*args->node_names == std::vector<std::string>{"cpu-1", "gpu-1", "gpu-2"});

      Fixture f = MakeDecision(*args->node_names);
      CHECK(Parse(EncodeFilterResult(f.decision, *args)) ==
            Parse(ReadGolden("filter_cache.response.json")));
    }
  }
}

TEST_CASE("filter: FailedNodes byte for byte, shared reasons escaped once per reply",
          "[codec][extender_codec]") {
  // Statuses that share one reasons vector (as FailureMerger's do), an equal but separate
  // vector, an unresolvable one, a name that needs escaping and a duplicate.
  absl::StatusOr<ExtenderArgs> args = DecodeExtenderArgs(
      R"({"Pod":{"metadata":{"name":"p"}},"NodeNames":["ok","a","b\"q","c","d","a"]})");
  REQUIRE(args.ok());
  const Status shared = Status::Unschedulable({"Insufficient cpu", "taint {k: \"v\"}"});
  const Status equal = Status::Unschedulable({"Insufficient cpu", "taint {k: \"v\"}"});
  const Status unresolvable = Status::UnschedulableAndUnresolvable({"node(s) didn't match"});
  std::vector<std::shared_ptr<const NodeInfo>> infos;
  Decision decision;
  const std::vector<std::string>& names = *args->node_names;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    infos.push_back(std::make_shared<const NodeInfo>(MakeNode(name).Ptr(),
                                                     std::vector<std::shared_ptr<const Pod>>{}));
    NodeDecision nd;
    nd.node = infos.back().get();
    nd.status = name == "ok"  ? Status::Success()
                : name == "c" ? unresolvable
                : name == "d" ? equal
                              : shared;
    nd.duplicate = i == 5;  // the second "a"
    decision.nodes.push_back(nd);
  }
  const std::string expected =
      R"({"Nodes":null,"NodeNames":["ok"],"FailedNodes":{"a":"Insufficient cpu, taint {k: \"v\"}",)"
      R"("b\"q":"Insufficient cpu, taint {k: \"v\"}","c":"node(s) didn't match",)"
      R"("d":"Insufficient cpu, taint {k: \"v\"}"},)"
      R"("FailedAndUnresolvableNodes":{"c":"node(s) didn't match"},"Error":""})";
  CHECK(EncodeFilterResult(decision, *args) == expected);

  SECTION("names known plain: the same bytes") {
    std::vector<std::string> plain_names = names;
    plain_names[2] = "bq";
    decision.names_plain = true;
    for (size_t i = 0; i < names.size(); ++i) decision.nodes[i].name_view = plain_names[i];
    std::string want = expected;
    want.replace(want.find(R"("b\"q")"), 6, R"("bq")");
    CHECK(EncodeFilterResult(decision, *args) == want);
  }
}

TEST_CASE("(c) filter, not cache-capable, kept nodes echoed", "[codec][extender_codec]") {
  absl::StatusOr<ExtenderArgs> args = DecodeExtenderArgs(ReadGolden("filter_nocache.request.json"));
  REQUIRE(args.ok());
  CheckAlice(*args->pod);
  CHECK_FALSE(args->cache_capable());
  CHECK_FALSE(args->node_names.has_value());
  REQUIRE(args->nodes->size() == 3);
  const Node& gpu2 = *(*args->nodes)[2].node;
  CHECK(gpu2.name == "gpu-2");
  CHECK(gpu2.allocatable.scalars.Get("nvidia.com/gpu") == 4);
  CHECK(gpu2.allocatable.allowed_pods == 110);  // bare number
  CHECK(gpu2.taints.size() == 1);
  // Its annotation ("caf\u00e9 \"quoted\" \\ back") is echoed byte for byte (golden reply below).

  std::vector<std::shared_ptr<const Node>> nodes;
  for (const NodeItem& item : *args->nodes) nodes.push_back(item.node);
  Fixture f = MakeDecision(nodes);
  CHECK(Parse(EncodeFilterResult(f.decision, *args)) ==
        Parse(ReadGolden("filter_nocache.response.json")));

  SECTION("decision order differing from the request still echoes by name") {
    std::swap(f.decision.nodes[1], f.decision.nodes[2]);
    const json reply = Parse(EncodeFilterResult(f.decision, *args));
    REQUIRE(reply["Nodes"]["items"].size() == 2);
    CHECK(reply["Nodes"]["items"][0]["metadata"]["name"] == "gpu-2");
    CHECK(reply["Nodes"]["items"][1]["metadata"]["name"] == "gpu-1");
  }
}

TEST_CASE("(b) prioritize", "[codec][extender_codec]") {
  absl::StatusOr<ExtenderArgs> args = DecodeExtenderArgs(ReadGolden("prioritize.request.json"));
  REQUIRE(args.ok());
  Fixture f = MakeDecision(*args->node_names);
  const std::string reply = EncodePrioritizeResult(f.decision);
  CHECK(Parse(reply) == Parse(ReadGolden("prioritize.response.json")));
  CHECK(reply.find('.') == std::string::npos);  // integers, never 9.0

  SECTION("scores are clamped to 0..10; infeasible nodes score 0; input order kept") {
    Fixture g = MakeDecision(std::vector<std::string>{"gpu-2", "cpu-1", "gpu-1"});
    g.decision.nodes[0].extender_score = 14;  // → 10
    g.decision.nodes[1].extender_score = 5;   // infeasible → 0
    g.decision.nodes[2].extender_score = -3;  // → 0
    CHECK(Parse(EncodePrioritizeResult(g.decision)) ==
          json::parse(R"([{"Host":"gpu-2","Score":10},{"Host":"cpu-1","Score":0},
                          {"Host":"gpu-1","Score":0}])"));
  }
  SECTION("no nodes: an empty array") { CHECK(EncodePrioritizeResult(Decision()) == "[]"); }
  SECTION("a repeated name is listed once, with its first verdict") {
    Fixture g = MakeDecision(std::vector<std::string>{"gpu-1", "cpu-1", "gpu-1", "cpu-1"});
    g.decision.nodes[2].duplicate = true;
    g.decision.nodes[3].duplicate = true;
    g.decision.nodes[0].name_view = "gpu-1";  // the request's spelling, as ResolveNames sets
    CHECK(Parse(EncodePrioritizeResult(g.decision)) ==
          json::parse(R"([{"Host":"gpu-1","Score":9},{"Host":"cpu-1","Score":0}])"));
    ExtenderArgs names_only;
    names_only.node_names.emplace();
    CHECK(Parse(EncodeFilterResult(g.decision, names_only)) ==
          json::parse(R"({"Nodes":null,"NodeNames":["gpu-1"],"Error":"",
                          "FailedNodes":{"cpu-1":"Insufficient nvidia.com/gpu"},
                          "FailedAndUnresolvableNodes":{}})"));
  }
}

TEST_CASE("(d) bind and preempt", "[codec][extender_codec]") {
  SECTION("bind") {
    absl::StatusOr<BindingArgs> args = DecodeBindingArgs(ReadGolden("bind.request.json"));
    REQUIRE(args.ok());
    CHECK(args->pod_name == "jupyter-alice");
    CHECK(args->pod_namespace == "jhub");
    CHECK(args->pod_uid == "0b6f3c2e-5d41-4a8e-9c1a-2f7e9d3b8a10");
    CHECK(args->node == "gpu-1");
    CHECK(Parse(EncodeError("")) == Parse(ReadGolden("bind.response.json")));
  }
  SECTION("bind keys are case-insensitive; PodName and Node are required") {
    absl::StatusOr<BindingArgs> args =
        DecodeBindingArgs(R"({"podname":"a","PODNAMESPACE":"b","poduid":"c","node":"n"})");
    REQUIRE(args.ok());
    CHECK(args->pod_namespace == "b");
    absl::StatusOr<BindingArgs> no_node = DecodeBindingArgs(R"({"PodName":"a"})");
    REQUIRE_FALSE(no_node.ok());
    CHECK(no_node.status().message() == "Node: missing");
  }
  const std::string want_reply = ReadGolden("preempt.response.json");
  struct Row {
    std::string name;
    std::string request;
    bool meta;
  };
  const std::vector<Row> rows = {
      {"meta victims", "preempt_meta.request.json", true},
      {"full victims under the 2019 key nodeToVictims", "preempt_legacy_full.request.json", false},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION("preempt: " << row.name) {
      absl::StatusOr<PreemptionArgs> args = DecodePreemptionArgs(ReadGolden(row.request));
      REQUIRE(args.ok());
      CheckAlice(*args->pod);
      CHECK(args->meta == row.meta);
      REQUIRE(args->node_to_victims.size() == 1);
      const Victims& v = args->node_to_victims.at("gpu-2");
      REQUIRE(v.pods.size() == 1);
      CHECK(v.pods[0]->uid == "9e1d4c7a-0000-4000-8000-000000000001");
      CHECK(v.num_pdb_violations == 0);
      if (!row.meta) {
        CHECK(v.pods[0]->Key() == "jhub/batch-7");
        CHECK(v.pods[0]->request.milli_cpu == 2000);
      }
      CHECK(Parse(EncodePreemptionResult(args->node_to_victims)) == Parse(want_reply));
    }
  }
  SECTION("NumPDBViolations is written as an integer") {
    std::map<std::string, Victims> kept;
    auto pod = std::make_shared<Pod>();
    pod->uid = "u";
    kept["n"] = Victims{{pod}, 2};
    CHECK(EncodePreemptionResult(kept) ==
          R"({"NodeNameToMetaVictims":{"n":{"Pods":[{"UID":"u"}],"NumPDBViolations":2}}})");
    CHECK(EncodePreemptionResult({}) == R"({"NodeNameToMetaVictims":{}})");
  }
}

TEST_CASE("ExtenderArgs decoding rules", "[codec][extender_codec]") {
  SECTION("later duplicate key wins, any casing") {
    absl::StatusOr<ExtenderArgs> args = DecodeExtenderArgs(
        R"({"Pod":{"metadata":{"name":"first"}},"NodeNames":["a"],"POD":{"metadata":{"name":"second"}},
            "nodeNames":["b","c"]})");
    REQUIRE(args.ok());
    CHECK(args->pod->name == "second");
    CHECK(*args->node_names == std::vector<std::string>{"b", "c"});
  }
  SECTION("neither Nodes nor NodeNames: an empty name list") {
    absl::StatusOr<ExtenderArgs> args =
        DecodeExtenderArgs(R"({"Pod":{},"Nodes":null,"NodeNames":null})");
    REQUIRE(args.ok());
    CHECK(args->cache_capable());
    REQUIRE(args->node_names.has_value());
    CHECK(args->node_names->empty());
  }
  SECTION("both: Nodes wins") {
    absl::StatusOr<ExtenderArgs> args = DecodeExtenderArgs(
        R"({"Pod":{},"Nodes":{"metadata":{},"items":[{"metadata":{"name":"x"}}]},"NodeNames":["y"]})");
    REQUIRE(args.ok());
    CHECK_FALSE(args->cache_capable());
    REQUIRE(args->nodes->size() == 1);
    CHECK((*args->nodes)[0].raw_json == R"({"metadata":{"name":"x"}})");
  }
  SECTION("the cache-capable body, as kube-scheduler sends it and in other shapes") {
    // kube-scheduler's shape takes the On-Demand decoder; the others the general one. Both
    // must give the same args.
    for (
        const std::string body : {
            R"({"Pod":{"metadata":{"name":"p"}},"Nodes":null,"NodeNames":["a","b\"q","caf\u00e9","d"]})",
            R"({"nodenames":["a","b\"q","caf\u00e9","d"],"pod":{"metadata":{"name":"p"}}})",
            R"( {"Pod":{"metadata":{"name":"p"}},"Extra":[1,{"x":2}],"NodeNames":["a","b\"q","caf\u00e9","d"]} )",
            R"({"Pod":{"metadata":{"name":"q"}},"NodeNames":["z"],"Pod":{"metadata":{"name":"p"}},"NodeNames":["a","b\"q","caf\u00e9","d"]})",
        }) {
      INFO(body);
      absl::StatusOr<ExtenderArgs> args = DecodeExtenderArgs(body);
      REQUIRE(args.ok());
      CHECK(args->cache_capable());
      CHECK(args->pod->name == "p");
      REQUIRE(args->node_names.has_value());
      CHECK(*args->node_names == std::vector<std::string>{"a", "b\"q", "caf\xc3\xa9", "d"});
    }
    // Malformed bytes anywhere, even in a member nothing reads, are an error.
    for (const std::string body : {
             R"({"Pod":{},"NodeNames":["a"]} x)",
             R"({"Pod":{},"NodeNames":["a"],"Extra":[1,]})",
             R"({"Pod":{},"NodeNames":["a\x"]})",
             R"({"Pod":{},"NodeNames":["a"])",
         }) {
      INFO(body);
      absl::StatusOr<ExtenderArgs> args = DecodeExtenderArgs(body);
      CHECK_FALSE(args.ok());
    }
  }
  struct Row {
    std::string name;
    std::string body;
    std::string want;
  };
  const std::vector<Row> rows = {
      {"pod missing", R"({"NodeNames":["a"]})", "Pod: missing"},
      {"pod null", R"({"Pod":null,"NodeNames":["a"]})", "Pod: missing"},
      {"pod field error", R"({"pod":{"spec":{"containers":3}}})",
       "Pod.spec.containers: expected an array"},
      {"node name not a string", R"({"Pod":{},"NodeNames":["a",7]})",
       "NodeNames[1]: expected a string"},
      {"NodeNames not an array", R"({"Pod":{},"NodeNames":"a"})", "NodeNames: expected an array"},
      {"Nodes not an object", R"({"Pod":{},"Nodes":[]})", "Nodes: expected an object"},
      {"bad node object",
       R"({"Pod":{},"Nodes":{"items":[{},{"status":{"allocatable":{"cpu":"1.5.0"}}}]}})",
       "Nodes.items[1].status.allocatable.cpu: invalid quantity \"1.5.0\": " +
           std::string(Quantity::Parse("1.5.0").status().message())},
      {"not an object", R"([])", "expected a JSON object (ExtenderArgs)"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      absl::StatusOr<ExtenderArgs> args = DecodeExtenderArgs(row.body);
      REQUIRE_FALSE(args.ok());
      CHECK(args.status().code() == absl::StatusCode::kInvalidArgument);
      CHECK(args.status().message() == row.want);
    }
  }
  SECTION("preempt victims path") {
    absl::StatusOr<PreemptionArgs> args = DecodePreemptionArgs(
        R"({"Pod":{},"NodeNameToVictims":{"n1":{"Pods":[{"spec":{"nodeName":5}}]}}})");
    REQUIRE_FALSE(args.ok());
    CHECK(args.status().message() ==
          "NodeNameToVictims.n1.Pods[0].spec.nodeName: expected a string");
  }
  SECTION("preempt with no victims map") {
    absl::StatusOr<PreemptionArgs> args = DecodePreemptionArgs(R"({"Pod":{}})");
    REQUIRE(args.ok());
    CHECK(args->node_to_victims.empty());
  }
}

TEST_CASE("Filter result variants", "[codec][extender_codec]") {
  absl::StatusOr<ExtenderArgs> args = DecodeExtenderArgs(ReadGolden("filter_cache.request.json"));
  REQUIRE(args.ok());
  SECTION("best-in-filter keeps only the winner; other feasible nodes get the not-best reason") {
    Fixture f = MakeDecision(*args->node_names);
    f.decision.best = 1;  // gpu-1
    CHECK(Parse(EncodeFilterResult(f.decision, *args)) ==
          json{{"Nodes", nullptr},
               {"NodeNames", {"gpu-1"}},
               {"FailedNodes",
                {{"cpu-1", "Insufficient nvidia.com/gpu"}, {"gpu-2", std::string(kNotBestReason)}}},
               {"FailedAndUnresolvableNodes", json::object()},
               {"Error", ""}});
  }
  SECTION("unresolvable nodes appear in both maps, reasons joined") {
    Fixture f = MakeDecision(*args->node_names);
    f.decision.nodes[0].status = Status::UnschedulableAndUnresolvable(
        {"node(s) were unschedulable", "Insufficient nvidia.com/gpu"});
    const json reply = Parse(EncodeFilterResult(f.decision, *args));
    const std::string joined = "node(s) were unschedulable, Insufficient nvidia.com/gpu";
    CHECK(reply["FailedNodes"] == json{{"cpu-1", joined}});
    CHECK(reply["FailedAndUnresolvableNodes"] == json{{"cpu-1", joined}});
  }
  SECTION("no feasible node: an empty list, not null") {
    Fixture f = MakeDecision(std::vector<std::string>{"cpu-1"});
    const json reply = Parse(EncodeFilterResult(f.decision, *args));
    CHECK(reply["NodeNames"] == json::array());
  }
  SECTION("filter error") {
    CHECK(Parse(EncodeFilterError("boom")) == json{{"Nodes", nullptr},
                                                   {"NodeNames", nullptr},
                                                   {"FailedNodes", json::object()},
                                                   {"FailedAndUnresolvableNodes", json::object()},
                                                   {"Error", "boom"}});
  }
}

TEST_CASE("Strings are escaped; invalid UTF-8 becomes U+FFFD", "[codec][extender_codec]") {
  struct Row {
    std::string name;
    std::string in;
    std::string want;  // the decoded string value
  };
  const std::vector<Row> rows = {
      {"quotes and backslash", "a\"b\\c", "a\"b\\c"},
      {"control characters", std::string("x\n\t\r\x01\x1f", 6) + std::string(1, '\0'),
       std::string("x\n\t\r\x01\x1f", 6) + std::string(1, '\0')},
      {"valid multibyte kept", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
       "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
      {"lone continuation byte", "a\x80z", "a\xef\xbf\xbdz"},
      {"truncated sequence", "a\xe2\x82", "a\xef\xbf\xbd\xef\xbf\xbd"},  // one U+FFFD per byte
      {"overlong encoding", "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},
      {"surrogate", "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
      {"above U+10FFFF", "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const std::string encoded = EncodeError(row.in);
      const json j = Parse(encoded);
      CHECK(j["Error"].get<std::string>() == row.want);
      for (char c : encoded) CHECK(static_cast<unsigned char>(c) >= 0x20);  // no raw controls
    }
  }
}

TEST_CASE("Host names that need escaping take the escaping path", "[codec][extender_codec]") {
  // Node names never need escaping, so the encoders copy them; a name that does (an unknown
  // name from a request) switches the whole reply to the escaping writer.
  for (const std::string odd : {"we\"ird", "back\\slash", "tab\tname", "caf\xc3\xa9"}) {
    DYNAMIC_SECTION(odd) {
      Fixture g = MakeDecision(std::vector<std::string>{"gpu-2", "cpu-1", "gpu-1"});
      g.decision.nodes[1].name_view = odd;
      g.decision.nodes[0].extender_score = 10;
      const json prioritize = Parse(EncodePrioritizeResult(g.decision));
      REQUIRE(prioritize.size() == 3);
      CHECK(prioritize[0] == json{{"Host", "gpu-2"}, {"Score", 10}});
      CHECK(prioritize[1]["Host"].get<std::string>() == odd);
      CHECK(prioritize[2]["Host"] == "gpu-1");
      g.decision.nodes[1].status = Status::Success();
      ExtenderArgs names_only;
      names_only.node_names.emplace();
      const json filter = Parse(EncodeFilterResult(g.decision, names_only));
      CHECK(filter["NodeNames"] == json{"gpu-2", odd, "gpu-1"});
    }
  }
}

TEST_CASE("Explain document", "[codec][extender_codec]") {
  Fixture f = MakeDecision(std::vector<std::string>{"cpu-1", "gpu-1"});
  CHECK(Parse(EncodeExplain(f.decision, "jhub/jupyter-alice")) == json::parse(R"({
    "pod": "jhub/jupyter-alice", "policyGeneration": 3,
    "nodes": [
      {"name": "cpu-1", "feasible": false, "reasons": ["Insufficient nvidia.com/gpu"]},
      {"name": "gpu-1", "feasible": true,
       "scores": {"LeastRequestedPriority": 65, "BalancedResourceAllocation": 96,
                  "SelectorSpreadPriority": 100},
       "weighted": 261, "extenderScore": 9}]})"));
}

// Node objects that exercise the NodeList decoder: members in any order, repeated, escaped,
// spaced, with values no predicate reads.
std::vector<std::string> TrickyNodes() {
  return {
      R"({"kind": "Node", "metadata": {"name": "a", "annotations": {"x": "caf\u00e9"},
          "labels": {"zone": "z1", "kubernetes.io/hostname": "a"}},
          "spec": {"taints": [{"key": "k", "value": "v", "effect": "NoSchedule"}]},
          "status": {"images": [{"names": ["i:1", "i@sha256:00"], "sizeBytes": 12}],
                     "allocatable": {"cpu": "4", "memory": "8Gi", "pods": 110},
                     "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}]}})",
      R"({"status":{"allocatable":{"cpu":"2"}},"metadata":{"labels":{"b":"1"}},)"
      R"("metadata":{"name":"b"},"spec":{"unschedulable":true},"metad\u0061ta":{"name":"b2"}})",
      R"({"metadata":{"name":"c","labels":{"z":"1","a":"2"}},"spec":null,"status":{}})",
  };
}

std::string NodeListBody(const std::vector<std::string>& items) {
  std::string body = R"({"Pod":{"metadata":{"name":"p"}},"Nodes":{"metadata":{},"items":[)";
  for (size_t i = 0; i < items.size(); ++i) body += (i > 0 ? " ,\n " : "") + items[i];
  return body + "]},\"NodeNames\":null}";
}

TEST_CASE("NodeList decoder: each node as the Node decoder reads it, its text as sent",
          "[codec][extender_codec]") {
  ClearNodeListCache();
  const std::vector<std::string> items = TrickyNodes();
  const std::string body = NodeListBody(items);
  for (int round = 0; round < 2; ++round) {  // the second reuses the first's Nodes
    absl::StatusOr<ExtenderArgs> args = DecodeExtenderArgs(std::string_view(body));
    REQUIRE(args.ok());
    REQUIRE(args->nodes->size() == items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      absl::StatusOr<Node> want =
          DecodeNodeJson(items[i], "Nodes.items[" + std::to_string(i) + "]");
      REQUIRE(want.ok());
      CHECK(*(*args->nodes)[i].node == *want);
      CHECK((*args->nodes)[i].raw_json == items[i]);
      // A view of the body itself, not a copy.
      CHECK((*args->nodes)[i].raw_json.data() >= body.data());
      CHECK((*args->nodes)[i].raw_json.data() < body.data() + body.size());
    }
    CHECK((*args->nodes)[1].node->name == "b2");
    CHECK((*args->nodes)[1].node->labels.size() == 1);
    CHECK((*args->nodes)[2].node->labels.size() == 2);
  }
}

TEST_CASE("NodeList decoder reuses only nodes whose read members did not change",
          "[codec][extender_codec]") {
  ClearNodeListCache();
  std::vector<std::string> items = TrickyNodes();
  const std::string first_body = NodeListBody(items);
  absl::StatusOr<ExtenderArgs> first = DecodeExtenderArgs(std::string_view(first_body));
  REQUIRE(first.ok());
  // Node 0: a label changes; node 2: only an unread member; node 1 as before.
  items[0].replace(items[0].find("\"z1\""), 4, "\"z9\"");
  items[2].replace(items[2].find("\"status\":{}"), 11, "\"status\":{\"images\":[]}");
  const std::string second_body = NodeListBody(items);
  absl::StatusOr<ExtenderArgs> second = DecodeExtenderArgs(std::string_view(second_body));
  REQUIRE(second.ok());
  CHECK((*second->nodes)[0].node->labels.find("zone")->second == "z9");
  CHECK((*second->nodes)[0].node != (*first->nodes)[0].node);
  CHECK((*second->nodes)[1].node == (*first->nodes)[1].node);  // shared, unchanged
  CHECK((*second->nodes)[2].node == (*first->nodes)[2].node);
  CHECK((*second->nodes)[2].raw_json == items[2]);  // the new text is echoed
  // A cache-capable body in between neither uses nor clears the NodeList cache.
  absl::StatusOr<ExtenderArgs> names =
      DecodeExtenderArgs(R"({"Pod":{},"Nodes":null,"NodeNames":["a","b2"]})");
  REQUIRE(names.ok());
  CHECK_FALSE(names->nodes.has_value());
  CHECK(*names->node_names == std::vector<std::string>{"a", "b2"});
  absl::StatusOr<ExtenderArgs> again = DecodeExtenderArgs(std::string_view(second_body));
  REQUIRE(again.ok());
  for (size_t i = 0; i < items.size(); ++i) {
    CHECK((*again->nodes)[i].node == (*second->nodes)[i].node);
  }
  // The same nodes in another order: each still decodes as itself.
  std::swap(items[0], items[1]);
  const std::string third_body = NodeListBody(items);
  absl::StatusOr<ExtenderArgs> third = DecodeExtenderArgs(std::string_view(third_body));
  REQUIRE(third.ok());
  CHECK((*third->nodes)[0].node->name == "b2");
  CHECK((*third->nodes)[1].node->name == "a");
  CHECK((*third->nodes)[1].node->labels.find("zone")->second == "z9");
}

TEST_CASE("NodeList decoder leaves malformed Nodes to the general decoder's errors",
          "[codec][extender_codec]") {
  struct Row {
    std::string body;
    std::string want;
  };
  const std::vector<Row> rows = {
      {R"({"Pod":{},"Nodes":{"items":[{"metadata":{"name":7}}]}})",
       "Nodes.items[0].metadata.name: expected a string"},
      {R"({"Pod":{},"Nodes":{"items":[{"metadata":"x"}]}})",
       "Nodes.items[0].metadata: expected an object"},
      {R"({"Pod":{},"Nodes":{"items":[{"metadata":{"name":"a"}}]}} trailing)", "invalid JSON"},
      {R"({"Pod":{},"Nodes":{"items":[{"metadata":{"name":"a"}},]}})", "invalid JSON"},
      {R"({"Pod":{},"Nodes":{"items":[1]}})", "Nodes.items[0]: expected an object"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.body) {
      absl::StatusOr<ExtenderArgs> args = DecodeExtenderArgs(std::string_view(row.body));
      REQUIRE_FALSE(args.ok());
      CHECK_THAT(std::string(args.status().message()), Catch::Matchers::Contains(row.want));
    }
  }
}

}  // namespace
}  // namespace nbsched::codec
