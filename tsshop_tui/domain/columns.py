"""The columns of an order export, declared once: Seller Center's US layout, then tsshop's own.

One row per SKU line. Each :class:`Column` says what its header is (and the other headers it is
read under), whether it belongs to the SKU line or to the order (repeated on each of its lines),
its kind, and the model field it carries. Everything else is derived from this table: the reader
and the writer (``io.seller_center``), the SQL that formats CSV (``store.export``) and the cell
types of XLSX (``io.export``). A column with a field and no special rule needs nothing more; the
few computed ones (statuses, subtotals, the current note, buyer requests...) have their value here
(``COMPUTED``) and their SQL twin in ``store.export``, and a test holds every column to having a
reader, a writer, SQL and a type.

To add a column: add it here (and, if it is computed, its value in ``COMPUTED`` and its SQL in
``store.export._COMPUTED``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum, StrEnum
from typing import Any

from .catalog import SELLER_CENTER_FULFILMENT, SELLER_CENTER_ORDER_TYPE, SELLER_CENTER_STATUS
from .model import AfterSalesRequest, LineItem, Order, OrderStatus, RequestType

__all__ = [
    "COLUMNS",
    "COMPUTED",
    "EXPORT_COLUMNS",
    "OPTIONAL_COLUMNS",
    "OURS",
    "REQUIRED_COLUMNS",
    "SELLER_CENTER",
    "SELLER_CENTER_COLUMNS",
    "Column",
    "Kind",
    "Level",
    "format_money",
    "format_time",
    "writer",
]


class Level(StrEnum):
    ORDER = "order"  # the order's: the same on each of its rows
    LINE = "line"  # the SKU line's: empty on the row of an order without lines


class Kind(StrEnum):
    TEXT = "text"  # free text, kept exactly as written
    ID = "id"  # an identifier or code people type: read without the trailing tab/space quirk
    CODE = "code"  # digits or a word from a fixed set: read like an ID, never starts a formula
    MONEY = "money"  # '38.40'
    INT = "int"  # a whole number
    TIME = "time"  # '11/25/2026 9:30:33 PM', UTC


@dataclass(frozen=True)
class Column:
    """One export column.

    *field*: the attribute of the order (or, for a line column, of the SKU line) it carries,
    ``None`` for a constant or a value computed from several. *key*: the name the reader gives
    its cell (usually the field; ``None`` for a column that is written but never read).
    *constant*: the text of a column Seller Center has and tsshop has nothing for.
    """

    header: str
    level: Level
    kind: Kind
    field: str | None = None
    key: str | None = None
    aliases: tuple[str, ...] = ()
    constant: str | None = None
    required: bool = False

    @property
    def headers(self) -> tuple[str, ...]:
        """The header written, then the others it is read under."""
        return (self.header, *self.aliases)


_O, _L = Level.ORDER, Level.LINE
TEXT, ID, CODE, MONEY, INT, TIME = Kind.TEXT, Kind.ID, Kind.CODE, Kind.MONEY, Kind.INT, Kind.TIME


def _col(header: str, level: Level, kind: Kind, field: str | None = None, *, key: str | None = "",
         aliases: tuple[str, ...] = (), constant: str | None = None, required: bool = False) -> Column:
    """A column; its key is its field unless given (``None``: not read)."""
    return Column(header, level, kind, field, field if key == "" else key, aliases, constant, required)


# Seller Center's "Manage Orders" export, in its order (DESIGN.md).
SELLER_CENTER: tuple[Column, ...] = (
    _col("Order ID", _O, CODE, "id", key="order_id", required=True),
    _col("Order Status", _O, CODE, key="status", required=True),
    _col("Order Substatus", _O, CODE, key="substatus", aliases=("Order Sub Status",)),
    _col("Cancelation/Return Type", _O, CODE),
    _col("Normal or Pre-order", _O, CODE, "order_type", aliases=("Order Type",)),
    _col("SKU ID", _L, ID, "sku_id", required=True),
    _col("Seller SKU", _L, ID, "seller_sku"),
    _col("Product Name", _L, TEXT, "product_name"),
    _col("Variation", _L, TEXT, "sku_name"),
    _col("Quantity", _L, INT, "quantity", required=True),
    _col("Sku Quantity of return", _L, INT, constant="0"),
    _col("SKU Unit Original Price", _L, MONEY, "original_price"),
    _col("SKU Subtotal Before Discount", _L, MONEY, key="before_discount"),
    _col("SKU Platform Discount", _L, MONEY, "platform_discount", key="line_platform_discount"),
    _col("SKU Seller Discount", _L, MONEY, "seller_discount", key="line_seller_discount"),
    _col("SKU Subtotal After Discount", _L, MONEY, key="after_discount"),
    _col("Shipping Fee After Discount", _O, MONEY, "shipping_fee"),
    _col("Original Shipping Fee", _O, MONEY, "shipping_fee", key=None),
    _col("Shipping Fee Seller Discount", _O, MONEY, constant="0.00"),
    _col("Shipping Fee Platform Discount", _O, MONEY, constant="0.00"),
    _col("Payment platform discount", _O, MONEY, constant="0.00"),
    _col("Taxes", _O, MONEY, "tax"),
    _col("Order Amount", _O, MONEY, "total_amount"),
    _col("Order Refund Amount", _O, MONEY, "refund_amount"),
    _col("Created Time", _O, TIME, "create_time", required=True),
    _col("Paid Time", _O, TIME, "paid_time"),
    _col("RTS Time", _O, TIME, "rts_time"),
    _col("Shipped Time", _O, TIME, "rts_time", key="shipped_time"),  # written once shipped
    _col("Delivered Time", _O, TIME, "delivery_time"),
    _col("Cancelled Time", _O, TIME, "cancel_time"),
    _col("Cancel By", _O, CODE, "cancellation_initiator"),
    _col("Cancel Reason", _O, TEXT, "cancel_reason"),
    _col("Fulfillment Type", _O, CODE, "shipping_type"),
    _col("Warehouse Name", _O, TEXT, "warehouse_name"),
    # The line's own tracking number where it has one, else the order's.
    _col("Tracking ID", _O, ID, "tracking_number", aliases=("Tracking Number",)),
    _col("Delivery Option", _O, TEXT, "delivery_option_name"),
    _col("Shipping Provider Name", _O, TEXT, "shipping_provider", aliases=("Shipping Provider",)),
    _col("Buyer Message", _O, TEXT, "buyer_message"),
    _col("Buyer Username", _O, TEXT, "buyer_username"),
    _col("Recipient", _O, TEXT, "recipient_name", aliases=("Recipient Name",)),
    _col("Phone #", _O, ID, "recipient_phone", aliases=("Phone", "Phone Number")),
    _col("Zipcode", _O, ID, "zipcode", aliases=("Zip Code", "Postal Code", "Postcode")),
    _col("Country", _O, TEXT, "country"),
    _col("State", _O, TEXT, "state"),
    _col("City", _O, TEXT, "city"),
    _col("Detail Address", _O, TEXT, "address_detail"),
    _col("Additional address information", _O, TEXT, "address_extra"),
    _col("Payment Method", _O, TEXT, "payment_method"),
    _col("Weight(kg)", _O, TEXT, constant=""),
    _col("Product Category", _L, TEXT, "product_category"),
    _col("Package ID", _L, ID, "package_id"),
    # The order's current comment, else the marketplace's seller note.
    _col("Seller Note", _O, TEXT, "seller_note"),
    _col("Checked Status", _O, TEXT, constant=""),
    _col("Checked Marked by", _O, TEXT, constant=""),
)

# Not in Seller Center's exports: tsshop's own add them, so that they read back whole.
OURS: tuple[Column, ...] = (
    _col("Product ID", _L, ID, "product_id"),
    # The order's tracking number (Tracking ID is the line's).
    _col("Order Tracking ID", _O, ID, "tracking_number", key="order_tracking"),
    _col("Currency", _O, ID, "currency"),
    _col("Update Time", _O, TIME, "update_time"),
    _col("RTS SLA Time", _O, TIME, "rts_sla_time", aliases=("Ship By", "Ship By Time")),
    _col("Collect By Time", _O, TIME, "tts_sla_time", aliases=("TTS SLA Time", "Collect By")),
    _col("Shipping Due Time", _O, TIME, "shipping_due_time"),
    _col("Warehouse ID", _O, ID, "warehouse_id"),
    _col("Creator Username", _O, TEXT, "creator_username", aliases=("Creator",)),
    _col("Content Type", _O, CODE, "content_type"),
    _col("Campaign", _O, TEXT, "campaign"),
    _col("Sample Order", _O, CODE, "is_sample_order"),
    # The newest buyer request of each kind.
    _col("Cancellation Request", _O, CODE, key="cancel_request"),
    _col("Cancellation Requested Time", _O, TIME, key="cancel_requested"),
    _col("Cancellation Respond By", _O, TIME, key="cancel_respond_by"),
    _col("Cancellation Request Reason", _O, TEXT, key="cancel_request_reason"),
    _col("Return Request", _O, CODE, key="return_request"),
    _col("Return Requested Time", _O, TIME, key="return_requested"),
    _col("Return Respond By", _O, TIME, key="return_respond_by"),
    _col("Return Request Reason", _O, TEXT, key="return_request_reason"),
    # The order's current flag; with this column, "Seller Note" is read as its current comment.
    _col("Seller Flag", _O, CODE, "flag", key="seller_flag"),
)

COLUMNS: tuple[Column, ...] = SELLER_CENTER + OURS
SELLER_CENTER_COLUMNS: tuple[str, ...] = tuple(c.header for c in SELLER_CENTER)
OPTIONAL_COLUMNS: tuple[str, ...] = tuple(c.header for c in OURS)
EXPORT_COLUMNS: tuple[str, ...] = SELLER_CENTER_COLUMNS + OPTIONAL_COLUMNS
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c.header for c in COLUMNS if c.required)


# --- Cells: each column's text, written from the order (or, for a line column, the SKU line) ----

S = OrderStatus
CENT = Decimal("0.01")
_SHIPPED = (S.IN_TRANSIT, S.DELIVERED, S.COMPLETED)


def format_time(moment: datetime | None) -> str:
    """``11/25/2026 9:30:33 PM`` in UTC; None is empty."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    hour = moment.hour % 12 or 12
    half = "PM" if moment.hour >= 12 else "AM"
    return f"{moment:%m/%d/%Y} {hour}:{moment:%M:%S} {half}"


