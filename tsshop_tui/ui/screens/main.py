"""The main screen: status tabs with live counts, the order list (list or card view), search and filters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.widgets import Footer, Static

from ...config import ConfigError, SavedView, save_view, saved_views
from ...domain.catalog import DEFAULT_TAB, TAB_IDS, TABS, TABS_BY_ID
from ...domain.catalog import SORTS as CATALOG_SORTS
from ...domain.model import Order
from ...domain.query import SORT_LABELS, Filters, Sort
from ...domain.shops import Shop
from ...domain.text import visible
from ...store import Cursor, OrderRow, Page, Store
from .. import actions
from ..format import clock_text, orders_count, remote_state
from ..paths import stylesheet
from ..sync import header_forms, shop_syncs
from ..widgets.order_list import OrderList
from ..widgets.shop_header import ShopHeader
from ..widgets.tab_strip import TabStrip
from .order_actions import OrderActions, Target

if TYPE_CHECKING:
    from ..app import TsshopApp

SORTS = tuple(Sort(sort) for sort in CATALOG_SORTS)
INTERVALS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
COUNTS_EVERY = 30.0


class TabSource:
    """Pages of one tab under the screen's filters and sort, read through the UI thread's store."""

    def __init__(self, store: Store, tab: str, filters: Filters, sort: Sort, descending: bool) -> None:
        self.store, self.tab, self.filters, self.sort, self.descending = store, tab, filters, sort, descending

    def fetch(self, after: Cursor | None, limit: int, inclusive: bool = False) -> Page:
        return self.store.page(
            self.tab, filters=self.filters, sort=self.sort, descending=self.descending,
            after=after, limit=limit, inclusive=inclusive,
        )

    def fetch_before(self, before: Cursor, limit: int) -> list[OrderRow]:
        return self.store.page_before(
            self.tab, before, filters=self.filters, sort=self.sort, descending=self.descending, limit=limit
        )

    def fetch_last(self, limit: int) -> list[OrderRow]:
        page = self.store.page(
            self.tab, filters=self.filters, sort=self.sort, descending=not self.descending, limit=limit
        )
        return page.rows[::-1]

    def cursor_of(self, row: OrderRow) -> Cursor:
        return Cursor(self.store.sort_value(row, self.sort), row.id)

    def orders(self, rows: list[OrderRow]) -> dict[str, Order]:
        return {order.id: order for order in self.store.get_many(row.id for row in rows)}


def chip_text(labels: list[str], room: int) -> Text:
    """'  Filters:  a   b  +2 more': whole chips while they fit in *room* cells, then how many
    did not; a chip is never cut, so every filter is either shown or counted. The 'Filters:'
    label goes when leaving it out shows more chips."""
    labelled = _chips(Text("  Filters: ", style="dim"), labels, room)
    if labelled[1] == len(labels):
        return labelled[0]
    bare = _chips(Text(" "), labels, room)
    return bare[0] if bare[1] > labelled[1] else labelled[0]


def _chips(text: Text, labels: list[str], room: int) -> tuple[Text, int]:
    """*text* with as many whole chips as fit and '+N more' for the rest; and how many are shown."""
    for i, label in enumerate(labels):
        chip = Text(f" {visible(label)} ", style="reverse")
        left = len(labels) - i - 1
        more = len(f" +{left} more") if left else 0
        if text.cell_len + (1 if i else 0) + chip.cell_len + more > room:
            text.append(f"{' ' if i else ''}+{len(labels) - i} more", style="bold")
            return text, i
        if i:
            text.append(" ")
        text.append_text(chip)
    return text, len(labels)


@dataclass(frozen=True)
class DrillDown:
    """Orders opened from another screen (the figures of Insights) in a list of their own: its
    tab, filters and sort belong to it alone, and esc goes back to where it was opened from."""

    origin: str  # the screen esc goes back to, "Insights"
    view: str  # what there the orders are behind, "Creators"
    tab: str
    filters: Filters
    sort: Sort
    descending: bool


class MainScreen(OrderActions):
    """Where a warehouse team works all day."""

    CSS_PATH = stylesheet("main.tcss")
    BINDINGS = [
        *(
            Binding(tab.key, f"tab('{tab.id}')", tab.label, show=False, id=f"main.tab.{tab.id}")
            for tab in TABS if tab.key
        ),
        Binding("right_square_bracket", "next_tab(1)", "Next tab", show=False, id="main.tab.next",
                tooltip="Next tab to the right"),
        Binding("left_square_bracket", "next_tab(-1)", "Previous tab", show=False, id="main.tab.previous",
                tooltip="Previous tab to the left"),
        Binding("v", "toggle_view", "View", id="main.view.toggle",
                tooltip="Switch list view (bulk work) and card view (lines, buyer message, notes)"),
        Binding("slash", "search", "Search", id="main.search",
                tooltip="Bulk search up to 100 order IDs, tracking numbers, product IDs, SKU IDs, seller SKUs"),
        Binding("f", "filter", "Filter", id="main.filter",
                tooltip="Combine filters: overdue, at risk, flag, note, creator, campaign, content, product, dates"),
        Binding("F", "clear_filters", "Clear filters", show=False, id="main.filter.clear",
                tooltip="Remove every filter chip"),
        *actions.bindings("main"),
        Binding("s", "cycle_sort", "Sort", show=False, id="main.sort",
                tooltip="Sort by ship-by, created time, total (Action needed: by deadline)"),
        Binding("S", "reverse_sort", "Reverse sort", show=False, id="main.sort.reverse",
                tooltip="Reverse the sort"),
        Binding("u", "untag_all", "Untag all", show=False, id="main.tag.clear",
                tooltip="Untag every tagged order (the only key that does)"),
        Binding("p", "pause", "Pause live", show=False, id="main.live.pause",
                tooltip="Pause or resume following the database"),
        Binding("plus", "interval(-1)", "Refresh faster", show=False, id="main.live.faster",
                tooltip="Poll the database more often"),
        Binding("minus", "interval(1)", "Refresh slower", show=False, id="main.live.slower",
                tooltip="Poll the database less often"),
        Binding("b", "save_view", "Save view", show=False, id="main.view.save",
                tooltip="Save tab + filters + sort as a named view (recall with ctrl+p)"),
        Binding("H", "insights", "Insights", show=False, id="main.insights",
                tooltip="Seller health, creator / product / campaign scorecards, trends, live campaign monitor"),
        Binding("T", "shops", "Shops and sync", show=False, id="main.shops",
                tooltip="Each TikTok shop's connection, last sync, lag, last error, changes waiting for TikTok"),
        Binding("escape", "back_out", "Back", show=False, id="main.back",
                tooltip="Clear the search; in orders opened from Insights, go back (tags stay: u untags)"),
    ]

    def __init__(self, drill: DrillDown | None = None) -> None:
        super().__init__()
        self.drill = drill
        self.tab = DEFAULT_TAB
        self.filters = Filters()
        self.search_ids: list[str] = []
        self.not_found: list[str] = []
        self.sort_by: dict[str, Sort] = {}
        self.descending_by: dict[str, bool] = {}
        self.counts: dict[str, int] = {}
        self.live = True
        self._data_version = -1
        self._since_counts = 0.0
        self._counts_asked = self._counts_shown = 0
        self._tags_away: set[str] = set()
        self._timer = None
        self._shops: list[Shop] = []

    @property
    def tsshop(self) -> TsshopApp:
        return self.app  # type: ignore[return-value]

    @property
    def store(self) -> Store:
        return self.tsshop.store

    @property
    def now(self) -> datetime:
        return self.tsshop.clock.now()

    @property
    def sort(self) -> Sort:
        return self.sort_by.get(self.tab, self._sorts[0])

    @property
    def _sorts(self) -> tuple[Sort, ...]:
        """The current tab's sorts, its default first."""
        return tuple(Sort(sort) for sort in TABS_BY_ID[self.tab].sorts)

    @property
    def descending(self) -> bool:
        """Each tab keeps its own direction: reversing To ship never buries Action needed's most urgent."""
        return self.descending_by.get(self.tab, False)

    @descending.setter
    def descending(self, value: bool) -> None:
        self.descending_by[self.tab] = value

    @property
    def effective_filters(self) -> Filters:
        if self.search_ids:
            return self.filters.model_copy(update={"search": tuple(self.search_ids)})
        return self.filters

    def compose(self) -> ComposeResult:
        yield ShopHeader(id="header")
        yield Static(id="search-line")
        yield TabStrip(id="tabs")
        yield Static(id="title-line")
        yield OrderList(id="orders")
        yield Static(id="status-line")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        settings = self.tsshop.settings
        self.tab = settings.default_tab
        if self.drill is not None:
            self.tab, self.filters = self.drill.tab, self.drill.filters
            self.sort_by[self.tab], self.descending = self.drill.sort, self.drill.descending
        header = self.query_one(ShopHeader)
        header.shop = self.store.get_meta("shop_name") or self.store.path.stem
        header.read_only = self.tsshop.read_only
        header.interval = settings.refresh_seconds
        header.clock = clock_text(self.now)
        self._read_shops()
        self.query_one(OrderList).tagged = {}
        self._reload_counts_now()
        self._data_version = self.store.data_version()
        self._show()
        self.query_one(OrderList).focus()
        self._timer = self.set_interval(settings.refresh_seconds, self._poll)
        self.set_interval(1.0, self._tick)

    # Showing ------------------------------------------------------------------------------

    def _source(self) -> TabSource:
        return TabSource(self.store, self.tab, self.effective_filters, self.sort, self.descending)

    def _show(self) -> None:
        """Load the current tab from its top and redraw everything around it."""
        orders = self.query_one(OrderList)
        orders.empty_message = self._empty_message()
        orders.load(self._source(), self.tab, self.now)
        self._check_tags()
        self._update_lines()

    def _empty_message(self) -> str:
        if self.search_ids:
            return "No order in this tab matches the search. Try another tab ([ ]) or esc to clear."
        if self.filters.active:
            return "No order in this tab matches the filters. F clears them."
        return f"No orders in {TABS_BY_ID[self.tab].label}."

    def _update_lines(self) -> None:
        self.query_one(TabStrip).counts = self.counts
        self.query_one(TabStrip).active = self.tab
        self._update_search_line()
        self._update_title()
        self._update_status()

    def _update_search_line(self) -> None:
        line = Text()
        if self.search_ids:
            found = len(self.search_ids) - len(self.not_found)
            line.append(" Search ", style="bold reverse")
            total = self.counts.get("all")
            line.append(f" {found} of {len(self.search_ids)} IDs matched · "
                        f"{orders_count(total) if total is not None else 'counting…'}")
            line.append(" · esc clears", style="dim")
            if self.not_found:
                line.append(f"\n Matched nothing ({len(self.not_found)}): ", style="bold red")
                line.append(visible(", ".join(self.not_found)))
        elif self.drill is not None:
            line.append(f" {self.drill.origin} › {self.drill.view} ", style="bold reverse")
            line.append("  the orders behind its row · ", style="dim")
            line.append("esc", style="bold")
            line.append(f" back to {self.drill.origin}", style="dim")
        else:
            line.append(" / ", style="bold")
            line.append("Search IDs (order, tracking, product, SKU — up to 100)", style="dim")
        self.query_one("#search-line", Static).update(line)

    def _update_title(self) -> None:
        tab = TABS_BY_ID[self.tab]
        count = self.counts.get(self.tab)
        title = Text.assemble((f" {tab.label}", "bold"), f" · {orders_count(count) if count is not None else 'counting…'}")
        arrow = "↓" if self.descending else "↑"
        sort = Text(f"sort: {SORT_LABELS[self.sort]} {arrow} ", style="dim")
        width = self.size.width or 80
        room = width - sort.cell_len - 1
        labels = [label for _, label in self.filters.chips()]
        if labels:
            title.append_text(chip_text(labels, room - title.cell_len))
        title.truncate(room, overflow="ellipsis")
        gap = max(width - title.cell_len - sort.cell_len, 1)
        self.query_one("#title-line", Static).update(title + Text(" " * gap) + sort)

    def _update_status(self) -> None:
        orders = self.query_one(OrderList)
        count = self.counts.get(self.tab)
        status = Text(f" {orders_count(count) if count is not None else 'counting…'}")
        if self.filters.active or self.search_ids:
            status.append(" (filtered)", style="dim")
        if orders.tagged:
            status.append(f" · {len(orders.tagged)} tagged", style="bold green")
        if self._tags_away:
            status.append(f" · {len(self._tags_away)} not in {TABS_BY_ID[self.tab].label}", style="bold yellow")
        row = orders.cursor_row
        if row is not None:
            status.append(f" · {row.id}", style="dim")
        status.append(f" · {'card' if orders.cards else 'list'} view", style="dim")
        remote = remote_state(row.pending_action, row.remote_error) if row is not None else None
        if remote is not None:
            remote.truncate(max((self.size.width or 80) - status.cell_len - 3, 0), overflow="ellipsis")
            status.append(" · ")
            status.append_text(remote)
        self.query_one("#status-line", Static).update(status)

    # Live ---------------------------------------------------------------------------------

    def _tick(self) -> None:
        header = self.query_one(ShopHeader)
        header.clock = clock_text(self.now)
        if self._shops:
            self._read_shops()

    def _read_shops(self) -> None:
        """The TikTok shops' sync state in the header (nothing for a shop without any); a TikTok shop
        added since the start (by `tsshop shop add`) starts the sync."""
        self._shops = [shop for shop in self.store.shops() if shop.remote]
        if self._shops:
            self.tsshop.start_sync()
        self.query_one(ShopHeader).sync = header_forms(shop_syncs(self._shops, self.now), self.tsshop.sync_failure)

    def _poll(self) -> None:
        """Follow the database: when another process committed, refresh counts and the window."""
        if not self.live or self.app.screen is not self:
            return
        version = self.store.data_version()
        self._since_counts += self.tsshop.settings.refresh_seconds
        changed = version != self._data_version
        self._data_version = version
        if changed or self._since_counts >= COUNTS_EVERY:
            self.refresh_now(announce=changed)
        if changed and not self._shops:
            self._read_shops()

    def refresh_now(self, *, announce: bool = False) -> None:
        self._since_counts = 0.0
        self._count_in_worker(announce)
        self.query_one(OrderList).reload(self.now)
        self._check_tags()
        self._update_status()

    def _check_tags(self) -> None:
        """Tagged orders as the database has them now (so actions carry fresh versions), and
        which of them this tab under its filters no longer shows."""
        orders = self.query_one(OrderList)
        if not orders.tagged:
            self._tags_away = set()
            return
        ids = list(orders.tagged)
        for row in self.store.rows_for(ids):
            orders.tagged[row.id] = row
        self._tags_away = set(ids) - self.store.in_view(self.tab, ids, filters=self.effective_filters)

    def _count_in_worker(self, announce: bool) -> None:
        """Count the filters on show now in a worker; the answer carries its filters and its token."""
        self._counts_asked += 1
        self._load_counts(self._counts_asked, self.effective_filters, announce)

    @work(thread=True, exclusive=True, group="counts")
    def _load_counts(self, token: int, filters: Filters, announce: bool) -> None:
        store = self.tsshop.open_store()
        try:
            counts = store.counts(filters if filters.active else None)
        finally:
            store.close()
        self.app.call_from_thread(self._apply_counts, token, filters, counts, announce)

    def _apply_counts(self, token: int, filters: Filters, counts: dict[str, int], announce: bool) -> None:
        """Show counts unless they are stale: of other filters than those on show, or older than
        the counts on show (a slow count may land after a quicker, newer one)."""
        if filters != self.effective_filters or token <= self._counts_shown:
            return
        self._counts_shown = token
        grown = counts.get("all", 0) - self.counts.get("all", counts.get("all", 0))
        self.counts = counts
        if announce and grown > 0 and not self.search_ids:
            self.query_one(ShopHeader).new_orders += grown
        self._update_lines()

    # Messages from the list ---------------------------------------------------------------

    @on(OrderList.Moved)
    def _moved(self) -> None:
        self.query_one(ShopHeader).new_orders = 0
        self._update_status()

    @on(OrderList.Tagged)
    def _tagged(self, event: OrderList.Tagged) -> None:
        self._tags_away.discard(event.order_id)
        self._update_status()

    @on(OrderList.Opened)
    def _opened(self, event: OrderList.Opened) -> None:
        from .detail import OrderDetailScreen

        self.app.push_screen(OrderDetailScreen(event.row.id), callback=lambda _: self.refresh_now())

    # Actions ------------------------------------------------------------------------------

    def action_targets(self) -> list[Target]:
        """The tagged orders, else the order under the cursor."""
        orders = self.query_one(OrderList)
        rows = list(orders.tagged.values()) or ([orders.cursor_row] if orders.cursor_row else [])
        return [Target(r.id, r.version, r.status, r.flag) for r in rows]

    def after_change(self, changed: list[str]) -> None:
        orders = self.query_one(OrderList)
        for order_id in changed:
            orders.tagged.pop(order_id, None)
        self._data_version = self.store.data_version()
        self.refresh_now()

    def action_tab(self, tab: str) -> None:
        if tab != self.tab:
            self.tab = tab
            self._show()

    def action_next_tab(self, step: int) -> None:
        index = TAB_IDS.index(self.tab)
        self.action_tab(TABS[(index + step) % len(TABS)].id)

    def action_toggle_view(self) -> None:
        orders = self.query_one(OrderList)
        orders.set_cards(not orders.cards)
        self._update_status()

    def action_cycle_sort(self) -> None:
        sorts = self._sorts
        self.sort_by[self.tab] = sorts[(sorts.index(self.sort) + 1) % len(sorts)]
        self._show()

    def action_reverse_sort(self) -> None:
        self.descending = not self.descending
        self._show()

    def action_untag_all(self) -> None:
        orders = self.query_one(OrderList)
        count = len(orders.tagged)
        if not count:
            self.notify("No order is tagged (space tags one).", timeout=3)
            return
        orders.tagged.clear()
        self._tags_away = set()
        orders.refresh()
        self._update_status()
        self.notify(f"Untagged {count} order{'s' if count != 1 else ''}", timeout=3)

    def action_pause(self) -> None:
        self.live = not self.live
        self.query_one(ShopHeader).live = self.live
        if self.live:
            self.refresh_now()

    def action_interval(self, step: int) -> None:
        current = self.tsshop.settings.refresh_seconds
        index = min(range(len(INTERVALS)), key=lambda i: abs(INTERVALS[i] - current))
        seconds = INTERVALS[max(0, min(index + step, len(INTERVALS) - 1))]
        self.tsshop.settings.refresh_seconds = seconds
        self.query_one(ShopHeader).interval = seconds
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_interval(seconds, self._poll)

    def action_back_out(self) -> None:
        """Clear the search, else leave a drill-down; never the tags, which only u removes."""
        if self.search_ids:
            self.set_search([])
        elif self.drill is not None:
            self.app.pop_screen()

    def action_search(self) -> None:
        from ..modals.search import SearchModal

        self.app.push_screen(SearchModal(self.search_ids), callback=self._searched)

    def _searched(self, ids: list[str] | None) -> None:
        if ids is not None:
            self.set_search(ids)

    def set_search(self, ids: list[str]) -> None:
        self.search_ids = ids
        self.not_found = self.store.unmatched(ids) if ids else []
        if ids:
            self.tab = "all"
        self._reload_counts_now()
        self._show()

    def action_filter(self) -> None:
        from ..modals.filters import FilterModal

        self.app.push_screen(FilterModal(self.filters), callback=self._filtered)

    def _filtered(self, filters: Filters | None) -> None:
        if filters is not None:
            self.set_filters(filters)

    def set_filters(self, filters: Filters) -> None:
        self.filters = filters
        self._reload_counts_now()
        self._show()

    def action_clear_filters(self) -> None:
        self.set_filters(Filters())

    def _reload_counts_now(self) -> None:
        """Unfiltered counts are a lookup: at once. Filtered ones can take seconds on a big shop:
        they are counted in a worker and the screen says 'counting…' meanwhile."""
        if self.effective_filters.active:
            self.counts = {}
            self._count_in_worker(False)
        else:
            self._counts_asked += 1
            self._counts_shown = self._counts_asked
            self.counts = self.store.counts()

    def action_save_view(self) -> None:
        from ..modals.save_view import SaveViewModal

        self.app.push_screen(SaveViewModal(), callback=self._save_view)

    def _save_view(self, name: str | None) -> None:
        if not name:
            return
        view = SavedView(name=name, tab=self.tab, filters=self.filters, sort=self.sort, descending=self.descending)
        try:
            path = save_view(view)
        except ConfigError as error:
            self.notify(str(error), title="View not saved", severity="error", timeout=8)
            return
        self.notify(f"Saved view {name!r} in {path}", timeout=4)

    def apply_view(self, view: SavedView) -> None:
        self.tab = view.tab
        self.filters = view.filters
        if view.sort is not None:
            self.sort_by[view.tab] = view.sort
        self.descending = view.descending
        self.search_ids, self.not_found = [], []
        self._reload_counts_now()
        self._show()

    def action_insights(self, view: str | None = None) -> None:
        """Open Insights; from a drill-down, go back to the Insights screen it was opened from."""
        from .insights import InsightsScreen

        if self.drill is None:
            self.app.push_screen(InsightsScreen(view or "health"))
            return
        self.app.pop_screen()
        insights = self.app.screen
        if view is not None and isinstance(insights, InsightsScreen):
            insights.action_view(view)

    def palette_commands(self) -> Iterable[SystemCommand]:
        for view, title, about in (
            ("health", "Seller health", "H · SFCR, LDR, VTR, return rate against their targets"),
            ("creators", "Creator scorecard", "Orders, GMV, cancellations, returns, late shipments per creator"),
            ("products", "Product scorecard", "Which products and SKUs get cancelled and returned"),
            ("campaigns", "Campaign scorecard", "Orders, GMV, cancellations, returns per campaign"),
            ("trends", "Trends", "Daily orders, cancellations and returns, last 30 days"),
            ("live", "Live campaign monitor", "Orders per minute, spike alert, to-ship backlog forecast"),
        ):
            yield SystemCommand(title, about, partial(self.action_insights, view))
        for tab in TABS:
            yield SystemCommand(f"Tab: {tab.label}", f"Show {tab.label}", partial(self.action_tab, tab.id))
        yield SystemCommand("Toggle list / card view", "v", self.action_toggle_view)
        yield SystemCommand("Bulk search", "Up to 100 IDs of any kind", self.action_search)
        yield SystemCommand("Filters", "Combine filters", self.action_filter)
        yield SystemCommand("Clear filters", "Remove every filter chip", self.action_clear_filters)
        yield SystemCommand("Save view", "Name this tab + filters + sort", self.action_save_view)
        try:
            views = saved_views(self.tsshop.settings)
        except ConfigError as error:
            self.notify(str(error), title="Saved views not read", severity="error", timeout=8)
            views = []
        for view in views:
            yield SystemCommand(
                f"View: {view.name}",
                f"{TABS_BY_ID[view.tab].label} · " + (", ".join(label for _, label in view.filters.chips()) or "no filters"),
                partial(self.apply_view, view),
            )
        for sort in SORTS:
            yield SystemCommand(f"Sort by {SORT_LABELS[sort]}", "s cycles", partial(self._set_sort, sort))
        yield SystemCommand("Pause / resume live refresh", "p", self.action_pause)
        yield SystemCommand("Shops and sync", "Each shop's TikTok connection, last sync, lag, errors, waiting changes",
                            self.action_shops)
        for title, about, action in actions.palette(self.tsshop.read_only):
            method, arguments = actions.call(action)
            yield SystemCommand(title, about, partial(getattr(self, f"action_{method}"), *arguments))

    def action_export(self) -> None:
        from ..modals.export import ExportModal, scopes_of_screen

        self.app.push_screen(
            ExportModal(scopes_of_screen(self), sort=self.sort, descending=self.descending, now=self.now)
        )

    def action_print(self) -> None:
        from ..modals.export import scopes_of_screen
        from ..modals.print import PrintModal

        self.app.push_screen(
            PrintModal(scopes_of_screen(self), sort=self.sort, descending=self.descending, now=self.now),
            callback=lambda printed: self.refresh_now() if printed else None,
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The Shops key works where there are TikTok shops (the palette offers the screen always)."""
        if action == "shops":
            return bool(self._shops)
        return super().check_action(action, parameters)

    def action_shops(self) -> None:
        from .shops import ShopsScreen

        self.app.push_screen(ShopsScreen())

    def _set_sort(self, sort: Sort) -> None:
        self.sort_by[self.tab] = sort
        self._show()
