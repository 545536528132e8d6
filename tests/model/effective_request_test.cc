#include <catch2/catch.hpp>

#include "scheduler/model/pod.h"
#include "tests/testing/builders.h"

namespace nbsched {
namespace {

using testing::ContainerBuilder;
using testing::MakePod;

TEST_CASE("Effective request follows the worked example", "[model][effective_request]") {
  // kubernetes-semantics.md §2.2: notebook 1 CPU / 2Gi / 1 GPU; init setup 2 CPU / 500Mi; sidecar
  // proxy 100m / 128Mi; overhead 250m / 120Mi.
  const Container notebook = ContainerBuilder("notebook")
                                 .Req("cpu", "1")
                                 .Req("memory", "2Gi")
                                 .Req("nvidia.com/gpu", "1")
                                 .Obj();
  const Container setup = ContainerBuilder("setup").Req("cpu", "2").Req("memory", "500Mi").Obj();
  const Container proxy =
      ContainerBuilder("proxy").Req("cpu", "100m").Req("memory", "128Mi").Sidecar().Obj();

  SECTION("setup then proxy: 2000m (setup peak) + 250m, 2176Mi + 120Mi") {
    Pod pod = MakePod()
                  .Container(notebook)
                  .InitContainer(setup)
                  .InitContainer(proxy)
                  .Overhead("cpu", "250m")
                  .Overhead("memory", "120Mi")
                  .Obj();
    CHECK(pod.request.milli_cpu == 2250);
    CHECK(pod.request.memory == 2407530496);  // 2296Mi
    CHECK(pod.request.scalars.Get("nvidia.com/gpu") == 1);
  }
  SECTION("proxy then setup: setup needs 2100m with the sidecar running") {
    Pod pod = MakePod()
                  .Container(notebook)
                  .InitContainer(proxy)
                  .InitContainer(setup)
                  .Overhead("cpu", "250m")
                  .Overhead("memory", "120Mi")
                  .Obj();
    CHECK(pod.request.milli_cpu == 2350);
    CHECK(pod.request.memory == 2407530496);
  }
}

TEST_CASE("Effective request rounding and defaults", "[model][effective_request]") {
  SECTION("containers are summed exactly, rounded once per pod") {
    Pod pod = MakePod().Req("0.0005", "").Req("0.0005", "").Req("0.0005", "").Obj();
    CHECK(pod.request.milli_cpu == 2);  // 0.0015 → 2m, not 3m
  }
  SECTION("absent cpu/memory get 100m/200Mi only in the non-zero form") {
    // §3: containers a (nothing) and b (500m): fit 500m/0; scoring 600m/400Mi.
    Pod pod = MakePod()
                  .Container(ContainerBuilder("a").Obj())
                  .Container(ContainerBuilder("b").Req("cpu", "500m").Obj())
                  .Obj();
    CHECK(pod.request.milli_cpu == 500);
    CHECK(pod.request.memory == 0);
    CHECK(pod.non_zero_request.milli_cpu == 600);
    CHECK(pod.non_zero_request.memory == 419430400);
  }
  SECTION("an explicit zero stays zero") {
    Pod pod = MakePod()
                  .Container(ContainerBuilder("a").Obj())
                  .Container(ContainerBuilder("b").Req("cpu", "500m").Req("memory", "0").Obj())
                  .Obj();
    CHECK(pod.non_zero_request.memory == 209715200);  // only a is filled
  }
  SECTION("extended limits are copied into missing requests") {
    Pod pod = MakePod().Container(ContainerBuilder("gpu").Limit("nvidia.com/gpu", "2").Obj()).Obj();
    CHECK(pod.request.scalars.Get("nvidia.com/gpu") == 2);
  }
  SECTION("native limits are not copied (the API server does that)") {
    Pod pod = MakePod().Container(ContainerBuilder("c").Limit("cpu", "2").Obj()).Obj();
    CHECK(pod.request.milli_cpu == 0);
  }
  SECTION("init containers asking for GPUs follow the max rule") {
    Pod pod = MakePod()
                  .Container(ContainerBuilder("main").Req("nvidia.com/gpu", "1").Obj())
                  .InitContainer(ContainerBuilder("warm").Req("nvidia.com/gpu", "2").Obj())
                  .Obj();
    CHECK(pod.request.scalars.Get("nvidia.com/gpu") == 2);
  }
  SECTION("1.13 legacy form counts regular containers only, each rounded") {
    Pod pod = MakePod()
                  .Container(ContainerBuilder("a").Req("cpu", "0.0005").Obj())
                  .Container(ContainerBuilder("b").Req("cpu", "0.0005").Obj())
                  .InitContainer(ContainerBuilder("i").Req("cpu", "3").Obj())
                  .Obj();
    CHECK(pod.legacy_non_zero_request.milli_cpu == 2);  // 1m + 1m
    CHECK(pod.legacy_non_zero_request.memory == 2 * 209715200);
  }
  SECTION("names that are neither native nor scalar are ignored") {
    Pod pod = MakePod().Res("foo", "3").Res("example.com/dongle", "1").Obj();
    CHECK(pod.request.scalars.Get("foo") == 0);
    CHECK(pod.request.scalars.Get("example.com/dongle") == 1);
  }
}

}  // namespace
}  // namespace nbsched

namespace nbsched {
namespace {

TEST_CASE("Scalar resource names follow upstream IsScalarResourceName", "[model][resources]") {
  struct Row {
    std::string name;
    bool extended;
    bool scalar;
  };
  const std::vector<Row> rows = {
      {"nvidia.com/gpu", true, true},
      {"example.com/foo", true, true},
      {"kubernetes.io/foo", false, true},  // prefixed native: not extended, still a scalar
      {"subdomain.kubernetes.io/foo", false, true},
      {"hugepages-2Mi", false, true},
      {"attachable-volumes-aws-ebs", false, true},
      {"requests.example.com/foo", false, false},
      {"foo", false, false},
      {"cpu", false, false},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      CHECK(IsExtendedResourceName(row.name) == row.extended);
      CHECK(IsScalarResourceName(row.name) == row.scalar);
    }
  }
  SECTION("FromList keeps a kubernetes.io name") {
    const Resources r = Resources::FromList({{"kubernetes.io/foo", Quantity::FromUnits(3)}});
    CHECK(r.scalars.Get("kubernetes.io/foo") == 3);
  }
}

}  // namespace
}  // namespace nbsched
