"""Cells as rich Text: marketplace text made visible and never parsed as markup."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from rich.text import Text

from ..domain.model import Flag, OrderStatus
from ..domain.rules import REASON_LABELS, Reason, Urgency, countdown, urgency
from ..domain.shops import OutboxKind
from ..domain.text import first_words, visible

CURRENCY_SIGNS = {"USD": "$", "GBP": "£", "EUR": "€"}
# ANSI colour names, drawn through ui.terminal.ANSI: six different colours of the 16 on any terminal.
# Orange is the VGA palette's brown-orange (ANSI yellow), yellow is bright yellow. Not bold: xterm
# brightens bold ANSI colours, which would turn orange into yellow. Never dim, even inside dim text:
# a dimmed colour is a grey on a terminal of 16.
FLAG_STYLES: dict[Flag, str] = {
    Flag.RED: "bright_red not dim",
    Flag.ORANGE: "yellow not dim",
    Flag.YELLOW: "bright_yellow not dim",
    Flag.GREEN: "bright_green not dim",
    Flag.BLUE: "bright_blue not dim",
    Flag.PURPLE: "bright_magenta not dim",
}
LATE_STYLE = "bold bright_red"
URGENCY_STYLES: dict[Urgency, str] = {
    Urgency.LATE: LATE_STYLE,
    Urgency.URGENT: "bold yellow",
    Urgency.SOON: "bright_yellow",
    Urgency.CALM: "",
}
STATUS_LABELS: dict[OrderStatus, str] = {
    OrderStatus.UNPAID: "Unpaid",
    OrderStatus.ON_HOLD: "On hold",
    OrderStatus.AWAITING_SHIPMENT: "To ship",
    OrderStatus.PARTIALLY_SHIPPING: "Part shipped",
    OrderStatus.AWAITING_COLLECTION: "Collection",
    OrderStatus.IN_TRANSIT: "In transit",
    OrderStatus.DELIVERED: "Delivered",
    OrderStatus.COMPLETED: "Completed",
    OrderStatus.CANCELLED: "Cancelled",
}
# What an order waiting for TikTok waits for: "Waiting for TikTok: cancel".
PENDING_WORDS: dict[str, str] = {
    OutboxKind.CANCEL: "cancel",
    OutboxKind.SHIP: "mark shipped",
    OutboxKind.APPROVE_CANCELLATION: "approve the cancellation",
    OutboxKind.REJECT_CANCELLATION: "reject the cancellation",
    OutboxKind.APPROVE_RETURN: "approve the return",
    OutboxKind.REJECT_RETURN: "reject the return",
    OutboxKind.CORRECT_TRACKING: "correct the tracking number",
}
PENDING_STYLE = "bold yellow"
REFUSED_STYLE = "bold bright_red"


def plain(text: str | None, width: int | None = None) -> Text:
    """Marketplace text as a Text: control characters visible, markup left as it is."""
    return Text(first_words(text, width) if width else visible(text))


def money(amount: Decimal, currency: str) -> str:
    sign = CURRENCY_SIGNS.get(currency)
    return f"{sign}{amount:,.2f}" if sign else f"{amount:,.2f} {currency}"


def short_count(n: int) -> str:
    """1234 -> '1.2k', 1_200_000 -> '1.2M': for tab labels (the title line shows the exact figure)."""
    if n < 1000:
        return str(n)
    if n < 1_000_000:
        value, unit = n / 1000, "k"
    else:
        value, unit = n / 1_000_000, "M"
    return f"{value:.1f}".rstrip("0").rstrip(".") + unit if value < 100 else f"{value:.0f}{unit}"


def deadline_cell(deadline: datetime | None, now: datetime) -> Text:
    if deadline is None:
        return Text("—", style="dim")
    return Text(countdown(deadline, now), style=URGENCY_STYLES[urgency(deadline, now)])


def reason_cell(reason: Reason | None, count: int = 1) -> Text:
    if reason is None:
        return Text("")
    style = LATE_STYLE if reason in (Reason.SHIPPING_OVERDUE, Reason.AUTO_CANCEL) else "bold"
    label = Text(REASON_LABELS[reason], style=style)
    if count > 1:
        label.append(f"+{count - 1}", style="dim")
    return label


def flag_cell(flag: Flag | None) -> Text:
    if flag is None:
        return Text("")
    return Text.assemble(("■ ", FLAG_STYLES[flag]), (flag.value, FLAG_STYLES[flag]))


def status_cell(status: OrderStatus) -> Text:
    style = "dim" if status is OrderStatus.CANCELLED else ""
    return Text(STATUS_LABELS[status], style=style)


def clock_text(now: datetime) -> str:
    return now.strftime("%H:%M:%S")


def orders_count(n: int) -> str:
    return f"{n:,} order" if n == 1 else f"{n:,} orders"


def sync_mark(pending_action: str | None, remote_error: str | None) -> Text | None:
    """The list's mark of an order of a TikTok shop: ↑ a change waiting for TikTok, ! one it refused."""
    if pending_action:
        return Text("↑", style=PENDING_STYLE)
    if remote_error:
        return Text("!", style=REFUSED_STYLE)
    return None


def remote_state(pending_action: str | None, remote_error: str | None, width: int | None = None) -> Text | None:
    """'Waiting for TikTok: cancel' or 'TikTok refused: <its message>' (never markup); None for neither."""
    if pending_action:
        return Text.assemble(("Waiting for TikTok: ", PENDING_STYLE), PENDING_WORDS.get(pending_action, pending_action))
    if remote_error:
        return Text.assemble(("TikTok refused: ", REFUSED_STYLE), plain(remote_error, width))
    return None
