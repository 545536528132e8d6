#include "scheduler/codec/k8s_json.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "scheduler/model/quantity.h"
#include "tests/testing/builders.h"

namespace nbsched::codec {
namespace {

using testing::Q;

// A pod as an informer hands it over: every field the scheduler reads, plus noise it ignores.
constexpr std::string_view kFullPod = R"json({
  "kind": "Pod", "apiVersion": "v1",
  "metadata": {
    "name": "jupyter-alice", "namespace": "jhub", "uid": "0b6f3c2e",
    "creationTimestamp": null,
    "labels": {"app": "jupyterhub", "component": "singleuser-server"},
    "annotations": {"hub.jupyter.org/username": "alice"},
    "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": "n", "uid": "u1",
                         "controller": true, "blockOwnerDeletion": true}],
    "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:metadata": {}}}]
  },
  "spec": {
    "schedulerName": "notebook-scheduler",
    "nodeName": "",
    "initContainers": [
      {"name": "setup", "image": "busybox",
       "resources": {"requests": {"cpu": "2", "memory": "500Mi"}}},
      {"name": "proxy", "restartPolicy": "Always",
       "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}
    ],
    "containers": [
      {"name": "notebook", "image": "jupyter/base-notebook",
       "command": ["start-notebook.sh"], "env": [{"name": "A", "value": "b"}],
       "resources": {"limits": {"nvidia.com/gpu": "1", "memory": "4Gi"},
                     "requests": {"cpu": "1", "memory": "2Gi", "nvidia.com/gpu": "1"}},
       "ports": [{"containerPort": 8888, "hostPort": 8888, "protocol": "TCP",
                  "hostIP": "10.0.0.1", "name": "http"}],
       "restartPolicy": "Always"}
    ],
    "overhead": {"cpu": "250m", "memory": "120Mi"},
    "nodeSelector": {"nvidia.com/gpu.product": "NVIDIA-A100-SXM4-40GB"},
    "affinity": {
      "nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
          {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a", "b"]},
                                {"key": "x", "operator": "Sometimes", "values": []}],
           "matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["bad"]}]}]},
        "preferredDuringSchedulingIgnoredDuringExecution": [
          {"weight": 30, "preference": {"matchExpressions": [{"key": "gpu", "operator": "Exists"}]}}]
      },
      "podAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [
          {"labelSelector": {"matchLabels": {"team": "ml"},
                             "matchExpressions": [{"key": "tier", "operator": "NotIn",
                                                   "values": ["db"]}]},
           "namespaces": ["jhub", "ml"], "topologyKey": "zone"}],
        "preferredDuringSchedulingIgnoredDuringExecution": [
          {"weight": 5, "podAffinityTerm": {"namespaceSelector": {},
                                            "topologyKey": "kubernetes.io/hostname"}}]
      },
      "podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [
          {"labelSelector": {"matchLabels": {"component": "singleuser-server"}},
           "namespaceSelector": {"matchLabels": {"env": "prod"}},
           "topologyKey": "kubernetes.io/hostname"}]
      }
    },
    "tolerations": [
      {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
      {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
       "tolerationSeconds": 300},
      {"key": "dedicated", "operator": "Equal", "value": "notebooks"}
    ],
    "volumes": [
      {"name": "home", "persistentVolumeClaim": {"claimName": "claim-alice"}},
      {"name": "gce", "gcePersistentDisk": {"pdName": "pd-1", "readOnly": true}},
      {"name": "aws", "awsElasticBlockStore": {"volumeID": "vol-1"}},
      {"name": "iscsi", "iscsi": {"iqn": "iqn.2001-04.com.example:storage", "readOnly": false,
                                  "lun": 0, "targetPortal": "10.0.0.2:3260"}},
      {"name": "rbd", "rbd": {"monitors": ["m1:6789", "m2:6789"], "image": "img",
                              "readOnly": true}}
    ],
    "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone",
                                   "whenUnsatisfiable": "DoNotSchedule"}]
  },
  "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False"}]}
})json";

