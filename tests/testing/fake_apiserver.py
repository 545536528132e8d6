#!/usr/bin/env python3
"""A fake Kubernetes API server for nbsched's live-cluster tests and benchmark (stdlib only).

Serves lists with limit/continue pagination and chunked watch streams (replayed from the
resourceVersion the client sends, so a client that reconnects loses nothing) for nodes, pods,
services, replicationcontrollers, replicasets and statefulsets; records pods/binding POSTs.
Authentication: none, a bearer token (--token), or client certificates (--client-ca), over
plain HTTP or TLS (--tls-cert/--tls-key).

A second, plain-HTTP control port (no auth) drives it from the test:
  POST /_fake/event      {"type": "ADDED|MODIFIED|DELETED", "resource": "pods", "object": {...},
                          "silent": false}  -> {"resourceVersion": "N"}  (silent: the change
                          is stored but never sent on a watch, as if compacted away)
  POST /_fake/bookmark   {"resource": "pods"}   -> {"resourceVersion": "N"}
  POST /_fake/expire     compacts history: watches from older versions get 410, and open
                         watches receive an ERROR 410 event and end
  POST /_fake/drop       closes every open watch connection abruptly (no final chunk)
  POST /_fake/token      {"token": "..."}  the token required from now on
  POST /_fake/bind_fail  {"code": 409, "message": "..."} (code 0: bindings succeed again)
  GET  /_fake/bindings   the Binding bodies received, in order
  GET  /_fake/stats      {"lists": {...}, "watch_versions": {resource: [rv, ...]},
                          "metrics_gets": {"nodes": N, "pods": M}}

The metrics API (metrics.k8s.io/v1beta1, as metrics-server serves it through the API server):
GET /apis/metrics.k8s.io/v1beta1/nodes and .../pods answer a NodeMetricsList / PodMetricsList
of what the control port set; each sample's timestamp is the time of the GET minus its age
(metrics-server's samples are always a little old), window "30s".
  POST /_fake/metrics/node   {"name": "w1", "cpu": "1500m", "memory": "2Gi", "age_seconds": 0}
  POST /_fake/metrics/pod    {"namespace": "default", "name": "p", "age_seconds": 0,
                              "containers": [{"name": "c", "cpu": "250m", "memory": "1Gi"}]}
  POST /_fake/metrics/delete {"resource": "nodes"|"pods", "key": "w1" | "default/p"}
                             (no key: all of that resource)
  POST /_fake/metrics/mode   {"resource": "nodes"|"pods"|"all", "mode": "ok"|"503"|"garbage"|
                              "wrong_types"}  (503: a Status ServiceUnavailable, as the API
                              server answers while metrics-server is down; garbage: not JSON;
                              wrong_types: a list whose items have numbers where strings go)

Usage: fake_apiserver.py [--tls-cert F --tls-key F [--client-ca F]] [--token T]
                         [--nodes N --pods M [--pod-mix generic|z2jh --pod-template F]]
       fake_apiserver.py --make-certs DIR   (test CA, server and client certificates)
Prints "PORTS <api> <control>" on stdout once both ports listen.
"""

import argparse
import bisect
import json
import os
import socket
import ssl
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RESOURCES = {
    "/api/v1/nodes": ("nodes", "Node", "v1"),
    "/api/v1/pods": ("pods", "Pod", "v1"),
    "/api/v1/services": ("services", "Service", "v1"),
    "/api/v1/replicationcontrollers": ("replicationcontrollers", "ReplicationController", "v1"),
    "/apis/apps/v1/replicasets": ("replicasets", "ReplicaSet", "apps/v1"),
    "/apis/apps/v1/statefulsets": ("statefulsets", "StatefulSet", "apps/v1"),
}
KIND_OF = {r: (k, v) for (r, k, v) in RESOURCES.values()}


def status_body(code, reason, message):
    return json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {},
                       "status": "Failure", "message": message, "reason": reason,
                       "code": code})


