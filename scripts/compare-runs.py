#!/usr/bin/env python3
"""Checks that two yieldstack databases hold the same run: every row of every
table (SPEC §4), ids and timestamps aside, with exact float equality; and
that two reports are identical but their run-id line.

    scripts/compare-runs.py A.sqlite B.sqlite [A.md B.md ...]

Each database must hold one run (a merged shard run, the unsharded run).
Exit 0 when equal, 1 with the first differences otherwise."""
import sqlite3
import sys

TABLES = ["runs", "strategies", "layers", "daily", "layer_daily", "daily_quantiles", "events",
          "path_summary", "metrics", "market_daily", "layer_rates"]
IGNORED = {"id", "run_id", "started_at", "finished_at"}
# The one line of a report that names the run id and database (Markdown, HTML).
RUN_LINES = ("Run ", '<p class="run-line">Run ')


def rows(path, table):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    cols = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
    keep = [c for c in cols if c not in IGNORED]
    order = ", ".join(keep)
    out = [tuple(r) for r in db.execute(f"SELECT {', '.join(keep)} FROM {table} ORDER BY {order}")]
    db.close()
    return keep, out


def main(argv):
    if len(argv) < 3 or len(argv) % 2 == 0:
        print(__doc__, file=sys.stderr)
        return 64
    a, b = argv[1], argv[2]
    failures = 0
    for table in TABLES:
        ka, ra = rows(a, table)
        kb, rb = rows(b, table)
        if ka != kb:
            print(f"{table}: columns differ: {ka} vs {kb}")
            failures += 1
            continue
        if ra != rb:
            failures += 1
            extra_a = [r for r in ra if r not in set(rb)][:3]
            extra_b = [r for r in rb if r not in set(ra)][:3]
            print(f"{table}: {len(ra)} vs {len(rb)} rows differ; only in {a}: {extra_a}; only in {b}: {extra_b}")
        else:
            print(f"{table}: {len(ra)} rows equal")
    for i in range(3, len(argv), 2):
        la = [l for l in open(argv[i], encoding="utf-8") if not l.startswith(RUN_LINES)]
        lb = [l for l in open(argv[i + 1], encoding="utf-8") if not l.startswith(RUN_LINES)]
        if la != lb:
            failures += 1
            diff = next(((x, y) for x, y in zip(la, lb) if x != y), None)
            print(f"{argv[i]} and {argv[i + 1]} differ: {diff}")
        else:
            print(f"{argv[i]} = {argv[i + 1]} (but the run line)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
