#!/usr/bin/env python3
"""PNG plots from the CSVs of `nbsched simulate` (interfaces.md §8).

usage: bench/plot.py DIR [--title TEXT] [--prefix NAME]

Writes into DIR:
  <prefix>alloc.png  GPU allocation vs arrived GPU load (alloc_grid.csv): median over seeds per
                     policy, min-max band, the y = x line (everything placed).
  <prefix>nodes.png  per-node CPU and memory requested fraction vs number of pods arrived
                     (nodes.csv; first seed of each policy), when nodes.csv exists.
Needs Debian's python3-matplotlib.
"""

import argparse
import csv
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def plot_alloc(directory, title, prefix):
    path = os.path.join(directory, "alloc_grid.csv")
    if not os.path.exists(path):
        return None
    rows = read_csv(path)
    by_policy = {}
    for row in rows:
        by_policy.setdefault(row["policy"], []).append(row)
    fig, ax = plt.subplots(figsize=(8, 5.5))
    xs = list(range(131))
    for policy, prow in by_policy.items():
        med, lo, hi, px = [], [], [], []
        for x in xs:
            vals = [float(r[str(x)]) for r in prow if r[str(x)] != ""]
            if not vals:
                continue
            px.append(x)
            med.append(statistics.median(vals))
            lo.append(min(vals))
            hi.append(max(vals))
        if not px:
            continue
        label = "%s (%.2f at %d%%)" % (policy, med[-1], px[-1])
        (line,) = ax.plot(px, med, label=label, linewidth=1.4)
        if len(prow) > 1:
            ax.fill_between(px, lo, hi, color=line.get_color(), alpha=0.15, linewidth=0)
    ax.plot([0, 100], [0, 100], color="grey", linestyle=":", linewidth=0.8, label="all placed")
    ax.set_xlabel("arrived GPU request (% of cluster GPU capacity)")
    ax.set_ylabel("GPU allocated (% of capacity)")
    ax.set_xlim(0, 130)
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.set_title(title or "GPU allocation vs arrived load (median over seeds, min-max band)")
    ax.legend(loc="lower right", fontsize=8)
    # Inset: the saturated end, where the policies differ.
    inset = ax.inset_axes([0.08, 0.55, 0.38, 0.38])
    for line in ax.get_lines()[:-1]:
        xdata, ydata = line.get_xdata(), line.get_ydata()
        keep = [i for i, x in enumerate(xdata) if x >= 80]
        inset.plot([xdata[i] for i in keep], [ydata[i] for i in keep], color=line.get_color())
    inset.set_xlim(80, 130)
    inset.grid(alpha=0.3)
    inset.tick_params(labelsize=7)
    out = os.path.join(directory, prefix + "alloc.png")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def plot_nodes(directory, title, prefix):
    path = os.path.join(directory, "nodes.csv")
    if not os.path.exists(path):
        return None
    rows = read_csv(path)
    policies, first_seed = [], {}
    for row in rows:
        if row["policy"] not in first_seed:
            policies.append(row["policy"])
            first_seed[row["policy"]] = row["seed"]
    fig, axes = plt.subplots(len(policies), 2, figsize=(10, 2.6 * len(policies)), squeeze=False,
                             sharex=True, sharey=True)
    for i, policy in enumerate(policies):
        prow = [r for r in rows if r["policy"] == policy and r["seed"] == first_seed[policy]]
        nodes = []
        for r in prow:
            if r["node"] not in nodes:
                nodes.append(r["node"])
        for j, (column, what) in enumerate((("cpu_frac", "CPU"), ("memory_frac", "memory"))):
            ax = axes[i][j]
            for node in nodes:
                pts = [(int(r["step"]), 100 * float(r[column])) for r in prow if r["node"] == node]
                ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", markersize=3,
                        label=node)
            ax.set_title("%s: %s requested" % (policy, what), fontsize=10)
            ax.set_ylim(0, 105)
            ax.grid(alpha=0.3)
            if j == 0:
                ax.set_ylabel("% of allocatable")
            if i == len(policies) - 1:
                ax.set_xlabel("notebook pods added")
        axes[i][1].legend(fontsize=7, loc="lower right")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    out = os.path.join(directory, prefix + "nodes.png")
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir")
    parser.add_argument("--title", default="")
    parser.add_argument("--prefix", default="")
    parser.add_argument("--no-nodes", action="store_true", help="skip nodes.csv")
    args = parser.parse_args()
    written = [plot_alloc(args.dir, args.title, args.prefix)]
    if not args.no_nodes:
        written.append(plot_nodes(args.dir, args.title, args.prefix))
    written = [w for w in written if w]
    if not written:
        print("plot.py: no alloc_grid.csv or nodes.csv in %s" % args.dir, file=sys.stderr)
        return 1
    for w in written:
        print(w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
