"""Run every benchmark and print a table of their ratio lines (`make bench`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BENCHES = [
    ("hub_throughput", ["5000"]),
    ("hub_throughput", ["3000", "--cluster"]),
    ("edxml_large", []),
    ("signing", []),
    ("exports", ["20000"]),
    ("ops_overview", ["1000000"]),
    ("ops_overview", ["1000000", "--postgres"]),
]
RESULTS = Path(__file__).parent / "results.json"  # the last run's table, for tools and notes


def main() -> int:
    here = Path(__file__).parent
    rows = []
    for name, args in BENCHES:
        if not (here / f"{name}.py").exists():
            rows.append((name, "missing"))
            continue
        print(f"== {name}", flush=True)
        proc = subprocess.run(
            [sys.executable, "-m", f"bench.{name}", *args], capture_output=True, text=True, cwd=here.parent
        )
        sys.stdout.write(proc.stdout)
        ratio = [line.strip() for line in proc.stdout.splitlines() if "ratio" in line.lower()]
        rows.append(
            (name, "; ".join(ratio) if ratio else f"failed (exit {proc.returncode}): {proc.stderr[-300:]}")
        )
    load = os.getloadavg()
    print(f"\nload average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("\n| benchmark | result |\n|---|---|")
    for name, result in rows:
        print(f"| {name} | {result} |")
    table = {"load_average": load, "results": [{"benchmark": n, "result": r} for n, r in rows]}
    RESULTS.write_text(json.dumps(table, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written: {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