TEST_CASE("DecodePodJson reads every scheduling field", "[codec][k8s_json]") {
  absl::StatusOr<Pod> decoded = DecodePodJson(kFullPod);
  REQUIRE(decoded.ok());
  const Pod& pod = *decoded;

  CHECK(pod.name == "jupyter-alice");
  CHECK(pod.namespace_ == "jhub");
  CHECK(pod.uid == "0b6f3c2e");
  CHECK(pod.Key() == "jhub/jupyter-alice");
  CHECK(pod.labels == Labels{{"app", "jupyterhub"}, {"component", "singleuser-server"}});
  CHECK(pod.annotations == Labels{{"hub.jupyter.org/username", "alice"}});
  REQUIRE(pod.owner_references.size() == 1);
  CHECK(pod.owner_references[0].api_version == "v1");
  CHECK(pod.owner_references[0].kind == "Node");
  CHECK(pod.owner_references[0].name == "n");
  CHECK(pod.owner_references[0].uid == "u1");
  CHECK(pod.owner_references[0].controller);
  CHECK_FALSE(pod.deleting);

  CHECK(pod.scheduler_name == "notebook-scheduler");
  CHECK(pod.node_name.empty());
  CHECK(pod.phase == "Pending");

  REQUIRE(pod.containers.size() == 1);
  const Container& nb = pod.containers[0];
  CHECK(nb.name == "notebook");
  CHECK(nb.requests.at("cpu") == Q("1"));
  CHECK(nb.requests.at("memory") == Q("2Gi"));
  CHECK(nb.limits.at("memory") == Q("4Gi"));
  CHECK_FALSE(nb.restartable);  // restartPolicy only makes init containers sidecars
  REQUIRE(nb.ports.size() == 1);
  CHECK(nb.ports[0].container_port == 8888);
  CHECK(nb.ports[0].host_port == 8888);
  CHECK(nb.ports[0].protocol == "TCP");
  CHECK(nb.ports[0].host_ip == "10.0.0.1");

  REQUIRE(pod.init_containers.size() == 2);
  CHECK(pod.init_containers[0].name == "setup");
  CHECK_FALSE(pod.init_containers[0].restartable);
  CHECK(pod.init_containers[1].name == "proxy");
  CHECK(pod.init_containers[1].restartable);
  CHECK(pod.overhead.at("cpu") == Q("250m"));

  // kubernetes-semantics.md §2.2, order setup → proxy: max(1000m+100m, 2000m) + 250m = 2250m;
  // max(2048Mi+128Mi, 500Mi) + 120Mi = 2296Mi = 2407530496 B; gpu 1.
  CHECK(pod.request.milli_cpu == 2250);
  CHECK(pod.request.memory == 2407530496);
  CHECK(pod.request.scalars.Get("nvidia.com/gpu") == 1);

  CHECK(pod.node_selector == Labels{{"nvidia.com/gpu.product", "NVIDIA-A100-SXM4-40GB"}});
  REQUIRE(pod.node_affinity.has_value());
  REQUIRE(pod.node_affinity->required.has_value());
  REQUIRE(pod.node_affinity->required->size() == 1);
  const NodeSelectorTerm& term = (*pod.node_affinity->required)[0];
  REQUIRE(term.match_expressions.size() == 2);
  CHECK(term.match_expressions[0].key == "zone");
  CHECK(term.match_expressions[0].op == SelectorOp::kIn);
  CHECK(term.match_expressions[0].values == std::vector<std::string>{"a", "b"});
  CHECK(term.match_expressions[1].op == SelectorOp::kInvalid);  // unknown operator kept
  REQUIRE(term.match_fields.size() == 1);
  CHECK(term.match_fields[0].key == "metadata.name");
  CHECK(term.match_fields[0].op == SelectorOp::kNotIn);
  REQUIRE(pod.node_affinity->preferred.size() == 1);
  CHECK(pod.node_affinity->preferred[0].weight == 30);
  CHECK(pod.node_affinity->preferred[0].preference.match_expressions[0].op == SelectorOp::kExists);

  REQUIRE(pod.pod_affinity.required.size() == 1);
  const PodAffinityTerm& aff = pod.pod_affinity.required[0];
  CHECK_FALSE(aff.label_selector.nothing);
  CHECK(aff.label_selector.match_labels == Labels{{"team", "ml"}});
  REQUIRE(aff.label_selector.match_expressions.size() == 1);
  CHECK(aff.label_selector.match_expressions[0].op == SelectorOp::kNotIn);
  CHECK(aff.namespaces == std::vector<std::string>{"jhub", "ml"});
  CHECK_FALSE(aff.namespace_selector.has_value());
  CHECK(aff.topology_key == "zone");
  REQUIRE(pod.pod_affinity.preferred.size() == 1);
  CHECK(pod.pod_affinity.preferred[0].weight == 5);
  CHECK(pod.pod_affinity.preferred[0].term.label_selector.nothing);  // no labelSelector
  REQUIRE(pod.pod_affinity.preferred[0].term.namespace_selector.has_value());
  CHECK(pod.pod_affinity.preferred[0].term.namespace_selector->Empty());  // {} = all namespaces
  REQUIRE(pod.pod_anti_affinity.required.size() == 1);
  CHECK(pod.pod_anti_affinity.required[0].namespace_selector->match_labels ==
        Labels{{"env", "prod"}});

  REQUIRE(pod.tolerations.size() == 3);
  CHECK(pod.tolerations[0].key == "nvidia.com/gpu");
  CHECK(pod.tolerations[0].op == "Exists");
  CHECK(pod.tolerations[0].effect == "NoSchedule");
  CHECK(pod.tolerations[2].op == "Equal");
  CHECK(pod.tolerations[2].value == "notebooks");
  CHECK(pod.tolerations[2].effect.empty());

  REQUIRE(pod.volumes.size() == 5);
  CHECK(pod.volumes[0].name == "home");
  CHECK(pod.volumes[0].kind == Volume::Kind::kOther);
  CHECK(pod.volumes[1].kind == Volume::Kind::kGcePersistentDisk);
  CHECK(pod.volumes[1].id == "pd-1");
  CHECK(pod.volumes[1].read_only);
  CHECK(pod.volumes[2].kind == Volume::Kind::kAwsElasticBlockStore);
  CHECK(pod.volumes[2].id == "vol-1");
  CHECK_FALSE(pod.volumes[2].read_only);
  CHECK(pod.volumes[3].kind == Volume::Kind::kIscsi);
  CHECK(pod.volumes[3].id == "iqn.2001-04.com.example:storage");
  CHECK(pod.volumes[4].kind == Volume::Kind::kRbd);
  CHECK(pod.volumes[4].id == "img");
  CHECK(pod.volumes[4].rbd_pool == "rbd");  // API default
  CHECK(pod.volumes[4].rbd_monitors == std::vector<std::string>{"m1:6789", "m2:6789"});
  CHECK(pod.has_topology_spread_constraints);
}

