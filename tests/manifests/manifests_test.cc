// manifests/base/*.yaml (the kustomize base) and examples/jupyterhub/values.yaml are what an
// admin applies: they must parse, name the expected objects, grant no more than nbsched needs,
// and carry a policy and a KubeSchedulerConfiguration that nbsched and kube-scheduler accept
// (interfaces.md §3, §5, §10; extender-protocol.md §3). The base and overlays as
// `kubectl kustomize` renders them: kustomize_test.py. Tests run from the repository root.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "scheduler/config/policy_loader.h"
#include "scheduler/framework/registry.h"

namespace nbsched {
namespace {

// ---- yaml-cpp without exceptions reaching the test body -----------------------------------

std::string ReadFileOrFail(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) FAIL("cannot open " << path << " (cwd " << std::filesystem::current_path() << ")");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every document of a multi-document YAML text; empty documents (a trailing `---`) dropped.
std::vector<YAML::Node> LoadAllOrFail(const std::string& text, const std::string& label) {
  std::vector<YAML::Node> docs;
  try {
    for (YAML::Node& doc : YAML::LoadAll(text)) {
      if (!doc.IsNull()) docs.push_back(doc);
    }
  } catch (const YAML::Exception& e) {
    FAIL(label << ": YAML error: " << e.what());
  }
  return docs;
}

YAML::Node LoadOneOrFail(const std::string& text, const std::string& label) {
  std::vector<YAML::Node> docs = LoadAllOrFail(text, label);
  if (docs.size() != 1) FAIL(label << ": want one YAML document, got " << docs.size());
  return docs.front();
}

// node[key] for a mapping, else a null node (never a "zombie" that throws when read).
YAML::Node Get(const YAML::Node& node, const std::string& key) {
  if (!node.IsDefined() || !node.IsMap()) return YAML::Node();
  YAML::Node value = node[key];
  return value.IsDefined() ? value : YAML::Node();
}

// Get along a chain of keys. (YAML::Node's operator= writes into the node it refers to, so
// walking rebinds with reset().)
YAML::Node Path(const YAML::Node& start, std::initializer_list<std::string> keys) {
  YAML::Node node = start;
  for (const std::string& key : keys) node.reset(Get(node, key));
  return node;
}

std::string Str(const YAML::Node& node) { return node.IsScalar() ? node.Scalar() : ""; }

std::optional<bool> Bool(const YAML::Node& node) {
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) return std::nullopt;
  return value;
}

std::optional<int64_t> Int(const YAML::Node& node) {
  int64_t value = 0;
  if (!node.IsScalar() || !YAML::convert<int64_t>::decode(node, value)) return std::nullopt;
  return value;
}

std::vector<std::string> Strings(const YAML::Node& node) {
  std::vector<std::string> out;
  if (!node.IsSequence()) return out;
  for (const YAML::Node& item : node) out.push_back(Str(item));
  return out;
}

// ---- the manifest set ------------------------------------------------------------------------

struct Object {
  std::string file;
  YAML::Node doc;
  std::string kind() const { return Str(Get(doc, "kind")); }
  std::string name() const { return Str(Path(doc, {"metadata", "name"})); }
};

std::vector<std::string> ManifestFiles() {
  std::vector<std::string> files;
  std::error_code error;
  std::filesystem::directory_iterator dir("manifests/base", error);
  if (error) FAIL("cannot list manifests/base/: " << error.message());
  for (const auto& entry : dir) {
    // kustomization.yaml is kustomize's, not an object.
    if (entry.is_regular_file() && entry.path().extension() == ".yaml" &&
        entry.path().filename() != "kustomization.yaml") {
      files.push_back(entry.path().generic_string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<Object> AllObjects() {
  std::vector<Object> objects;
  for (const std::string& file : ManifestFiles()) {
    for (YAML::Node& doc : LoadAllOrFail(ReadFileOrFail(file), file)) {
      objects.push_back({file, doc});
    }
  }
  return objects;
}

Object FindOrFail(const std::vector<Object>& objects, const std::string& kind,
                  const std::string& name) {
  for (const Object& o : objects) {
    if (o.kind() == kind && o.name() == name) return o;
  }
  FAIL("no " << kind << " named " << name << " in manifests/");
  return {};
}

// The container `name` of a Deployment's pod template.
YAML::Node ContainerOrFail(const Object& deployment, const std::string& name) {
  for (const YAML::Node& c : Path(deployment.doc, {"spec", "template", "spec", "containers"})) {
    if (Str(Get(c, "name")) == name) return c;
  }
  FAIL(deployment.file << ": Deployment " << deployment.name() << " has no container " << name);
  return {};
}

// The pod-template volume called `name`.
YAML::Node VolumeOrFail(const Object& deployment, const std::string& name) {
  for (const YAML::Node& v : Path(deployment.doc, {"spec", "template", "spec", "volumes"})) {
    if (Str(Get(v, "name")) == name) return v;
  }
  FAIL(deployment.file << ": Deployment " << deployment.name() << " has no volume " << name);
  return {};
}

// The ConfigMap's embedded file, parsed.
YAML::Node EmbeddedOrFail(const Object& config_map, const std::string& key) {
  YAML::Node text = Path(config_map.doc, {"data", key});
  if (!text.IsScalar()) FAIL(config_map.file << ": ConfigMap has no data." << key);
  return LoadOneOrFail(text.Scalar(), config_map.file + ": data." + key);
}

// A container's securityContext field, falling back to the pod's (Kubernetes' own rule).
YAML::Node SecurityField(const Object& deployment, const YAML::Node& container,
                         const std::string& key) {
  YAML::Node own = Path(container, {"securityContext", key});
  if (!own.IsNull()) return own;
  return Path(deployment.doc, {"spec", "template", "spec", "securityContext", key});
}

// The value following `flag` in a container's args ("" if absent).
std::string FlagValue(const YAML::Node& container, const std::string& flag) {
  std::vector<std::string> args = Strings(Get(container, "args"));
  std::vector<std::string> command = Strings(Get(container, "command"));
  args.insert(args.begin(), command.begin(), command.end());
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == flag && i + 1 < args.size()) return args[i + 1];
    if (args[i].rfind(flag + "=", 0) == 0) return args[i].substr(flag.size() + 1);
  }
  return "";
}

bool HasArg(const YAML::Node& container, const std::string& arg) {
  std::vector<std::string> args = Strings(Get(container, "args"));
  return std::find(args.begin(), args.end(), arg) != args.end();
}

// ---- tests -------------------------------------------------------------------------------------

TEST_CASE("every manifest parses and names itself", "[manifests]") {
  std::vector<std::string> files = ManifestFiles();
  REQUIRE_FALSE(files.empty());
  for (const std::string& file : files) {
    DYNAMIC_SECTION(file) {
      std::vector<YAML::Node> docs = LoadAllOrFail(ReadFileOrFail(file), file);
      CHECK_FALSE(docs.empty());
      for (size_t i = 0; i < docs.size(); ++i) {
        INFO(file << " document " << i);
        REQUIRE(docs[i].IsMap());
        CHECK_FALSE(Str(Get(docs[i], "apiVersion")).empty());
        CHECK_FALSE(Str(Get(docs[i], "kind")).empty());
        CHECK_FALSE(Str(Path(docs[i], {"metadata", "name"})).empty());
      }
    }
  }
}

TEST_CASE("the manifest set holds every expected object", "[manifests]") {
  std::vector<Object> objects = AllObjects();
  struct Row {
    std::string kind, name;
  };
  const std::vector<Row> rows = {
      {"ServiceAccount", "nbsched"},
      {"ClusterRole", "nbsched"},
      {"ClusterRoleBinding", "nbsched"},
      {"ConfigMap", "nbsched-policy"},
      {"Deployment", "nbsched"},
      {"Service", "nbsched"},
      {"ServiceAccount", "notebook-scheduler"},
      {"ClusterRoleBinding", "notebook-scheduler-as-kube-scheduler"},
      {"ClusterRoleBinding", "notebook-scheduler-as-volume-scheduler"},
      {"Role", "notebook-scheduler-leader-election"},
      {"RoleBinding", "notebook-scheduler-leader-election"},
      {"ConfigMap", "notebook-scheduler-config"},
      {"Deployment", "notebook-scheduler"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.kind << " " << row.name) { FindOrFail(objects, row.kind, row.name); }
  }
  std::set<std::pair<std::string, std::string>> seen;
  for (const Object& o : objects) {
    INFO(o.file);
    CHECK(seen.insert({o.kind(), o.name()}).second);  // no object defined twice
  }
}

TEST_CASE("no object names a namespace: kustomization.yaml sets it", "[manifests]") {
  // Objects and ServiceAccount subjects alike: kustomize's `namespace:` fills them in, and a
  // kustomization over the base moves them all (kustomize_test.py checks the rendering).
  for (const Object& o : AllObjects()) {
    DYNAMIC_SECTION(o.kind() << " " << o.name()) {
      CHECK(Str(Path(o.doc, {"metadata", "namespace"})).empty());
      for (const YAML::Node& subject : Get(o.doc, "subjects")) {
        CHECK(Get(subject, "namespace").IsNull());
      }
    }
  }
}

TEST_CASE("the nbsched ClusterRole grants exactly what nbsched reads", "[manifests][rbac]") {
  std::vector<Object> objects = AllObjects();
  Object role = FindOrFail(objects, "ClusterRole", "nbsched");
  // group/resource:verb; "" is the core group.
  std::set<std::string> granted;
  for (const YAML::Node& rule : Get(role.doc, "rules")) {
    INFO(role.file << ": rule " << YAML::Dump(rule));
    CHECK(Get(rule, "resourceNames").IsNull());
    CHECK(Get(rule, "nonResourceURLs").IsNull());
    for (const std::string& group : Strings(Get(rule, "apiGroups"))) {
      for (const std::string& resource : Strings(Get(rule, "resources"))) {
        for (const std::string& verb : Strings(Get(rule, "verbs"))) {
          granted.insert(group + "/" + resource + ":" + verb);
        }
      }
    }
  }
  std::set<std::string> want;
  for (const char* resource : {"/nodes", "/pods", "/services", "/replicationcontrollers",
                               "apps/replicasets", "apps/statefulsets"}) {
    for (const char* verb : {":get", ":list", ":watch"}) {
      want.insert(std::string(resource) + verb);
    }
  }
  want.insert("/pods/binding:create");
  // Measured usage, `--metrics-source metrics.k8s.io` (interfaces.md §11): get/list only.
  for (const char* grant : {"metrics.k8s.io/nodes:get", "metrics.k8s.io/nodes:list",
                            "metrics.k8s.io/pods:get", "metrics.k8s.io/pods:list"}) {
    want.insert(grant);
  }
  CHECK(granted == want);  // 6 resources × 3 read verbs + 1 + 2 × 2 = 23 grants
  for (const std::string& g : granted) {
    INFO(g);
    CHECK(g.find('*') == std::string::npos);
    CHECK(g.find("secrets") == std::string::npos);
  }

  Object binding = FindOrFail(objects, "ClusterRoleBinding", "nbsched");
  CHECK(Str(Path(binding.doc, {"roleRef", "kind"})) == "ClusterRole");
  CHECK(Str(Path(binding.doc, {"roleRef", "name"})) == "nbsched");
  YAML::Node subjects = Get(binding.doc, "subjects");
  REQUIRE(subjects.IsSequence());
  REQUIRE(subjects.size() == 1);
  CHECK(Str(Get(subjects[0], "kind")) == "ServiceAccount");
  CHECK(Str(Get(subjects[0], "name")) == "nbsched");
}

TEST_CASE("the nbsched Deployment is probed, locked down and hot-reloadable",
          "[manifests][deployment]") {
  std::vector<Object> objects = AllObjects();
  Object deployment = FindOrFail(objects, "Deployment", "nbsched");
  YAML::Node pod = Path(deployment.doc, {"spec", "template", "spec"});
  CHECK(Str(Get(pod, "serviceAccountName")) == "nbsched");
  YAML::Node c = ContainerOrFail(deployment, "nbsched");

  CHECK(HasArg(c, "serve"));
  CHECK(HasArg(c, "--in-cluster"));
  CHECK(FlagValue(c, "--policy") == "/etc/nbsched/policy.yaml");
  CHECK(FlagValue(c, "--listen") == "0.0.0.0:8888");

  CHECK(Str(Path(c, {"livenessProbe", "httpGet", "path"})) == "/healthz");
  CHECK(Str(Path(c, {"readinessProbe", "httpGet", "path"})) == "/readyz");
  for (const char* probe : {"livenessProbe", "readinessProbe"}) {
    INFO(probe);
    std::string port = Str(Path(c, {probe, "httpGet", "port"}));
    CHECK((port == "8888" || port == "http"));
  }
  bool port_8888 = false;
  for (const YAML::Node& p : Get(c, "ports")) {
    port_8888 |= Int(Get(p, "containerPort")) == 8888 && Str(Get(p, "name")) == "http";
  }
  CHECK(port_8888);

  CHECK(Str(Path(c, {"resources", "requests", "cpu"})) != "");
  CHECK(Str(Path(c, {"resources", "requests", "memory"})) != "");
  CHECK(Str(Path(c, {"resources", "limits", "memory"})) != "");

  CHECK(Bool(SecurityField(deployment, c, "runAsNonRoot")) == true);
  CHECK(Int(SecurityField(deployment, c, "runAsUser")) == 65532);
  CHECK(Bool(Path(c, {"securityContext", "readOnlyRootFilesystem"})) == true);
  CHECK(Bool(Path(c, {"securityContext", "allowPrivilegeEscalation"})) == false);
  CHECK(Strings(Path(c, {"securityContext", "capabilities", "drop"})) ==
        std::vector<std::string>{"ALL"});
  CHECK(Str(Path(SecurityField(deployment, c, "seccompProfile"), {"type"})) == "RuntimeDefault");

  // The policy ConfigMap mounted as a directory (no subPath) holding the --policy file: the
  // kubelet's `..data` symlink swap must reach the pod.
  bool policy_mounted = false;
  for (const YAML::Node& m : Get(c, "volumeMounts")) {
    YAML::Node volume = VolumeOrFail(deployment, Str(Get(m, "name")));
    if (Str(Path(volume, {"configMap", "name"})) != "nbsched-policy") continue;
    policy_mounted = true;
    INFO(YAML::Dump(m));
    CHECK(Get(m, "subPath").IsNull());
    CHECK(Get(m, "subPathExpr").IsNull());
    CHECK(Str(Get(m, "mountPath")) == "/etc/nbsched");
    CHECK(Path(volume, {"configMap", "items"}).IsNull());  // policy.yaml keeps its key name
  }
  CHECK(policy_mounted);
}

TEST_CASE("the nbsched Service exposes the Deployment's http port", "[manifests][service]") {
  std::vector<Object> objects = AllObjects();
  Object service = FindOrFail(objects, "Service", "nbsched");
  Object deployment = FindOrFail(objects, "Deployment", "nbsched");
  YAML::Node ports = Path(service.doc, {"spec", "ports"});
  REQUIRE(ports.IsSequence());
  REQUIRE(ports.size() == 1);
  CHECK(Str(Get(ports[0], "name")) == "http");
  CHECK(Int(Get(ports[0], "port")) == 8888);
  // The selector picks the Deployment's pods.
  YAML::Node selector = Path(service.doc, {"spec", "selector"});
  YAML::Node labels = Path(deployment.doc, {"spec", "template", "metadata", "labels"});
  REQUIRE(selector.IsMap());
  REQUIRE(selector.size() > 0);
  for (const auto& kv : selector) {
    INFO(kv.first.Scalar());
    CHECK(Str(Get(labels, kv.first.Scalar())) == Str(kv.second));
  }
}

TEST_CASE("the policy ConfigMap passes check-policy", "[manifests][policy]") {
  std::vector<Object> objects = AllObjects();
  Object config_map = FindOrFail(objects, "ConfigMap", "nbsched-policy");
  YAML::Node text = Path(config_map.doc, {"data", "policy.yaml"});
  REQUIRE(text.IsScalar());
  auto policy = config::LoadPolicy(text.Scalar(), "policy.yaml", framework::Registry::Default(), 1);
  INFO(config_map.file << ": " << policy.status());
  REQUIRE(policy.ok());
  const framework::Policy& p = **policy;
  std::map<std::string, int64_t> weights;
  for (const auto& scorer : p.scorers) weights[std::string(scorer.plugin->Name())] = scorer.weight;
  CHECK(weights == std::map<std::string, int64_t>{{"LeastRequestedPriority", 1},
                                                  {"BalancedResourceAllocation", 1},
                                                  {"SelectorSpreadPriority", 1},
                                                  {"GPUAwarePriority", 2}});
  CHECK(p.WeightSum() == 5);                                                        // 1 + 1 + 1 + 2
  CHECK(p.filters.size() == framework::Registry::Default().filter_names().size());  // all
  CHECK(p.selection == framework::Selection::kBestInFilter);
  CHECK(p.tie_break_seed == 0);
}

TEST_CASE("the notebook-scheduler configuration consults nbsched", "[manifests][scheduler]") {
  std::vector<Object> objects = AllObjects();
  Object config_map = FindOrFail(objects, "ConfigMap", "notebook-scheduler-config");
  YAML::Node config = EmbeddedOrFail(config_map, "config.yaml");
  CHECK(Str(Get(config, "apiVersion")) == "kubescheduler.config.k8s.io/v1");
  CHECK(Str(Get(config, "kind")) == "KubeSchedulerConfiguration");

  // Its own lease, so it runs beside the default scheduler; in the pod's own namespace, given
  // by the flag below (a namespace written here would not follow kustomize's `namespace:`).
  CHECK(Bool(Path(config, {"leaderElection", "leaderElect"})) == true);
  CHECK(Str(Path(config, {"leaderElection", "resourceName"})) == "notebook-scheduler");
  CHECK(Path(config, {"leaderElection", "resourceNamespace"}).IsNull());

  YAML::Node profiles = Get(config, "profiles");
  REQUIRE(profiles.IsSequence());
  REQUIRE(profiles.size() == 1);
  CHECK(Str(Get(profiles[0], "schedulerName")) == "notebook-scheduler");
  CHECK(Int(Get(profiles[0], "percentageOfNodesToScore")) == 100);

  YAML::Node extenders = Get(config, "extenders");
  REQUIRE(extenders.IsSequence());
  REQUIRE(extenders.size() == 1);
  const YAML::Node e = extenders[0];
  // The bare Service name (resolved in the scheduler pod's namespace) and the Service port.
  CHECK(Str(Get(e, "urlPrefix")) == "http://nbsched:8888");
  CHECK(Str(Get(e, "filterVerb")) == "filter");
  CHECK(Str(Get(e, "prioritizeVerb")) == "prioritize");
  CHECK(Str(Get(e, "preemptVerb")) == "preempt");
  std::optional<int64_t> weight = Int(Get(e, "weight"));
  REQUIRE(weight.has_value());
  CHECK(*weight > 0);  // kube-scheduler refuses to start otherwise
  CHECK(Bool(Get(e, "nodeCacheCapable")) == true);
  CHECK(Bool(Get(e, "ignorable")) == false);
  CHECK(Str(Get(e, "httpTimeout")) == "5s");
  // Empty: nbsched must see CPU-only notebooks too (extender-protocol.md §3.2).
  YAML::Node managed = Get(e, "managedResources");
  CHECK((managed.IsNull() || (managed.IsSequence() && managed.size() == 0)));

  // The Deployment reads this ConfigMap at the path its --config names.
  Object deployment = FindOrFail(objects, "Deployment", "notebook-scheduler");
  CHECK(Str(Path(deployment.doc, {"spec", "template", "spec", "serviceAccountName"})) ==
        "notebook-scheduler");
  YAML::Node c = ContainerOrFail(deployment, "kube-scheduler");
  std::string config_path = FlagValue(c, "--config");
  REQUIRE_FALSE(config_path.empty());
  CHECK(FlagValue(c, "--leader-elect-resource-namespace") == "$(POD_NAMESPACE)");
  bool namespace_env = false;
  for (const YAML::Node& env : Get(c, "env")) {
    namespace_env |= Str(Get(env, "name")) == "POD_NAMESPACE" &&
                     Str(Path(env, {"valueFrom", "fieldRef", "fieldPath"})) == "metadata.namespace";
  }
  CHECK(namespace_env);
  bool mounted = false;
  for (const YAML::Node& m : Get(c, "volumeMounts")) {
    YAML::Node volume = VolumeOrFail(deployment, Str(Get(m, "name")));
    if (Str(Path(volume, {"configMap", "name"})) != "notebook-scheduler-config") continue;
    mounted = Str(Get(m, "mountPath")) + "/config.yaml" == config_path;
  }
  CHECK(mounted);
  for (const char* probe : {"livenessProbe", "readinessProbe"}) {
    INFO(probe);
    CHECK(Str(Path(c, {probe, "httpGet", "path"})) == "/healthz");
    CHECK(Int(Path(c, {probe, "httpGet", "port"})) == 10259);
    CHECK(Str(Path(c, {probe, "httpGet", "scheme"})) == "HTTPS");
  }
  CHECK(Bool(SecurityField(deployment, c, "runAsNonRoot")) == true);
  CHECK(Bool(Path(c, {"securityContext", "allowPrivilegeEscalation"})) == false);
}

TEST_CASE("notebook-scheduler may hold its own lease and nothing more", "[manifests][rbac]") {
  std::vector<Object> objects = AllObjects();
  Object role = FindOrFail(objects, "Role", "notebook-scheduler-leader-election");
  // verb → resourceNames ("" = any), all on coordination.k8s.io/leases.
  std::set<std::string> granted;
  for (const YAML::Node& rule : Get(role.doc, "rules")) {
    CHECK(Strings(Get(rule, "apiGroups")) == std::vector<std::string>{"coordination.k8s.io"});
    CHECK(Strings(Get(rule, "resources")) == std::vector<std::string>{"leases"});
    std::vector<std::string> names = Strings(Get(rule, "resourceNames"));
    if (names.empty()) names.push_back("");
    for (const std::string& verb : Strings(Get(rule, "verbs"))) {
      for (const std::string& name : names) granted.insert(verb + ":" + name);
    }
  }
  CHECK(granted ==
        std::set<std::string>{"create:", "get:notebook-scheduler", "update:notebook-scheduler"});

  struct Row {
    std::string kind, name, role_kind, role;
  };
  const std::vector<Row> rows = {
      {"ClusterRoleBinding", "notebook-scheduler-as-kube-scheduler", "ClusterRole",
       "system:kube-scheduler"},
      {"ClusterRoleBinding", "notebook-scheduler-as-volume-scheduler", "ClusterRole",
       "system:volume-scheduler"},
      {"RoleBinding", "notebook-scheduler-leader-election", "Role",
       "notebook-scheduler-leader-election"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.kind << " " << row.name) {
      Object binding = FindOrFail(objects, row.kind, row.name);
      CHECK(Str(Path(binding.doc, {"roleRef", "kind"})) == row.role_kind);
      CHECK(Str(Path(binding.doc, {"roleRef", "name"})) == row.role);
      YAML::Node subjects = Get(binding.doc, "subjects");
      REQUIRE(subjects.IsSequence());
      REQUIRE(subjects.size() == 1);
      CHECK(Str(Get(subjects[0], "kind")) == "ServiceAccount");
      CHECK(Str(Get(subjects[0], "name")) == "notebook-scheduler");
    }
  }
}

TEST_CASE("the JupyterHub values send notebooks to notebook-scheduler", "[manifests][jupyterhub]") {
  const std::string file = "examples/jupyterhub/values.yaml";
  YAML::Node values = LoadOneOrFail(ReadFileOrFail(file), file);
  // z2jh's schema has no singleuser.schedulerName; KubeSpawner.extra_pod_config sets the field.
  CHECK(Str(Path(values, {"singleuser", "extraPodConfig", "schedulerName"})) ==
        "notebook-scheduler");
  CHECK(Bool(Path(values, {"scheduling", "userScheduler", "enabled"})) == false);

  // The name matches the profile of the scheduler the manifests run.
  Object config_map = FindOrFail(AllObjects(), "ConfigMap", "notebook-scheduler-config");
  YAML::Node config = EmbeddedOrFail(config_map, "config.yaml");
  CHECK(Str(Get(Get(config, "profiles")[0], "schedulerName")) ==
        Str(Path(values, {"singleuser", "extraPodConfig", "schedulerName"})));

  YAML::Node profiles = Path(values, {"singleuser", "profileList"});
  REQUIRE(profiles.IsSequence());
  REQUIRE(profiles.size() == 3);
  std::map<std::string, YAML::Node> by_name;
  for (const YAML::Node& p : profiles) {
    by_name.emplace(Str(Get(p, "display_name")), Get(p, "kubespawner_override"));
  }
  struct Row {
    std::string display_name;
    std::string gpus;          // extra_resource_limits["nvidia.com/gpu"], "" = none
    std::string gpu_product;   // node_selector["nvidia.com/gpu.product"], "" = any
    bool tolerates_gpu_taint;  // tolerations hold key nvidia.com/gpu
  };
  const std::vector<Row> rows = {
      {"CPU only", "", "", false},
      {"1 GPU (any model)", "1", "", true},
      {"1 × A100", "1", "NVIDIA-A100-SXM4-40GB", true},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.display_name) {
      REQUIRE(by_name.count(row.display_name) == 1);
      const YAML::Node o = by_name.at(row.display_name);
      REQUIRE(o.IsMap());
      CHECK(Str(Path(o, {"extra_resource_limits", "nvidia.com/gpu"})) == row.gpus);
      CHECK(Str(Path(o, {"node_selector", "nvidia.com/gpu.product"})) == row.gpu_product);
      bool tolerates = false;
      for (const YAML::Node& t : Get(o, "tolerations")) {
        tolerates |= Str(Get(t, "key")) == "nvidia.com/gpu";
      }
      CHECK(tolerates == row.tolerates_gpu_taint);
      // Guarantees become requests, which nbsched schedules on: every profile sets them.
      CHECK_FALSE(Str(Get(o, "cpu_guarantee")).empty());
      CHECK_FALSE(Str(Get(o, "mem_guarantee")).empty());
    }
  }
  REQUIRE(by_name.count("CPU only") == 1);
  const YAML::Node cpu = by_name.at("CPU only");
  CHECK(Str(Get(cpu, "cpu_guarantee")) == "0.5");
  CHECK(Str(Get(cpu, "mem_guarantee")) == "1G");
}

}  // namespace
}  // namespace nbsched
