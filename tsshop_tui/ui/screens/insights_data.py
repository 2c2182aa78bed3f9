"""The figures behind the insights screen's views, read off the UI thread.

Every read runs on a connection of its own (a SQLite connection belongs to the thread that opened
it) and can be interrupted from the UI thread when a newer read makes it stale. No Textual here.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from enum import StrEnum
from functools import partial
from typing import Any, NamedTuple

from ...domain.metrics import SPIKE_RULE, WINDOWS, BacklogForecast, Spike, detect_spike
from ...store import Store

TREND_DAYS = 30


class View(StrEnum):
    HEALTH = "health"
    CREATORS = "creators"
    PRODUCTS = "products"
    CAMPAIGNS = "campaigns"
    TRENDS = "trends"
    LIVE = "live"


SCORECARDS = (View.CREATORS, View.PRODUCTS, View.CAMPAIGNS)
TABLE_VIEWS = (View.HEALTH, *SCORECARDS)


class Live(NamedTuple):
    per_minute: list[int]
    spike: Spike
    forecast: BacklogForecast


class ReadSession:
    """The reads of one request (or one batch read ahead): each on a new connection of its own.

    ``stop`` (from the UI thread) interrupts every read in flight and makes any later read of the
    session fail at once, so a stale session never holds the CPU the next one needs.
    """

    def __init__(self, open_store: Callable[[], Store]) -> None:
        self.open_store = open_store
        self.current: tuple[Any, ...] | None = None  # the request being read (read-ahead sessions)
        self._open: set[Store] = set()
        self._stopped = False
        self._lock = threading.Lock()

    @property
    def stopped(self) -> bool:
        return self._stopped

    def read(self, fn: Callable[[Store], Any]) -> Any:
        """*fn* on a new connection, closed after; sqlite3.OperationalError once stopped."""
        store = self.open_store()
        with self._lock:
            if self._stopped:
                store.close()
                raise sqlite3.OperationalError("interrupted")
            self._open.add(store)
        try:
            return fn(store)
        finally:
            with self._lock:
                self._open.discard(store)
            store.close()

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            for store in self._open:
                try:
                    store.conn.interrupt()
                except sqlite3.ProgrammingError:  # closed meanwhile
                    pass


def read_figures(session: ReadSession, request: tuple[Any, ...]) -> Any:
    """The figures of one view (runs in a worker thread; every read on a connection of its own).

    Health reads its two windows side by side: SQLite releases the GIL while it works, so the
    screen waits for the slower window (30 days), not for both one after the other.
    """
    view = request[0]
    if view is View.HEALTH:
        with ThreadPoolExecutor(max_workers=len(WINDOWS), thread_name_prefix="health") as pool:
            futures = {days: pool.submit(session.read, partial(Store.metrics, days=days)) for days in WINDOWS}
            return {days: future.result() for days, future in futures.items()}
    return session.read(partial(_read_one, request=request))


def _read_one(store: Store, request: tuple[Any, ...]) -> Any:
    view = request[0]
    if view in SCORECARDS:
        _, days, sort, content = request
        read = {View.CREATORS: store.creator_scorecard, View.PRODUCTS: store.product_scorecard,
                View.CAMPAIGNS: store.campaign_scorecard}[view]
        return read(days, sort, content)
    if view is View.TRENDS:
        return store.daily_trend(TREND_DAYS)
    per_minute = store.orders_per_minute(SPIKE_RULE.minutes)
    return Live(per_minute, detect_spike(per_minute, SPIKE_RULE), store.backlog_forecast())
