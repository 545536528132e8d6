#!/usr/bin/python3
"""Renders the kustomize base and every overlay with `kubectl kustomize` and checks the objects
an admin would apply (interfaces.md §3, §10, §11): kinds, the extender's urlPrefix and TLS,
probes, securityContext, the image set in one place, RBAC no wider than nbsched and a
kube-scheduler need, and that a kustomization setting only `namespace: X` over the base (or an
overlay) leaves no object naming the old namespace and every RBAC subject in X.

    kustomize_test.py REPO_ROOT

Exit 0 when every check passes, 1 on a failure (each printed), 77 (skipped) where kubectl or
Debian's python3-yaml is missing. Debian's /usr/bin/python3 (python3-yaml), not a pyenv one.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    print("SKIP: python3-yaml is not installed (scripts/install-deps.sh installs it)", file=sys.stderr)
    sys.exit(77)

REPO = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
MANIFESTS = os.path.join(REPO, "manifests")
BASE_NAMESPACE = "jhub"
OVERLAYS = ["sidecar", "tls", "gpu-sharing"]
FAILURES = []


def check(ok, what):
    if not ok:
        FAILURES.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return ok


KUBECTL = None


def kubectl():
    """kubectl with a kustomize v5 built in (Debian 12's kubernetes-client has v2: skipped)."""
    global KUBECTL
    if KUBECTL:
        return KUBECTL
    path = shutil.which("kubectl")
    if path is None:
        print("SKIP: no kubectl on PATH (kubectl kustomize renders the manifests)", file=sys.stderr)
        sys.exit(77)
    version = subprocess.run([path, "version", "--client"], capture_output=True, text=True,
                             timeout=60).stdout
    found = re.search(r"Kustomize Version: v(\d+)", version)
    if not found or int(found.group(1)) < 5:
        print("SKIP: %s has no kustomize v5 built in (%r)" % (path, version.strip()), file=sys.stderr)
        sys.exit(77)
    KUBECTL = path
    return path


def render(directory):
    run = subprocess.run([kubectl(), "kustomize", directory], capture_output=True, text=True,
                         timeout=60)
    if run.returncode != 0:
        check(False, "kubectl kustomize %s failed: %s" % (directory, run.stderr.strip()))
        return []
    return [d for d in yaml.safe_load_all(run.stdout) if d]


def key(obj):
    return (obj["kind"], obj["metadata"]["name"])


def find(objects, kind, name):
    for o in objects:
        if key(o) == (kind, name):
            return o
    return None


def pod_spec(deployment):
    return deployment["spec"]["template"]["spec"]


def container(deployment, name):
    for c in pod_spec(deployment).get("containers", []):
        if c["name"] == name:
            return c
    return None


def flag(c, name):
    """The value of `--name V` or `--name=V` in a container's command + args ("" if absent)."""
    words = list(c.get("command", [])) + list(c.get("args", []))
    for i, w in enumerate(words):
        if w == name and i + 1 < len(words):
            return words[i + 1]
        if w.startswith(name + "="):
            return w[len(name) + 1:]
    return ""


def scheduler_config(objects):
    cm = find(objects, "ConfigMap", "notebook-scheduler-config")
    if not check(cm is not None, "no ConfigMap notebook-scheduler-config"):
        return {}
    return yaml.safe_load(cm["data"]["config.yaml"])


def nbsched_containers(objects):
    """Every (deployment, container) that runs the nbsched image's `serve`."""
    out = []
    for o in objects:
        if o["kind"] != "Deployment":
            continue
        for c in pod_spec(o).get("containers", []):
            if c["name"] == "nbsched":
                out.append((o, c))
    return out


def base_image():
    with open(os.path.join(MANIFESTS, "base", "kustomization.yaml")) as f:
        k = yaml.safe_load(f)
    images = [i for i in k.get("images", []) if i.get("name") == "nbsched"]
    if not check(len(images) == 1, "base kustomization.yaml: want one `images:` entry for nbsched"):
        return ""
    i = images[0]
    ref = i.get("newName", "nbsched")
    if "digest" in i:
        return ref + "@" + i["digest"]
    return ref + ":" + str(i["newTag"]) if "newTag" in i else ref


# ---- the objects of each render ------------------------------------------------------------

BASE_KINDS = {
    ("ServiceAccount", "nbsched"), ("ClusterRole", "nbsched"), ("ClusterRoleBinding", "nbsched"),
    ("ConfigMap", "nbsched-policy"), ("Deployment", "nbsched"), ("Service", "nbsched"),
    ("ServiceAccount", "notebook-scheduler"),
    ("ClusterRoleBinding", "notebook-scheduler-as-kube-scheduler"),
    ("ClusterRoleBinding", "notebook-scheduler-as-volume-scheduler"),
    ("Role", "notebook-scheduler-leader-election"),
    ("RoleBinding", "notebook-scheduler-leader-election"),
    ("ConfigMap", "notebook-scheduler-config"), ("Deployment", "notebook-scheduler"),
}
CERTS = {("Issuer", "nbsched-selfsigned"), ("Certificate", "nbsched-ca"),
         ("Issuer", "nbsched-ca"), ("Certificate", "nbsched-tls")}
WANT_KINDS = {
    "base": BASE_KINDS,
    "sidecar": BASE_KINDS - {("ServiceAccount", "nbsched"), ("Deployment", "nbsched"),
                             ("Service", "nbsched")},
    "tls": BASE_KINDS | CERTS,
    "gpu-sharing": BASE_KINDS,
}

# The extender entry of each render, beyond the base's (None: the key must be absent).
BASE_EXTENDER = {"urlPrefix": "http://nbsched:8888", "filterVerb": "filter",
                 "prioritizeVerb": "prioritize", "preemptVerb": "preempt", "weight": 1,
                 "nodeCacheCapable": True, "httpTimeout": "5s", "ignorable": False,
                 "managedResources": []}
WANT_EXTENDER = {
    "base": BASE_EXTENDER,
    "sidecar": dict(BASE_EXTENDER, urlPrefix="http://127.0.0.1:8888"),
    "tls": dict(BASE_EXTENDER, urlPrefix="https://nbsched:8888", enableHTTPS=True,
                tlsConfig={"caFile": "/etc/nbsched-ca/ca.crt"}),
    "gpu-sharing": dict(BASE_EXTENDER, bindVerb="bind", managedResources=[
        {"name": "nbsched.io/gpu-milli", "ignoredByScheduler": True}]),
}

# RBAC: group/resource:verb. nbsched reads what it models (§3) and measured usage (§11) and may
# create Bindings; the scheduler's own Role covers only its lease.
NBSCHED_GRANTS = {"%s/%s:%s" % (g, r, v)
                  for g, rs in [("", ["nodes", "pods", "services", "replicationcontrollers"]),
                                ("apps", ["replicasets", "statefulsets"])]
                  for r in rs for v in ["get", "list", "watch"]}
NBSCHED_GRANTS |= {"/pods/binding:create", "metrics.k8s.io/nodes:get",
                   "metrics.k8s.io/nodes:list", "metrics.k8s.io/pods:get",
                   "metrics.k8s.io/pods:list"}
LEASE_GRANTS = {"coordination.k8s.io/leases:create",
                "coordination.k8s.io/leases:get:notebook-scheduler",
                "coordination.k8s.io/leases:update:notebook-scheduler"}
BINDING_ROLES = {  # binding name -> (roleRef kind, roleRef name)
    "nbsched": ("ClusterRole", "nbsched"),
    "notebook-scheduler-as-kube-scheduler": ("ClusterRole", "system:kube-scheduler"),
    "notebook-scheduler-as-volume-scheduler": ("ClusterRole", "system:volume-scheduler"),
    "notebook-scheduler-leader-election": ("Role", "notebook-scheduler-leader-election"),
}


def grants(role):
    out = set()
    for rule in role.get("rules", []):
        check("nonResourceURLs" not in rule, "%s %s grants nonResourceURLs" % key(role))
        names = rule.get("resourceNames") or [None]
        for g in rule.get("apiGroups", []):
            for r in rule.get("resources", []):
                for v in rule.get("verbs", []):
                    for n in names:
                        out.add("%s/%s:%s" % (g, r, v) + (":" + n if n else ""))
    return out


def check_render(name, objects):
    where = "[%s] " % name
    got_kinds = {key(o) for o in objects}
    check(got_kinds == WANT_KINDS[name], where + "objects %s, want %s (extra %s, missing %s)" % (
        sorted(got_kinds), sorted(WANT_KINDS[name]), sorted(got_kinds - WANT_KINDS[name]),
        sorted(WANT_KINDS[name] - got_kinds)))
    check(len(got_kinds) == len(objects), where + "an object is defined twice")

    # Namespaces: the base's everywhere a namespace belongs.
    for o in objects:
        ns = o["metadata"].get("namespace")
        if o["kind"] in ("ClusterRole", "ClusterRoleBinding"):
            check(ns is None, where + "%s %s is cluster-scoped but names namespace %s" % (key(o) + (ns,)))
        else:
            check(ns == BASE_NAMESPACE, where + "%s %s in namespace %r" % (key(o) + (ns,)))

    # The scheduler configuration: the base's, except the extender fields of this render.
    config = scheduler_config(objects)
    check(config.get("kind") == "KubeSchedulerConfiguration", where + "not a KubeSchedulerConfiguration")
    check(config.get("apiVersion") == "kubescheduler.config.k8s.io/v1", where + "config apiVersion")
    check(config.get("leaderElection") == {"leaderElect": True, "resourceName": "notebook-scheduler"},
          where + "leaderElection %r (the namespace comes from the flag)" % config.get("leaderElection"))
    profiles = config.get("profiles", [])
    check(len(profiles) == 1 and profiles[0].get("schedulerName") == "notebook-scheduler"
          and profiles[0].get("percentageOfNodesToScore") == 100
          and profiles[0].get("plugins") == {"score": {"disabled": [{"name": "*"}]}},
          where + "profiles %r" % profiles)
    extenders = config.get("extenders", [])
    check(len(extenders) == 1 and extenders[0] == WANT_EXTENDER[name],
          where + "extenders %r, want [%r]" % (extenders, WANT_EXTENDER[name]))
    check(set(config) == {"apiVersion", "kind", "leaderElection", "profiles", "extenders"},
          where + "config keys %s" % sorted(config))

    # The kube-scheduler: its lease in its own namespace, probes, locked down, config mounted.
    scheduler = find(objects, "Deployment", "notebook-scheduler")
    ks = container(scheduler, "kube-scheduler") if scheduler else None
    if check(ks is not None, where + "no kube-scheduler container"):
        check(flag(ks, "--leader-elect-resource-namespace") == "$(POD_NAMESPACE)",
              where + "kube-scheduler lacks --leader-elect-resource-namespace=$(POD_NAMESPACE)")
        env = {e["name"]: e for e in ks.get("env", [])}
        check(env.get("POD_NAMESPACE", {}).get("valueFrom") ==
              {"fieldRef": {"fieldPath": "metadata.namespace"}},
              where + "POD_NAMESPACE is not the pod's metadata.namespace: %r" % env.get("POD_NAMESPACE"))
        check(flag(ks, "--authentication-skip-lookup") == "true",
              where + "kube-scheduler would look up kube-system's authentication ConfigMap")
        for probe in ("livenessProbe", "readinessProbe"):
            check(ks.get(probe, {}).get("httpGet") == {"path": "/healthz", "port": 10259, "scheme": "HTTPS"},
                  where + "kube-scheduler %s %r" % (probe, ks.get(probe)))
        mounts = {m["name"]: m for m in ks.get("volumeMounts", [])}
        volumes = {v["name"]: v for v in pod_spec(scheduler).get("volumes", [])}
        config_path = flag(ks, "--config")
        check(any(volumes.get(n, {}).get("configMap", {}).get("name") == "notebook-scheduler-config"
                  and m["mountPath"] + "/config.yaml" == config_path for n, m in mounts.items()),
              where + "--config %s is not the mounted notebook-scheduler-config" % config_path)
        if name == "tls":
            ca = extenders[0].get("tlsConfig", {}).get("caFile", "") if extenders else ""
            check(any(ca == m["mountPath"] + "/ca.crt" and volumes.get(n, {}).get("secret") ==
                      {"secretName": "nbsched-tls", "items": [{"key": "ca.crt", "path": "ca.crt"}]}
                      for n, m in mounts.items()),
                  where + "tlsConfig.caFile %s is not ca.crt of the nbsched-tls Secret" % ca)
        check(scheduler["spec"]["replicas"] == (2 if name == "sidecar" else 1),
              where + "notebook-scheduler replicas %r" % scheduler["spec"]["replicas"])

    # nbsched: where it runs, what it listens on, probes, policy mount, image.
    runs = nbsched_containers(objects)
    want_where = ["notebook-scheduler"] if name == "sidecar" else ["nbsched"]
    check([d["metadata"]["name"] for d, _ in runs] == want_where,
          where + "nbsched runs in %r, want %r" % ([d["metadata"]["name"] for d, _ in runs], want_where))
    image = base_image()
    for d, c in runs:
        what = where + "nbsched in %s: " % d["metadata"]["name"]
        check(c.get("args", [])[:1] == ["serve"] and "--in-cluster" in c.get("args", []),
              what + "args %r" % c.get("args"))
        check(flag(c, "--policy") == "/etc/nbsched/policy.yaml", what + "--policy")
        check(flag(c, "--listen") == "0.0.0.0:8888", what + "--listen %r" % flag(c, "--listen"))
        check(c.get("image") == image, what + "image %r, want the base's %r" % (c.get("image"), image))
        check({(p.get("name"), p.get("containerPort")) for p in c.get("ports", [])} == {("http", 8888)},
              what + "ports %r" % c.get("ports"))
        scheme = "HTTPS" if name == "tls" else None
        for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
            get = c.get(probe, {}).get("httpGet", {})
            check(get.get("path") == path and get.get("port") in ("http", 8888)
                  and get.get("scheme") == scheme, what + "%s %r" % (probe, c.get(probe)))
        tls = (flag(c, "--tls-cert"), flag(c, "--tls-key"))
        check(tls == (("/etc/nbsched-tls/tls.crt", "/etc/nbsched-tls/tls.key") if name == "tls" else ("", "")),
              what + "TLS flags %r" % (tls,))
        volumes = {v["name"]: v for v in pod_spec(d).get("volumes", [])}
        policy = [m for m in c.get("volumeMounts", [])
                  if volumes.get(m["name"], {}).get("configMap", {}).get("name") == "nbsched-policy"]
        check(len(policy) == 1 and policy[0]["mountPath"] == "/etc/nbsched"
              and "subPath" not in policy[0] and "subPathExpr" not in policy[0],
              what + "the policy ConfigMap is not mounted as the directory /etc/nbsched: %r" % policy)
        if name == "sidecar":
            check(WANT_EXTENDER[name]["urlPrefix"].endswith(":%d" % 8888), what + "urlPrefix port")
            check(d["spec"]["template"]["spec"].get("serviceAccountName") == "notebook-scheduler",
                  what + "service account")

    # Every container: non-root 65532, read-only root, no privilege escalation, no capability.
    for d in (o for o in objects if o["kind"] == "Deployment"):
        pod_sc = pod_spec(d).get("securityContext", {})
        for c in pod_spec(d)["containers"]:
            sc = c.get("securityContext", {})
            what = where + "%s/%s securityContext: " % (d["metadata"]["name"], c["name"])
            check(sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True, what + "runAsNonRoot")
            check(sc.get("runAsUser", pod_sc.get("runAsUser")) == 65532, what + "runAsUser")
            check(sc.get("readOnlyRootFilesystem") is True, what + "readOnlyRootFilesystem")
            check(sc.get("allowPrivilegeEscalation") is False, what + "allowPrivilegeEscalation")
            check(sc.get("capabilities", {}).get("drop") == ["ALL"] and not sc.get("capabilities", {}).get("add"),
                  what + "capabilities %r" % sc.get("capabilities"))
            check(sc.get("seccompProfile", pod_sc.get("seccompProfile")) == {"type": "RuntimeDefault"},
                  what + "seccompProfile")
            check(not sc.get("privileged"), what + "privileged")

    # RBAC: exactly these grants, these bindings, ServiceAccount subjects in the namespace.
    role = find(objects, "ClusterRole", "nbsched")
    if check(role is not None, where + "no ClusterRole nbsched"):
        got = grants(role)
        check(got == NBSCHED_GRANTS, where + "ClusterRole nbsched: extra %s, missing %s" % (
            sorted(got - NBSCHED_GRANTS), sorted(NBSCHED_GRANTS - got)))
    lease = find(objects, "Role", "notebook-scheduler-leader-election")
    if check(lease is not None, where + "no lease Role"):
        check(grants(lease) == LEASE_GRANTS, where + "lease Role grants %s" % sorted(grants(lease)))
    check({key(o) for o in objects if o["kind"] in ("ClusterRole", "Role")} ==
          {("ClusterRole", "nbsched"), ("Role", "notebook-scheduler-leader-election")},
          where + "unexpected roles")
    want_subject = "notebook-scheduler" if name == "sidecar" else "nbsched"
    for o in (o for o in objects if o["kind"] in ("ClusterRoleBinding", "RoleBinding")):
        n = o["metadata"]["name"]
        ref = o.get("roleRef", {})
        check((ref.get("kind"), ref.get("name")) == BINDING_ROLES.get(n), where + "%s %s roleRef %r" % (o["kind"], n, ref))
        sa = want_subject if n == "nbsched" else "notebook-scheduler"
        check(o.get("subjects") == [{"kind": "ServiceAccount", "name": sa, "namespace": BASE_NAMESPACE}],
              where + "%s %s subjects %r" % (o["kind"], n, o.get("subjects")))

    if name == "tls":
        cert = find(objects, "Certificate", "nbsched-tls")
        if check(cert is not None, where + "no Certificate nbsched-tls"):
            spec = cert["spec"]
            host = WANT_EXTENDER["tls"]["urlPrefix"].split("//")[1].split(":")[0]
            check(host in spec.get("dnsNames", []), where + "the certificate does not name %s" % host)
            check(spec.get("secretName") == "nbsched-tls", where + "certificate secret")
            check(spec.get("issuerRef", {}).get("name") == "nbsched-ca", where + "issuer")
        ca = find(objects, "Certificate", "nbsched-ca")
        check(ca is not None and ca["spec"].get("isCA") is True, where + "no CA Certificate")


# ---- `namespace: X` over each render -------------------------------------------------------

def strings(value):
    """Every string in a parsed object; embedded YAML documents (config.yaml, policy.yaml) parsed
    too, so their comments are aside."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)
    elif isinstance(value, str):
        if "\n" in value:
            try:
                embedded = list(yaml.safe_load_all(value))
            except yaml.YAMLError:
                embedded = None
            if embedded and all(isinstance(d, (dict, list)) for d in embedded):
                for d in embedded:
                    yield from strings(d)
                return
        yield value
    elif value is not None:
        yield str(value)


def check_namespace_override(name, directory, images=None):
    where = "[namespace: over %s] " % name
    other = "nbsched-elsewhere"
    with tempfile.TemporaryDirectory() as tmp:
        kustomization = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                         "namespace": other,
                         "resources": [os.path.relpath(directory, tmp)]}
        if images:
            kustomization["images"] = images
        with open(os.path.join(tmp, "kustomization.yaml"), "w") as f:
            yaml.safe_dump(kustomization, f)
        objects = render(tmp)
    check(len(objects) == len(WANT_KINDS[name]), where + "rendered %d objects" % len(objects))
    for o in objects:
        what = where + "%s %s: " % key(o)
        leftovers = [s for s in strings(o) if BASE_NAMESPACE in s]
        check(not leftovers, what + "still names %r: %r" % (BASE_NAMESPACE, leftovers))
        if o["kind"] not in ("ClusterRole", "ClusterRoleBinding"):
            check(o["metadata"].get("namespace") == other, what + "namespace %r" % o["metadata"].get("namespace"))
        for s in o.get("subjects", []):
            check(s.get("namespace") == other, what + "subject %r not in %s" % (s, other))
    scheduler = find(objects, "Deployment", "notebook-scheduler")
    if check(scheduler is not None, where + "no notebook-scheduler"):
        ks = container(scheduler, "kube-scheduler")
        check(flag(ks, "--leader-elect-resource-namespace") == "$(POD_NAMESPACE)", where + "lease namespace")
    return objects


def main():
    kubectl()
    base = render(os.path.join(MANIFESTS, "base"))
    check(render(MANIFESTS) == base, "`kubectl kustomize manifests/` differs from manifests/base")
    renders = {"base": base}
    for overlay in OVERLAYS:
        renders[overlay] = render(os.path.join(MANIFESTS, "overlays", overlay))
    for name, objects in renders.items():
        check_render(name, objects)
        directory = os.path.join(MANIFESTS, "base" if name == "base" else "overlays/" + name)
        check_namespace_override(name, directory)
    # The image, set once over the base, reaches every nbsched container (the sidecar's too).
    for name in ["base", "sidecar"]:
        directory = os.path.join(MANIFESTS, "base" if name == "base" else "overlays/" + name)
        objects = check_namespace_override(name, directory, images=[
            {"name": "nbsched", "newName": "registry.example.org/ml/nbsched", "newTag": "1.2.3"}])
        got = [c.get("image") for _, c in nbsched_containers(objects)]
        check(got == ["registry.example.org/ml/nbsched:1.2.3"], "[images: over %s] nbsched images %r" % (name, got))
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES), file=sys.stderr)
        return 1
    print("ok: base and overlays %s render and pass every check" % ", ".join(OVERLAYS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
