#!/usr/bin/python3
"""Static checks of examples/jupyterhub/: values.yaml against the Zero to JupyterHub chart's
values schema and KubeSpawner's options, and its storage against the objects of nfs.yaml.

- every key of values.yaml is one the chart's values.schema.yaml declares (z2jh 3.x/4.x; the
  schema forbids unknown keys, so helm would refuse a typo), with the schema's types for the
  leaves used here; profile overrides use KubeSpawner traits only;
- nfs.yaml parses, each object has apiVersion/kind/metadata.name, namespaced ones carry no
  namespace (they follow `kubectl apply -n`, like manifests/);
- the home storage names a StorageClass (or PVC) of nfs.yaml; every extra volume claim is a PVC
  of nfs.yaml, bound to its PersistentVolume (same class, access modes, enough capacity, an
  NFS export); every mount names a declared volume at its own path; one shared NFS folder is
  ReadWriteMany and no profile override drops it;
- the hub's Secrets (extraEnv secretKeyRef, secret volumes) are the ones README.md tells the
  admin to create.

Run with Debian's /usr/bin/python3 (python3-yaml). Exit 0 pass, 1 fail.
"""

import os
import re
import sys

try:
    import yaml
except ImportError as e:
    print(f"FAIL: {e}: run with /usr/bin/python3 and install python3-yaml")
    sys.exit(1)

OPEN = "open"  # the schema allows any content below (additionalProperties: true, or a list)

# The part of z2jh's values.schema.yaml this folder uses (read from
# jupyterhub/zero-to-jupyterhub-k8s, jupyterhub/values.schema.yaml). Leaves name their type.
SCHEMA = {
    "hub": {
        "config": OPEN,
        "extraEnv": OPEN,
        "extraConfig": OPEN,
        "extraVolumes": list,
        "extraVolumeMounts": list,
        "existingSecret": (str, type(None)),
    },
    "scheduling": {"userScheduler": {"enabled": bool}},
    "singleuser": {
        "extraPodConfig": OPEN,
        "cpu": {"limit": (int, float, type(None)), "guarantee": (int, float, type(None))},
        "memory": {"limit": (int, float, str, type(None)),
                   "guarantee": (int, float, str, type(None))},
        "profileList": list,
        "fsGid": (int, type(None)),
        "nodeSelector": OPEN,
        "extraTolerations": list,
        "storage": {
            "type": ("dynamic", "static", "none"),
            "capacity": (str, type(None)),
            "homeMountPath": str,
            "dynamic": {
                "pvcNameTemplate": (str, type(None)),
                "volumeNameTemplate": (str, type(None)),
                "storageClass": (str, type(None)),
                "storageAccessModes": list,
            },
            "static": {"pvcName": (str, type(None)), "subPath": (str, type(None))},
            "extraLabels": OPEN,
            "extraVolumes": list,
            "extraVolumeMounts": list,
        },
    },
}

# KubeSpawner traits a profile's kubespawner_override may set (KubeSpawner's documented
# options; the subset that makes sense per profile).
KUBESPAWNER_TRAITS = {
    "image", "image_pull_policy", "cpu_guarantee", "cpu_limit", "mem_guarantee", "mem_limit",
    "extra_resource_guarantees", "extra_resource_limits", "node_selector", "tolerations",
    "node_affinity_required", "node_affinity_preferred", "extra_pod_config", "volumes",
    "volume_mounts", "environment", "extra_labels", "extra_annotations", "default_url", "cmd",
    "args", "uid", "gid", "fs_gid", "supplemental_gids", "lifecycle_hooks", "init_containers",
    "extra_containers", "storage_class", "storage_capacity", "service_account",
    "priority_class_name", "scheduler_name",
}
PROFILE_KEYS = {"display_name", "slug", "description", "default", "kubespawner_override",
                "profile_options"}
ACCESS_MODES = {"ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"}
NAMESPACED = {"PersistentVolumeClaim", "Secret", "ConfigMap"}


class Checks:
    def __init__(self):
        self.failures = []
        self.count = 0

    def expect(self, ok, what):
        self.count += 1
        if not ok:
            self.failures.append(what)
        print(f"{'ok  ' if ok else 'FAIL'} {what}")
        return ok


def walk_schema(checks, node, schema, path):
    for key, value in node.items():
        where = f"{path}.{key}" if path else key
        if key not in schema:
            checks.expect(False, f"{where} is a key of z2jh's values schema")
            continue
        rule = schema[key]
        if rule is OPEN:
            continue
        if isinstance(rule, dict):
            if checks.expect(isinstance(value, dict), f"{where} is a map"):
                walk_schema(checks, value, rule, where)
        elif isinstance(rule, tuple) and all(isinstance(r, str) for r in rule):
            checks.expect(value in rule, f"{where} is one of {list(rule)} (is {value!r})")
        else:
            checks.expect(has_type(value, rule),
                          f"{where} has the schema's type (is {type(value).__name__})")


