"""The command line's start-up: whole-process wall time of `tsshop counts` and `tsshop show ID`.

    .venv/bin/python benchmarks/bench_cli.py [--db PATH] [--orders 5000] [--runs 20]

Builds a demo shop of --orders orders in a temporary folder with `tsshop demo` (or uses the one
at --db, e.g. /tmp/bench1m.db; the SQL of both commands takes a few ms at any size), then runs,
--runs times and interleaved so a busy moment hits all alike: bare `python -c pass`, `tsshop counts`
and `tsshop show ID` of the venv's entry point, each a whole process from exec to exit. Prints each
one's median next to the bare interpreter's and the difference (what tsshop adds), and PASS or
MISS against the target: each command <= 80 ms. Exit code 1 on a miss.

The commands run with their bytecode cached (in the temporary folder, whatever
PYTHONDONTWRITEBYTECODE says), as an installed tsshop runs: compiling the sources each time
would add about 100 ms that no user pays.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_MS = 80.0
NOW = "2026-11-26T12:00:00+00:00"


def wall_ms(command: list[str], env: dict[str, str]) -> float:
    """The wall time of one whole process running *command* (its output thrown away)."""
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
    return (time.perf_counter() - started) * 1000


def measure(db: Path, runs: int, pycache: Path) -> dict[str, float]:
    """Median ms of each command over *runs* interleaved rounds, after one warm-up round (which
    writes the bytecode to *pycache*)."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    tsshop = str(Path(sys.executable).with_name("tsshop"))
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        order_id = conn.execute("SELECT id FROM orders ORDER BY id LIMIT 1").fetchone()[0]
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "tsshop counts": [tsshop, "counts", "--db", str(db), "--now", NOW],
        "tsshop show ID": [tsshop, "show", order_id, "--db", str(db), "--now", NOW],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(runs + 1):
        for name, command in commands.items():
            ms = wall_ms(command, env)
            if round_:
                times[name].append(ms)
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=None, help="an existing shop (default: build a demo)")
    parser.add_argument("--orders", type=int, default=5000, help="orders of the demo built (default 5000)")
    parser.add_argument("--runs", type=int, default=20, help="runs of each command (default 20)")
    args = parser.parse_args(argv)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as folder:
        db = args.db
        if db is None:
            db = Path(folder, "demo.db")
            tsshop = str(Path(sys.executable).with_name("tsshop"))
            subprocess.run([tsshop, "demo", "--db", str(db), "--orders", str(args.orders), "--now", NOW],
                           stdout=subprocess.DEVNULL, check=True)
        medians = measure(db, args.runs, Path(folder, "pycache"))
    bare = medians["python -c pass"]
    print(f"{db if args.db else f'{args.orders:,}-order demo'}, median of {args.runs} runs each, whole process")
    print(f"{'command':<16} {'ms':>7} {'- bare':>8} {'target':>7}  verdict")
    misses = []
    for name, ms in medians.items():
        if name == "python -c pass":
            print(f"{name:<16} {ms:>7.1f} {'':>8} {'':>7}  -")
            continue
        verdict = "PASS" if ms <= TARGET_MS else "MISS"
        if verdict == "MISS":
            misses.append(name)
        print(f"{name:<16} {ms:>7.1f} {ms - bare:>+8.1f} {TARGET_MS:>7.0f}  {verdict}")
    if misses:
        print(f"MISSED: {', '.join(misses)}")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