TEST_CASE("Quantities: strings, bare numbers, null", "[codec][k8s_json]") {
  struct Row {
    std::string name;
    std::string json_value;
    Quantity want;
  };
  const std::vector<Row> rows = {
      {"string", R"("1500m")", Q("1.5")},
      {"spaces inside quotes are trimmed", R"("  2Gi ")", Q("2Gi")},
      {"bare integer", "2", Q("2")},
      {"bare fraction", "0.5", Q("500m")},
      {"bare exponent", "1e3", Q("1000")},             // parsed as double 1000 → "1000"
      {"bare small exponent", "2.5e-3", Q("2500u")},   // to_chars → "0.0025"
      {"bare big integer", "68719476736", Q("64Gi")},  // 64·2^30
      {"null is zero", "null", Quantity()},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const std::string json =
          R"({"spec":{"containers":[{"resources":{"requests":{"cpu":)" + row.json_value + "}}}]}}";
      absl::StatusOr<Pod> pod = DecodePodJson(json);
      REQUIRE(pod.ok());
      CHECK(pod->containers.at(0).requests.at("cpu") == row.want);
    }
  }
}

TEST_CASE("Decode errors name the JSON path", "[codec][k8s_json]") {
  const std::string bad_quantity(Quantity::Parse("1.5.0").status().message());
  const std::string bad_suffix(Quantity::Parse("1K").status().message());
  struct Row {
    std::string name;
    std::string json;
    std::string want;
  };
  const std::vector<Row> rows = {
      {"invalid quantity",
       R"({"spec":{"containers":[{"resources":{"requests":{"cpu":"1.5.0"}}}]}})",
       "Pod.spec.containers[0].resources.requests.cpu: invalid quantity \"1.5.0\": " +
           bad_quantity},
      {"invalid suffix in an init container limit",
       R"({"spec":{"initContainers":[{},{"resources":{"limits":{"memory":"1K"}}}]}})",
       "Pod.spec.initContainers[1].resources.limits.memory: invalid quantity \"1K\": " +
           bad_suffix},
      {"negative bare request",
       R"({"spec":{"containers":[{"resources":{"requests":{"memory":-1}}}]}})",
       "Pod.spec.containers[0].resources.requests.memory: negative quantity \"-1\" is not "
       "allowed"},
      {"negative overhead", R"({"spec":{"overhead":{"cpu":"-100m"}}})",
       "Pod.spec.overhead.cpu: negative quantity \"-100m\" is not allowed"},
      {"quantity of the wrong type",
       R"({"spec":{"containers":[{"resources":{"requests":{"cpu":true}}}]}})",
       "Pod.spec.containers[0].resources.requests.cpu: expected a quantity (string or number)"},
      {"containers not an array", R"({"spec":{"containers":{"name":"x"}}})",
       "Pod.spec.containers: expected an array"},
      {"metadata not an object", R"({"metadata":"x"})", "Pod.metadata: expected an object"},
      {"document not an object", R"([1,2])", "Pod: expected an object"},
      {"label value not a string", R"({"metadata":{"labels":{"app":1}}})",
       "Pod.metadata.labels.app: expected a string"},
      {"port as a string", R"({"spec":{"containers":[{},{"ports":[{"hostPort":"80"}]}]}})",
       "Pod.spec.containers[1].ports[0].hostPort: expected an integer"},
      {"port as a fraction", R"({"spec":{"containers":[{"ports":[{"containerPort":80.5}]}]}})",
       "Pod.spec.containers[0].ports[0].containerPort: expected an integer"},
      {"port beyond int32", R"({"spec":{"containers":[{"ports":[{"containerPort":4294967296}]}]}})",
       "Pod.spec.containers[0].ports[0].containerPort: integer out of range"},
      {"requirement values not an array",
       R"({"spec":{"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":)"
       R"({"nodeSelectorTerms":[{"matchExpressions":[{"key":"k","operator":"In","values":"a"}]}]}}}}})",
       "Pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
       "nodeSelectorTerms[0].matchExpressions[0].values: expected an array"},
      {"pod affinity weight",
       R"({"spec":{"affinity":{"podAntiAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":)"
       R"([{"weight":"high"}]}}}})",
       "Pod.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]."
       "weight: expected an integer"},
      {"toleration key", R"({"spec":{"tolerations":[{"key":5}]}})",
       "Pod.spec.tolerations[0].key: expected a string"},
      {"volume readOnly", R"({"spec":{"volumes":[{"name":"v","rbd":{"readOnly":"yes"}}]}})",
       "Pod.spec.volumes[0].rbd.readOnly: expected a boolean"},
      {"topology spread not an array", R"({"spec":{"topologySpreadConstraints":{}}})",
       "Pod.spec.topologySpreadConstraints: expected an array"},
      {"owner controller", R"({"metadata":{"ownerReferences":[{"controller":"true"}]}})",
       "Pod.metadata.ownerReferences[0].controller: expected a boolean"},
      {"phase", R"({"status":{"phase":1}})", "Pod.status.phase: expected a string"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      absl::StatusOr<Pod> pod = DecodePodJson(row.json);
      REQUIRE_FALSE(pod.ok());
      CHECK(pod.status().code() == absl::StatusCode::kInvalidArgument);
      CHECK(pod.status().message() == row.want);
    }
  }
  SECTION("malformed JSON") {
    absl::StatusOr<Pod> pod = DecodePodJson(R"({"metadata": {)");
    REQUIRE_FALSE(pod.ok());
    CHECK(pod.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(pod.status().message()), Catch::StartsWith("Pod: invalid JSON: "));
  }
  SECTION("custom root name") {
    absl::StatusOr<Pod> pod = DecodePodJson(R"({"spec":{"nodeName":1}})", "pod_json");
    REQUIRE_FALSE(pod.ok());
    CHECK(pod.status().message() == "pod_json.spec.nodeName: expected a string");
  }
}