def has_type(value, rule):
    types = rule if isinstance(rule, tuple) else (rule,)
    if isinstance(value, bool):  # a bool is an int to isinstance, not to JSON schema
        return bool in types
    return isinstance(value, types)


def quantity(q):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?", str(q))
    if not m:
        return None
    scale = {None: 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15,
             "E": 10**18, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50,
             "Ei": 2**60}[m.group(2)]
    return float(m.group(1)) * scale


def check_objects(checks, objects):
    by_kind = {}
    for i, obj in enumerate(objects):
        name = ((obj or {}).get("metadata") or {}).get("name")
        ok = checks.expect(isinstance(obj, dict) and obj.get("apiVersion") and obj.get("kind")
                           and name, f"nfs.yaml object #{i} has apiVersion, kind, metadata.name")
        if not ok:
            continue
        if obj["kind"] in NAMESPACED:
            checks.expect("namespace" not in obj["metadata"],
                          f"{obj['kind']}/{name} carries no namespace (follows kubectl -n)")
        by_kind.setdefault(obj["kind"], {})[name] = obj
    return by_kind


def check_pvc(checks, claim, by_kind, want_modes=None):
    """The PVC exists in nfs.yaml and can bind to NFS storage there; returns the PVC or None."""
    pvcs = by_kind.get("PersistentVolumeClaim", {})
    if not checks.expect(claim in pvcs, f"claim {claim} is a PersistentVolumeClaim of nfs.yaml"):
        return None
    spec = pvcs[claim].get("spec") or {}
    modes = spec.get("accessModes") or []
    checks.expect(modes and set(modes) <= ACCESS_MODES, f"PVC {claim} has valid accessModes")
    if want_modes:
        checks.expect(set(want_modes) <= set(modes), f"PVC {claim} is {want_modes}")
    request = quantity(((spec.get("resources") or {}).get("requests") or {}).get("storage"))
    checks.expect(request, f"PVC {claim} requests a storage quantity")
    klass = spec.get("storageClassName")
    classes = by_kind.get("StorageClass", {})
    if klass and klass in classes:
        checks.expect(classes[klass].get("provisioner") == "nfs.csi.k8s.io",
                      f"PVC {claim}'s StorageClass {klass} is the NFS CSI driver's")
        return pvcs[claim]
    # Static binding: class "" (an unset class would get the cluster's default StorageClass).
    checks.expect(klass == "", f"PVC {claim} sets storageClassName \"\" for a static NFS PV")
    pv_name = spec.get("volumeName")
    pvs = by_kind.get("PersistentVolume", {})
    if not checks.expect(pv_name in pvs, f"PVC {claim}.volumeName {pv_name} is a PV of nfs.yaml"):
        return pvcs[claim]
    pv = pvs[pv_name].get("spec") or {}
    checks.expect(pv.get("storageClassName", "") == klass,
                  f"PV {pv_name} has the PVC's storageClassName {klass!r}")
    checks.expect(set(modes) <= set(pv.get("accessModes") or []),
                  f"PV {pv_name} offers PVC {claim}'s accessModes {modes}")
    capacity = quantity((pv.get("capacity") or {}).get("storage"))
    checks.expect(capacity and request and capacity >= request,
                  f"PV {pv_name} capacity covers PVC {claim}'s request")
    nfs = pv.get("nfs") or {}
    csi = pv.get("csi") or {}
    checks.expect((nfs.get("server") and str(nfs.get("path", "")).startswith("/")) or
                  csi.get("driver") == "nfs.csi.k8s.io",
                  f"PV {pv_name} is an NFS export (server and absolute path)")
    claim_ref = pv.get("claimRef")
    if claim_ref:
        checks.expect(claim_ref.get("name") == claim, f"PV {pv_name}.claimRef names {claim}")
    return pvcs[claim]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    folder = os.path.join(here, "..", "..", "examples", "jupyterhub")
    values_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(folder, "values.yaml")
    nfs_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(folder, "nfs.yaml")
    readme_path = sys.argv[3] if len(sys.argv) > 3 else os.path.join(folder, "README.md")
    with open(values_path) as f:
        values = yaml.safe_load(f)
    with open(nfs_path) as f:
        objects = list(yaml.safe_load_all(f))
    with open(readme_path) as f:
        readme = f.read()
    checks = Checks()

    # Keys against the chart's schema and KubeSpawner's traits.
    walk_schema(checks, values, SCHEMA, "")
    singleuser = values.get("singleuser") or {}
    for i, profile in enumerate(singleuser.get("profileList") or []):
        slug = profile.get("slug", i)
        extra = set(profile) - PROFILE_KEYS
        checks.expect(not extra, f"profile {slug} uses only profile keys (extra: {sorted(extra)})")
        override = set(profile.get("kubespawner_override") or {}) - KUBESPAWNER_TRAITS
        checks.expect(not override,
                      f"profile {slug} overrides KubeSpawner traits only ({sorted(override)})")

    # The NFS objects.
    by_kind = check_objects(checks, objects)
    storage = singleuser.get("storage") or {}
    kind = storage.get("type")
    if kind == "dynamic":
        klass = (storage.get("dynamic") or {}).get("storageClass")
        classes = by_kind.get("StorageClass", {})
        if checks.expect(klass in classes,
                         f"singleuser.storage.dynamic.storageClass {klass} is in nfs.yaml"):
            sc = classes[klass]
            params = sc.get("parameters") or {}
            checks.expect(sc.get("provisioner") == "nfs.csi.k8s.io",
                          f"StorageClass {klass} is provisioned by the NFS CSI driver")
            checks.expect(params.get("server") and str(params.get("share", "")).startswith("/"),
                          f"StorageClass {klass} names an NFS server and an absolute share")
        modes = (storage.get("dynamic") or {}).get("storageAccessModes") or []
        checks.expect(set(modes) <= ACCESS_MODES, f"home storageAccessModes {modes} are valid")
        checks.expect(quantity(storage.get("capacity")),
                      f"singleuser.storage.capacity {storage.get('capacity')} is a quantity")
    elif kind == "static":
        check_pvc(checks, (storage.get("static") or {}).get("pvcName"), by_kind)
    else:
        checks.expect(False, f"singleuser.storage.type is dynamic or static (is {kind!r})")

    home = storage.get("homeMountPath", "/home/jovyan")
    volumes = {v.get("name"): v for v in storage.get("extraVolumes") or []}
    checks.expect(len(volumes) == len(storage.get("extraVolumes") or []),
                  "singleuser.storage.extraVolumes names are unique")
    shared = []
    for name, volume in volumes.items():
        claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
        if claim is None:
            continue
        pvc = check_pvc(checks, claim, by_kind)
        if pvc and "ReadWriteMany" in ((pvc.get("spec") or {}).get("accessModes") or []):
            shared.append(name)
    checks.expect(len(shared) >= 1, f"a shared ReadWriteMany NFS volume is declared ({shared})")
    mounts = storage.get("extraVolumeMounts") or []
    paths = [m.get("mountPath") for m in mounts]
    for m in mounts:
        checks.expect(m.get("name") in volumes,
                      f"mount {m.get('mountPath')} names a declared extra volume ({m.get('name')})")
        checks.expect(str(m.get("mountPath", "")).startswith("/") and m.get("mountPath") != home,
                      f"mount {m.get('mountPath')} is absolute and not the home mount")
    checks.expect(len(set(paths)) == len(paths), f"extra mount paths are distinct ({paths})")
    mounted = {m.get("name") for m in mounts}
    checks.expect(all(s in mounted for s in shared), f"the shared volume is mounted ({shared})")
    # A profile's override of volumes/volume_mounts replaces the list: it must keep the mounts.
    for profile in singleuser.get("profileList") or []:
        override = profile.get("kubespawner_override") or {}
        if "volume_mounts" in override:
            kept = {m.get("name") for m in override["volume_mounts"]}
            checks.expect(all(s in kept for s in shared),
                          f"profile {profile.get('slug')} keeps the shared mount")
        if "volumes" in override:
            kept = {v.get("name") for v in override["volumes"]}
            checks.expect(all(s in kept for s in shared),
                          f"profile {profile.get('slug')} keeps the shared volume")

    # The hub's own volumes and Secrets.
    hub = values.get("hub") or {}
    hub_volumes = {v.get("name"): v for v in hub.get("extraVolumes") or []}
    for m in hub.get("extraVolumeMounts") or []:
        checks.expect(m.get("name") in hub_volumes,
                      f"hub mount {m.get('mountPath')} names a declared hub volume")
    secrets = {(v.get("secret") or {}).get("secretName") for v in hub_volumes.values()} - {None}
    for name, spec in (hub.get("extraEnv") or {}).items():
        ref = ((spec or {}).get("valueFrom") or {}).get("secretKeyRef") if isinstance(
            spec, dict) else None
        if ref:
            secrets.add(ref["name"])
    for secret in sorted(secrets):
        checks.expect(re.search(rf"create secret generic {re.escape(secret)}\b", readme),
                      f"README.md tells the admin to create Secret {secret}")

    if checks.failures:
        print(f"FAIL: {len(checks.failures)} of {checks.count} checks")
        return 1
    print(f"PASS: {checks.count} checks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
