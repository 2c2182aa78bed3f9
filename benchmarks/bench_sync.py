"""The first sync of a big TikTok shop from the API double: orders per second, peak memory, HTTP calls.

    .venv/bin/python benchmarks/bench_sync.py [--orders 100000] [--seed 1] [--keep PATH]

Starts the double (`FakeTikTok`, in this process, its clock standing still) with one shop of
--orders orders, connects it with `tsshop shop add --no-sync` into a new database, then times
`tsshop sync` in a child process: its wall time, orders per second and peak memory (ru_maxrss of the
child's own address space, VmHWM, so neither the double nor the harness it was started from is
counted), and the HTTP calls the double served during the
sync against the fewest the API allows (orders / 50 searches + orders / 50 detail calls, plus one
search each for cancellations and returns per 50 of them). Target: calls within 2% of that minimum.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tsshop_tui.domain.clock import FixedClock  # noqa: E402
from tsshop_tui.fake_tiktok import FakeTikTok  # noqa: E402
from tsshop_tui.store import Store  # noqa: E402

PAGE = 50
TARGET_OVERHEAD = 0.02
# `tsshop sync` that says its peak memory at the end (VmHWM: ru_maxrss would count the parent it was
# started from, which holds the double)
SYNC = (
    "import sys; from tsshop_tui.cli import main; code = main(sys.argv[1:]); "
    "print(next(line for line in open('/proc/self/status') if line.startswith('VmHWM')), file=sys.stderr); "
    "sys.exit(code)"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=None, help="keep the synced database here")
    args = parser.parse_args()
    print(f"bench_sync: {args.orders:,} orders, {platform.python_version()}, load {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        db = args.keep or Path(folder) / "sync.db"
        env = {**os.environ, "TSSHOP_CREDENTIALS": str(Path(folder) / "credentials.json"),
               "TSSHOP_CONFIG": str(Path(folder) / "config.toml")}
        now = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=1)
        started = time.monotonic()
        with FakeTikTok(seed=args.seed, shops=1, orders=args.orders, clock=FixedClock(now)) as fake:
            print(f"  the double built its shop in {time.monotonic() - started:.1f} s")
            shop_id, code = next(iter(fake.auth_codes.items()))
            when = ["--db", str(db), "--now", now.isoformat()]
            subprocess.run(
                [sys.executable, "-m", "tsshop_tui.cli", "shop", "add", "--api-base", fake.url, "--auth-base",
                 fake.url, "--app-key", fake.app_key, "--auth-code", code, "--no-sync", *when],
                env={**env, "TSSHOP_APP_SECRET": fake.app_secret}, check=True, capture_output=True, cwd=ROOT,
            )
            served = fake.requests_served
            started = time.monotonic()
            sync = subprocess.run([sys.executable, "-c", SYNC, "sync", *when], env=env,
                                  capture_output=True, text=True, cwd=ROOT)
            seconds = time.monotonic() - started
            calls = fake.requests_served - served
            snapshot = fake.snapshot()[shop_id]
        if sync.returncode != 0:
            print(sync.stdout + sync.stderr)
            return 1
        peak_mb = int(sync.stderr.split("VmHWM:")[1].split()[0]) / 1024
        with Store(db, read_only=True) as store:
            equal = store.remote_state(shop_id) == snapshot
        requests = sum(len(order["requests"]) for order in snapshot.values())
        cancels = sum(1 for order in snapshot.values() for r in order["requests"] if r[1] == "CANCELLATION")
        least = (2 * math.ceil(len(snapshot) / PAGE) + max(1, math.ceil(cancels / PAGE))
                 + max(1, math.ceil((requests - cancels) / PAGE)))
    overhead = calls / least - 1
    print(f"  {sync.stdout.strip()}")
    print(f"  sync: {len(snapshot):,} orders and {requests:,} buyer requests in {seconds:.1f} s"
          f" = {len(snapshot) / seconds:,.0f} orders/s; peak memory {peak_mb:,.0f} MB (the sync process)")
    print(f"  HTTP calls: {calls:,} against a minimum of {least:,} ({overhead:+.1%})"
          f"  {'PASS' if overhead <= TARGET_OVERHEAD else 'MISS'} (target within {TARGET_OVERHEAD:.0%})")
    print(f"  database equals the double: {'PASS' if equal else 'MISS'}")
    return 0 if equal and overhead <= TARGET_OVERHEAD else 1


if __name__ == "__main__":
    sys.exit(main())
