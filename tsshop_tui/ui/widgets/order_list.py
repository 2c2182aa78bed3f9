"""The order list: a window onto a tab that pages through the store, in list or card view.

Only a window of rows is ever held (a few hundred at most), fetched a keyset page at a time,
and only the visible lines are rendered (Textual's line API), so a tab of a million orders
scrolls like one of a hundred.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime
from typing import Protocol

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from ...domain.catalog import DEFAULT_TAB, SHIPPED, TABS_BY_ID, TO_SHIP
from ...domain.model import Order, OrderStatus
from ...domain.rules import Reason, countdown
from ...domain.text import first_words, visible
from ...store import Cursor, OrderRow, Page
from ..format import (
    deadline_cell,
    flag_cell,
    money,
    plain,
    reason_cell,
    remote_state,
    status_cell,
    sync_mark,
)

AWAITING_DISPATCH = (*TO_SHIP, OrderStatus.ON_HOLD)
CARD_HEIGHT = 6
PAGE = 60
MAX_WINDOW = 400


class RowSource(Protocol):
    """What the list needs from its screen: pages of the current tab, filters and sort."""

    def fetch(self, after: Cursor | None, limit: int, inclusive: bool = False) -> Page: ...
    def fetch_before(self, before: Cursor, limit: int) -> list[OrderRow]: ...
    def fetch_last(self, limit: int) -> list[OrderRow]: ...
    def cursor_of(self, row: OrderRow) -> Cursor: ...
    def orders(self, rows: list[OrderRow]) -> dict[str, Order]: ...


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int
    cell: Callable[[OrderRow, datetime, int], Text]
    justify: str = "left"


def _ship_by(row: OrderRow, now: datetime, width: int) -> Text:
    """A countdown while the order still has to ship; shipped or cancelled orders show a dash."""
    if row.status not in AWAITING_DISPATCH:
        return Text("—", style="dim")
    return deadline_cell(row.rts_sla_time, now)


def _reason(row: OrderRow, now: datetime, width: int) -> Text:
    """The most urgent reason, in words ("No tracking" where the package is abnormal), and how
    many more there are ("Overdue +1"; help explains it, detail lists them all)."""
    cell = reason_cell(row.reason)
    if row.reason is Reason.ABNORMAL_PACKAGE:
        tracking = (row.tracking_number or "").strip()
        cell = Text("Bad tracking" if tracking else "No tracking", style=cell.style)
    if row.reason_count > 1:
        cell.append(f" +{row.reason_count - 1}", style="dim")
    return cell


def _order_id(row: OrderRow, now: datetime, width: int) -> Text:
    return Text(row.id, style="dim" if row.is_sample_order else "")


COLUMNS: dict[str, Column] = {
    column.key: column
    for column in (
        Column("order", "Order", 18, _order_id),
        Column("status", "Status", 12, lambda r, n, w: status_cell(r.status)),
        Column("reason", "Reason", 14, _reason),
        Column("deadline", "Deadline", 11, lambda r, n, w: deadline_cell(r.deadline, n)),
        Column("ship_by", "Ship by", 11, _ship_by),
        Column("items", "Qty", 3, lambda r, n, w: Text(str(r.item_count)), "right"),
        Column("total", "Total", 9, lambda r, n, w: Text(money(r.total_amount, r.currency)), "right"),
        Column(
            "creator",
            "Creator",
            11,
            lambda r, n, w: plain(f"@{r.creator_username}" if r.creator_username else "", w),
        ),
        Column("buyer", "Buyer", 14, lambda r, n, w: plain(r.buyer_username, w)),
        Column(
            "content",
            "Content",
            8,
            lambda r, n, w: Text(r.content_type.value.title() if r.content_type else ""),
        ),
        Column("campaign", "Campaign", 18, lambda r, n, w: plain(r.campaign or "", w)),
        Column("flag", "Flag", 8, lambda r, n, w: flag_cell(r.flag)),
        Column("note", "Note", 0, lambda r, n, w: plain(r.note or "", w)),
    )
}
NOTE_MIN = 8


@lru_cache(maxsize=32)
def layout(width: int, tab: str) -> tuple[tuple[Column, int], ...]:
    """The columns that fit *width*, most important first, each with its width; Note takes the rest."""
    wanted = list(TABS_BY_ID[tab].columns)
    used = 2 + sum(COLUMNS[k].width + 1 for k in wanted)
    for key in ("creator", "status", "content", "buyer", "campaign"):
        if key not in wanted and used + COLUMNS[key].width + 1 + NOTE_MIN + 14 <= width:
            wanted.append(key)
            used += COLUMNS[key].width + 1
    order = ["order", "reason", "deadline", "status", "ship_by", "items", "total", "creator", "content",
             "campaign", "buyer", "flag"]
    chosen = [(COLUMNS[k], COLUMNS[k].width) for k in order if k in wanted]
    chosen.append((COLUMNS["note"], max(width - used - 1, 0)))
    return tuple(chosen)


class OrderList(Widget, can_focus=True):
    """A keyboard-driven window onto one tab, in list view (a line an order) or card view."""

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="list.up"),
        Binding("g,home", "first", "First", show=False, id="list.first"),
        Binding("G,end", "last", "Last", show=False, id="list.last"),
        Binding("pagedown,ctrl+d", "page_down", "Page down", show=False, id="list.page-down"),
        Binding("pageup,ctrl+u", "page_up", "Page up", show=False, id="list.page-up"),
        Binding("enter", "open", "Open", show=False, id="list.open"),
        Binding("space", "tag", "Tag", id="list.tag"),
    ]
    COMPONENT_CLASSES = {
        "order-list--header",
        "order-list--cursor",
        "order-list--tagged",
        "order-list--card-title",
        "order-list--empty",
    }

    class Moved(Message):
        """The cursor is on another order (or on none)."""

        def __init__(self, row: OrderRow | None) -> None:
            super().__init__()
            self.row = row

    class Opened(Message):
        def __init__(self, row: OrderRow) -> None:
            super().__init__()
            self.row = row

    class Tagged(Message):
        def __init__(self, order_id: str, tagged: bool) -> None:
            super().__init__()
            self.order_id = order_id
            self.tagged = tagged

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source: RowSource | None = None
        self.tab = DEFAULT_TAB
        self.cards = False
        self.now: datetime | None = None
        self.tagged: dict[str, OrderRow] = {}
        self.empty_message = "No orders here."
        self._rows: list[OrderRow] = []
        self._cursor = 0
        self._top = 0
        self._more_after = False
        self._more_before = False
        self._orders: dict[str, Order] = {}

    # State --------------------------------------------------------------------------------

    @property
    def rows(self) -> list[OrderRow]:
        return self._rows

    @property
    def cursor_row(self) -> OrderRow | None:
        return self._rows[self._cursor] if self._rows else None

    @property
    def visible_count(self) -> int:
        height = self.size.height or 20
        return max(1, height // CARD_HEIGHT) if self.cards else max(1, height - 1)

    @property
    def _now(self) -> datetime:
        """The screen's clock reading of the last load; rows exist only after one."""
        assert self.now is not None, "the list renders rows only after load()"
        return self.now

    def load(self, source: RowSource, tab: str, now: datetime) -> None:
        """Show *tab* from its first row."""
        self.source, self.tab, self.now = source, tab, now
        page = source.fetch(None, PAGE)
        self._set_window(page.rows, 0, more_before=False, more_after=page.next is not None)

    def reload(self, now: datetime) -> None:
        """Fetch the window again around the cursor's order, keeping it on screen where it was."""
        self.now = now
        if self.source is None:
            return
        anchor = self.cursor_row
        if anchor is None:
            self.load(self.source, self.tab, now)
            return
        offset = self._cursor - self._top
        cursor = self.source.cursor_of(anchor)
        before = self.source.fetch_before(cursor, PAGE)
        page = self.source.fetch(cursor, PAGE, inclusive=True)
        rows = before + page.rows
        index = min(len(before), max(len(rows) - 1, 0))
        self._set_window(
            rows, index, more_before=len(before) == PAGE, more_after=page.next is not None, offset=offset
        )

    def set_cards(self, cards: bool) -> None:
        self.cards = cards
        self._top = self._cursor if cards else max(0, self._cursor - self.visible_count // 2)
        self._scroll_to_cursor()
        self._load_cards()
        self.refresh()

    def _set_window(
        self, rows: list[OrderRow], cursor: int, *, more_before: bool, more_after: bool, offset: int = 0
    ) -> None:
        self._rows = rows
        self._retag(rows)
        self._cursor = cursor
        self._top = max(0, cursor - offset)
        self._more_before, self._more_after = more_before, more_after
        self._orders = {}
        self._scroll_to_cursor()
        self._load_cards()
        self.refresh()
        self.post_message(self.Moved(self.cursor_row))

    # Movement -----------------------------------------------------------------------------

    def move(self, delta: int) -> None:
        if not self._rows:
            return
        target = self._cursor + delta
        if target >= len(self._rows) and self._more_after:
            target -= self._extend_after()
        if target < 0 and self._more_before:
            target += self._extend_before()
        target = max(0, min(target, len(self._rows) - 1))
        if target != self._cursor:
            self._cursor = target
            self._scroll_to_cursor()
            self._load_cards()
            self.refresh()
            self.post_message(self.Moved(self.cursor_row))

    def _extend_after(self) -> int:
        """Fetch the next page; return how many rows were dropped from the front to stay small."""
        assert self.source is not None
        page = self.source.fetch(self.source.cursor_of(self._rows[-1]), PAGE)
        self._retag(page.rows)
        self._rows += page.rows
        self._more_after = page.next is not None
        excess = len(self._rows) - MAX_WINDOW
        if excess > 0:
            excess = min(excess, self._top)
            del self._rows[:excess]
            self._cursor -= excess
            self._top -= excess
            self._more_before = True
            return excess
        return 0

    def _extend_before(self) -> int:
        """Fetch the previous page; return how many rows were put in front."""
        assert self.source is not None
        rows = self.source.fetch_before(self.source.cursor_of(self._rows[0]), PAGE)
        self._retag(rows)
        self._rows[:0] = rows
        self._cursor += len(rows)
        self._top += len(rows)
        self._more_before = len(rows) == PAGE
        excess = len(self._rows) - MAX_WINDOW
        if excess > 0:
            keep = max(self._top + self.visible_count, len(self._rows) - excess)
            del self._rows[keep:]
            self._more_after = True
        return len(rows)

    def _retag(self, rows: list[OrderRow]) -> None:
        """Tagged orders follow what the screen now shows (their version included)."""
        if self.tagged:
            for row in rows:
                if row.id in self.tagged:
                    self.tagged[row.id] = row

    def _scroll_to_cursor(self) -> None:
        visible = self.visible_count
        if self._cursor < self._top:
            self._top = self._cursor
        elif self._cursor >= self._top + visible:
            self._top = self._cursor - visible + 1
        self._top = max(0, min(self._top, max(len(self._rows) - visible, 0)))
        self._top = min(self._top, self._cursor)

    def action_cursor_down(self) -> None:
        self.move(1)

    def action_cursor_up(self) -> None:
        self.move(-1)

    def action_page_down(self) -> None:
        self.move(self.visible_count)

    def action_page_up(self) -> None:
        self.move(-self.visible_count)

    def action_first(self) -> None:
        if self.source is not None:
            self.load(self.source, self.tab, self._now)

    def action_last(self) -> None:
        if self.source is None:
            return
        rows = self.source.fetch_last(PAGE)
        self._set_window(
            rows, max(len(rows) - 1, 0), more_before=len(rows) == PAGE, more_after=False,
            offset=self.visible_count - 1,
        )

    def action_open(self) -> None:
        row = self.cursor_row
        if row is not None:
            self.post_message(self.Opened(row))

    def action_tag(self) -> None:
        row = self.cursor_row
        if row is None:
            return
        if row.id in self.tagged:
            del self.tagged[row.id]
        else:
            self.tagged[row.id] = row
        self.post_message(self.Tagged(row.id, row.id in self.tagged))
        self.move(1)
        self.refresh()

    # Rendering ----------------------------------------------------------------------------

    def _load_cards(self) -> None:
        if not self.cards or self.source is None:
            return
        shown = self._rows[self._top : self._top + self.visible_count + 1]
        missing = [row for row in shown if row.id not in self._orders]
        if missing:
            self._orders.update(self.source.orders(missing))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if not self._rows:
            if y == 1:
                return self._strip(Text(f"  {self.empty_message}"), width, "order-list--empty")
            return Strip.blank(width, self.rich_style)
        if self.cards:
            return self._card_line(y, width)
        if y == 0:
            return self._header(width)
        index = self._top + y - 1
        if index >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        return self._row_line(self._rows[index], index, width)

    def _strip(self, text: Text, width: int, component: str | None = None, style: Style | None = None) -> Strip:
        base = self.rich_style
        if component:
            base = base + self.get_component_rich_style(component)
        if style is not None:
            base = base + style
        text.truncate(width, overflow="ellipsis")
        segments = [Segment(s.text, base + s.style if s.style else base) for s in text.render(self.app.console, end="")]
        return Strip(segments).extend_cell_length(width, base).crop(0, width)

    def _header(self, width: int) -> Strip:
        text = Text("  ")
        for column, col_width in layout(width, self.tab):
            if col_width <= 0:
                continue
            title = column.title[:col_width]
            text.append(title.rjust(col_width) if column.justify == "right" else title.ljust(col_width))
            text.append(" ")
        text.rstrip()
        return self._strip(text, width, "order-list--header")

    def _row_line(self, row: OrderRow, index: int, width: int) -> Strip:
        now = self._now
        tagged = row.id in self.tagged
        text = Text.assemble(("✓ ", "bold green") if tagged else "  ")
        mark = sync_mark(row.pending_action, row.remote_error)
        if mark is not None:
            text.right_crop(1)
            text.append_text(mark)
        for column, col_width in layout(width, self.tab):
            if col_width <= 0:
                continue
            cell = column.cell(row, now, col_width)
            cell.truncate(col_width, overflow="ellipsis")
            cell.align(column.justify, col_width)  # type: ignore[arg-type]
            text.append_text(cell)
            text.append(" ")
        text.rstrip()
        component = None
        if index == self._cursor:
            component = "order-list--cursor" if self.has_focus else "order-list--tagged"
        elif tagged:
            component = "order-list--tagged"
        return self._strip(text, width, component)

    def _card_line(self, y: int, width: int) -> Strip:
        card, line = divmod(y, CARD_HEIGHT)
        index = self._top + card
        if index >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        row = self._rows[index]
        component = None
        if index == self._cursor:
            component = "order-list--cursor" if self.has_focus else "order-list--tagged"
        elif row.id in self.tagged:
            component = "order-list--tagged"
        if line == CARD_HEIGHT - 1:
            return Strip.blank(width, self.rich_style)
        text = self._card_text(row, self._orders.get(row.id), line, width - 2)
        marker = Text()
        marker.append("✓ " if row.id in self.tagged else "▌ ", style="bold green" if row.id in self.tagged else "")
        return self._strip(marker + text, width, component)

    def _card_text(self, row: OrderRow, order: Order | None, line: int, width: int) -> Text:
        now = self._now
        if line == 0:
            text = Text.assemble((row.id, "bold"), "  ", status_cell(row.status))
            if row.reason is not None:
                text.append("  ")
                text.append_text(_reason(row, now, width))
                text.append(" ")
                text.append_text(deadline_cell(row.deadline, now))
            elif row.status in AWAITING_DISPATCH:
                text.append("  ship by ")
                text.append_text(deadline_cell(row.rts_sla_time, now))
            elif row.status in SHIPPED and order is not None and order.rts_time is not None:
                text.append(f"  shipped {countdown(order.rts_time, now)}", style="dim")
            text.append(f"  {money(row.total_amount, row.currency)} · {row.item_count} item{'s' if row.item_count != 1 else ''}")
            if row.flag is not None:
                text.append("  ")
                text.append_text(flag_cell(row.flag))
            remote = remote_state(row.pending_action, row.remote_error)
            if remote is not None:
                text.append("  ")
                text.append_text(remote)
            return text
        if order is None:
            return Text("")
        if line == 1:
            if not order.line_items:
                return Text("no lines", style="dim")
            first = order.line_items[0]
            text = Text(f"{first.quantity}× ")
            text.append(first_words(first.product_name, 40))
            text.append(f" [{visible(first.sku_name)}]", style="dim")
            text.append(f" · {visible(first.seller_sku)}")
            more = len(order.line_items) - 1
            if more:
                text.append(f"  +{more} more line{'s' if more > 1 else ''}", style="dim")
            return text
        if line == 2:
            message = first_words(order.buyer_message, max(width - 14, 10))
            return Text.assemble(("Buyer message ", "dim"), message or Text("—", style="dim"))
        if line == 3:
            text = Text.assemble(("Creator ", "dim"))
            text.append(f"@{visible(order.creator_username)}" if order.creator_username else "—")
            if order.content_type:
                text.append(f" · {order.content_type.value.title()}")
            if order.campaign:
                text.append(" · ")
                text.append(first_words(order.campaign, 24))
            text.append("   Tracking ", style="dim")
            text.append(visible(order.tracking_number) or "—")
            if order.shipping_provider:
                text.append(f" {visible(order.shipping_provider)}")
            return text
        note = order.current_note
        if note is None:
            return Text.assemble(("Note ", "dim"), ("—", "dim"))
        text = Text.assemble(("Note ", "dim"))
        if note.flag is not None:
            text.append_text(flag_cell(note.flag))
            text.append(" ")
        text.append(first_words(note.text, max(width - 30, 10)))
        text.append(f"  — {visible(note.author)}, {countdown(note.created_at, now)}", style="dim")
        return text
