#!/usr/bin/env python3
"""Generates a cluster snapshot (a `kubectl get nodes,pods,services -o json` List) of N nodes and
the ExtenderArgs request bodies the load scripts POST.

The rules match bench/bench_schedule.cc: 16 labels per node, every 10th node a GPU node (4 GPUs,
tainted nvidia.com/gpu=present:NoSchedule), every 25th tainted hub.jupyter.org/dedicated=user:
NoSchedule (tolerated by the notebook pod), 10-30 running pods per node (3 DaemonSet pods, the
rest notebooks), JupyterHub's hub/proxy/proxy-public Services.

  bench/load/gen_cluster.py --nodes 5000 --out build/bench-data
writes cluster-5000.json, filter-5000.json (all node names) and prioritize-5000.json (the
nodes /filter keeps: all but the GPU nodes) into --out.

  bench/load/gen_cluster.py --varied --nodes 5000 --out build/bench-data
writes the varied cluster of bench_schedule's Z2jh* cases instead (VariedNode there: three zones,
a tainted control plane, tainted and labelled pools, GPU nodes with GPU Feature Discovery and
Node Feature Discovery labels, NotReady / pressure / cordoned nodes, ~12 running pods and 30
images per node, Services, ReplicaSets, a StatefulSet) as varied-cluster-5000.json, and for each
of bench/fixtures/z2jh-pod-{cpu,gpu}.json (the pod KubeSpawner sends under the chart's defaults)
varied-{cpu,gpu}-filter-5000.json and varied-{cpu,gpu}-prioritize-5000.json.

  bench/load/gen_cluster.py --varied --nodelist --nodes 5000 --out build/bench-data
also writes varied-cpu-nodelist-filter-5000.json: the full-NodeList mode's /filter body
(`nodeCacheCapable: false`), the z2jh CPU pod with all the varied nodes as Node objects
(`"Nodes": {"metadata": {}, "items": [...]}, "NodeNames": null`, 34 MB at 5,000 nodes).
"""

import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def node(i):
    name = f"node-{i}"
    gpu = i % 10 == 0
    dedicated = i % 25 == 0
    labels = {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "beta.kubernetes.io/arch": "amd64",
        "node.kubernetes.io/instance-type": "a2-highgpu-4g" if gpu else "n2-standard-32",
        "topology.kubernetes.io/region": "europe-west4",
        "topology.kubernetes.io/zone": "europe-west4-" + "abc"[i % 3],
        "node-role.kubernetes.io/worker": "",
        "hub.jupyter.org/node-purpose": "user",
        "cloud.google.com/gke-nodepool": "gpu-pool" if gpu else "user-pool",
        "cloud.google.com/gke-os-distribution": "cos",
        "cloud.google.com/machine-family": "a2" if gpu else "n2",
        "example.com/rack": f"rack-{i % 40}",
        "example.com/team": f"team-{i % 7}",
        "example.com/cost-center": f"cc-{i % 13}",
    }
    taints = []
    allocatable = {
        "cpu": "31850m",
        "memory": "126529216Ki",
        "pods": "110",
        "ephemeral-storage": "187136925387",
    }
    if gpu:
        labels["nvidia.com/gpu.product"] = "NVIDIA-A100-SXM4-40GB"
        taints.append({"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"})
        allocatable["nvidia.com/gpu"] = "4"
    if dedicated:
        taints.append({"key": "hub.jupyter.org/dedicated", "value": "user", "effect": "NoSchedule"})
    spec = {"taints": taints} if taints else {}
    conditions = [
        {"type": t, "status": s}
        for t, s in (("MemoryPressure", "False"), ("DiskPressure", "False"),
                     ("PIDPressure", "False"), ("Ready", "True"))
    ]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": labels},
        "spec": spec,
        "status": {"capacity": allocatable, "allocatable": allocatable, "conditions": conditions},
    }


def container(cpu, memory):
    return {"name": "c", "image": "i", "resources": {"requests": {"cpu": cpu, "memory": memory}}}


