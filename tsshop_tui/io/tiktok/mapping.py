"""TikTok Shop Open API (202309) JSON into our model: orders and buyer cancellation / return requests.

Fields we do not know are ignored and missing ones take their defaults; a field that is there but
wrong (a status TikTok does not have, a time that is not a number) raises MappingError naming the
order, so one bad order is reported and the rest of the page still goes in.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from ...domain.model import LineItem, Order, RequestStatus, RequestType
from ...store import RemoteRequest

ORDER_TIMES = (
    "create_time", "paid_time", "update_time", "rts_sla_time", "tts_sla_time", "shipping_due_time", "rts_time",
    "delivery_time", "cancel_time",
)
ORDER_TEXTS = (
    "tracking_number", "shipping_provider", "delivery_option_name", "buyer_message", "seller_note", "cancel_reason",
    "warehouse_id", "buyer_username", "creator_username",
)
ORDER_CODES = ("status", "shipping_type", "cancellation_initiator", "order_type", "content_type")
PAYMENT = ("sub_total", "shipping_fee", "seller_discount", "platform_discount", "tax", "total_amount")
LINE_TEXTS = ("seller_sku", "product_id", "product_name", "sku_name", "package_id", "tracking_number")
LINE_MONEY = ("original_price", "sale_price", "platform_discount", "seller_discount")
# district_info levels: L0 country, L1 state or province, L2 county, L3 city
STATE_LEVEL, CITY_LEVELS = "L1", ("L3", "L2")


_P, _A, _R = RequestStatus.PENDING, RequestStatus.APPROVED, RequestStatus.REJECTED
REQUEST_STATUSES: dict[str, RequestStatus] = {
    "CANCELLATION_REQUEST_PENDING": _P, "CANCELLATION_REQUEST_SUCCESS": _A, "CANCELLATION_REQUEST_COMPLETE": _A,
    "CANCELLATION_REQUEST_REJECT": _R, "CANCELLATION_REQUEST_CANCEL": _R,
    "RETURN_OR_REFUND_REQUEST_PENDING": _P, "AWAITING_BUYER_SHIP": _A, "BUYER_SHIPPED_ITEM": _A,
    "RETURN_OR_REFUND_REQUEST_SUCCESS": _A, "RETURN_OR_REFUND_REQUEST_COMPLETE": _A,
    "RETURN_OR_REFUND_REQUEST_REJECT": _R, "REFUND_OR_RETURN_REQUEST_REJECT": _R, "REJECT_RECEIVE_PACKAGE": _R,
    "RETURN_OR_REFUND_REQUEST_CANCEL": _R,
    **{status.value: status for status in RequestStatus},
}
"""TikTok's cancel_status and return_status in our words (a withdrawn request reads as rejected)."""


class MappingError(ValueError):
    """A TikTok record we cannot take as it is; the message names it and the field."""


def order_from_api(shop_id: str, data: Mapping[str, Any]) -> Order:
    """An order of *shop_id* from a 202309 order detail. Its line items come one per unit, as TikTok
    sends them; units of one SKU become one line whose quantity is their count."""
    order_id = str(data.get("id", "")) or "(no id)"
    what = f"order {order_id}"
    fields: dict[str, Any] = {"id": order_id, "shop_id": shop_id}
    for name in ORDER_TIMES:
        fields[name] = _time(data.get(name), what, name)
    for name in ORDER_TEXTS:
        if data.get(name):
            fields[name] = str(data[name])
    for name in ORDER_CODES:
        if data.get(name):
            fields[name] = data[name]
    if "is_sample_order" in data:
        fields["is_sample_order"] = bool(data["is_sample_order"])
    if data.get("payment_method_name"):
        fields["payment_method"] = str(data["payment_method_name"])
    payment = _mapping(data.get("payment"), what, "payment")
    if payment.get("currency"):
        fields["currency"] = str(payment["currency"])
    for name in PAYMENT:
        if payment.get(name) not in (None, ""):
            fields[name] = _money(payment[name], what, f"payment.{name}")
    fields.update(_address(_mapping(data.get("recipient_address"), what, "recipient_address")))
    fields["line_items"] = _lines(data.get("line_items"), what)
    try:
        return Order(**fields)
    except ValidationError as error:
        raise MappingError(f"{what}: {_problem(error)}") from None