class State:
    def __init__(self):
        self.cond = threading.Condition()
        self.rv = 0
        self.compacted = 0          # watches from a version below this get 410
        self.objects = {r: {} for r in KIND_OF}   # resource -> key -> JSON text
        self.log = []               # (rv, resource, type, JSON text), sorted by rv
        self.log_rvs = []
        self.drop_gen = 0
        self.expire_gen = 0
        self.token = None
        self.bind_fail = None       # (code, message)
        self.bindings = []
        self.lists = {r: 0 for r in KIND_OF}
        self.watch_versions = {r: [] for r in KIND_OF}
        self.metrics = {"nodes": {}, "pods": {}}    # key -> (item without timestamp, age)
        self.metrics_mode = {"nodes": "ok", "pods": "ok"}
        self.metrics_gets = {"nodes": 0, "pods": 0}

    @staticmethod
    def key_of(resource, obj):
        meta = obj.get("metadata", {})
        if resource == "nodes":
            return meta.get("name", "")
        return meta.get("namespace", "") + "/" + meta.get("name", "")

    def apply(self, etype, resource, obj, silent=False):
        """Stores a change and logs it for watchers; returns its resourceVersion."""
        with self.cond:
            self.rv += 1
            kind, api_version = KIND_OF[resource]
            obj.setdefault("kind", kind)
            obj.setdefault("apiVersion", api_version)
            obj.setdefault("metadata", {})["resourceVersion"] = str(self.rv)
            text = json.dumps(obj, separators=(",", ":"))
            key = self.key_of(resource, obj)
            if etype == "DELETED":
                self.objects[resource].pop(key, None)
            elif etype != "BOOKMARK":
                self.objects[resource][key] = text
            if not silent:
                self.log.append((self.rv, resource, etype, text))
                self.log_rvs.append(self.rv)
            self.cond.notify_all()
            return self.rv


STATE = State()

METRICS = {
    "/apis/metrics.k8s.io/v1beta1/nodes": ("nodes", "NodeMetricsList"),
    "/apis/metrics.k8s.io/v1beta1/pods": ("pods", "PodMetricsList"),
}


def rfc3339(unix_seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix_seconds))


