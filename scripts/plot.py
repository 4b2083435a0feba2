"""Figures from a `tandem run` results folder.

latency_cdf.png: the empirical CDF of latency_ms, one curve per run (labelled by scheduler and the
swept values). gantt.png: the compute and transfer ops of one run on each resource, from ops.csv.
"""
import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def run_labels(summary: pd.DataFrame) -> dict:
    """run -> 'scheduler (key=value, ...)' for the runs' legends."""
    fixed = set(c for c in summary.columns if c in ("run", "scheduler", "model"))
    first_metric = list(summary.columns).index("scheduler")
    swept = [c for c in summary.columns[1:first_metric] if c not in fixed and c != "scheduler.name"]
    labels = {}
    for _, row in summary.iterrows():
        extra = ", ".join(f"{k}={row[k]}" for k in swept)
        labels[row["run"]] = row["scheduler"] + (f" ({extra})" if extra else "")
    return labels


def plot_cdf(folder: str, inferences: pd.DataFrame, labels: dict) -> str:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for run, group in inferences.groupby("run"):
        lat = group["latency_ms"].sort_values().reset_index(drop=True)
        y = [(i + 1) / len(lat) for i in range(len(lat))]
        ax.step(lat, y, where="post", label=labels.get(run, f"run {run}"))
    ax.set_xlabel("latency (ms)")
    ax.set_ylabel("fraction of inferences")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    out = os.path.join(folder, "latency_cdf.png")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    return out


def plot_gantt(folder: str, ops: pd.DataFrame, run: int, max_inferences: int) -> str:
    ops = ops[(ops["run"] == run) & (ops["inference_id"] < max_inferences)]
    resources = sorted(ops["resource"].unique(), key=lambda r: (not r.startswith("device"), r))
    fig, ax = plt.subplots(figsize=(10, 1 + 0.5 * max(1, len(resources))))
    colors = plt.get_cmap("tab10")
    for y, res in enumerate(resources):
        rows = ops[ops["resource"] == res]
        bars = [(s, e - s) for s, e in zip(rows["start_ms"], rows["end_ms"])]
        ax.broken_barh(bars, (y - 0.4, 0.8),
                       facecolors=[colors(i % 10) for i in rows["inference_id"]], edgecolor="black",
                       linewidth=0.3)
    ax.set_yticks(range(len(resources)))
    ax.set_yticklabels(resources)
    ax.set_xlabel("time (ms)")
    ax.set_title(f"run {run}: first {max_inferences} inference(s), colour = inference")
    ax.grid(axis="x", alpha=0.3)
    out = os.path.join(folder, "gantt.png")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", help="results folder of `tandem run`")
    parser.add_argument("--run", type=int, default=0, help="run of the Gantt chart (default 0)")
    parser.add_argument("--inferences", type=int, default=3,
                        help="inferences shown in the Gantt chart (default 3)")
    args = parser.parse_args()
    try:
        inferences = pd.read_csv(os.path.join(args.folder, "inferences.csv"))
        summary = pd.read_csv(os.path.join(args.folder, "summary.csv"))
        ops = pd.read_csv(os.path.join(args.folder, "ops.csv"))
    except (OSError, pd.errors.ParserError) as e:
        print(f"plot: error: {e}", file=sys.stderr)
        return 2
    if inferences.empty:
        print(f"plot: error: {args.folder}/inferences.csv has no rows", file=sys.stderr)
        return 2
    print(plot_cdf(args.folder, inferences, run_labels(summary)))
    if not ops.empty:
        print(plot_gantt(args.folder, ops, args.run, args.inferences))
    return 0


if __name__ == "__main__":
    sys.exit(main())
