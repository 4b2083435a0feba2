"""Pivot a tandem summary.csv into a markdown table (see scripts/table)."""
import argparse
import pathlib
import sys

import pandas as pd


def main() -> int:
    ap = argparse.ArgumentParser(description="summary.csv as a markdown table")
    ap.add_argument("results", type=pathlib.Path, help="a results folder or its summary.csv")
    ap.add_argument("--rows", required=True, help="comma-separated summary columns for the rows")
    ap.add_argument("--column", required=True, help="summary column whose values become columns")
    ap.add_argument("--value", default="mean_latency_ms", help="the cell (default mean_latency_ms)")
    ap.add_argument("--digits", type=int, default=1, help="decimals in each cell (default 1)")
    args = ap.parse_args()

    path = args.results / "summary.csv" if args.results.is_dir() else args.results
    if not path.is_file():
        print(f"table: {path}: no such file (expected a results folder or a summary.csv)",
              file=sys.stderr)
        return 2
    summary = pd.read_csv(path)
    rows = args.rows.split(",")
    for name in rows + [args.column, args.value]:
        if name not in summary.columns:
            print(f"table: {path}: no column '{name}' (columns: {', '.join(summary.columns)})",
                  file=sys.stderr)
            return 2
    # Keep the order in which the runs appear (the sweep's order), not a sorted one.
    columns = list(dict.fromkeys(summary[args.column]))
    table = summary.pivot_table(index=rows, columns=args.column, values=args.value, sort=False)
    print("| " + " | ".join(rows + [str(c) for c in columns]) + " |")
    print("|" + "---|" * len(rows) + "---:|" * len(columns))
    for key, row in table.iterrows():
        key = key if isinstance(key, tuple) else (key,)
        cells = [f"{row[c]:.{args.digits}f}" if pd.notna(row[c]) else "" for c in columns]
        print("| " + " | ".join([str(k) for k in key] + cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
