#include "predicates/no_disk_conflict.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/testing/builders.h"

namespace nbsched::predicates {
namespace {

using nbsched::testing::MakeNode;
using nbsched::testing::MakePod;
using Kind = Volume::Kind;

Volume Vol(Kind kind, std::string id, bool read_only = false) {
  Volume v;
  v.name = "v";
  v.kind = kind;
  v.id = std::move(id);
  v.read_only = read_only;
  return v;
}

Volume Rbd(std::vector<std::string> monitors, std::string pool, std::string image,
           bool read_only = false) {
  Volume v = Vol(Kind::kRbd, std::move(image), read_only);
  v.rbd_monitors = std::move(monitors);
  v.rbd_pool = std::move(pool);
  return v;
}

TEST_CASE("NoDiskConflict compares GCE PD, EBS, iSCSI and RBD", "[predicates][no_disk_conflict]") {
  struct Row {
    std::string name;
    Volume want;  // the incoming pod's volume
    Volume used;  // a volume of a pod already on the node
    Status expect;
  };
  const Status fail = Status::Unschedulable({"node(s) had no available disk"});
  const std::vector<Row> rows = {
      {"GCE PD same disk", Vol(Kind::kGcePersistentDisk, "pd"), Vol(Kind::kGcePersistentDisk, "pd"),
       fail},
      {"GCE PD one read-only", Vol(Kind::kGcePersistentDisk, "pd", true),
       Vol(Kind::kGcePersistentDisk, "pd"), fail},
      {"GCE PD both read-only", Vol(Kind::kGcePersistentDisk, "pd", true),
       Vol(Kind::kGcePersistentDisk, "pd", true), Status::Success()},
      {"GCE PD other disk", Vol(Kind::kGcePersistentDisk, "pd"),
       Vol(Kind::kGcePersistentDisk, "pd2"), Status::Success()},
      {"EBS same volume", Vol(Kind::kAwsElasticBlockStore, "vol-1"),
       Vol(Kind::kAwsElasticBlockStore, "vol-1"), fail},
      {"EBS both read-only still conflict", Vol(Kind::kAwsElasticBlockStore, "vol-1", true),
       Vol(Kind::kAwsElasticBlockStore, "vol-1", true), fail},
      {"EBS other volume", Vol(Kind::kAwsElasticBlockStore, "vol-1"),
       Vol(Kind::kAwsElasticBlockStore, "vol-2"), Status::Success()},
      {"iSCSI same IQN", Vol(Kind::kIscsi, "iqn.2016-12.org:a"),
       Vol(Kind::kIscsi, "iqn.2016-12.org:a"), fail},
      {"iSCSI both read-only", Vol(Kind::kIscsi, "iqn.2016-12.org:a", true),
       Vol(Kind::kIscsi, "iqn.2016-12.org:a", true), Status::Success()},
      {"iSCSI other IQN", Vol(Kind::kIscsi, "iqn.2016-12.org:a"),
       Vol(Kind::kIscsi, "iqn.2016-12.org:b"), Status::Success()},
      {"RBD shared monitor, same pool and image", Rbd({"m1", "m2"}, "rbd", "img"),
       Rbd({"m3", "m2"}, "rbd", "img"), fail},
      {"RBD both read-only", Rbd({"m1"}, "rbd", "img", true), Rbd({"m1"}, "rbd", "img", true),
       Status::Success()},
      {"RBD no shared monitor", Rbd({"m1"}, "rbd", "img"), Rbd({"m2"}, "rbd", "img"),
       Status::Success()},
      {"RBD other pool", Rbd({"m1"}, "rbd", "img"), Rbd({"m1"}, "other", "img"), Status::Success()},
      {"RBD other image", Rbd({"m1"}, "rbd", "img"), Rbd({"m1"}, "rbd", "img2"), Status::Success()},
      {"different kinds with the same id", Vol(Kind::kGcePersistentDisk, "x"),
       Vol(Kind::kAwsElasticBlockStore, "x"), Status::Success()},
      {"other volumes never conflict", Vol(Kind::kOther, ""), Vol(Kind::kOther, ""),
       Status::Success()},
  };
  const NoDiskConflict plugin;
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const NodeInfo node = MakeNode("n").Info(
          {MakePod().Name("other").Obj(), MakePod().Name("disk").Volume(row.used).Obj()});
      const Pod pod = MakePod().Volume(Vol(Kind::kOther, "")).Volume(row.want).Obj();
      CHECK(plugin.Filter(CycleState(), pod, node) == row.expect);
    }
  }
  SECTION("node without pods") {
    const Pod pod = MakePod().Volume(Vol(Kind::kAwsElasticBlockStore, "vol-1")).Obj();
    CHECK(plugin.Filter(CycleState(), pod, MakeNode("n").Info()) == Status::Success());
  }
}

}  // namespace
}  // namespace nbsched::predicates
