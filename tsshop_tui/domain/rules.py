"""Order rules as pure functions of an order and *now*. The store holds the same rules in SQL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .catalog import (
    ALLOWED_ACTIONS,
    CANCEL_REASONS_BY_CODE,
    CARRIERS,
    ON_THE_WAY,
    STATUS_WORDS,
    TO_SHIP,
    Action,
    CancelReason,
)
from .model import Order, OrderStatus, RequestType

DAY = timedelta(hours=24)
# The marketplace's SLAs (TikTok Shop's usual ones). A payment starts three, counted from it: ship
# by, be collected by, and be cancelled by the system if still not shipped.
SHIP_WITHIN = timedelta(hours=48)
COLLECT_WITHIN = timedelta(hours=72)
AUTO_CANCEL_WITHIN = timedelta(days=5)
# A buyer's request is answered within this, or the marketplace decides (a cancellation is approved).
ANSWER_WITHIN: dict[RequestType, timedelta] = {
    RequestType.CANCELLATION: timedelta(hours=24),
    RequestType.RETURN_REFUND: timedelta(hours=48),
}
TRACKING_MIN, TRACKING_MAX = 8, 40
_TRACKING = re.compile(rf"[A-Za-z0-9]{{{TRACKING_MIN},{TRACKING_MAX}}}")


class Reason(StrEnum):
    """Why an order sits in the Action needed queue."""

    SHIPPING_OVERDUE = "shipping-overdue"
    AUTO_CANCEL = "auto-cancel-within-24h"
    SHIP_WITHIN_24H = "ship-within-24h"
    CANCELLATION_REQUESTED = "cancellation-requested"
    RETURN_REQUESTED = "return-requested"
    ABNORMAL_PACKAGE = "abnormal-package"
    REFUSED_BY_TIKTOK = "refused-by-tiktok"


REASON_LABELS: dict[Reason, str] = {
    Reason.SHIPPING_OVERDUE: "Overdue",
    Reason.AUTO_CANCEL: "Auto-cancel",
    Reason.SHIP_WITHIN_24H: "Ship <24h",
    Reason.CANCELLATION_REQUESTED: "Cancel req",
    Reason.RETURN_REQUESTED: "Return req",
    Reason.ABNORMAL_PACKAGE: "Abnormal",
    Reason.REFUSED_BY_TIKTOK: "TikTok refused",
}


@dataclass(frozen=True)
class ActionItem:
    reason: Reason
    deadline: datetime | None


def is_valid_tracking(tracking: str | None) -> bool:
    """A usable tracking number: 8 to 40 letters and digits, nothing else."""
    return bool(tracking) and bool(_TRACKING.fullmatch(tracking))


def _tracking_fault(tracking: str) -> str | None:
    """What is wrong with a non-blank *tracking*, as the end of a sentence about it; None when usable."""
    if not (TRACKING_MIN <= len(tracking) <= TRACKING_MAX):
        return f"has {len(tracking)} characters; a usable one has {TRACKING_MIN} to {TRACKING_MAX}"
    if not _TRACKING.fullmatch(tracking):
        bad = "".join(sorted({c for c in tracking if not (c.isascii() and c.isalnum())}))
        return f"may hold only letters and digits, not {bad!r}"
    return None


def tracking_problem(tracking: str | None) -> str | None:
    """Why *tracking* is not a usable tracking number, in words; None when it is usable."""
    if not tracking or not tracking.strip():
        return "a tracking number is needed"
    fault = _tracking_fault(tracking)
    return f"tracking number {tracking!r} {fault}" if fault else None


def abnormal_reason(order: Order) -> str | None:
    """What is abnormal about a shipped order's tracking, in words; None when nothing is.

    Abnormal: awaiting collection or in transit without a usable tracking number.
    """
    if order.status not in ON_THE_WAY:
        return None
    tracking = order.tracking_number
    if not tracking or not tracking.strip():
        return "no tracking number"
    fault = _tracking_fault(tracking)
    return f"tracking number {tracking!r} is not usable: it {fault}" if fault else None


def action_items(order: Order, now: datetime) -> list[ActionItem]:
    """Every reason the order needs action now, most urgent deadline first.

    ``abnormal-package`` and ``refused-by-tiktok`` (TikTok refused the last change made here, which
    was rolled back: see it and act again) have no deadline and sort last.
    """
    items: list[ActionItem] = []
    to_ship = order.status in TO_SHIP
    if to_ship and order.rts_sla_time is not None:
        if order.rts_sla_time < now:
            items.append(ActionItem(Reason.SHIPPING_OVERDUE, order.rts_sla_time))
        elif order.rts_sla_time < now + DAY:
            items.append(ActionItem(Reason.SHIP_WITHIN_24H, order.rts_sla_time))
    if (
        to_ship
        and order.shipping_due_time is not None
        and now <= order.shipping_due_time < now + DAY
    ):
        items.append(ActionItem(Reason.AUTO_CANCEL, order.shipping_due_time))
    cancel = order.pending_request(RequestType.CANCELLATION)
    if cancel is not None and order.status in (OrderStatus.ON_HOLD, *TO_SHIP):
        items.append(ActionItem(Reason.CANCELLATION_REQUESTED, cancel.respond_by))
    ret = order.pending_request(RequestType.RETURN_REFUND)
    if ret is not None:
        items.append(ActionItem(Reason.RETURN_REQUESTED, ret.respond_by))
    if abnormal_reason(order) is not None:
        items.append(ActionItem(Reason.ABNORMAL_PACKAGE, None))
    if order.remote_error:
        items.append(ActionItem(Reason.REFUSED_BY_TIKTOK, None))
    items.sort(key=lambda item: (item.deadline is None, item.deadline or now))
    return items


def action_reasons(order: Order, now: datetime) -> set[Reason]:
    return {item.reason for item in action_items(order, now)}


class RuleError(ValueError):
    """An action the rules do not allow; the message says why in words a seller understands."""


# Why an action is refused in a status, for check_allowed's messages; the rest say "not allowed".
_WHY_NOT: dict[Action, str] = {
    Action.CANCEL: "cancel is only possible before shipping",
    Action.SHIP: "only orders awaiting shipment can be shipped",
    Action.ANSWER_CANCELLATION: "a buyer cancellation request can only be answered before shipping",
    Action.ANSWER_RETURN: "a return/refund request can only be answered once the order has shipped",
    Action.CORRECT_TRACKING: "a tracking number can only be corrected while the order is awaiting collection or in transit",
}


def status_words(status: OrderStatus) -> str:
    """The status as the screen says it, inside a sentence: 'in transit', 'awaiting collection'."""
    return STATUS_WORDS[status].lower()


def refusal(order_id: str, status: OrderStatus, action: Action) -> str | None:
    """Why *action* is refused for an order in *status*, naming the order and status; None if allowed."""
    if action in ALLOWED_ACTIONS[status]:
        return None
    if status is OrderStatus.CANCELLED and action in (Action.CANCEL, Action.SHIP):
        why = "it is already cancelled" if action is Action.CANCEL else "a cancelled order cannot be shipped"
    elif action is Action.SHIP and status is OrderStatus.UNPAID:
        why = "it is not paid yet"
    elif action is Action.SHIP and status is not OrderStatus.ON_HOLD:
        why = "it has already shipped"
    else:
        why = _WHY_NOT.get(action, f"{action.value} is not allowed in that status")
    return f"order {order_id} is {status_words(status)}: {why}"


def check_allowed(order: Order, action: Action) -> None:
    """RuleError, naming the order, its status and why, unless *action* is allowed in its status."""
    message = refusal(order.id, order.status, action)
    if message:
        raise RuleError(message)


# When a buyer may open a request: a cancellation while the seller may still cancel (before
# shipping), a return/refund once the seller may answer one (shipped).
_REQUEST_WHEN: dict[RequestType, tuple[Action, str]] = {
    RequestType.CANCELLATION: (Action.CANCEL, "a buyer can only ask to cancel before shipping"),
    RequestType.RETURN_REFUND: (Action.ANSWER_RETURN, "a buyer can only ask for a return once it has shipped"),
}


def check_request_allowed(order: Order, kind: RequestType) -> None:
    """RuleError, naming the order, its status and why, unless a buyer may open a *kind* request on it."""
    action, why = _REQUEST_WHEN[kind]
    if refusal(order.id, order.status, action) is not None:
        raise RuleError(f"order {order.id} is {status_words(order.status)}: {why}")


def canonical_carrier(name: str) -> str:
    """The carrier of catalog.CARRIERS called *name* (any case); RuleError listing them otherwise."""
    wanted = " ".join(name.split()).casefold()
    for carrier in CARRIERS:
        if carrier.casefold() == wanted:
            return carrier
    raise RuleError(f"unknown carrier {name!r}; carriers are: {', '.join(CARRIERS)}")


def cancel_reason_for(order: Order, code: str) -> CancelReason:
    """The cancel reason *code* if it may be used on *order*; RuleError otherwise."""
    check_allowed(order, Action.CANCEL)
    reason = CANCEL_REASONS_BY_CODE.get(code)
    if reason is None:
        raise RuleError(f"unknown cancel reason {code!r}")
    unpaid = order.status is OrderStatus.UNPAID
    if reason.for_unpaid != unpaid:
        kind = "unpaid" if unpaid else "paid"
        raise RuleError(f"order {order.id} is {status_words(order.status)}: {code} is not a reason for {kind} orders")
    return reason


def countdown(deadline: datetime | None, now: datetime) -> str:
    """'in 3h 12m', '2h 05m ago', 'in 2d 4h': a compact SLA countdown."""
    if deadline is None:
        return ""
    seconds = int((deadline - now).total_seconds())
    text = duration(abs(seconds))
    return f"{text} ago" if seconds < 0 else f"in {text}"


def auto_cancel_time(order: Order) -> datetime | None:
    """When TikTok cancels the order if it is not shipped by then; None once that no longer concerns it
    (shipped, cancelled, unpaid)."""
    return order.shipping_due_time if order.status in TO_SHIP or order.status is OrderStatus.ON_HOLD else None


def ship_by_words(order: Order, now: datetime) -> tuple[str, int]:
    """How the order stands against its ship-by time, and how many seconds late (0 if not): still to
    ship, the countdown ('in 3h 12m', '2h 05m ago'); shipped, 'shipped in time' or 'shipped 3h 00m late'
    (never an 'ago' that reads overdue); anything else (cancelled, unpaid) nothing."""
    if order.rts_time is not None and order.rts_sla_time is not None:
        late = int((order.rts_time - order.rts_sla_time).total_seconds())
        return (f"shipped {duration(late)} late", late) if late > 0 else ("shipped in time", 0)
    if order.status in TO_SHIP or order.status is OrderStatus.ON_HOLD:
        return countdown(order.rts_sla_time, now), 0
    return "", 0


def duration(seconds: int) -> str:
    """'2d 4h', '3h 12m', '5m': a span as compact as a countdown."""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m"


class Urgency(StrEnum):
    LATE = "late"
    URGENT = "urgent"
    SOON = "soon"
    CALM = "calm"


def urgency(deadline: datetime | None, now: datetime) -> Urgency:
    if deadline is None:
        return Urgency.CALM
    left = deadline - now
    if left < timedelta(0):
        return Urgency.LATE
    if left < timedelta(hours=6):
        return Urgency.URGENT
    if left < DAY:
        return Urgency.SOON
    return Urgency.CALM
