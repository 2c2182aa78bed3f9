"""The insights screen on a 1,000,000-order shop: how long each view takes to show its figures.

    .venv/bin/python benchmarks/bench_insights.py [--db /tmp/bench1m.db] [--work /tmp/bench1m-insights.db]
                                                  [--now ISO] [--runs 3] [--size 80x24]

The database is prepared as in bench_metrics.py: an existing --db is never changed; it is copied
(SQLite backup) to --work, opened once for writing (upgrading an older schema) and analysed. The
app runs headless (``run_test``) with a fixed clock (default: the newest order's creation time). Each measurement is
wall clock from the key press to the view's figures on screen: the worker thread's reads on
connections of their own, the table or chart filled on the UI thread, and one paint.

Judged (target under 1 s, median of --runs): "cold" opens, where the figures are read when the key
is pressed, read-ahead switched off: the health screen and every scorecard, and a scorecard re-read
for a new window or sort. For information: trends, the live monitor, the drill-down to the orders
behind a figure, "warm" switches (the screen reads the other views ahead once the first is up, as it
does for users), and "busy": products asked for while that read-ahead has just begun.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from bench_metrics import prepare  # noqa: E402

from textual import events  # noqa: E402

from tsshop_tui.config import Settings  # noqa: E402
from tsshop_tui.domain.clock import FixedClock, from_epoch  # noqa: E402
from tsshop_tui.ui.app import TsshopApp  # noqa: E402
from tsshop_tui.store import Store  # noqa: E402
from tsshop_tui.ui.screens.insights import InsightsScreen, View  # noqa: E402
from tsshop_tui.ui.screens.insights_data import ReadSession, read_figures  # noqa: E402
from tsshop_tui.ui.screens.main import MainScreen  # noqa: E402

TARGET_S = 1.0
KEYS = {View.HEALTH: "h", View.CREATORS: "c", View.PRODUCTS: "p", View.CAMPAIGNS: "a", View.TRENDS: "t",
        View.LIVE: "l"}


def describe(view: View, figures) -> str:  # type: ignore[no-untyped-def]
    if view is View.HEALTH:
        week = figures[7]
        return " ".join(f"{m.short} {m.value_text} {m.state.value}" for m in week) + " (7 days)"
    if view in (View.CREATORS, View.PRODUCTS, View.CAMPAIGNS):
        return f"{len(figures):,} {view.value}"
    if view is View.TRENDS:
        return f"{sum(d.orders for d in figures):,} orders in 30 days"
    return (f"{sum(figures.per_minute):,} orders last hour, {figures.forecast.to_ship:,} to ship, "
            f"{figures.forecast.will_miss:,} will miss")


async def key(app: TsshopApp, name: str) -> float:
    """Deliver one key as the terminal driver does, without Pilot's busy wait for idle (that spins
    the event loop while the worker reads, which a real session does not); the time it was sent."""
    event = events.Key(name, name if len(name) == 1 else None)
    event.set_sender(app)
    sent = time.perf_counter()
    app._driver.send_message(event)  # type: ignore[union-attr]
    return sent


APPLIED: dict[View, float] = {}  # when each view last put new figures on screen


def record_applies() -> None:
    """Note the moment each view's figures land (InsightsScreen._apply, on the UI thread)."""
    apply = InsightsScreen._apply

    def recorded(self: InsightsScreen, request, figures) -> None:  # type: ignore[no-untyped-def]
        apply(self, request, figures)
        if request[0] not in self._pending:
            APPLIED[request[0]] = time.perf_counter()

    InsightsScreen._apply = recorded  # type: ignore[method-assign]


async def tick(sent: float, limit: float = 60.0) -> None:
    if time.perf_counter() - sent > limit:
        raise TimeoutError(f"no figures after {limit:.0f} s")
    await asyncio.sleep(0.002)


async def painted() -> None:
    """One frame for the screen update that follows new figures (Textual paints at most 60 times a
    second; the sleep cannot end before the event loop has done the work queued ahead of it).
    Not Pilot.pause(): that waits for the whole app to be idle, read-ahead threads included."""
    await asyncio.sleep(1 / 60)


async def shown(pilot, view: View, sent: float) -> float:  # type: ignore[no-untyped-def]
    """Seconds from *sent* until *view* has new figures on screen (read, filled, painted)."""
    while APPLIED.get(view, 0.0) < sent:
        await tick(sent)
    await painted()
    return time.perf_counter() - sent


async def switched(pilot, view: View, sent: float) -> float:  # type: ignore[no-untyped-def]
    """Seconds from *sent* until the screen shows *view* with whatever figures it holds."""
    app = pilot.app
    while not (isinstance(app.screen, InsightsScreen) and app.screen.view is view
               and view not in app.screen._pending and view in app.screen.data):
        await tick(sent)
    await painted()
    return time.perf_counter() - sent


