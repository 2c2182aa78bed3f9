"""Seller health and creator insights on a 1,000,000-order shop: every Store call against the bare SQL.

    .venv/bin/python benchmarks/bench_metrics.py [--db /tmp/bench1m.db] [--orders 1000000]
                                                 [--now ISO] [--runs 3] [--work PATH]

If --db does not exist it is built with ``tsshop demo`` (and then used in place). If it exists, it
may belong to someone else and predate this code's schema, so it is never changed: it is copied
(SQLite backup) to --work, the copy is opened once for writing (which upgrades an older schema, as
a user's first open would) and gets ANALYZE.

Each call runs --runs times; the median is judged against the 1 s target. "raw" re-runs the very
statements the call sent (captured with a trace callback, parameters inlined) on a bare sqlite3
connection with fetchall(), so api/raw is the cost of tsshop's Python around the SQL.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tsshop_tui.cli import main as cli_main  # noqa: E402
from tsshop_tui.domain.clock import FixedClock, from_epoch  # noqa: E402
from tsshop_tui.store import Store, schema  # noqa: E402

TARGET_S = 1.0


def prepare(db: Path, work: Path, orders: int) -> Path:
    """The database to measure: a new demo built in place, or an up-to-date copy of an existing one."""
    if not db.exists():
        print(f"building a {orders:,}-order demo shop at {db} ...", flush=True)
        started = time.perf_counter()
        code = cli_main(["demo", "--db", str(db), "--orders", str(orders)])
        if code:
            raise SystemExit(f"tsshop demo failed with exit code {code}")
        print(f"  built in {time.perf_counter() - started:.0f} s")
        return db
    print(f"copying {db} to {work} (the original is left untouched) ...", flush=True)
    started = time.perf_counter()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    version = source.execute("PRAGMA user_version").fetchone()[0]
    target = sqlite3.connect(work)
    source.backup(target)
    source.close()
    target.close()
    # A writable open brings the copy up to this code's schema (an older one is upgraded: new
    # indexes, the product rollup), as a user's first open would.
    Store(work).close()
    target = sqlite3.connect(work)
    target.execute("ANALYZE")
    target.commit()
    target.close()
    upgraded = f"upgraded from schema {version}" if version < schema.SCHEMA_VERSION else "schema up to date"
    print(f"  copied in {time.perf_counter() - started:.0f} s; {upgraded}")
    return work


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=Path("/tmp/bench1m.db"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench1m-metrics.db"))
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--now", help="ISO moment taken as now (default: the newest order's creation)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    path = prepare(args.db, args.work, args.orders)
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    count, newest = raw.execute("SELECT count(*), max(create_time) FROM orders").fetchone()
    if args.now:
        now = datetime.fromisoformat(args.now)
        now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    else:
        now = from_epoch(newest)
    store = Store(path, clock=FixedClock(now), read_only=True)
    captured: list[str] = []
    store.conn.set_trace_callback(captured.append)

    calls: list[tuple[str, Callable[[], Any], Callable[[Any], str]]] = [
        ("metrics(7)", lambda: store.metrics(7), lambda r: f"SFCR {r[0].value_text} LDR {r[1].value_text}"),
        ("metrics(30)", lambda: store.metrics(30), lambda r: f"{r[0].denominator:,} paid orders"),
        ("creator_scorecard(30)", lambda: store.creator_scorecard(30), lambda r: f"{len(r)} creators"),
        ("creator_scorecard(30, LIVE)", lambda: store.creator_scorecard(30, content_type="LIVE"),
         lambda r: f"{len(r)} creators"),
        ("campaign_scorecard(30)", lambda: store.campaign_scorecard(30), lambda r: f"{len(r)} campaigns"),
        ("product_scorecard(7)", lambda: store.product_scorecard(7), lambda r: f"{len(r)} products"),
        ("product_scorecard(30)", lambda: store.product_scorecard(30),
         lambda r: f"{len(r)} products, {sum(len(p.skus) for p in r)} SKUs"),
        ("daily_trend(30)", lambda: store.daily_trend(30), lambda r: f"{sum(d.orders for d in r):,} orders"),
        ("orders_per_minute(60)", lambda: store.orders_per_minute(60), lambda r: f"{sum(r):,} orders"),
        ("spike()", lambda: store.spike(), lambda r: f"spiking={r.spiking}"),
        ("backlog_forecast()", lambda: store.backlog_forecast(),
         lambda r: f"{r.to_ship:,} to ship, {r.will_miss:,} will miss"),
        ("metric_orders(ldr, 7)", lambda: store.metric_orders("ldr", 7), lambda r: f"{len(r):,} rows"),
    ]
    print(f"\ntsshop metrics benchmark · {path} · {count:,} orders · now {now:%Y-%m-%d %H:%M:%S} UTC"
          f" · SQLite {sqlite3.sqlite_version} · median of {args.runs}")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} (timings are wall clock)")
    header = f"{'call':<29}{'first s':>8}{'median s':>9}{'raw s':>8}{'api/raw':>8}  {'≤1 s':<5} result"
    print(header)
    print("-" * len(header))
    misses = 0
    health = 0.0
    for name, fn, describe in calls:
        captured.clear()
        times, result = timed(fn, args.runs)
        statements = list(dict.fromkeys(captured))
        raw_times, _ = timed(lambda: [raw.execute(sql).fetchall() for sql in statements], args.runs)
        median, raw_median = statistics.median(times), statistics.median(raw_times)
        ok = median <= TARGET_S
        misses += not ok
        if name in ("metrics(7)", "daily_trend(30)", "orders_per_minute(60)", "backlog_forecast()"):
            health += median
        print(f"{name:<29}{times[0]:>8.3f}{median:>9.3f}{raw_median:>8.3f}{median / raw_median:>7.2f}x"
              f"  {'PASS' if ok else 'MISS':<5} {describe(result)}")
    ok = health <= TARGET_S
    misses += not ok
    print(f"{'health screen (sum)':<29}{'':>8}{health:>9.3f}{'':>8}{'':>8}  {'PASS' if ok else 'MISS':<5}"
          " metrics(7) + trend + orders/minute + forecast")
    store.close()
    raw.close()
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