TEST_CASE("null and missing are alike", "[codec][k8s_json]") {
  absl::StatusOr<Pod> pod = DecodePodJson(R"({
    "metadata": {"name": "p", "namespace": null, "labels": null, "creationTimestamp": null,
                 "deletionTimestamp": null, "ownerReferences": null},
    "spec": {"nodeName": null, "containers": [{"name": "c", "resources": {"requests": null},
                                               "ports": null}],
             "initContainers": null, "overhead": null, "nodeSelector": null,
             "affinity": {"nodeAffinity": null, "podAffinity": null},
             "tolerations": null, "volumes": [{"name": "v", "rbd": null}],
             "topologySpreadConstraints": null},
    "status": null})");
  REQUIRE(pod.ok());
  CHECK(pod->name == "p");
  CHECK(pod->namespace_.empty());
  CHECK(pod->labels.empty());
  CHECK_FALSE(pod->deleting);
  CHECK(pod->containers.size() == 1);
  CHECK(pod->containers[0].requests.empty());
  CHECK_FALSE(pod->node_affinity.has_value());
  CHECK(pod->pod_affinity.empty());
  CHECK(pod->volumes.at(0).kind == Volume::Kind::kOther);
  CHECK_FALSE(pod->has_topology_spread_constraints);
  CHECK(pod->phase.empty());
  CHECK(pod->request == Resources());

  SECTION("deletionTimestamp set means deleting") {
    absl::StatusOr<Pod> deleting =
        DecodePodJson(R"({"metadata":{"deletionTimestamp":"2025-03-01T09:00:00Z"}})");
    REQUIRE(deleting.ok());
    CHECK(deleting->deleting);
  }
  SECTION("an empty required node affinity block matches nothing, so it is kept") {
    absl::StatusOr<Pod> p = DecodePodJson(
        R"({"spec":{"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{}}}}})");
    REQUIRE(p.ok());
    REQUIRE(p->node_affinity.has_value());
    REQUIRE(p->node_affinity->required.has_value());
    CHECK(p->node_affinity->required->empty());
  }
  SECTION("extended limits become requests (Finalize ran)") {
    absl::StatusOr<Pod> p =
        DecodePodJson(R"({"spec":{"containers":[{"resources":{"limits":{"nvidia.com/gpu":2}}}]}})");
    REQUIRE(p.ok());
    CHECK(p->request.scalars.Get("nvidia.com/gpu") == 2);
  }
}