async def measure(db: Path, now: datetime, runs: int, size: tuple[int, int]) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {}

    def note(label: str, seconds: float) -> None:
        timings.setdefault(label, []).append(seconds)

    app = TsshopApp(db_path=db, settings=Settings(refresh_seconds=300), clock=FixedClock(now), read_only=True)
    read_ahead = InsightsScreen._read_ahead
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for run in range(runs):
            # Cold: a new screen, nothing read ahead; every view reads its figures when asked.
            InsightsScreen._read_ahead = lambda self: None  # type: ignore[method-assign]
            note("cold  H → health", await shown(pilot, View.HEALTH, await key(app, "H")))
            screen = app.screen
            assert isinstance(screen, InsightsScreen)
            for view in (View.CREATORS, View.PRODUCTS, View.CAMPAIGNS, View.TRENDS, View.LIVE):
                note(f"cold  {KEYS[view]} → {view.value}", await shown(pilot, view, await key(app, KEYS[view])))
                if run == 0:
                    print(f"  {view.value:<10} {describe(view, screen.data[view])}", flush=True)
            if run == 0:
                print(f"  {'health':<10} {describe(View.HEALTH, screen.data[View.HEALTH])}", flush=True)
            # New settings on the creator scorecard: the 7-day window, then sorted by orders.
            await switched(pilot, View.CREATORS, await key(app, "c"))
            for name, label, back in (("w", "cold  w → creators 7 days", ["w"]),
                                      ("s", "cold  s → creators by orders", ["s"] * 6)):
                note(label, await shown(pilot, View.CREATORS, await key(app, name)))
                for other in back:  # back to 30 days / by GMV
                    await key(app, other)
                    await pilot.pause()
                await app.workers.wait_for_complete()
                await pilot.pause()
            # Drill down: the late shipments of the last 7 days in the order list.
            await switched(pilot, View.HEALTH, await key(app, "h"))
            await pilot.press("j", "j")
            sent = await key(app, "enter")
            while not isinstance(app.screen, MainScreen) or not app.screen.filters.active:
                await asyncio.sleep(0.002)
            await pilot.pause()
            note("enter → late shipments 7d", time.perf_counter() - sent)
            app.screen.action_clear_filters()
            await pilot.pause()

            # Warm: the screen reads the other views ahead once health is up (as it does for users).
            InsightsScreen._read_ahead = read_ahead  # type: ignore[method-assign]
            await shown(pilot, View.HEALTH, await key(app, "H"))
            started = time.perf_counter()
            await app.workers.wait_for_complete()
            note("read ahead (background)", time.perf_counter() - started)
            for view in (View.CREATORS, View.PRODUCTS, View.CAMPAIGNS):
                note(f"warm  {KEYS[view]} → {view.value}", await switched(pilot, view, await key(app, KEYS[view])))
            await key(app, "escape")
            await pilot.pause()
            # Busy: products asked for the moment health is up, while the read-ahead has begun.
            await shown(pilot, View.HEALTH, await key(app, "H"))
            note("busy  p right after H", await switched(pilot, View.PRODUCTS, await key(app, "p")))
            await app.workers.wait_for_complete()
            await key(app, "escape")
            await pilot.pause()
    return timings


def reads_alone(db: Path, now: datetime, runs: int) -> dict[str, float]:
    """The same reads as the TUI makes (read_figures: health's two windows side by side), without
    the TUI: median seconds per view, to tell the SQL from the screen."""
    medians = {}
    for view, request in ((View.HEALTH, (View.HEALTH,)), *(((v, (v, 30, "gmv", None)) for v in
                          (View.CREATORS, View.PRODUCTS, View.CAMPAIGNS)))):
        times = []
        for _ in range(runs):
            session = ReadSession(lambda: Store(db, clock=FixedClock(now), read_only=True, create=False))
            started = time.perf_counter()
            read_figures(session, request)
            times.append(time.perf_counter() - started)
        medians[view.value] = statistics.median(times)
    return medians


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=Path("/tmp/bench1m.db"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench1m-insights.db"))
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--now", help="ISO moment taken as now (default: the newest order's creation)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", default="80x24")
    args = parser.parse_args(argv)
    width, height = (int(x) for x in args.size.split("x"))

    path = prepare(args.db, args.work, args.orders)
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    count, newest = raw.execute("SELECT count(*), max(create_time) FROM orders").fetchone()
    raw.close()
    if args.now:
        now = datetime.fromisoformat(args.now)
        now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    else:
        now = from_epoch(newest)
    print(f"\ntsshop insights screen benchmark · {path} · {count:,} orders · now {now:%Y-%m-%d %H:%M:%S} UTC"
          f" · {width}x{height} · median of {args.runs}")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} (timings are wall clock)", flush=True)
    record_applies()
    timings = asyncio.run(measure(path, now, args.runs, (width, height)))

    alone = reads_alone(path, now, args.runs)
    header = f"{'key → view':<30}{'first s':>8}{'median s':>9}{'max s':>7}{'reads s':>8}  ≤1 s"
    print(header)
    print("-" * len(header))
    misses = 0
    for label, times in timings.items():
        median = statistics.median(times)
        judged = label.startswith("cold") and any(v in label for v in ("health", "creators", "products", "campaigns"))
        verdict = ("PASS" if median <= TARGET_S else "MISS") if judged else "info"
        misses += verdict == "MISS"
        view = label.split("→ ")[-1]
        reads = f"{alone[view]:>8.3f}" if label.startswith("cold") and view in alone else " " * 8
        print(f"{label:<30}{times[0]:>8.3f}{median:>9.3f}{max(times):>7.3f}{reads}  {verdict}")
    print("reads s: the same reads without the TUI (median), health's two windows side by side as on screen")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