def daemonset_pods(node, i):
    """The DaemonSet pods every node of a z2jh cluster runs: kube-proxy and a CNI agent
    (kube-system), and z2jh's continuous-image-puller (prePuller.continuous, on by default)."""
    def ds_pod(name, ns, ds, labels, containers, init, volumes, extra):
        labels = dict(labels, **{"controller-revision-hash": "7c9f5d8b4", "pod-template-generation": "1"})
        spec = {"nodeName": node, "schedulerName": "default-scheduler",
                "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchFields": [
                        {"key": "metadata.name", "operator": "In", "values": [node]}]}]}}},
                "tolerations": [{"operator": "Exists", "effect": "NoSchedule"},
                                {"operator": "Exists", "effect": "NoExecute"},
                                {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists",
                                 "effect": "NoSchedule"},
                                {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists",
                                 "effect": "NoSchedule"}],
                "containers": containers, "volumes": volumes}
        if init:
            spec["initContainers"] = init
        spec.update(extra)
        return {"kind": "Pod", "apiVersion": "v1",
                "metadata": {"name": "%s-%05d" % (name, i), "namespace": ns,
                             "uid": "uid-%s-%d" % (name, i), "resourceVersion": "1",
                             "creationTimestamp": "2026-12-01T00:00:00Z", "labels": labels,
                             "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet",
                                                  "name": ds, "uid": "uid-ds-" + ds,
                                                  "controller": True,
                                                  "blockOwnerDeletion": True}]},
                "spec": spec,
                "status": {"phase": "Running", "hostIP": "10.128.%d.%d" % (i // 256, i % 256),
                           "podIP": "10.128.%d.%d" % (i // 256, i % 256), "qosClass": "Burstable"}}

    host_path = lambda name, path, t=None: {"name": name, "hostPath": dict(
        {"path": path}, **({"type": t} if t else {}))}
    proxy = ds_pod("kube-proxy", "kube-system", "kube-proxy", {"k8s-app": "kube-proxy"},
                   [{"name": "kube-proxy", "image": "registry.k8s.io/kube-proxy:v1.29.4",
                     "command": ["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf",
                                 "--hostname-override=$(NODE_NAME)"],
                     "resources": {"requests": {"cpu": "100m"}},
                     "securityContext": {"privileged": True}}],
                   None,
                   [{"name": "kube-proxy", "configMap": {"name": "kube-proxy", "defaultMode": 420}},
                    host_path("xtables-lock", "/run/xtables.lock", "FileOrCreate"),
                    host_path("lib-modules", "/lib/modules"),
                    {"name": "kube-api-access-x7k2p", "projected": {"sources": []}}],
                   {"hostNetwork": True, "priorityClassName": "system-node-critical",
                    "priority": 2000001000})
    cni = ds_pod("calico-node", "kube-system", "calico-node", {"k8s-app": "calico-node"},
                 [{"name": "calico-node", "image": "docker.io/calico/node:v3.27.3",
                   "resources": {"requests": {"cpu": "250m"}},
                   "ports": [{"containerPort": 9091, "hostPort": 9091, "name": "http-metrics",
                              "protocol": "TCP"}]}],
                 [{"name": "upgrade-ipam", "image": "docker.io/calico/cni:v3.27.3",
                   "resources": {}},
                  {"name": "install-cni", "image": "docker.io/calico/cni:v3.27.3",
                   "resources": {}}],
                 [host_path("lib-modules", "/lib/modules"),
                  host_path("var-run-calico", "/var/run/calico"),
                  host_path("var-lib-calico", "/var/lib/calico"),
                  host_path("xtables-lock", "/run/xtables.lock", "FileOrCreate"),
                  host_path("cni-bin-dir", "/opt/cni/bin"),
                  host_path("cni-net-dir", "/etc/cni/net.d"),
                  {"name": "kube-api-access-9qv4m", "projected": {"sources": []}}],
                 {"hostNetwork": True, "priorityClassName": "system-node-critical",
                  "priority": 2000001000, "serviceAccountName": "calico-node"})
    puller = ds_pod("continuous-image-puller", "jhub", "continuous-image-puller",
                    {"app": "jupyterhub", "component": "continuous-image-puller",
                     "release": "jhub"},
                    [{"name": "pause", "image": "registry.k8s.io/pause:3.9",
                      "resources": {}}],
                    [{"name": "image-pull-metadata-block",
                      "image": "quay.io/jupyterhub/k8s-network-tools:4.0.0",
                      "command": ["/bin/sh", "-c", "echo \"Pulling complete\""],
                      "resources": {}},
                     {"name": "image-pull-singleuser",
                      "image": "quay.io/jupyterhub/k8s-singleuser-sample:4.0.0",
                      "command": ["/bin/sh", "-c", "echo \"Pulling complete\""],
                      "resources": {}}],
                    [],
                    {"automountServiceAccountToken": False,
                     "terminationGracePeriodSeconds": 0})
    return [proxy, cni, puller]


def notebook_pod(template, node, i):
    """A user server as KubeSpawner builds it under z2jh's defaults (the fixture), for user
    `i`, running on `node`."""
    text = template.replace("dave", "user%05d" % i).replace(
        "5c1e8b0a-3f2d-4e6b-9a7c-000000000001", "5c1e8b0a-3f2d-4e6b-9a7c-%012d" % i)
    obj = json.loads(text)
    obj["spec"]["nodeName"] = node
    obj["status"] = {"phase": "Running", "hostIP": "10.128.0.1",
                     "podIP": "10.0.%d.%d" % (i // 256 % 256, i % 256), "qosClass": "Burstable"}
    return obj


def generate(nodes, pods, mix="generic", pod_template=None):
    """Bulk objects for the benchmark: realistic-looking nodes and running pods. Pods of mix
    "generic": one Deployment-like pod shape; of mix "z2jh": three DaemonSet pods per node (as
    far as `pods` goes), the rest user notebook servers built from `pod_template` (KubeSpawner's
    pod under z2jh's defaults), spread round-robin over the nodes."""
    node_names = []
    for i in range(nodes):
        name = "node-%05d" % i
        node_names.append(name)
        obj = {
            "kind": "Node", "apiVersion": "v1",
            "metadata": {"name": name, "uid": "uid-node-%d" % i,
                         "labels": {"kubernetes.io/hostname": name,
                                    "kubernetes.io/os": "linux",
                                    "topology.kubernetes.io/zone": "zone-%d" % (i % 3),
                                    "node.kubernetes.io/instance-type": "n2-standard-64",
                                    "nvidia.com/gpu.product": "Tesla-T4" if i % 4 == 0 else ""},
                         "annotations": {"node.alpha.kubernetes.io/ttl": "0"}},
            "spec": {"podCIDR": "10.%d.%d.0/24" % (i // 256, i % 256)},
            "status": {
                "capacity": {"cpu": "64", "memory": "263921212Ki", "pods": "110",
                             "ephemeral-storage": "101445540Ki", "nvidia.com/gpu": "4"},
                "allocatable": {"cpu": "63800m", "memory": "257790012Ki", "pods": "110",
                                "ephemeral-storage": "93492209510", "nvidia.com/gpu": "4"},
                "conditions": [{"type": t, "status": s, "reason": "KubeletReady",
                                "message": "kubelet is posting ready status",
                                "lastHeartbeatTime": "2024-05-01T10:00:00Z",
                                "lastTransitionTime": "2024-05-01T10:00:00Z"}
                               for t, s in (("MemoryPressure", "False"),
                                            ("DiskPressure", "False"),
                                            ("PIDPressure", "False"), ("Ready", "True"))],
                "nodeInfo": {"kubeletVersion": "v1.29.4", "osImage": "Debian GNU/Linux 12"}}}
        STATE.apply("ADDED", "nodes", obj, silent=True)
    if mix == "z2jh":
        template = open(pod_template).read()
        count = 0
        for i in range(nodes):
            for obj in daemonset_pods(node_names[i], i):
                if count < pods:
                    STATE.apply("ADDED", "pods", obj, silent=True)
                    count += 1
        user = 0
        while count < pods:
            obj = notebook_pod(template, node_names[user % nodes] if nodes else "", user)
            STATE.apply("ADDED", "pods", obj, silent=True)
            user += 1
            count += 1
        return
    for i in range(pods):
        app = "app-%d" % (i % 200)
        obj = {
            "kind": "Pod", "apiVersion": "v1",
            "metadata": {"name": "pod-%06d" % i, "namespace": "ns-%d" % (i % 20),
                         "uid": "uid-pod-%d" % i,
                         "labels": {"app": app, "pod-template-hash": "6d4cf56db6"},
                         "annotations": {"kubectl.kubernetes.io/restartedAt": "2024-05-01"},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                              "name": app + "-6d4cf56db6",
                                              "uid": "uid-rs-%d" % (i % 200),
                                              "controller": True}]},
            "spec": {"nodeName": node_names[i % nodes] if nodes else "",
                     "schedulerName": "default-scheduler",
                     "containers": [{"name": "main", "image": "registry.example/app:1.0",
                                     "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                                     "resources": {"requests": {"cpu": "250m", "memory": "512Mi"},
                                                   "limits": {"cpu": "1", "memory": "1Gi"}}}],
                     "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                                      "effect": "NoExecute", "tolerationSeconds": 300},
                                     {"key": "node.kubernetes.io/unreachable",
                                      "operator": "Exists", "effect": "NoExecute",
                                      "tolerationSeconds": 300}],
                     "volumes": [{"name": "kube-api-access", "projected": {"sources": []}}]},
            "status": {"phase": "Running", "podIP": "10.0.%d.%d" % (i // 256 % 256, i % 256),
                       "qosClass": "Burstable"}}
        STATE.apply("ADDED", "pods", obj, silent=True)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def reply(self, code, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    # ---- API ----

    def authorized(self):
        with STATE.cond:
            token = STATE.token
        if token is None:
            return True
        if self.headers.get("Authorization") == "Bearer " + token:
            return True
        self.reply(401, status_body(401, "Unauthorized", "Unauthorized"))
        return False

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if self.server.control:
            return self.control_get(url.path)
        if not self.authorized():
            return
        if url.path in METRICS:
            return self.metrics_list(*METRICS[url.path])
        if url.path not in RESOURCES:
            return self.reply(404, status_body(404, "NotFound", "the server could not find "
                                               "the requested resource"))
        resource, kind, api_version = RESOURCES[url.path]
        if query.get("watch") in ("true", "1"):
            return self.watch(resource, query)
        limit = int(query.get("limit") or 0)
        offset = int(query.get("continue") or 0)
        with STATE.cond:
            STATE.lists[resource] += 1
            keys = sorted(STATE.objects[resource])
            end = len(keys) if limit <= 0 else min(len(keys), offset + limit)
            items = [STATE.objects[resource][k] for k in keys[offset:end]]
            rv = STATE.rv
        meta = {"resourceVersion": str(rv)}
        if end < len(keys):
            meta["continue"] = str(end)
        body = ('{"kind":"%sList","apiVersion":"%s","metadata":%s,"items":[%s]}' %
                (kind, api_version, json.dumps(meta), ",".join(items)))
        self.reply(200, body)

    def metrics_list(self, resource, kind):
        now = time.time()
        with STATE.cond:
            STATE.metrics_gets[resource] += 1
            mode = STATE.metrics_mode[resource]
            items = [dict(item, timestamp=rfc3339(now - age), window="30s")
                     for _, (item, age) in sorted(STATE.metrics[resource].items())]
        if mode == "503":
            return self.reply(503, status_body(503, "ServiceUnavailable",
                                               "the server is currently unable to handle "
                                               "the request"))
        if mode == "garbage":
            return self.reply(200, '{"kind": "%s", "items": [{"metadata": ' % kind)
        if mode == "wrong_types":
            items = [{"metadata": {"name": 7}, "timestamp": 12, "window": "30s",
                      "usage": {"cpu": 1, "memory": 2}, "containers": {"cpu": 1}}]
            return self.reply(200, json.dumps({"kind": kind, "apiVersion": "v1",
                                               "metadata": {}, "items": "not a list"
                                               if resource == "pods" else items}))
        self.reply(200, json.dumps({"kind": kind, "apiVersion": "metrics.k8s.io/v1beta1",
                                    "metadata": {}, "items": items}))

    def write_chunk(self, text):
        data = text.encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def watch(self, resource, query):
        from_rv = int(query.get("resourceVersion") or 0)
        timeout = float(query.get("timeoutSeconds") or 300)
        with STATE.cond:
            STATE.watch_versions[resource].append(str(from_rv))
            too_old = from_rv < STATE.compacted
            drop_gen, expire_gen = STATE.drop_gen, STATE.expire_gen
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        expired = json.dumps({"type": "ERROR", "object": json.loads(status_body(
            410, "Expired", "too old resource version: %d (%d)" % (from_rv, STATE.compacted)))})
        if too_old:
            self.write_chunk(expired + "\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        deadline = time.monotonic() + timeout
        pos = from_rv
        while True:
            with STATE.cond:
                while True:
                    if STATE.drop_gen != drop_gen:
                        self.close_connection = True
                        try:
                            self.connection.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass
                        return
                    if STATE.expire_gen != expire_gen:
                        events = None
                        break
                    start = bisect.bisect_right(STATE.log_rvs, pos)
                    events = [e for e in STATE.log[start:] if e[1] == resource]
                    if events:
                        pos = STATE.log[-1][0]
                        break
                    pos = max(pos, STATE.log_rvs[-1] if STATE.log_rvs else pos)
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    STATE.cond.wait(remaining)
            if events is None:
                self.write_chunk(expired + "\n")
                break
            if not events:
                break
            for (_, _, etype, text) in events:
                self.write_chunk('{"type":"%s","object":%s}\n' % (etype, text))
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        body = self.read_body()
        if self.server.control:
            return self.control_post(url.path, body)
        if not self.authorized():
            return
        parts = url.path.strip("/").split("/")
        # api v1 namespaces {ns} pods {name} binding
        if len(parts) == 7 and parts[:3] == ["api", "v1", "namespaces"] and \
                parts[4] == "pods" and parts[6] == "binding":
            return self.bind(parts[3], parts[5], body)
        self.reply(405, status_body(405, "MethodNotAllowed", "method not allowed"))

    def bind(self, namespace, name, body):
        binding = json.loads(body or b"{}")
        with STATE.cond:
            STATE.bindings.append(binding)
            fail = STATE.bind_fail
            pod_text = STATE.objects["pods"].get(namespace + "/" + name)
        if fail:
            return self.reply(fail[0], status_body(fail[0], "Conflict", fail[1]))
        if pod_text is None:
            return self.reply(404, status_body(404, "NotFound",
                                               'pods "%s" not found' % name))
        pod = json.loads(pod_text)
        if pod.get("spec", {}).get("nodeName"):
            msg = ('Operation cannot be fulfilled on pods/binding "%s": pod %s is already '
                   'assigned to node "%s"' % (name, name, pod["spec"]["nodeName"]))
            return self.reply(409, status_body(409, "Conflict", msg))
        pod.setdefault("spec", {})["nodeName"] = binding.get("target", {}).get("name", "")
        annotations = binding.get("metadata", {}).get("annotations") or {}
        if annotations:
            pod["metadata"].setdefault("annotations", {}).update(annotations)
        STATE.apply("MODIFIED", "pods", pod)
        self.reply(201, json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {},
                                    "status": "Success", "code": 201}))

    # ---- control ----

    def control_get(self, path):
        with STATE.cond:
            if path == "/_fake/bindings":
                return self.reply(200, json.dumps(STATE.bindings))
            if path == "/_fake/stats":
                return self.reply(200, json.dumps({"lists": STATE.lists,
                                                   "watch_versions": STATE.watch_versions,
                                                   "metrics_gets": STATE.metrics_gets,
                                                   "resourceVersion": str(STATE.rv)}))
        self.reply(404, "{}")

    def control_post(self, path, body):
        req = json.loads(body or b"{}")
        if path == "/_fake/event":
            rv = STATE.apply(req["type"], req["resource"], req["object"],
                             silent=req.get("silent", False))
            return self.reply(200, json.dumps({"resourceVersion": str(rv)}))
        if path == "/_fake/bookmark":
            kind, api_version = KIND_OF[req["resource"]]
            rv = STATE.apply("BOOKMARK", req["resource"],
                             {"kind": kind, "apiVersion": api_version, "metadata": {}})
            return self.reply(200, json.dumps({"resourceVersion": str(rv)}))
        if path.startswith("/_fake/metrics/"):
            return self.control_metrics(path, req)
        with STATE.cond:
            if path == "/_fake/expire":
                STATE.compacted = STATE.rv
                STATE.expire_gen += 1
            elif path == "/_fake/drop":
                STATE.drop_gen += 1
            elif path == "/_fake/token":
                STATE.token = req["token"]
            elif path == "/_fake/bind_fail":
                STATE.bind_fail = (req["code"], req.get("message", "")) if req["code"] else None
            else:
                return self.reply(404, "{}")
            STATE.cond.notify_all()
        self.reply(200, "{}")

    def control_metrics(self, path, req):
        with STATE.cond:
            if path == "/_fake/metrics/node":
                item = {"metadata": {"name": req["name"], "labels": {
                            "kubernetes.io/hostname": req["name"]}},
                        "usage": {"cpu": req["cpu"], "memory": req["memory"]}}
                STATE.metrics["nodes"][req["name"]] = (item, req.get("age_seconds", 0))
            elif path == "/_fake/metrics/pod":
                key = req["namespace"] + "/" + req["name"]
                item = {"metadata": {"name": req["name"], "namespace": req["namespace"]},
                        "containers": [{"name": c["name"], "usage": {"cpu": c["cpu"],
                                                                     "memory": c["memory"]}}
                                       for c in req.get("containers", [])]}
                STATE.metrics["pods"][key] = (item, req.get("age_seconds", 0))
            elif path == "/_fake/metrics/delete":
                if "key" in req:
                    STATE.metrics[req["resource"]].pop(req["key"], None)
                else:
                    STATE.metrics[req["resource"]].clear()
            elif path == "/_fake/metrics/mode":
                for r in (("nodes", "pods") if req["resource"] == "all" else (req["resource"],)):
                    STATE.metrics_mode[r] = req["mode"]
            else:
                return self.reply(404, "{}")
        self.reply(200, "{}")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, control, ssl_context=None):
        self.control = control
        self.ssl_context = ssl_context
        super().__init__(("127.0.0.1", 0), Handler)

    def get_request(self):
        sock, addr = super().get_request()
        if self.ssl_context is not None:
            sock = self.ssl_context.wrap_socket(sock, server_side=True,
                                                do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        pass  # dropped connections and failed handshakes are expected


def make_certs(directory):
    os.makedirs(directory, exist_ok=True)

    def run(*args):
        subprocess.run(["openssl", *args], cwd=directory, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=nbsched-test-ca")
    for name, ext in (("server", "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                 "extendedKeyUsage=serverAuth\n"),
                      ("client", "extendedKeyUsage=clientAuth\n")):
        with open(os.path.join(directory, name + ".ext"), "w") as f:
            f.write(ext)
        run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=nbsched-" + name)
        run("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", name + ".crt", "-days", "2", "-extfile", name + ".ext")
    # A second CA that signed nothing: a client trusting only it must fail the handshake.
    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "other-ca.key", "-out", "other-ca.crt", "-days", "2", "-subj", "/CN=other")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--client-ca")
    parser.add_argument("--token")
    parser.add_argument("--nodes", type=int, default=0)
    parser.add_argument("--pods", type=int, default=0)
    parser.add_argument("--pod-mix", choices=("generic", "z2jh"), default="generic")
    parser.add_argument("--pod-template")
    parser.add_argument("--make-certs")
    args = parser.parse_args()
    if args.make_certs:
        make_certs(args.make_certs)
        print("CERTS " + args.make_certs, flush=True)
        return
    STATE.token = args.token
    generate(args.nodes, args.pods, args.pod_mix, args.pod_template)
    context = None
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        if args.client_ca:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(args.client_ca)
    api = Server(False, context)
    control = Server(True)
    for server in (api, control):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print("PORTS %d %d" % (api.server_address[1], control.server_address[1]), flush=True)
    threading.Event().wait()  # until SIGTERM


if __name__ == "__main__":
    main()
