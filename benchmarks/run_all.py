"""Run every benchmarks/bench_*.py, whatever the others did, then list every miss (what `make bench` runs).

    .venv/bin/python benchmarks/run_all.py [SCRIPT ...]

Each script prints its figures and exits non-zero when it misses a target (or fails). This runs
them one after another (all of them, or the SCRIPTs named), echoing what they print, and ends
with a summary: each script's wall time and exit code, and every line it printed that says MISS.
Exit code 1 when any script exited non-zero.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MISS = re.compile(r"\bMISS(ED)?\b")


def run(script: Path) -> tuple[int, float, list[str]]:
    """Run *script*, echoing its output as it comes; its exit code, wall seconds and MISS lines."""
    print(f"\n=== {script.name}", flush=True)
    started = time.perf_counter()
    misses: list[str] = []
    with subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            print(line, end="", flush=True)
            if MISS.search(line):
                misses.append(line.rstrip())
    return process.returncode, time.perf_counter() - started, misses


def main(argv: list[str]) -> int:
    scripts = [Path(name).resolve() for name in argv] or sorted(HERE.glob("bench_*.py"))
    results = [(script.name, *run(script)) for script in scripts]
    print("\n=== summary")
    for name, code, seconds, misses in results:
        verdict = "ok" if code == 0 else f"exit {code}" + ("" if misses else " (failed, no MISS printed)")
        print(f"{name:<20} {seconds:>7.0f} s  {verdict}")
        for line in misses:
            print(f"    {line.strip()}")
    failed = [name for name, code, _, _ in results if code]
    named = f": {', '.join(failed)}" if failed else ""
    print(f"\n{len(failed)} of {len(results)} scripts missed a target or failed{named}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
