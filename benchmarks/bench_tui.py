"""The command centre on a big shop versus a small one: first screen, page-down, peak memory.

    .venv/bin/python benchmarks/bench_tui.py [--big PATH] [--small PATH] [--pages 50]

Builds the demo databases it is missing (1,000,000 and 1,000 orders). Each measurement runs in a
fresh child process so peak memory (ru_maxrss) belongs to that database alone. Target: the big
shop within 1.5x of the small one, first screen under 1.5 s. Exit code 1 when anything missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


def child(db: Path, pages: int) -> dict[str, float]:
    from tsshop_tui.config import Settings
    from tsshop_tui.domain.clock import FixedClock
    from tsshop_tui.ui.app import TsshopApp
    from tsshop_tui.ui.widgets.order_list import OrderList

    results: dict[str, float] = {}

    async def run() -> None:
        started = time.perf_counter()
        app = TsshopApp(db_path=db, settings=Settings(refresh_seconds=300), clock=FixedClock(NOW))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            orders = app.screen.query_one(OrderList)
            assert orders.rows, "the first screen shows no orders"
            results["first_screen_ms"] = (time.perf_counter() - started) * 1000
            await pilot.press("right_square_bracket")  # leave to-ship and come back: warm tabs
            await pilot.press("left_square_bracket")
            timings = []
            for _ in range(pages):
                start = time.perf_counter()
                await pilot.press("pagedown")
                timings.append((time.perf_counter() - start) * 1000)
            results["page_down_median_ms"] = statistics.median(timings)
            results["page_down_max_ms"] = max(timings)
            for tab in ("all", "action-needed"):
                app.screen.action_tab(tab)
                start = time.perf_counter()
                for _ in range(pages):
                    orders.action_page_down()
                results[f"{tab}_page_down_ms"] = (time.perf_counter() - start) * 1000 / pages
            results["rows_held"] = len(orders.rows)

    asyncio.run(run())
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results


def measure(db: Path, pages: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(db), "--pages", str(pages)],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def ensure(db: Path, orders: int) -> None:
    if db.exists():
        return
    from tsshop_tui.io.demo import build_demo

    print(f"building {db} ({orders:,} orders)…", flush=True)
    build_demo(db, orders=orders, seed=1, now=NOW)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--big", type=Path, default=Path("/tmp/bench1m.db"))
    parser.add_argument("--small", type=Path, default=Path("/tmp/bench1k.db"))
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--child", type=Path)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.pages)))
        return 0
    ensure(args.big, 1_000_000)
    ensure(args.small, 1_000)
    big, small = measure(args.big, args.pages), measure(args.small, args.pages)
    print(f"{'figure':<24}{'1,000,000':>12}{'1,000':>12}{'ratio':>8}")
    for key in big:
        ratio = big[key] / small[key] if small[key] else float("nan")
        print(f"{key:<24}{big[key]:>12.1f}{small[key]:>12.1f}{ratio:>8.2f}")
    verdicts = {
        "first screen < 1.5 s": big["first_screen_ms"] < 1500,
        "first screen within 1.5x": big["first_screen_ms"] <= 1.5 * small["first_screen_ms"],
        "page-down within 1.5x": big["page_down_median_ms"] <= 1.5 * small["page_down_median_ms"],
        "peak memory within 1.5x": big["peak_rss_mb"] <= 1.5 * small["peak_rss_mb"],
    }
    for name, ok in verdicts.items():
        print(f"{'PASS' if ok else 'MISS'}  {name}")
    return 0 if all(verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