def pods(i):
    name = f"node-{i}"
    out = []
    for k in range(10 + (i * 7) % 21):
        uid = f"uid-{name}-{k}"
        if k < 3:
            daemon = ("kube-proxy", "node-exporter", "fluent-bit")[k]
            meta = {
                "name": f"{daemon}-{name}", "namespace": "kube-system", "uid": uid,
                "labels": {"k8s-app": daemon, "controller-revision-hash": "6d4b75cb6d"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet",
                                     "name": daemon, "uid": f"uid-{daemon}",
                                     "controller": True}],
            }
            spec = {"nodeName": name, "containers": [container("100m", "128Mi")]}
        else:
            user = f"user-{i}-{k}"
            meta = {
                "name": f"jupyter-{user}", "namespace": "jhub", "uid": uid,
                "labels": {"app": "jupyterhub", "component": "singleuser-server",
                           "release": "jhub", "hub.jupyter.org/username": user},
                "annotations": {"hub.jupyter.org/username": user},
            }
            spec = {"nodeName": name, "containers": [container("500m", "1Gi")]}
        out.append({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec,
                    "status": {"phase": "Running"}})
    return out


def services():
    return [{
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": c, "namespace": "jhub"},
        "spec": {"selector": {"app": "jupyterhub", "component": c}},
    } for c in ("hub", "proxy", "proxy-public")]


# ---- the varied cluster: the rules of VariedNode in bench/bench_schedule.cc ----

GPU_DISCOVERY_LABELS = {
    "nvidia.com/cuda.driver.major": "550", "nvidia.com/cuda.driver.minor": "90",
    "nvidia.com/cuda.driver.rev": "07", "nvidia.com/cuda.driver-version.full": "550.90.07",
    "nvidia.com/cuda.runtime.major": "12", "nvidia.com/cuda.runtime.minor": "4",
    "nvidia.com/cuda.runtime-version.full": "12.4", "nvidia.com/gfd.timestamp": "1733533200",
    "nvidia.com/gpu.compute.major": "8", "nvidia.com/gpu.compute.minor": "0",
    "nvidia.com/gpu.count": "4", "nvidia.com/gpu.deploy.container-toolkit": "true",
    "nvidia.com/gpu.deploy.dcgm": "true", "nvidia.com/gpu.deploy.dcgm-exporter": "true",
    "nvidia.com/gpu.deploy.device-plugin": "true", "nvidia.com/gpu.deploy.driver": "true",
    "nvidia.com/gpu.deploy.gpu-feature-discovery": "true",
    "nvidia.com/gpu.deploy.node-status-exporter": "true",
    "nvidia.com/gpu.deploy.operator-validator": "true", "nvidia.com/gpu.family": "ampere",
    "nvidia.com/gpu.machine": "a2-highgpu-4g", "nvidia.com/gpu.memory": "40960",
    "nvidia.com/gpu.present": "true", "nvidia.com/gpu.product": "NVIDIA-A100-SXM4-40GB",
    "nvidia.com/gpu.replicas": "1", "nvidia.com/gpu.sharing-strategy": "none",
    "nvidia.com/mig.capable": "true", "nvidia.com/mig.strategy": "single",
    "nvidia.com/mps.capable": "false",
    "feature.node.kubernetes.io/cpu-cpuid.ADX": "true",
    "feature.node.kubernetes.io/cpu-cpuid.AESNI": "true",
    "feature.node.kubernetes.io/cpu-cpuid.AVX": "true",
    "feature.node.kubernetes.io/cpu-cpuid.AVX2": "true",
    "feature.node.kubernetes.io/cpu-cpuid.AVX512F": "true",
    "feature.node.kubernetes.io/cpu-cpuid.FMA3": "true",
    "feature.node.kubernetes.io/cpu-hardware_multithreading": "true",
    "feature.node.kubernetes.io/cpu-model.family": "6",
    "feature.node.kubernetes.io/cpu-model.id": "85",
    "feature.node.kubernetes.io/cpu-model.vendor_id": "Intel",
    "feature.node.kubernetes.io/kernel-version.full": "6.1.100-cos",
    "feature.node.kubernetes.io/kernel-version.major": "6",
    "feature.node.kubernetes.io/kernel-version.minor": "1",
    "feature.node.kubernetes.io/pci-10de.present": "true",
    "feature.node.kubernetes.io/system-os_release.ID": "cos",
    "feature.node.kubernetes.io/system-os_release.VERSION_ID": "113",
}


def pool_of(i):
    if i < 3:
        return "control"
    r = i % 20
    if r == 0:
        return "gpu"
    if r == 1:
        return "core"
    if 2 <= r <= 5:
        return "user-dedicated"
    if r == 7:
        return "highmem"
    return "user"


