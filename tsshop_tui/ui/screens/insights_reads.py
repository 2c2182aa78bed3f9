"""How the insights screen reads its figures: off the UI thread, interruptible, read ahead.

The view on show is read in a thread worker (group "insights") in a ReadSession of its own; asking
for something else stops that session, interrupting its SQL. Once a view's figures land, the other
views are read ahead one after another (group "read-ahead"), so switching views is usually
instant; figures less than CACHE_SECONDS old for the same settings are not read again. A view
asked for while the read-ahead is reading exactly it waits for that read instead of starting over.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from .insights_data import ReadSession, View, read_figures

if TYPE_CHECKING:
    from ..app import TsshopApp

CACHE_SECONDS = 60.0  # figures this fresh are shown again as they are (r reads anyway)


class FigureScreen(Screen[None]):
    """The reading half of the insights screen; the subclass says what to read and shows it."""

    READ_AHEAD: tuple[View, ...] = (View.HEALTH, View.CREATORS, View.PRODUCTS, View.CAMPAIGNS, View.TRENDS)
    NEVER_FRESH: tuple[View, ...] = (View.LIVE,)

    def __init__(self, view: View | str) -> None:
        super().__init__()
        self.view = View(view)
        self.data: dict[View, Any] = {}
        self.loaded_at: dict[View, datetime] = {}
        self.error: str | None = None
        self._pending: dict[View, tuple[Any, ...]] = {}  # the request each view waits for
        self._held: dict[View, tuple[tuple[Any, ...], float]] = {}  # request and monotonic time of the figures
        self._session: ReadSession | None = None  # the read of the view on show
        self._ahead: ReadSession | None = None  # the other views, read ahead

    @property
    def tsshop(self) -> TsshopApp:
        return self.app  # type: ignore[return-value]

    @property
    def now(self) -> datetime:
        return self.tsshop.clock.now()

    # What the subclass provides.

    def _request(self, view: View) -> tuple[Any, ...]:
        """What to read for *view* under the current settings (its first item is the view)."""
        raise NotImplementedError

    def _render_view(self, view: View) -> None:
        """Show *view*'s figures (``self.data[view]``)."""
        raise NotImplementedError

    def _update_lines(self) -> None:
        """Redraw the lines that say what is loading, when figures are from, errors."""
        raise NotImplementedError

    def _landed(self, view: View) -> None:
        """Figures the user asked for are on screen."""
        self._read_ahead()

    def on_unmount(self) -> None:
        """Gone (escape, or enter to the orders): reads in flight are of no use to anyone."""
        self.workers.cancel_node(self)
        for session in (self._session, self._ahead):
            if session is not None:
                session.stop()

    def _fresh(self, view: View) -> bool:
        """Whether *view* holds figures for the current settings read less than CACHE_SECONDS ago."""
        held = self._held.get(view)
        return (
            view not in self.NEVER_FRESH
            and held is not None
            and held[0] == self._request(view)
            and time.monotonic() - held[1] < CACHE_SECONDS
        )

    def _load(self, *, force: bool = False) -> None:
        """Read the current view's figures unless fresh ones are on screen (``force``: read anyway).

        A read still in flight for another request is stopped (interrupted): the view the user is
        looking at gets the CPU. If the read-ahead is reading exactly this request right now, its
        figures are waited for instead of read twice; otherwise the read-ahead stops too.
        """
        request = self._request(self.view)
        if not force and self._fresh(self.view):
            self._update_lines()
            self._read_ahead()
            return
        self.workers.cancel_group(self, "insights")
        if self._session is not None:
            self._session.stop()
        self._pending.clear()
        self._pending[self.view] = request
        self.error = None
        self._update_lines()
        if not force and self._ahead is not None and self._ahead.current == request:
            return  # _apply_ahead brings it
        self._stop_reading_ahead()
        self._session = ReadSession(self.tsshop.open_store)
        self._fetch(self._session, request)

    @work(thread=True, exclusive=True, group="insights", exit_on_error=False)
    def _fetch(self, session: ReadSession, request: tuple[Any, ...]) -> None:
        worker = get_current_worker()
        try:
            figures = read_figures(session, request)
        except sqlite3.OperationalError:
            if worker.is_cancelled:
                return  # interrupted by a newer read
            raise
        if not worker.is_cancelled:
            self.app.call_from_thread(self._apply, request, figures)

    def _apply(self, request: tuple[Any, ...], figures: Any) -> None:
        view = request[0]
        if self._pending.get(view) != request or not self.is_attached:
            return  # a newer read is on its way
        del self._pending[view]
        self._hold(request, figures)
        self._update_lines()
        self._landed(view)

    def _hold(self, request: tuple[Any, ...], figures: Any) -> None:
        view = request[0]
        self.data[view] = figures
        self.loaded_at[view] = self.now
        self._held[view] = (request, time.monotonic())
        self._render_view(view)

    # Reading ahead: the other views' figures, one after another, while the user reads this one.

    def _read_ahead(self) -> None:
        """Read the views that hold no fresh figures, unless a read-ahead is already on its way."""
        if self._ahead is not None and not self._ahead.stopped:
            return
        requests = [self._request(v) for v in self.READ_AHEAD if v is not self.view and not self._fresh(v)]
        if requests:
            self._ahead = ReadSession(self.tsshop.open_store)
            self._fetch_ahead(self._ahead, requests)

    def _stop_reading_ahead(self) -> None:
        self.workers.cancel_group(self, "read-ahead")
        if self._ahead is not None:
            self._ahead.stop()

    @work(thread=True, exclusive=True, group="read-ahead", exit_on_error=False)
    def _fetch_ahead(self, session: ReadSession, requests: list[tuple[Any, ...]]) -> None:
        worker = get_current_worker()
        try:
            for request in requests:
                if worker.is_cancelled:
                    return
                session.current = request
                try:
                    figures = read_figures(session, request)
                except sqlite3.Error:
                    if not worker.is_cancelled:  # not interrupted: a view waiting for it reads itself
                        self.app.call_from_thread(self._ahead_failed, request)
                    return
                if worker.is_cancelled:
                    return
                # Blocks until applied: while it waits, `current` still says what is on its way.
                self.app.call_from_thread(self._apply_ahead, request, figures)
                session.current = None
        finally:
            session.stop()  # done: the next read-ahead may start

    def _ahead_failed(self, request: tuple[Any, ...]) -> None:
        if self.is_attached and self._pending.get(request[0]) == request:
            self._session = ReadSession(self.tsshop.open_store)
            self._fetch(self._session, request)  # and report the error, if it happens again

    def _apply_ahead(self, request: tuple[Any, ...], figures: Any) -> None:
        view = request[0]
        if not self.is_attached or request != self._request(view):
            return
        if view in self._pending:
            if self._pending[view] == request:
                self._apply(request, figures)  # the read the user asked for, brought by the read-ahead
            return
        self._hold(request, figures)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.group == "insights":
            self.error = str(event.worker.error) or type(event.worker.error).__name__
            self._pending.clear()
            self._update_lines()
            self.notify(f"Could not read the figures: {self.error}", severity="error", timeout=6)
