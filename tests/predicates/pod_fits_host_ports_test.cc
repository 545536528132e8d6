#include "predicates/pod_fits_host_ports.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/testing/builders.h"

namespace nbsched::predicates {
namespace {

using nbsched::testing::ContainerBuilder;
using nbsched::testing::MakeNode;
using nbsched::testing::MakePod;

TEST_CASE("PodFitsHostPorts follows upstream's 0.0.0.0 rules",
          "[predicates][pod_fits_host_ports]") {
  struct Row {
    std::string name;
    Pod pod;
    NodeInfo node;
    Status want;
  };
  const Status fail =
      Status::Unschedulable({"node(s) didn't have free ports for the requested pod ports"});
  // kubernetes-semantics.md §4.4 example: the node uses 10.0.0.5:8888/TCP.
  const NodeInfo specific = MakeNode("n").Info({MakePod().HostPort(8888, "TCP", "10.0.0.5").Obj()});
  // The node uses 80 on every IP (empty IP and protocol: 0.0.0.0, TCP).
  const NodeInfo wildcard = MakeNode("n").Info({MakePod().HostPort(80).Obj()});
  Container container_port_only = ContainerBuilder().Obj();
  container_port_only.ports.push_back({8888, 0, "TCP", ""});
  const std::vector<Row> rows = {
      {"no ports", MakePod().Obj(), specific, Status::Success()},
      {"node without ports", MakePod().HostPort(8888).Obj(), MakeNode("n").Info(),
       Status::Success()},
      {"wildcard wanted vs specific used", MakePod().HostPort(8888).Obj(), specific, fail},
      {"same specific IP", MakePod().HostPort(8888, "TCP", "10.0.0.5").Obj(), specific, fail},
      {"empty protocol is TCP", MakePod().HostPort(8888, "", "10.0.0.5").Obj(), specific, fail},
      {"other IP", MakePod().HostPort(8888, "TCP", "10.0.0.6").Obj(), specific, Status::Success()},
      {"other protocol", MakePod().HostPort(8888, "UDP").Obj(), specific, Status::Success()},
      {"other port", MakePod().HostPort(8889).Obj(), specific, Status::Success()},
      {"specific wanted vs wildcard used", MakePod().HostPort(80, "TCP", "10.0.0.1").Obj(),
       wildcard, fail},
      {"explicit 0.0.0.0 vs wildcard used", MakePod().HostPort(80, "TCP", "0.0.0.0").Obj(),
       wildcard, fail},
      {"SCTP vs TCP wildcard", MakePod().HostPort(80, "SCTP").Obj(), wildcard, Status::Success()},
      {"second container conflicts",
       MakePod()
           .Container(ContainerBuilder("a").HostPort(81).Obj())
           .Container(ContainerBuilder("b").HostPort(80).Obj())
           .Obj(),
       wildcard, fail},
      {"containerPort without hostPort", MakePod().Container(container_port_only).Obj(),
       MakeNode("n").Info({MakePod().HostPort(8888).Obj()}), Status::Success()},
      {"wanted init container ports do not count",
       MakePod().InitContainer(ContainerBuilder("i").HostPort(80).Obj()).Obj(), wildcard,
       Status::Success()},
      {"used init container ports do not count", MakePod().HostPort(80).Obj(),
       MakeNode("n").Info(
           {MakePod().InitContainer(ContainerBuilder("i").HostPort(80).Obj()).Obj()}),
       Status::Success()},
  };
  const PodFitsHostPorts plugin;
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) { CHECK(plugin.Filter(CycleState(), row.pod, row.node) == row.want); }
  }
}

}  // namespace
}  // namespace nbsched::predicates
