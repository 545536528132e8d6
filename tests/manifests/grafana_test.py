#!/usr/bin/python3
"""manifests/grafana/nbsched.json is a valid Grafana dashboard that queries only metrics (and
labels) nbsched exports, and covers what an operator watches (interfaces.md §7, §11).

    grafana_test.py REPO_ROOT NBSCHED_BINARY

The exported names come from a real `nbsched serve --snapshot` on 127.0.0.1 (port 0, read from
its "ready on" line): its /metrics after one /filter. The two usage gauges of §11 may not be
exported by this build yet: they are allowed by name. Histogram series carry their _bucket,
_sum and _count suffixes as /metrics prints them.
"""

import json
import os
import re
import selectors
import subprocess
import sys
import urllib.request

REPO = os.path.abspath(sys.argv[1])
BINARY = sys.argv[2]
DASHBOARD = os.path.join(REPO, "manifests", "grafana", "nbsched.json")
# interfaces.md §11, added by the usage poller (issue 19); gauges without labels.
PENDING = {"nbsched_usage_sample_age_seconds": set(), "nbsched_usage_nodes_without_sample": set()}
# Labels Prometheus adds to every scraped series.
TARGET_LABELS = {"job", "instance"}
# What the dashboard must show: one metric family per line of the issue.
REQUIRED = [
    "nbsched_requests_total",                  # request rate per verb
    "nbsched_request_duration_seconds_bucket",  # latency per verb
    "nbsched_plugin_duration_seconds_bucket",   # plugin latency
    "nbsched_policy_reload_errors_total",      # reload errors
    "nbsched_cache_nodes", "nbsched_cache_pods",  # cache sizes
    "nbsched_watch_restarts_total",            # watch restarts
    "nbsched_usage_sample_age_seconds",        # usage sample age
    "nbsched_filter_memo_total",
]
FAILURES = []


def check(ok, what):
    if not ok:
        FAILURES.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return ok