def format_money(amount: Decimal | None) -> str:
    """``38.40``: two decimals, no symbol, no thousands separator."""
    if amount is None:
        return ""
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def _text_of(value: Any) -> str:
    """A field's text in a cell: None empty, a code its value."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def _newest_request(order: Order, kind: RequestType) -> AfterSalesRequest | None:
    return next((r for r in reversed(order.requests) if r.type is kind), None)


def _request_cells(label: str, kind: RequestType) -> dict[str, Callable[[Order], str]]:
    """The cells of the newest buyer request of *kind* (empty where the order has none)."""

    def cell(text: Callable[[AfterSalesRequest], str]) -> Callable[[Order], str]:
        def write(order: Order) -> str:
            newest = _newest_request(order, kind)
            return text(newest) if newest is not None else ""

        return write

    return {
        f"{label} Request": cell(lambda r: r.status.value.title()),
        f"{label} Requested Time": cell(lambda r: format_time(r.created_at)),
        f"{label} Respond By": cell(lambda r: format_time(r.respond_by)),
        f"{label} Request Reason": cell(lambda r: r.reason),
    }


def _seller_note(order: Order) -> str:
    """The order's current comment, else the marketplace's seller note."""
    note = order.current_note
    return (note.text if note else "") or order.seller_note


# The computed columns' cells (store.export has the SQL of each): an order column's from the Order,
# a line column's from the LineItem. Every other column is its field's text, money or time.
COMPUTED: dict[str, Callable[[Any], str]] = {
    "Order Status": lambda order: SELLER_CENTER_STATUS[order.status][0],
    "Order Substatus": lambda order: SELLER_CENTER_STATUS[order.status][1],
    "Cancelation/Return Type": lambda order: (
        "Cancel" if order.status is S.CANCELLED else ("Return/Refund" if order.has_return else "")),
    "Normal or Pre-order": lambda order: SELLER_CENTER_ORDER_TYPE[order.order_type],
    "SKU Subtotal Before Discount": lambda line: format_money(line.original_price * line.quantity),
    "SKU Subtotal After Discount": lambda line: format_money(line.sale_price * line.quantity),
    "Shipped Time": lambda order: format_time(order.rts_time) if order.status in _SHIPPED else "",
    "Cancel By": lambda order: order.cancellation_initiator.value.title() if order.cancellation_initiator else "",
    "Fulfillment Type": lambda order: SELLER_CENTER_FULFILMENT[order.shipping_type],
    "Seller Note": _seller_note,
    "Sample Order": lambda order: "Yes" if order.is_sample_order else "No",
    **_request_cells("Cancellation", RequestType.CANCELLATION),
    **_request_cells("Return", RequestType.RETURN_REFUND),
}


def writer(column: Column) -> Callable[[Order], str] | Callable[[LineItem], str]:
    """How the cell of *column* is written from the order (or, for a line column, the SKU line):
    its computed value, its constant, or its field as its kind is written."""
    if column.header in COMPUTED:
        return COMPUTED[column.header]
    constant = column.constant
    if constant is not None:
        return lambda _owner: constant
    name = column.field
    if name is None:
        raise LookupError(f"export column {column.header!r} has no field, constant or rule to write it")
    if column.kind is Kind.MONEY:
        return lambda owner: format_money(getattr(owner, name))
    if column.kind is Kind.TIME:
        return lambda owner: format_time(getattr(owner, name))
    return lambda owner: _text_of(getattr(owner, name))
