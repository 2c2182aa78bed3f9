"""Insights: seller health, creator / product / campaign scorecards, daily trends, live campaign monitor.

One screen, six views switched by key (h c p a t l, 1-6, or [ ]). Figures are read off the UI
thread (insights_reads.FigureScreen: interruptible, read ahead, kept for a minute); a view keeps
showing its last figures meanwhile. `enter` opens the orders behind a row in a list of their own. The
live monitor re-reads on a timer (the refresh interval), only while it is showing.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import ContentSwitcher, DataTable, Static

from ...domain.metrics import MIN_RATE_SAMPLE, RATE_BASES, SPIKE_RULE, WINDOWS, Metric, ScoreSort, State
from ...domain.model import ContentType
from ...domain.query import Filters, Sort
from ..format import CURRENCY_SIGNS
from ..paths import stylesheet
from ..widgets.bar_chart import BarChart
from ..widgets.insight_table import (
    CONTENT_LABELS,
    WIDE,
    InsightTable,
    flex_width,
    health_columns,
    health_rows,
    score_columns,
    score_rows,
)
from ..widgets.steady_footer import SteadyFooter
from .insights_data import SCORECARDS, TABLE_VIEWS, TREND_DAYS, Live, View
from .insights_reads import FigureScreen
from .insights_views import as_of, backlog_verdict, health_note, live_figures, minute_chart, spike_banner, trend_chart

VIEW_TABS: dict[View, tuple[str, str]] = {
    View.HEALTH: ("h", "Health"),
    View.CREATORS: ("c", "Creators"),
    View.PRODUCTS: ("p", "Products"),
    View.CAMPAIGNS: ("a", "Campaigns"),
    View.TRENDS: ("t", "Trends"),
    View.LIVE: ("l", "Live"),
}
CONTENTS: tuple[ContentType | None, ...] = (None, *ContentType)
SORTS = tuple(ScoreSort)
SORT_LABELS = {
    ScoreSort.GMV: "GMV",
    ScoreSort.ORDERS: "orders",
    ScoreSort.UNITS: "units",
    ScoreSort.CANCELLATION_RATE: "cancel rate",
    ScoreSort.SELLER_FAULT: "seller-fault",
    ScoreSort.RETURN_RATE: "return rate",
    ScoreSort.LATE: "late shipments",
}
MAX_ROWS = 500  # scorecards hold a few hundred rows at most; more would only slow the table


def _pane(view: View) -> str:
    """The ContentSwitcher child that shows *view*."""
    return "tables" if view in TABLE_VIEWS else view.value


class InsightsScreen(FigureScreen):
    """Seller health and creator insights; escape returns to the orders."""

    CSS_PATH = stylesheet("insights.tcss")
    BINDINGS = [
        Binding("escape", "back", "Back", id="insights.back", tooltip="Back to the order list"),
        Binding("h,1", "view('health')", "Health", show=False, id="insights.health",
                tooltip="SFCR, LDR, VTR and return rate over 7 and 30 days against their targets"),
        Binding("c,2", "view('creators')", "Creators", show=False, id="insights.creators",
                tooltip="Creator scorecard: orders, GMV, cancellations, returns, late shipments"),
        Binding("p,3", "view('products')", "Products", show=False, id="insights.products",
                tooltip="Product and SKU scorecard: which products get cancelled and returned"),
        Binding("a,4", "view('campaigns')", "Campaigns", show=False, id="insights.campaigns",
                tooltip="Campaign scorecard"),
        Binding("t,5", "view('trends')", "Trends", show=False, id="insights.trends",
                tooltip="Daily orders, cancellations and returns over the last 30 days"),
        Binding("l,6", "view('live')", "Live", show=False, id="insights.live",
                tooltip="Orders per minute, spike alert and the to-ship backlog forecast, refreshing"),
        Binding("right_square_bracket", "next_view(1)", "Next view", show=False, id="insights.next",
                tooltip="The next view to the right"),
        Binding("left_square_bracket", "next_view(-1)", "Previous view", show=False, id="insights.previous",
                tooltip="The previous view to the left"),
        Binding("enter", "open_orders", "Orders", id="insights.orders", priority=True,
                tooltip="Open the orders behind the row in a list of their own (esc comes back here)"),
        Binding("j", "cursor(1)", "Down", show=False, id="insights.down", tooltip="Cursor down"),
        Binding("k", "cursor(-1)", "Up", show=False, id="insights.up", tooltip="Cursor up"),
        Binding("g", "cursor_end(False)", "First", show=False, id="insights.first", tooltip="First row"),
        Binding("G", "cursor_end(True)", "Last", show=False, id="insights.last", tooltip="Last row"),
        Binding("s", "cycle_sort", "Sort", id="insights.sort",
                tooltip="Sort by GMV, orders, units, cancel rate, seller-fault, return rate, late (biggest first)"),
        Binding("w", "toggle_window", "7/30 days", id="insights.window", tooltip="Last 7 or last 30 days"),
        Binding("f", "cycle_content", "Content", id="insights.content",
                tooltip="Only LIVE, video or showcase orders, or all"),
        Binding("e", "toggle_split", "Split", id="insights.split",
                tooltip="Split each row by content type (creators, campaigns) or by SKU (products)"),
        Binding("r", "refresh", "Refresh", show=False, id="insights.refresh", tooltip="Read the figures again now"),
    ]

    def __init__(self, view: View | str = View.HEALTH) -> None:
        super().__init__(view)
        self.days = 30
        self.sort = ScoreSort.GMV
        self.content: ContentType | None = None
        self.split = False
        self._cursors: dict[View, str] = {}  # the row key each table view's cursor was last on
        self._live_timer: Any = None
        self._sign = ""

    def compose(self) -> ComposeResult:
        yield Static(id="insights-tabs")
        yield Static(id="insights-context")
        # Health and the scorecards share one table, refilled on a switch: cheaper than showing
        # and focusing another table (a restyle of every component class, and a new footer).
        with ContentSwitcher(initial=_pane(self.view), id="insights-body"):
            with Vertical(id="tables"):
                yield InsightTable(id="table")
                yield Static(id="health-note")
            yield BarChart(id="trends")
            with Vertical(id="live"):
                yield Static("Loading…", id="live-banner")
                yield BarChart(id="live-chart")
                yield Static(id="live-figures")
                yield Static(id="live-verdict")
        yield SteadyFooter(compact=True)

    def on_mount(self) -> None:
        rows = self.tsshop.store.page("all", limit=1).rows
        self._sign = CURRENCY_SIGNS.get(rows[0].currency, "") if rows else ""
        self.query_one("#health-note", Static).update(Text("Reading the figures…", style="dim"))
        self._show_view()

    def on_screen_resume(self) -> None:
        """Shown (first time, or back from help or the palette): read what is missing or live."""
        if self.view not in self.data or self.view is View.LIVE:
            self._load()

    # Views --------------------------------------------------------------------------------

    @property
    def table(self) -> InsightTable:
        return self.query_one("#table", InsightTable)

    def _show_view(self) -> None:
        self.query_one(ContentSwitcher).current = _pane(self.view)
        if self.view in TABLE_VIEWS:
            self.query_one("#health-note").display = self.view is View.HEALTH
            self._fill_table()
            self.table.focus()
        else:
            self.set_focus(None)
        self.refresh_bindings()
        self._update_lines()

    def _fill_table(self) -> None:
        """The table as the current view has it: its figures (or only its columns, until they
        come), the cursor on the row it was last on."""
        view, table, width = self.view, self.table, self.size.width or 80
        data, wide = self.data.get(view), width >= WIDE
        if view is View.HEALTH:
            columns = health_columns(wide)
            rows = health_rows(data, wide, table.state_style) if data else []
        else:
            columns = score_columns(view.value, self.sort, wide)
            rows = [] if data is None else score_rows(
                view.value, data[:MAX_ROWS], split=self.split, content=self.content, days=self.days, sign=self._sign,
                wide=wide, name_width=flex_width(columns, width), table=table,
            )
        table.fill(columns, rows, width, cursor_key=self._cursors.get(view))
        if view is View.HEALTH:
            self._update_note()

    def _update_lines(self) -> None:
        tabs = Text(" Insights ", style="bold")
        for view, (key, label) in VIEW_TABS.items():
            if view is self.view:
                tabs.append(f" {key} {label} ", style="bold reverse")
            else:
                tabs.append_text(Text.assemble(" ", (key, "bold"), f" {label} "))
        self.query_one("#insights-tabs", Static).update(tabs)
        left = Text(self._context_text())
        if self.error:
            right = Text(f"error: {self.error}", style="bold red")
        elif self.view in self._pending:
            right = Text("loading…", style="bold")
        elif self.view in self.loaded_at:
            right = Text(as_of(self.loaded_at[self.view]), style="dim")
        else:
            right = Text("")
        width = self.size.width or 80
        base = RATE_BASES.get(self.sort) if self.view in SCORECARDS else None
        note = f" · rates over {MIN_RATE_SAMPLE}+ {base} first" if base is not None else ""
        if note and left.cell_len + len(note) + right.cell_len + 2 <= width:
            left.append(note, style="dim")
        left.truncate(max(width - right.cell_len - 2, 10), overflow="ellipsis")
        gap = max(width - left.cell_len - right.cell_len - 1, 1)
        self.query_one("#insights-context", Static).update(left + Text(" " * gap) + right)

    def _context_text(self) -> str:
        view, data = self.view, self.data.get(self.view)
        if view is View.HEALTH:
            if not data:
                return " Seller health over the last 7 and 30 days"
            parts = []
            for days, metrics in sorted(data.items()):
                states = [m.state for m in metrics]
                breaches, warnings = states.count(State.BREACH), states.count(State.WARNING)
                summary = [f"{breaches} in breach" if breaches else "", f"{warnings} warning" if warnings else ""]
                parts.append(f"{days} days: " + (", ".join(s for s in summary if s) or "all on target"))
            return " Last " + " · ".join(parts)
        if view in SCORECARDS:
            content = CONTENT_LABELS[self.content] if self.content else "all content"
            text = f" Last {self.days} days · {content} · sort: {SORT_LABELS[self.sort]} ↓"
            if data is not None:
                shown = f"first {MAX_ROWS} of " if len(data) > MAX_ROWS else ""
                text += f" · {shown}{len(data):,} {view.value}"
            return text
        if view is View.TRENDS:
            return f" The last {TREND_DAYS} days, per UTC day, by the day orders were created"
        return f" Orders per minute, last hour · refreshes every {self.tsshop.settings.refresh_seconds:g}s"

    # Loading ------------------------------------------------------------------------------

    def _request(self, view: View) -> tuple[Any, ...]:
        return (view, self.days, self.sort, self.content) if view in SCORECARDS else (view,)

    def _landed(self, view: View) -> None:
        if view is not View.LIVE:
            self._read_ahead()
        elif self.view is View.LIVE:
            self._schedule_live()

    def _render_view(self, view: View) -> None:
        data = self.data[view]
        if view in TABLE_VIEWS:
            if view is self.view:
                self._fill_table()
        elif view is View.TRENDS:
            self.query_one("#trends", BarChart).chart = trend_chart(data)
        else:
            live: Live = data
            banner = self.query_one("#live-banner", Static)
            banner.update(spike_banner(live.spike))
            banner.set_class(live.spike.spiking, "-spiking")
            self.query_one("#live-chart", BarChart).chart = minute_chart(live.per_minute, SPIKE_RULE)
            self.query_one("#live-figures", Static).update(
                live_figures(live.spike, live.forecast, sum(live.per_minute))
            )
            state, verdict = backlog_verdict(live.forecast)
            line = self.query_one("#live-verdict", Static)
            line.update(verdict)
            for name in ("risk", "overdue", "ok"):
                line.set_class(name == state, f"-{name}")

    def on_resize(self) -> None:
        if self.view in TABLE_VIEWS:
            self._fill_table()
        self._update_lines()

    @on(DataTable.RowHighlighted, "#table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        if key is not None and key in self.table.targets:  # a row of the view on show, not a stale event
            self._cursors[self.view] = key
            if self.view is View.HEALTH:
                self._update_note()

    def _update_note(self) -> None:
        key, data = self.table.cursor_key, self.data.get(View.HEALTH)
        if key is None or not data or key not in self.table.targets or ":" not in key:
            return
        metric_key, days = key.split(":")
        metric: Metric = next(m for m in data[int(days)] if m.key.value == metric_key)
        self.query_one("#health-note", Static).update(health_note(metric, int(days)))

    # The live monitor -----------------------------------------------------------------------

    def _schedule_live(self) -> None:
        if self._live_timer is not None:
            self._live_timer.stop()
        self._live_timer = self.set_timer(self.tsshop.settings.refresh_seconds, self._live_tick)

    def _live_tick(self) -> None:
        """Read again when the last read has landed, only while the monitor is what the user sees."""
        self._live_timer = None
        if self.view is View.LIVE and self.app.screen is self and View.LIVE not in self._pending:
            self._load()

    # Actions ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("cycle_sort", "toggle_window", "cycle_content", "toggle_split"):
            return self.view in SCORECARDS
        if action in ("open_orders", "cursor", "cursor_end"):
            return self.view in TABLE_VIEWS
        return True

    def action_view(self, view: str) -> None:
        self.view = View(view)
        self._load()  # first: the read starts while the view is laid out
        self._show_view()

    def action_next_view(self, step: int) -> None:
        views = list(View)
        self.action_view(views[(views.index(self.view) + step) % len(views)])

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_refresh(self) -> None:
        self._load(force=True)

    def action_cursor(self, step: int) -> None:
        (self.table.action_cursor_down if step > 0 else self.table.action_cursor_up)()

    def action_cursor_end(self, last: bool) -> None:
        self.table.move_cursor(row=self.table.row_count - 1 if last else 0, animate=False)

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._reorder()

    def action_toggle_window(self) -> None:
        self.days = WINDOWS[(WINDOWS.index(self.days) + 1) % len(WINDOWS)] if self.days in WINDOWS else WINDOWS[0]
        self._reorder()

    def action_cycle_content(self) -> None:
        self.content = CONTENTS[(CONTENTS.index(self.content) + 1) % len(CONTENTS)]
        self._reorder()

    def _reorder(self) -> None:
        """New scorecard figures: every scorecard starts again from its top row."""
        for view in SCORECARDS:
            self._cursors.pop(view, None)
        self._load()

    def action_toggle_split(self) -> None:
        self.split = not self.split
        self._fill_table()

    @on(DataTable.RowSelected)
    def action_open_orders(self) -> None:
        if self.view not in TABLE_VIEWS:
            return
        target = self.table.cursor_target
        if target is None:
            self.notify("No orders behind this row.", timeout=3)
            return
        self.show_orders(target)

    def show_orders(self, filters: Filters) -> None:
        """The orders behind a row in a list of their own over this screen (the All tab under
        *filters*, newest first); esc there comes back here, the work tabs stay as they were."""
        from .main import DrillDown, MainScreen

        drill = DrillDown("Insights", VIEW_TABS[self.view][1], tab="all", filters=filters, sort=Sort.CREATED,
                          descending=True)
        self.app.push_screen(MainScreen(drill))

    def palette_commands(self) -> Iterable[SystemCommand]:
        for view, (key, label) in VIEW_TABS.items():
            yield SystemCommand(f"Insights: {label}", f"{key} · {self._binding_tooltip(view)}",
                                partial(self.action_view, view.value))
        yield SystemCommand("Back to the orders", "esc", self.action_back)

    def _binding_tooltip(self, view: View) -> str:
        binding = next(b for b in self.BINDINGS if isinstance(b, Binding) and b.id == f"insights.{view.value}")
        return binding.tooltip or ""
