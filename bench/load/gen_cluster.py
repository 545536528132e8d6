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


def args_body(pod, names):
    return json.dumps({"Pod": pod, "Nodes": None, "NodeNames": names}, separators=(",", ":"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "bench-data"))
    parser.add_argument("--pod", default=os.path.join(ROOT, "examples", "notebook-pod.json"))
    a = parser.parse_args()
    os.makedirs(a.out, exist_ok=True)
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


if __name__ == "__main__":
    main()
