#include "scheduler/model/gpu.h"

#include <catch2/catch.hpp>

#include "tests/testing/builders.h"

namespace nbsched {
namespace {

using testing::MakeNode;
using testing::MakePod;

TEST_CASE("PodGpuDemand reads whole and shared GPUs", "[model][gpu]") {
  CHECK(PodGpuDemand(MakePod().Req("1", "1Gi").Obj()).none());
  const GpuDemand whole = PodGpuDemand(MakePod().Gpus(2).Obj());
  CHECK(whole.count == 2);
  CHECK(whole.milli == 1000);
  const GpuDemand share = PodGpuDemand(MakePod().Res("nbsched.io/gpu-milli", "600").Obj());
  CHECK(share.shared());
  CHECK(share.milli == 600);
  CHECK(share.total_milli() == 600);
  CHECK(PodGpuDemand(MakePod().Res("nbsched.io/gpu-milli", "2000").Obj()).count == 2);
}

TEST_CASE("GpuSlots fit and choice", "[model][gpu]") {
  GpuSlots slots(2);
  const GpuDemand six{1, 600};
  REQUIRE(slots.Fits(six));
  slots.Take(six, slots.Choose(six));
  CHECK(slots.free_milli() == std::vector<int32_t>{400, 1000});
  // Two 600-milli pods never share one GPU: the second takes GPU 1.
  CHECK(slots.Choose(six) == std::vector<int>{1});
  slots.Take(six, {1});
  CHECK_FALSE(slots.Fits(six));  // 400 + 400 free, but not 600 on one GPU
  CHECK(slots.idle_milli() == 800);
  // Tightest fit: a 300 share goes to the GPU with the smallest room ≥ 300 (lowest index).
  CHECK(slots.Choose({1, 300}) == std::vector<int>{0});
  CHECK_FALSE(slots.Fits({1, 1000}));  // no fully free GPU for a whole-GPU pod
}

TEST_CASE("GPU index annotations", "[model][gpu]") {
  CHECK(ParseGpuIndex("0", 4) == std::vector<int>{0});
  CHECK(ParseGpuIndex("1, 3", 4) == std::vector<int>{1, 3});
  CHECK_FALSE(ParseGpuIndex("4", 4).has_value());
  CHECK_FALSE(ParseGpuIndex("1,1", 4).has_value());
  CHECK_FALSE(ParseGpuIndex("x", 4).has_value());
  CHECK_FALSE(ParseGpuIndex("", 4).has_value());
  CHECK(FormatGpuIndex({1, 3}) == "1,3");
}

TEST_CASE("NodeInfo accounts pods per GPU", "[model][gpu]") {
  const Node node =
      MakeNode("g").Alloc("32", "128Gi").Gpus(4).Res("nbsched.io/gpu-milli", "4000").Obj();
  SECTION("annotated pods sit on their GPUs, others follow the default rule") {
    NodeInfo info =
        MakeNode("g")
            .Alloc("32", "128Gi")
            .Gpus(4)
            .Info(
                {MakePod()
                     .Name("a")
                     .Res("nbsched.io/gpu-milli", "500")
                     .Annotation("nbsched.io/gpu-index", "2")
                     .Obj(),
                 MakePod().Name("b").Gpus(1).Obj(),  // lowest free: GPU 0
                 MakePod().Name("c").Res("nbsched.io/gpu-milli", "300").Obj()});  // tightest: GPU 2
    CHECK(info.gpus().free_milli() == std::vector<int32_t>{0, 1000, 200, 1000});
    CHECK(info.gpus().fully_free() == 2);
  }
  SECTION("an invalid annotation falls back to the default rule") {
    NodeInfo info = MakeNode("g").Gpus(2).Info(
        {MakePod().Gpus(1).Annotation("nbsched.io/gpu-index", "7").Obj()});
    CHECK(info.gpus().free_milli() == std::vector<int32_t>{0, 1000});
  }
  CHECK(node.allocatable.scalars.Get("nbsched.io/gpu-milli") == 4000);
}

}  // namespace
}  // namespace nbsched