def health_of(i, pool):
    """The unhealthy state of node i: not-ready, memory, disk, cordoned, prefer (a
    PreferNoSchedule taint, scored only) or None."""
    if pool == "control":
        return None
    for mod, rem, state in ((211, 17, "not-ready"), (157, 5, "memory"), (173, 9, "disk"),
                            (307, 11, "cordoned"), (97, 3, "prefer")):
        if i % mod == rem:
            return state
    return None


def images(i):
    """30 images per node, as the kubelet reports them (names and sizes)."""
    common = [
        "registry.k8s.io/kube-proxy:v1.31.2", "quay.io/prometheus/node-exporter:v1.8.2",
        "cr.fluentbit.io/fluent/fluent-bit:3.1.9", "registry.k8s.io/pause:3.10",
        "quay.io/jupyterhub/k8s-network-tools:4.0.0",
        "quay.io/jupyterhub/k8s-singleuser-sample:4.0.0",
        "quay.io/jupyterhub/k8s-image-awaiter:4.0.0",
    ]
    extra = [f"quay.io/jupyter/scipy-notebook:2024-{(i + k) % 12 + 1:02d}-{k + 1:02d}"
             for k in range(30 - len(common))]
    out = []
    for k, name in enumerate(common + extra):
        repo = name.rsplit(":", 1)[0]
        digest = f"{(i * 31 + k) % 16**8:08x}" * 8
        out.append({"names": [f"{repo}@sha256:{digest}", name],
                    "sizeBytes": 50_000_000 + 7_919 * k * (i % 97 + 1)})
    return out


def varied_node(i):
    name = f"node-{i}"
    pool = pool_of(i)
    gpu, control = pool == "gpu", pool == "control"
    zone = "europe-west4-" + "abc"[i % 3]
    itype = "n2-standard-8" if control else "a2-highgpu-4g" if gpu else "n2-standard-32"
    pool_name = {"control": "control-plane", "gpu": "gpu-pool", "core": "core-pool",
                 "highmem": "highmem-pool", "user-dedicated": "user-dedicated-pool",
                 "user": "user-pool"}[pool]
    labels = {
        "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
        "beta.kubernetes.io/arch": "amd64", "node.kubernetes.io/instance-type": itype,
        "beta.kubernetes.io/instance-type": itype,
        "topology.kubernetes.io/region": "europe-west4", "topology.kubernetes.io/zone": zone,
        "failure-domain.beta.kubernetes.io/region": "europe-west4",
        "failure-domain.beta.kubernetes.io/zone": zone,
        "cloud.google.com/gke-nodepool": pool_name,
        "cloud.google.com/gke-os-distribution": "cos",
        "cloud.google.com/machine-family": "a2" if gpu else "n2",
        "cloud.google.com/gke-boot-disk": "pd-balanced",
        "example.com/rack": f"rack-{i % 40}", "example.com/team": f"team-{i % 7}",
        "example.com/cost-center": f"cc-{i % 13}",
    }
    taints = []
    if control:
        labels["node-role.kubernetes.io/control-plane"] = ""
        taints.append({"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"})
    elif pool == "core":
        labels["hub.jupyter.org/node-purpose"] = "core"
    elif pool in ("user", "user-dedicated", "gpu"):
        labels["hub.jupyter.org/node-purpose"] = "user"
    if pool == "user-dedicated":
        taints.append({"key": "hub.jupyter.org/dedicated", "value": "user",
                       "effect": "NoSchedule"})
    if pool == "highmem":
        labels["example.com/highmem"] = "true"
        taints.append({"key": "example.com/highmem", "value": "true", "effect": "NoSchedule"})
    if gpu:
        labels.update(GPU_DISCOVERY_LABELS)
        taints.append({"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"})
    cpu, mem = (("7910m", "30817480Ki") if control else ("47450m", "350661352Ki") if gpu
                else ("31850m", "126529216Ki"))
    allocatable = {"cpu": cpu, "memory": mem, "pods": "110",
                   "ephemeral-storage": "187136925387"}
    if gpu:
        allocatable["nvidia.com/gpu"] = "4"
    cond = {"MemoryPressure": "False", "DiskPressure": "False", "PIDPressure": "False",
            "NetworkUnavailable": "False", "Ready": "True"}
    spec = {}
    health = health_of(i, pool)
    if health == "not-ready":
        cond["Ready"] = "False"
        taints += [{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"},
                   {"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"}]
    elif health == "memory":
        cond["MemoryPressure"] = "True"
        taints.append({"key": "node.kubernetes.io/memory-pressure", "effect": "NoSchedule"})
    elif health == "disk":
        cond["DiskPressure"] = "True"
        taints.append({"key": "node.kubernetes.io/disk-pressure", "effect": "NoSchedule"})
    elif health == "cordoned":
        spec["unschedulable"] = True
        taints.append({"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"})
    elif health == "prefer":
        taints.append({"key": "example.com/maintenance", "value": "soon",
                       "effect": "PreferNoSchedule"})
    if taints:
        spec["taints"] = taints
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": dict(sorted(labels.items()))},
        "spec": spec,
        "status": {"capacity": allocatable, "allocatable": allocatable,
                   "conditions": [{"type": t, "status": v} for t, v in cond.items()],
                   "images": images(i)},
    }