std::string Nested(int depth) {
  return R"({"metadata":{"name":"deep"},"x":)" + std::string(depth, '[') + std::string(depth, ']') +
         "}";
}

TEST_CASE("Nesting deeper than 64 levels is rejected", "[codec][k8s_json]") {
  // The object itself is level 1, so `depth` arrays inside it reach depth + 1 levels.
  SECTION("64 levels pass") {
    absl::StatusOr<Pod> pod = DecodePodJson(Nested(63));
    REQUIRE(pod.ok());
    CHECK(pod->name == "deep");
  }
  SECTION("65 levels fail") {
    absl::StatusOr<Pod> pod = DecodePodJson(Nested(64));
    REQUIRE_FALSE(pod.ok());
    CHECK(pod.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(pod.status().message() == "JSON nesting deeper than 64");
  }
  SECTION("100000 levels fail without exhausting the stack") {
    absl::StatusOr<Pod> pod = DecodePodJson(Nested(100000));
    REQUIRE_FALSE(pod.ok());
    CHECK(pod.status().message() == "JSON nesting deeper than 64");
  }
}

TEST_CASE("DecodeNodeJson", "[codec][k8s_json]") {
  absl::StatusOr<Node> node = DecodeNodeJson(R"({
    "metadata": {"name": "gpu-1", "creationTimestamp": null,
                 "labels": {"kubernetes.io/hostname": "gpu-1", "zone": "a"},
                 "annotations": {"a": "b"}},
    "spec": {"unschedulable": true, "podCIDR": "10.0.0.0/24",
             "taints": [{"key": "gpu", "value": "yes", "effect": "NoSchedule",
                         "timeAdded": null}]},
    "status": {"capacity": {"cpu": "8", "memory": "32Gi"},
               "allocatable": {"cpu": "7800m", "memory": 33554432000, "nvidia.com/gpu": "4",
                               "pods": "110"},
               "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"},
                              {"type": "DiskPressure", "status": "False"}],
               "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}],
               "images": [{"names": ["img:1"], "sizeBytes": 100}]}})");
  REQUIRE(node.ok());
  CHECK(node->name == "gpu-1");
  CHECK(node->labels.size() == 2);
  CHECK(node->unschedulable);
  REQUIRE(node->taints.size() == 1);
  CHECK(node->taints[0].key == "gpu");
  CHECK(node->taints[0].value == "yes");
  CHECK(node->taints[0].effect == "NoSchedule");
  CHECK(node->allocatable.milli_cpu == 7800);
  CHECK(node->allocatable.memory == 33554432000);
  CHECK(node->allocatable.allowed_pods == 110);
  CHECK(node->allocatable.scalars.Get("nvidia.com/gpu") == 4);
  REQUIRE(node->conditions.size() == 2);
  CHECK(*node->ConditionStatus("Ready") == "True");
  CHECK(*node->ConditionStatus("DiskPressure") == "False");

  SECTION("negative allocatable") {
    absl::StatusOr<Node> bad = DecodeNodeJson(R"({"status":{"allocatable":{"cpu":"-1"}}})");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().message() ==
          "Node.status.allocatable.cpu: negative quantity \"-1\" is not "
          "allowed");
  }
  SECTION("taints not an array") {
    absl::StatusOr<Node> bad = DecodeNodeJson(R"({"spec":{"taints":"gpu"}})");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().message() == "Node.spec.taints: expected an array");
  }
}

