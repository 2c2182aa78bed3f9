"""Order detail: every field, lines, notes history, buyer requests and status history of one order.

It follows the database like the list does: each refresh interval it asks SQLite whether another
connection committed (PRAGMA data_version) and, if so, reads the order again, keeping the scroll.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from ...domain.catalog import SELLER_CENTER_ORDER_TYPE, SHIPPING_TYPE_WORDS, STATUS_WORDS
from ...domain.model import Order, OrderStatus
from ...domain.rules import (
    REASON_LABELS, Urgency, abnormal_reason, action_items, auto_cancel_time, countdown, ship_by_words,
)
from ...domain.shops import LOCAL_SHOP
from ...domain.text import visible
from .. import actions
from ..format import STATUS_LABELS, URGENCY_STYLES, deadline_cell, flag_cell, money, plain, remote_state
from ..paths import stylesheet
from .order_actions import OrderActions, Target

if TYPE_CHECKING:
    from ..app import TsshopApp


def _when(moment: datetime | None) -> Text:
    return Text(moment.strftime("%Y-%m-%d %H:%M") if moment else "—", style="" if moment else "dim")


def _ship_by_state(order: Order, now: datetime) -> Text:
    """Still to ship: the countdown cell. Shipped: in time, or how late (rules.ship_by_words)."""
    words, late = ship_by_words(order, now)
    if order.rts_time is not None and order.rts_sla_time is not None:
        return Text(words, style=URGENCY_STYLES[Urgency.LATE] if late else "dim")
    if words:
        return deadline_cell(order.rts_sla_time, now)
    return Text("")


def _status_words(value: object) -> object:
    """A status code in a history record as the screen says it ('In transit'); other values as they are."""
    return STATUS_WORDS[OrderStatus(value)] if isinstance(value, str) and value in OrderStatus.__members__ else value


def _fields(rows: list[tuple[str, Text | str]]) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(style="dim", no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in rows:
        table.add_row(label, value if isinstance(value, Text) else Text(value))
    return table


class OrderDetailScreen(OrderActions):
    """Everything about one order; escape returns to the same place in the list."""

    CSS_PATH = stylesheet("detail.tcss")
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="detail.back"),
        Binding("j,down", "scroll(1)", "Scroll down", show=False, id="detail.down"),
        Binding("k,up", "scroll(-1)", "Scroll up", show=False, id="detail.up"),
        *actions.bindings("detail"),
    ]

    def __init__(self, order_id: str) -> None:
        super().__init__()
        self.order_id = order_id
        self.order: Order | None = None
        self._data_version = -1

    @property
    def tsshop(self) -> TsshopApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(id="detail-title")
        with VerticalScroll(id="detail-body"):
            yield Static(id="detail-summary", classes="section")
            yield Static(id="detail-lines", classes="section")
            yield Static(id="detail-notes", classes="section")
            yield Static(id="detail-requests", classes="section")
            yield Static(id="detail-history", classes="section")
        yield Footer()

    def on_mount(self) -> None:
        self.load()
        self.query_one("#detail-body").focus()
        self.set_interval(self.tsshop.settings.refresh_seconds, self._poll)

    def _poll(self) -> None:
        """Read the order again when another terminal (or process) committed since the last look."""
        if self.app.screen is self and self.tsshop.store.data_version() != self._data_version:
            self.load()

    def load(self) -> None:
        """Read the order and show it; the scroll position stays where the operator left it."""
        self._data_version = self.tsshop.store.data_version()
        self.order = self.tsshop.store.get(self.order_id)
        if self.order is None:
            self.query_one("#detail-title", Static).update(Text(f" Order {self.order_id} is gone", style="bold red"))
            return
        order, now = self.order, self.tsshop.clock.now()
        title = Text.assemble((f" Order {order.id}", "bold"), "  ", (STATUS_LABELS[order.status], "bold"))
        for item in action_items(order, now):
            title.append("  ")
            title.append(REASON_LABELS[item.reason], style="bold red")
            if item.deadline:
                title.append(f" {countdown(item.deadline, now)}")
        if order.flag:
            title.append("  ")
            title.append_text(flag_cell(order.flag))
        self.query_one("#detail-title", Static).update(title)
        self.query_one("#detail-summary", Static).update(self._summary(order, now))
        self.query_one("#detail-lines", Static).update(self._lines(order))
        self.query_one("#detail-notes", Static).update(self._notes(order))
        self.query_one("#detail-requests", Static).update(self._requests(order))
        self.query_one("#detail-history", Static).update(self._history(order))

    def _summary(self, order: Order, now: datetime) -> Table:
        creator = Text(f"@{visible(order.creator_username)}" if order.creator_username else "—")
        if order.content_type:
            creator.append(f" · {order.content_type.value.title()}")
        if order.campaign:
            creator.append(" · ")
            creator.append(visible(order.campaign))
        ship_by = _when(order.rts_sla_time)
        if order.rts_sla_time:
            ship_by.append("  ")
            ship_by.append_text(_ship_by_state(order, now))
        address = ", ".join(
            visible(part) for part in (order.address_detail, order.address_extra, order.city, order.state,
                                       order.zipcode, order.country) if part
        )
        total = Text(money(order.total_amount, order.currency), style="bold")
        discounts = order.seller_discount + order.platform_discount
        total.append(
            f"  (items {order.sub_total}, shipping {order.shipping_fee}, tax {order.tax}, "
            f"discounts {'-' if discounts else ''}{discounts})",
            style="dim",
        )
        tracking = Text(f"{visible(order.tracking_number) or '—'}  {visible(order.shipping_provider)}")
        abnormal = abnormal_reason(order)
        if abnormal:
            tracking.append("\nAbnormal: ", style="bold red")
            tracking.append(visible(abnormal))
            tracking.append(" · m corrects the tracking number", style="dim")
        rows: list[tuple[str, Text | str]] = [
            ("Buyer", plain(order.buyer_username)),
            ("Message", Text(visible(order.buyer_message, multiline=True) or "—")),
            ("Total", total),
            ("Created", _when(order.create_time)),
            ("Paid", _when(order.paid_time)),
            ("Ship by", ship_by),
            ("Auto-cancel", _when(auto_cancel_time(order))),
            ("Shipped", _when(order.rts_time)),
            ("Delivered", _when(order.delivery_time)),
            ("Tracking", tracking),
            ("Delivery", plain(order.delivery_option_name or "—")),
            ("Ship to", Text(f"{visible(order.recipient_name) or '—'}  {address}")),
            ("Creator", creator),
            ("Type", Text(f"{SELLER_CENTER_ORDER_TYPE[order.order_type]}"
                          f"{' · sample order' if order.is_sample_order else ''}"
                          f" · shipped by {SHIPPING_TYPE_WORDS[order.shipping_type]}")),
            ("Warehouse", plain(order.warehouse_name or order.warehouse_id or "—")),
        ]
        remote = remote_state(order.pending_action, order.remote_error)
        if remote is not None:
            rows.insert(0, ("TikTok", remote))
        if order.shop_id != LOCAL_SHOP:
            shop = self.tsshop.store.shop(order.shop_id)
            rows.insert(0, ("Shop", plain(shop.name if shop else order.shop_id)))
        if order.cancel_reason:
            by = order.cancellation_initiator.value.title() if order.cancellation_initiator else "?"
            rows.append(("Cancelled", Text(f"{visible(order.cancel_reason)} (by {by}) at ") + _when(order.cancel_time)))
        if order.seller_note:
            rows.append(("Seller note", plain(order.seller_note)))
        return _fields(rows)

    def _lines(self, order: Order) -> Table:
        table = Table(title="Lines", title_justify="left", expand=True, box=None, padding=(0, 1))
        table.add_column("Qty", justify="right", no_wrap=True)
        table.add_column("Product", ratio=3)
        table.add_column("Variation", ratio=1)
        table.add_column("Seller SKU", no_wrap=True)
        table.add_column("Price", justify="right", no_wrap=True)
        for line in order.line_items:
            table.add_row(
                str(line.quantity), plain(line.product_name), plain(line.sku_name), plain(line.seller_sku),
                money(line.sale_price, order.currency),
            )
        return table

    def _notes(self, order: Order) -> Table:
        table = Table(title="Notes (newest first)", title_justify="left", expand=True, box=None, padding=(0, 1))
        table.add_column("When", no_wrap=True)
        table.add_column("Who", no_wrap=True)
        table.add_column("Flag", no_wrap=True)
        table.add_column("Note", ratio=1)
        for note in order.notes:
            table.add_row(_when(note.created_at), plain(note.author), flag_cell(note.flag), plain(note.text))
        if not order.notes:
            table.add_row(Text("—", style="dim"), "", "", "")
        return table

    def _requests(self, order: Order) -> Table:
        table = Table(title="Buyer requests", title_justify="left", expand=True, box=None, padding=(0, 1))
        table.add_column("Type", no_wrap=True)
        table.add_column("State", no_wrap=True)
        table.add_column("Respond by", no_wrap=True)
        table.add_column("Reason", ratio=1)
        for request in order.requests:
            table.add_row(
                request.type.value.replace("_", "/").title(), request.status.value.title(),
                _when(request.respond_by), plain(request.reason),
            )
        if not order.requests:
            table.add_row(Text("—", style="dim"), "", "", "")
        return table

    def _history(self, order: Order) -> Table:
        table = Table(title="Status history and changes", title_justify="left", expand=True, box=None, padding=(0, 1))
        table.add_column("When", no_wrap=True)
        table.add_column("Who", no_wrap=True)
        table.add_column("What", ratio=1)
        timeline = [
            ("Created", order.create_time),
            ("Paid", order.paid_time),
            ("Shipped", order.rts_time),
            ("Delivered", order.delivery_time),
            ("Cancelled", order.cancel_time),
        ]
        events: list[tuple[datetime, Text, Text]] = [
            (moment, Text("TikTok Shop", style="dim"), Text(label)) for label, moment in timeline if moment
        ]
        for event in order.history:
            what = Text(event.action, style="bold")
            changes = {k: _status_words(v) if k == "status" else v for k, v in event.after.items() if k != "source"}
            if changes:
                what.append("  ")
                what.append(visible(json.dumps(changes, ensure_ascii=False, default=str)), style="dim")
            events.append((event.at, plain(event.actor), what))
        events.sort(key=lambda e: e[0])
        for moment, who, what in events:
            table.add_row(_when(moment), who, what)
        return table

    def action_targets(self) -> list[Target]:
        order = self.order
        return [Target(order.id, order.version, order.status, order.flag)] if order else []

    def after_change(self, changed: list[str]) -> None:
        self.load()

    def action_scroll(self, step: int) -> None:
        self.query_one("#detail-body", VerticalScroll).scroll_relative(y=step, animate=False)
