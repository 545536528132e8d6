// Replays the fuzz seed corpora and the kept crash reproducers through the decoders, with the
// fuzz targets' own invariants (quantity and policy round trips). A reproducer is named after
// what it once broke; the expectation is only that it is handled (any status, no crash).

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "scheduler/codec/extender_codec.h"
#include "scheduler/codec/k8s_json.h"
#include "scheduler/codec/watch_json.h"
#include "scheduler/config/policy_loader.h"
#include "scheduler/framework/registry.h"
#include "scheduler/model/quantity.h"
#include "scheduler/state/kube_client.h"
#include "tests/testing/files.h"

namespace nbsched {
namespace {

namespace fs = std::filesystem;

// The fuzz targets' bodies, as functions of the input bytes.
const std::map<std::string, std::function<void(const std::string&)>>& Targets() {
  static const auto* targets = new std::map<std::string, std::function<void(const std::string&)>>{
      {"quantity",
       [](const std::string& text) {
         auto q = Quantity::Parse(text);
         if (!q.ok()) return;
         auto again = Quantity::Parse(q->ToString());
         REQUIRE(again.ok());
         CHECK(*again == *q);
       }},
      {"pod_json", [](const std::string& text) { (void)codec::DecodePodJson(text); }},
      {"node_json", [](const std::string& text) { (void)codec::DecodeNodeJson(text); }},
      {"list_json", [](const std::string& text) { (void)codec::DecodeList(text); }},
      {"extender_args",
       [](const std::string& text) {
         auto args = codec::DecodeExtenderArgs(text);
         if (!args.ok()) (void)codec::EncodeFilterError(std::string(args.status().message()));
       }},
      {"binding_args", [](const std::string& text) { (void)codec::DecodeBindingArgs(text); }},
      {"preemption_args",
       [](const std::string& text) {
         auto args = codec::DecodePreemptionArgs(text);
         if (args.ok()) (void)codec::EncodePreemptionResult(args->node_to_victims);
       }},
      {"watch_event",
       [](const std::string& text) {
         if (text.empty()) return;
         const auto kind = static_cast<codec::ObjectKind>(static_cast<uint8_t>(text[0]) % 6);
         const std::string_view rest = std::string_view(text).substr(1);
         (void)codec::DecodeWatchEvent(rest, kind);
         (void)codec::DecodeListPage(rest, kind);
         (void)codec::StatusMessage(rest);
       }},
      {"policy_yaml",
       [](const std::string& text) {
         const auto& registry = framework::Registry::Default();
         auto policy = config::LoadPolicy(text, "policy.yaml", registry, 1);
         if (!policy.ok()) return;
         const auto again = config::LoadPolicy((*policy)->ToYaml(), "normalised", registry, 2);
         CHECK(again.ok());
       }},
      {"kubeconfig",
       [](const std::string& text) {
         const std::string base_dir = "/nonexistent/nbsched-fuzz-kubeconfig";
         (void)state::ParseKubeconfig(text, base_dir);
         (void)state::ParseKubeconfig(text, base_dir, "other");
       }},
  };
  return *targets;
}

TEST_CASE("Fuzz seeds and crash reproducers are handled", "[fuzz]") {
  for (const auto& [target, run] : Targets()) {
    for (const fs::path& folder :
         {fs::path("fuzz/corpus") / target, fs::path("tests/fuzz_regressions/inputs") / target}) {
      if (!fs::is_directory(folder)) continue;
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(folder)) files.push_back(entry.path());
      std::sort(files.begin(), files.end());
      for (const fs::path& file : files) {
        DYNAMIC_SECTION(target << ": " << file.filename().string()) {
          run(testing::ReadFile(file.string()));
        }
      }
    }
  }
  SUCCEED("inputs replayed");
}

TEST_CASE("Every fuzz target has a seed corpus", "[fuzz]") {
  for (const auto& [target, run] : Targets()) {
    DYNAMIC_SECTION(target) {
      const fs::path folder = fs::path("fuzz/corpus") / target;
      REQUIRE(fs::is_directory(folder));
      CHECK(std::distance(fs::directory_iterator(folder), fs::directory_iterator()) > 0);
    }
  }
}

}  // namespace
}  // namespace nbsched