TEST_CASE("DecodeList reads a kubectl List", "[codec][k8s_json]") {
  absl::StatusOr<ClusterObjects> objects = DecodeList(R"({"apiVersion":"v1","kind":"List",
    "items":[
      {"kind":"Node","metadata":{"name":"n1"},"status":{"allocatable":{"cpu":"4"}}},
      {"kind":"Pod","metadata":{"name":"p1","namespace":"ns"},
       "spec":{"nodeName":"n1","containers":[{"resources":{"requests":{"cpu":"1"}}}]},
       "status":{"phase":"Running"}},
      {"kind":"Service","metadata":{"name":"svc","namespace":"ns"},
       "spec":{"selector":{"app":"web"},"ports":[{"port":80}]}},
      {"kind":"ReplicationController","metadata":{"name":"rc","namespace":"ns"},
       "spec":{"selector":{"app":"old"}}},
      {"kind":"ReplicaSet","metadata":{"name":"rs","namespace":"ns"},
       "spec":{"selector":{"matchLabels":{"app":"web"}}}},
      {"kind":"StatefulSet","metadata":{"name":"ss","namespace":"ns"},"spec":{"selector":null}},
      {"kind":"ConfigMap","metadata":{"name":"ignored"},"data":{"x":"y"}}
    ],"metadata":{"resourceVersion":""}})");
  REQUIRE(objects.ok());
  REQUIRE(objects->nodes.size() == 1);
  CHECK(objects->nodes[0]->name == "n1");
  CHECK(objects->nodes[0]->allocatable.milli_cpu == 4000);
  REQUIRE(objects->pods.size() == 1);
  CHECK(objects->pods[0]->node_name == "n1");
  CHECK(objects->pods[0]->request.milli_cpu == 1000);
  REQUIRE(objects->workloads.size() == 4);
  CHECK(objects->workloads[0].kind == WorkloadSelector::Kind::kService);
  CHECK(objects->workloads[0].namespace_ == "ns");
  CHECK(objects->workloads[0].name == "svc");
  CHECK(objects->workloads[0].map_selector == Labels{{"app", "web"}});
  CHECK(objects->workloads[1].kind == WorkloadSelector::Kind::kReplicationController);
  CHECK(objects->workloads[1].map_selector == Labels{{"app", "old"}});
  CHECK(objects->workloads[2].kind == WorkloadSelector::Kind::kReplicaSet);
  CHECK(objects->workloads[2].label_selector.match_labels == Labels{{"app", "web"}});
  CHECK_FALSE(objects->workloads[2].label_selector.nothing);
  CHECK(objects->workloads[3].kind == WorkloadSelector::Kind::kStatefulSet);
  CHECK(objects->workloads[3].label_selector.nothing);  // nil selector selects nothing

  SECTION("a PodList gives items without kind their kind") {
    absl::StatusOr<ClusterObjects> pods =
        DecodeList(R"({"kind":"PodList","items":[{"metadata":{"name":"a"}},{"kind":"Pod"}]})");
    REQUIRE(pods.ok());
    CHECK(pods->pods.size() == 2);
  }
  SECTION("a NodeList likewise") {
    absl::StatusOr<ClusterObjects> nodes =
        DecodeList(R"({"kind":"NodeList","items":[{"metadata":{"name":"a"}}]})");
    REQUIRE(nodes.ok());
    CHECK(nodes->nodes.size() == 1);
  }

  struct Row {
    std::string name;
    std::string json;
    std::string want;
  };
  const std::vector<Row> rows = {
      {"item without kind in a generic List",
       R"({"kind":"List","items":[{"kind":"Node"},{"metadata":{}}]})", "items[1].kind: missing"},
      {"kind not a string", R"({"items":[{"kind":3}]})", "items[0].kind: expected a string"},
      {"error inside an item",
       R"({"kind":"List","items":[{"kind":"Node"},{"kind":"Node"},{"kind":"Pod","spec":)"
       R"({"containers":[{"resources":{"requests":{"cpu":"x"}}}]}}]})",
       "items[2].spec.containers[0].resources.requests.cpu: invalid quantity \"x\": " +
           std::string(Quantity::Parse("x").status().message())},
      {"items not an array", R"({"items":{}})", "items: expected an array"},
      {"no items", R"({"kind":"Pod"})", "items: missing (not a List)"},
      {"not an object", R"([])", "expected a JSON object with items (a List)"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      absl::StatusOr<ClusterObjects> bad = DecodeList(row.json);
      REQUIRE_FALSE(bad.ok());
      CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
      CHECK(bad.status().message() == row.want);
    }
  }
}