def request_from_api(kind: RequestType, data: Mapping[str, Any]) -> RemoteRequest:
    """A buyer's cancellation (*kind* CANCELLATION, from cancellations/search) or return (RETURN_REFUND,
    from returns/search) request, known by TikTok's cancel_id or return_id."""
    prefix = "cancel" if kind is RequestType.CANCELLATION else "return"
    external_id = str(data.get(f"{prefix}_id") or "")
    order_id = str(data.get("order_id") or "")
    what = f"{prefix} request {external_id or '(no id)'} of order {order_id or '(none)'}"
    if not external_id or not order_id:
        raise MappingError(f"{what}: no {prefix}_id or order_id")
    status_text = str(data.get(f"{prefix}_status", "")) or "PENDING"
    status = REQUEST_STATUSES.get(status_text)
    if status is None:
        raise MappingError(f"{what}: {prefix}_status {status_text[:40]!r} is not one TikTok has")
    created = _time(data.get("create_time"), what, "create_time")
    if created is None:
        raise MappingError(f"{what}: no create_time")
    updated = _time(data.get("update_time"), what, "update_time") or created
    respond_by = _time(data.get("respond_by"), what, "respond_by") or created
    return RemoteRequest(
        external_id=external_id,
        order_id=order_id,
        type=kind,
        status=status,
        reason=str(data.get(f"{prefix}_reason_text") or data.get(f"{prefix}_reason") or ""),
        created_at=created,
        respond_by=respond_by,
        resolved_at=None if status is RequestStatus.PENDING else (
            _time(data.get("resolved_time"), what, "resolved_time") or updated
        ),
        reject_reason=str(data["reject_reason"]) if data.get("reject_reason") else None,
        update_time=updated,
    )


def _lines(units: Any, what: str) -> list[LineItem]:
    if units is None:
        return []
    if not isinstance(units, list):
        raise MappingError(f"{what}: line_items is not a list")
    grouped: dict[str, dict[str, Any]] = {}
    for unit in units:
        unit = _mapping(unit, what, "line_items")
        sku = str(unit.get("sku_id", ""))
        if not sku:
            raise MappingError(f"{what}: a line item has no sku_id")
        line = grouped.get(sku)
        if line is not None:
            line["quantity"] += 1
            continue
        line = grouped[sku] = {"sku_id": sku, "quantity": 1}
        for name in LINE_TEXTS:
            if unit.get(name):
                line[name] = str(unit[name])
        for name in LINE_MONEY:
            if unit.get(name) not in (None, ""):
                line[name] = _money(unit[name], what, f"line_items.{name}")
    try:
        return [LineItem(**line) for line in grouped.values()]
    except ValidationError as error:
        raise MappingError(f"{what}: {_problem(error)}") from None


def _address(address: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for ours, theirs in (
        ("recipient_name", "name"), ("recipient_phone", "phone_number"), ("address_detail", "address_detail"),
        ("address_extra", "address_line2"), ("zipcode", "postal_code"), ("country", "region_code"),
    ):
        if address.get(theirs):
            fields[ours] = str(address[theirs])
    levels = {
        str(level.get("address_level", "")): str(level.get("address_name", ""))
        for level in address.get("district_info") or ()
        if isinstance(level, Mapping)
    }
    if levels.get(STATE_LEVEL):
        fields["state"] = levels[STATE_LEVEL]
    city = next((levels[level] for level in CITY_LEVELS if levels.get(level)), "")
    if city:
        fields["city"] = city
    return fields


def _time(value: Any, what: str, name: str) -> datetime | None:
    """A 202309 time (Unix seconds, as a number or digits); 0 or missing is no time."""
    if value in (None, "", 0, "0"):
        return None
    if isinstance(value, bool):
        raise MappingError(f"{what}: {name} is not a time: {value!r}")
    try:
        seconds = int(value)
        return datetime.fromtimestamp(seconds, timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        raise MappingError(f"{what}: {name} is not a time: {str(value)[:40]!r}") from None


def _money(value: Any, what: str, name: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise MappingError(f"{what}: {name} is not an amount: {str(value)[:40]!r}") from None
    if not amount.is_finite():
        raise MappingError(f"{what}: {name} is not an amount: {str(value)[:40]!r}")
    return amount


def _mapping(value: Any, what: str, name: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise MappingError(f"{what}: {name} is not an object")
    return value


def _problem(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']} ({str(first.get('input'))[:40]!r})"
