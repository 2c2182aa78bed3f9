"""Conversions between domain objects and database rows (money in minor units, times in epoch seconds)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..domain.clock import from_epoch, to_epoch
from ..domain.model import (
    AfterSalesRequest,
    ContentType,
    Flag,
    HistoryEvent,
    LineItem,
    Note,
    Order,
    OrderStatus,
    RequestType,
)
from ..domain.rules import Reason

CENT = Decimal("0.01")



def _fields_of(model: type, kind: type) -> tuple[str, ...]:
    """The fields of *model* holding a *kind* (or None): times to epoch seconds, money to cents."""
    return tuple(name for name, f in model.model_fields.items() if f.annotation in (kind, kind | None))


ORDER_TIME_FIELDS = _fields_of(Order, datetime)
ORDER_MONEY_FIELDS = _fields_of(Order, Decimal)
LINE_MONEY_FIELDS = _fields_of(LineItem, Decimal)
_ORDER_SKIP = {"line_items", "notes", "requests", "history"}
ORDER_COLUMNS = tuple(name for name in Order.model_fields if name not in _ORDER_SKIP)
LINE_COLUMNS = tuple(LineItem.model_fields)


def to_cents(amount: Decimal) -> int:
    return int(amount.quantize(CENT, rounding=ROUND_HALF_UP) * 100)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def order_row(order: Order) -> dict[str, Any]:
    """The orders-table row for *order*, with its denormalised columns."""
    row: dict[str, Any] = {}
    for name in ORDER_COLUMNS:
        value = getattr(order, name)
        if name in ORDER_TIME_FIELDS:
            value = to_epoch(value)
        elif name in ORDER_MONEY_FIELDS:
            value = to_cents(value)
        elif name == "is_sample_order":
            value = int(value)
        elif value is not None and hasattr(value, "value"):
            value = value.value
        row[name] = value
    row["item_count"] = order.item_count
    note = order.current_note
    row["flag"] = note.flag.value if note and note.flag else None
    row["note"] = (note.text or None) if note else None
    cancel = order.pending_request(RequestType.CANCELLATION)
    ret = order.pending_request(RequestType.RETURN_REFUND)
    row["cancel_request_due"] = to_epoch(cancel.respond_by) if cancel else None
    row["return_request_due"] = to_epoch(ret.respond_by) if ret else None
    row["has_return"] = int(order.has_return)
    return row


def line_row(order_id: str, position: int, line: LineItem) -> dict[str, Any]:
    row = {"order_id": order_id, "position": position}
    for name in LINE_COLUMNS:
        value = getattr(line, name)
        row[name] = to_cents(value) if name in LINE_MONEY_FIELDS else value
    return row


def order_from_row(row: dict[str, Any], **children: list[Any]) -> Order:
    data: dict[str, Any] = {}
    for name in ORDER_COLUMNS:
        value = row[name]
        if name in ORDER_TIME_FIELDS:
            value = from_epoch(value)
        elif name in ORDER_MONEY_FIELDS:
            value = from_cents(value)
        elif name == "is_sample_order":
            value = bool(value)
        data[name] = value
    return Order.model_validate({**data, **children})


def line_from_row(row: dict[str, Any]) -> LineItem:
    data = {name: row[name] for name in LINE_COLUMNS}
    for name in LINE_MONEY_FIELDS:
        data[name] = from_cents(data[name])
    return LineItem.model_validate(data)


def note_from_row(row: dict[str, Any]) -> Note:
    return Note.model_validate({**row, "created_at": from_epoch(row["created_at"])})


def _model_fields(row: dict[str, Any], model: type) -> dict[str, Any]:
    """The columns of *row* that are fields of *model* (a row also holds its shop and TikTok's ids)."""
    return {name: value for name, value in row.items() if name in model.model_fields}


def request_from_row(row: dict[str, Any]) -> AfterSalesRequest:
    data = _model_fields(row, AfterSalesRequest)
    for name in ("created_at", "respond_by", "resolved_at"):
        data[name] = from_epoch(data[name])
    return AfterSalesRequest.model_validate(data)


def history_from_row(row: dict[str, Any]) -> HistoryEvent:
    data = _model_fields(row, HistoryEvent)
    data["at"] = from_epoch(data["at"])
    data["before"] = json.loads(data["before"])
    data["after"] = json.loads(data["after"])
    return HistoryEvent.model_validate(data)


@dataclass(frozen=True, slots=True)
class OrderRow:
    """The slice of an order a list row shows; cheap to fetch a page of."""

    id: str
    status: OrderStatus
    create_time: datetime
    rts_sla_time: datetime | None
    shipping_due_time: datetime | None
    item_count: int
    total_amount: Decimal
    currency: str
    buyer_username: str
    creator_username: str | None
    content_type: ContentType | None
    campaign: str | None
    flag: Flag | None
    note: str | None
    tracking_number: str | None
    shipping_provider: str | None
    is_sample_order: bool
    version: int
    pending_action: str | None = None
    remote_error: str | None = None
    reason: Reason | None = None
    deadline: datetime | None = None
    reason_count: int = 0


ROW_COLUMNS = (
    "id",
    "status",
    "create_time",
    "rts_sla_time",
    "shipping_due_time",
    "item_count",
    "total_amount",
    "currency",
    "buyer_username",
    "creator_username",
    "content_type",
    "campaign",
    "flag",
    "note",
    "tracking_number",
    "shipping_provider",
    "is_sample_order",
    "version",
    "pending_action",
    "remote_error",
)


def order_row_from_tuple(values: tuple[Any, ...], action: tuple[Any, ...] | None = None) -> OrderRow:
    (oid, status, created, rts, due, items, total, currency, buyer, creator, content, campaign,
     flag, note, tracking, provider, sample, version, pending, refused) = values
    reason = deadline = None
    count = 0
    if action is not None:
        reason_value, deadline_value, count = action
        reason = Reason(reason_value)
        untimed = reason in (Reason.ABNORMAL_PACKAGE, Reason.REFUSED_BY_TIKTOK)
        deadline = None if untimed else from_epoch(deadline_value)
    return OrderRow(
        id=oid,
        status=OrderStatus(status),
        create_time=from_epoch(created),
        rts_sla_time=from_epoch(rts),
        shipping_due_time=from_epoch(due),
        item_count=items,
        total_amount=from_cents(total),
        currency=currency,
        buyer_username=buyer,
        creator_username=creator,
        content_type=ContentType(content) if content else None,
        campaign=campaign,
        flag=Flag(flag) if flag else None,
        note=note,
        tracking_number=tracking,
        shipping_provider=provider,
        is_sample_order=bool(sample),
        version=version,
        pending_action=pending,
        remote_error=refused,
        reason=reason,
        deadline=deadline,
        reason_count=count,
    )