// Maps arrive sorted by key from the API server and are appended in place; keys out of order and
// repeated keys (the later value wins) must give what FromUnsorted gives, whether few (inserted in
// place) or many (the rest sorted at once).
TEST_CASE("labels and resource lists in any key order", "[codec][k8s_json]") {
  std::mt19937 rng(7);
  for (int round = 0; round < 400; ++round) {
    const size_t n = rng() % 60;
    const size_t distinct = 1 + rng() % 80;  // few distinct keys: many repeats
    const bool sorted_input = round % 4 == 0;
    std::vector<std::pair<std::string, std::string>> labels;
    std::vector<std::pair<std::string, std::string>> resources;
    for (size_t i = 0; i < n; ++i) {
      const std::string key = "example.com/key-" + std::to_string(rng() % distinct);
      labels.emplace_back(key, "v" + std::to_string(rng() % 1000));
      resources.emplace_back(key, std::to_string(rng() % 1000) + (rng() % 2 ? "Ki" : "m"));
    }
    if (sorted_input) {
      const auto by_key = [](const auto& a, const auto& b) { return a.first < b.first; };
      std::stable_sort(labels.begin(), labels.end(), by_key);
      std::stable_sort(resources.begin(), resources.end(), by_key);
    }
    std::string json = R"({"metadata":{"labels":{)";
    for (size_t i = 0; i < labels.size(); ++i) {
      json += (i ? "," : "") + ('"' + labels[i].first + R"(":")" + labels[i].second + '"');
    }
    json += R"(}},"status":{"allocatable":{)";
    for (size_t i = 0; i < resources.size(); ++i) {
      json += (i ? "," : "") + ('"' + resources[i].first + R"(":")" + resources[i].second + '"');
    }
    json += "}}}";

    std::vector<Labels::value_type> want_labels(labels.begin(), labels.end());
    std::vector<ResourceList::value_type> want_resources;
    for (const auto& [key, text] : resources) want_resources.emplace_back(key, Q(text));
    INFO(json);
    absl::StatusOr<Node> node = DecodeNodeJson(json);
    REQUIRE(node.ok());
    CHECK(node->labels == Labels::FromUnsorted(want_labels));
    CHECK(node->allocatable_list == ResourceList::FromUnsorted(want_resources));
  }
}

TEST_CASE("labels: escapes, nulls and the first entry out of order", "[codec][k8s_json]") {
  struct Row {
    std::string name;
    std::string labels_json;
    Labels want;
  };
  const std::vector<Row> rows = {
      {"escaped key and value", R"({"a\u0041":"x\ny","b":"\u00e9"})",
       Labels{{"aA", "x\ny"}, {"b", "\u00e9"}}},
      {"null value is empty", R"({"a":"1","b":null,"c":"3"})",
       Labels{{"a", "1"}, {"b", ""}, {"c", "3"}}},
      {"repeated last key", R"({"a":"1","b":"2","b":"3"})", Labels{{"a", "1"}, {"b", "3"}}},
      {"descending", R"({"c":"1","b":"2","a":"3"})", Labels{{"a", "3"}, {"b", "2"}, {"c", "1"}}},
      {"empty", "{}", Labels{}},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      absl::StatusOr<Node> node =
          DecodeNodeJson(R"({"metadata":{"labels":)" + row.labels_json + "}}");
      REQUIRE(node.ok());
      CHECK(node->labels == row.want);
    }
  }
}