def exported():
    """{series name: label names} from a live nbsched's /metrics."""
    server = subprocess.Popen(
        [BINARY, "serve", "--snapshot", os.path.join(REPO, "examples", "cluster.json"),
         "--policy", os.path.join(REPO, "examples", "policy.yaml"), "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        sel = selectors.DefaultSelector()
        sel.register(server.stdout, selectors.EVENT_READ)
        if not sel.select(timeout=30):
            raise SystemExit("FAIL: no 'ready' line from nbsched serve within 30 s")
        line = server.stdout.readline().strip()
        m = re.fullmatch(r"nbsched ready on (http://127\.0\.0\.1:\d+)", line)
        if not m:
            raise SystemExit("FAIL: unexpected first line %r" % line)
        url = m.group(1)
        with open(os.path.join(REPO, "examples", "notebook-pod.json")) as f:
            body = json.dumps({"Pod": json.load(f), "NodeNames": ["master", "worker-1"]}).encode()
        request = urllib.request.Request(url + "/filter", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as r:
            r.read()
        with urllib.request.urlopen(url + "/metrics", timeout=10) as r:
            text = r.read().decode()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    series = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s", line)
        if m:
            labels = set(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', m.group(3) or ""))
            series.setdefault(m.group(1), set()).update(labels)
    return series


PROMQL_WORDS = {  # functions, aggregations and keywords: not metric names
    "sum", "min", "max", "avg", "count", "by", "without", "rate", "irate", "increase",
    "histogram_quantile", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "topk", "bottomk", "abs", "clamp_min", "clamp_max", "time", "vector", "scalar", "offset",
    "label_values", "delta", "deriv", "max_over_time", "min_over_time", "avg_over_time", "le",
}


def expressions(dashboard):
    out = []
    for panel in dashboard.get("panels", []):
        for target in panel.get("targets", []):
            out.append((panel.get("title", "?"), target.get("expr", "")))
        for inner in panel.get("panels", []):
            for target in inner.get("targets", []):
                out.append((inner.get("title", "?"), target.get("expr", "")))
    for var in dashboard.get("templating", {}).get("list", []):
        query = var.get("query")
        if isinstance(query, dict):
            query = query.get("query")
        if var.get("type") == "query" and query:
            out.append(("variable " + var["name"], query))
    return out


def main():
    with open(DASHBOARD) as f:
        try:
            dashboard = json.load(f)
        except json.JSONDecodeError as e:
            print("FAIL: %s is not valid JSON: %s" % (DASHBOARD, e), file=sys.stderr)
            return 1
    check(dashboard.get("title") == "nbsched" and dashboard.get("uid") == "nbsched", "title/uid")
    check(isinstance(dashboard.get("schemaVersion"), int), "schemaVersion")
    ids = [p.get("id") for p in dashboard.get("panels", [])]
    check(len(ids) == len(set(ids)) and None not in ids, "panel ids must be unique: %r" % ids)
    variables = {v["name"] for v in dashboard.get("templating", {}).get("list", [])}
    for p in dashboard.get("panels", []):
        if p.get("type") == "row":
            continue
        check(p.get("datasource", {}).get("uid") == "${datasource}", "%s: datasource" % p.get("title"))
        check(bool(p.get("targets")), "%s: no queries" % p.get("title"))
        g = p.get("gridPos", {})
        check(all(k in g for k in "hwxy") and g["x"] + g["w"] <= 24, "%s: gridPos %r" % (p.get("title"), g))

    series = exported()
    check("nbsched_requests_total" in series, "the live /metrics has no nbsched_requests_total")
    allowed = dict(series)
    for name, labels in PENDING.items():
        allowed.setdefault(name, labels)
    used = set()
    for title, expr in expressions(dashboard):
        check(expr.strip() != "", "%s: empty expression" % title)
        for var in re.findall(r"\$(?:\{)?([a-zA-Z_]+)", expr):
            check(var in variables or var.startswith("__"), "%s: unknown variable $%s" % (title, var))
        stripped = re.sub(r'"[^"]*"', '""', expr)            # label values aside
        stripped = re.sub(r"\[[^\]]*\]", "", stripped)       # range selectors aside
        # Label names: matchers inside {...} and by/without (...) lists.
        matchers = [set(re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", body))
                    for body in re.findall(r"\{([^}]*)\}", stripped)]
        grouping = set()
        # Grafana's label_values(SELECTOR, LABEL): LABEL is a label name, not a metric.
        m = re.fullmatch(r"\s*label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*", stripped)
        if m:
            stripped = m.group(1)
            grouping.add(m.group(2))
        for body in re.findall(r"\b(?:by|without)\s*\(([^)]*)\)", stripped):
            grouping |= {w.strip() for w in body.split(",") if w.strip()}
        no_groups = re.sub(r"\b(?:by|without)\s*\([^)]*\)", "", stripped)
        no_groups = re.sub(r"\{[^}]*\}", "", no_groups)
        names = {w for w in re.findall(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b", no_groups)
                 if w not in PROMQL_WORDS and not re.fullmatch(r"\d.*|e\d*", w)}
        for name in names:
            if check(name in allowed, "%s: %s is not a metric nbsched exports" % (title, name)):
                used.add(name)
        labels_known = set(TARGET_LABELS)
        for name in names & set(allowed):
            labels_known |= allowed[name]
            if name.endswith("_bucket"):
                labels_known.add("le")
        for label in set().union(*matchers, grouping) if matchers or grouping else set():
            check(label in labels_known, "%s: label %r is not on %s" % (title, label, sorted(names)))
    for name in REQUIRED:
        check(name in used, "the dashboard shows no %s" % name)
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES), file=sys.stderr)
        return 1
    print("ok: %d queries over %d nbsched series, all exported (or §11's pending gauges)" % (
        len(expressions(dashboard)), len(used)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
