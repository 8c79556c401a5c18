"""Run every benchmark and print a table of their ratio lines (`make bench`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHES = [
    ("hub_throughput", ["5000"]),
    ("hub_throughput", ["3000", "--cluster"]),
    ("edxml_large", []),
    ("signing", []),
]


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
    print("\n| benchmark | result |\n|---|---|")
    for name, result in rows:
        print(f"| {name} | {result} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