// DecodeList prefetches the next item's part of simdjson's tape and strings while it decodes one:
// a hint that must not change what is decoded, for items of any size, empty ones included.
TEST_CASE("DecodeList decodes each item as DecodeNodeJson does", "[codec][k8s_json]") {
  std::mt19937 rng(11);
  std::vector<std::string> items;
  for (int i = 0; i < 300; ++i) {
    if (i % 37 == 5) {
      items.push_back("{}");
      continue;
    }
    std::string item = R"({"metadata":{"name":"n)" + std::to_string(i) + R"(","labels":{)";
    const size_t labels = rng() % 40;
    for (size_t l = 0; l < labels; ++l) {
      item += (l ? "," : "") + (R"("kubernetes.io/label-)" + std::to_string(100 + l) + R"(":"x)" +
                                std::string(rng() % 30, 'y') + '"');
    }
    item += R"(}},"spec":{"taints":[{"key":"k","effect":"NoSchedule"}]},"status":{)";
    item += R"("allocatable":{"cpu":")" + std::to_string(rng() % 64) + R"(","memory":")" +
            std::to_string(rng() % 100000) + R"(Ki"},"images":[)";
    const size_t images = rng() % 20;
    for (size_t m = 0; m < images; ++m) {
      item += (m ? "," : "") + std::string(R"({"names":["registry/image:)") +
              std::string(rng() % 200, 'z') + R"("],"sizeBytes":12345})";
    }
    item += R"(],"conditions":[{"type":"Ready","status":"True"}]}})";
    items.push_back(item);
  }
  std::string list = R"({"kind":"NodeList","items":[)";
  for (size_t i = 0; i < items.size(); ++i) list += (i ? "," : "") + items[i];
  list += "]}";
  absl::StatusOr<ClusterObjects> objects = DecodeList(list);
  REQUIRE(objects.ok());
  REQUIRE(objects->nodes.size() == items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    INFO("item " << i);
    absl::StatusOr<Node> want = DecodeNodeJson(items[i]);
    REQUIRE(want.ok());
    const Node& got = *objects->nodes[i];
    CHECK(got.name == want->name);
    CHECK(got.labels == want->labels);
    CHECK(got.allocatable_list == want->allocatable_list);
    CHECK(got.allocatable == want->allocatable);
    REQUIRE(got.taints.size() == want->taints.size());
    for (size_t t = 0; t < got.taints.size(); ++t) {
      CHECK(got.taints[t].key == want->taints[t].key);
      CHECK(got.taints[t].effect == want->taints[t].effect);
    }
    REQUIRE(got.conditions.size() == want->conditions.size());
    for (size_t c = 0; c < got.conditions.size(); ++c) {
      CHECK(got.conditions[c].type == want->conditions[c].type);
      CHECK(got.conditions[c].status == want->conditions[c].status);
    }
  }
}

}  // namespace
}  // namespace nbsched::codec

namespace nbsched::codec {
namespace {

// The decoder reads in place when simdjson's padding bytes after the input lie in the same page
// (and copies otherwise): the same text must decode the same wherever it ends in a page, and a
// broken document must fail the same way.
TEST_CASE("decoding is the same wherever the input ends relative to a page", "[codec][k8s_json]") {
  const std::string node = R"({"metadata":{"name":"edge","labels":{"b":"2","a":"1"}},)"
                           R"("status":{"allocatable":{"cpu":"3","memory":"1Gi"}}})";
  const std::string broken = R"({"metadata":{"name":"edge","labels":{"a":)";
  constexpr size_t kPage = 4096;
  // Three pages; the text ends at each of the last 80 bytes of the middle page and just after it.
  auto* buffer = static_cast<char*>(std::aligned_alloc(kPage, 3 * kPage));
  REQUIRE(buffer != nullptr);
  std::memset(buffer, '}', 3 * kPage);  // garbage after the text must not matter
  for (size_t end = 2 * kPage - 80; end <= 2 * kPage + 8; ++end) {
    INFO("text ends at page offset " << end % kPage);
    std::memcpy(buffer + end - node.size(), node.data(), node.size());
    absl::StatusOr<Node> decoded =
        DecodeNodeJson(std::string_view(buffer + end - node.size(), node.size()));
    REQUIRE(decoded.ok());
    CHECK(decoded->name == "edge");
    CHECK(decoded->labels == Labels{{"a", "1"}, {"b", "2"}});
    CHECK(decoded->allocatable.milli_cpu == 3000);
    std::memcpy(buffer + end - broken.size(), broken.data(), broken.size());
    CHECK_FALSE(DecodeNodeJson(std::string_view(buffer + end - broken.size(), broken.size())).ok());
  }
  std::free(buffer);
}

}  // namespace
}  // namespace nbsched::codec