def pod_item(meta, node_name, requests, owner=None):
    if owner:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner[0], "name": owner[1],
                                    "uid": f"uid-{owner[1]}", "controller": True}]
    res = {"requests": requests} if requests else {}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"nodeName": node_name,
                     "containers": [{"name": "c", "image": "i", "resources": res}]},
            "status": {"phase": "Running"}}


def varied_pods(i):
    name = f"node-{i}"
    pool = pool_of(i)
    out = []
    daemons = [("kube-proxy", {"cpu": "100m"}), ("node-exporter", {"cpu": "10m", "memory": "24Mi"}),
               ("fluent-bit", {"cpu": "100m", "memory": "200Mi"})]
    if pool == "gpu":
        daemons.append(("nvidia-device-plugin", {"cpu": "50m", "memory": "64Mi"}))
    for app, req in daemons:
        out.append(pod_item({"name": f"{app}-{name}", "namespace": "kube-system",
                             "uid": f"uid-{name}-{app}",
                             "labels": {"k8s-app": app, "controller-revision-hash": "6d4b75cb6d",
                                        "pod-template-generation": "1"}},
                            name, req, ("DaemonSet", app)))
    if pool == "control":
        for c in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"):
            out.append(pod_item({"name": f"{c}-{name}", "namespace": "kube-system",
                                 "uid": f"uid-{name}-{c}",
                                 "labels": {"component": c, "tier": "control-plane"}},
                                name, {"cpu": "250m"}))
        return out
    if pool == "core" and i % 40 == 1:
        which = ("hub", "proxy", "prometheus")[(i // 40) % 3]
        owner = (("StatefulSet", "prometheus-server") if which == "prometheus"
                 else ("ReplicaSet", f"{which}-7d9c8b6f5d"))
        out.append(pod_item({"name": f"{which}-{name}",
                             "namespace": "monitoring" if which == "prometheus" else "jhub",
                             "uid": f"uid-{name}-core",
                             "labels": {"app": "prometheus" if which == "prometheus"
                                        else "jupyterhub", "component": which,
                                        "release": "jhub"}},
                            name, {"cpu": "200m", "memory": "512Mi"}, owner))
    if pool in ("core", "highmem"):
        return out
    gpu = pool == "gpu"
    for k in range(2 + i % 2 if gpu else 7 + i % 5):
        user = f"user-{i}-{k}"
        req = {"cpu": "4", "memory": "16G", "nvidia.com/gpu": "1"} if gpu else \
              {"cpu": "500m", "memory": "1G"}
        out.append(pod_item({
            "name": f"jupyter-{user}", "namespace": "jhub", "uid": f"uid-{name}-{k}",
            "labels": {"app": "jupyterhub", "chart": "jupyterhub-4.0.0",
                       "component": "singleuser-server", "heritage": "jupyterhub",
                       "hub.jupyter.org/network-access-hub": "true",
                       "hub.jupyter.org/servername": "", "hub.jupyter.org/username": user,
                       "release": "jhub"},
            "annotations": {"hub.jupyter.org/username": user}}, name, req))
    return out


def varied_workloads():
    out = services()
    for c in ("hub", "proxy", "user-scheduler"):
        out.append({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "metadata": {"name": f"{c}-7d9c8b6f5d", "namespace": "jhub"},
                    "spec": {"selector": {"matchLabels": {"app": "jupyterhub", "component": c}}}})
    out.append({"apiVersion": "apps/v1", "kind": "StatefulSet",
                "metadata": {"name": "prometheus-server", "namespace": "monitoring"},
                "spec": {"selector": {"matchLabels": {"app": "prometheus",
                                                      "component": "prometheus"}}}})
    out.append({"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "kube-dns", "namespace": "kube-system"},
                "spec": {"selector": {"k8s-app": "kube-dns"}}})
    return out


def varied_kept(i, profile):
    """Whether /filter keeps node i for the z2jh pod of `profile` (cpu or gpu)."""
    pool = pool_of(i)
    if health_of(i, pool) not in (None, "prefer"):
        return False
    if profile == "gpu":
        return pool == "gpu"  # nodeSelector on the GPU product; 1-2 of 4 GPUs free
    return pool in ("core", "user", "user-dedicated")


def args_body(pod, names):
    return json.dumps({"Pod": pod, "Nodes": None, "NodeNames": names}, separators=(",", ":"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "bench-data"))
    parser.add_argument("--pod", default=os.path.join(ROOT, "examples", "notebook-pod.json"))
    parser.add_argument("--varied", action="store_true",
                        help="the varied cluster and the z2jh pods (bench_schedule's Z2jh* cases)")
    parser.add_argument("--nodelist", action="store_true",
                        help="with --varied: also the full-NodeList /filter body of the CPU pod")
    a = parser.parse_args()
    os.makedirs(a.out, exist_ok=True)
    if a.varied:
        write_varied(a)
        return
    # Nodes first, then pods, as kubectl prints them.
    items = [node(i) for i in range(a.nodes)]
    for i in range(a.nodes):
        items.extend(pods(i))
    items.extend(services())
    cluster = {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""},
               "items": items}
    with open(os.path.join(a.out, f"cluster-{a.nodes}.json"), "w") as f:
        json.dump(cluster, f, separators=(",", ":"))
    with open(a.pod) as f:
        pod = json.load(f)
    names = [f"node-{i}" for i in range(a.nodes)]
    with open(os.path.join(a.out, f"filter-{a.nodes}.json"), "w") as f:
        f.write(args_body(pod, names))
    kept = [n for i, n in enumerate(names) if i % 10 != 0]  # GPU nodes' taint is not tolerated
    with open(os.path.join(a.out, f"prioritize-{a.nodes}.json"), "w") as f:
        f.write(args_body(pod, kept))
    print(f"{a.out}/cluster-{a.nodes}.json: {a.nodes} nodes, {len(items) - a.nodes - 3} pods",
          file=sys.stderr)


def write_varied(a):
    items = [varied_node(i) for i in range(a.nodes)]
    for i in range(a.nodes):
        items.extend(varied_pods(i))
    pods = len(items) - a.nodes
    items.extend(varied_workloads())
    cluster = {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""},
               "items": items}
    with open(os.path.join(a.out, f"varied-cluster-{a.nodes}.json"), "w") as f:
        json.dump(cluster, f, separators=(",", ":"))
    names = [f"node-{i}" for i in range(a.nodes)]
    for profile in ("cpu", "gpu"):
        with open(os.path.join(ROOT, "bench", "fixtures", f"z2jh-pod-{profile}.json")) as f:
            pod = json.load(f)
        with open(os.path.join(a.out, f"varied-{profile}-filter-{a.nodes}.json"), "w") as f:
            f.write(args_body(pod, names))
        kept = [n for i, n in enumerate(names) if varied_kept(i, profile)]
        with open(os.path.join(a.out, f"varied-{profile}-prioritize-{a.nodes}.json"), "w") as f:
            f.write(args_body(pod, kept))
        print(f"{profile}: /filter keeps {len(kept)} of {a.nodes}", file=sys.stderr)
        if a.nodelist and profile == "cpu":
            path = os.path.join(a.out, f"varied-cpu-nodelist-filter-{a.nodes}.json")
            with open(path, "w") as f:
                json.dump({"Pod": pod, "Nodes": {"metadata": {}, "items": items[:a.nodes]},
                           "NodeNames": None}, f, separators=(",", ":"))  # as Go writes it
            print(f"{path}: {os.path.getsize(path)} bytes", file=sys.stderr)
    print(f"{a.out}/varied-cluster-{a.nodes}.json: {a.nodes} nodes, {pods} pods", file=sys.stderr)


if __name__ == "__main__":
    main()
