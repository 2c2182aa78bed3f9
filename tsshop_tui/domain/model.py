"""The TikTok Shop order model (Open API 202309 field names), validated with pydantic v2."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class OrderStatus(StrEnum):
    UNPAID = "UNPAID"
    ON_HOLD = "ON_HOLD"
    AWAITING_SHIPMENT = "AWAITING_SHIPMENT"
    PARTIALLY_SHIPPING = "PARTIALLY_SHIPPING"
    AWAITING_COLLECTION = "AWAITING_COLLECTION"
    IN_TRANSIT = "IN_TRANSIT"
    DELIVERED = "DELIVERED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class Flag(StrEnum):
    RED = "red"
    ORANGE = "orange"
    YELLOW = "yellow"
    GREEN = "green"
    BLUE = "blue"
    PURPLE = "purple"


class ContentType(StrEnum):
    LIVE = "LIVE"
    VIDEO = "VIDEO"
    SHOWCASE = "SHOWCASE"


class OrderType(StrEnum):
    NORMAL = "NORMAL"
    PRE_ORDER = "PRE_ORDER"
    MADE_TO_ORDER = "MADE_TO_ORDER"
    BACK_ORDER = "BACK_ORDER"


class ShippingType(StrEnum):
    TIKTOK = "TIKTOK"
    SELLER = "SELLER"


class Initiator(StrEnum):
    SELLER = "SELLER"
    BUYER = "BUYER"
    SYSTEM = "SYSTEM"


class RequestType(StrEnum):
    CANCELLATION = "CANCELLATION"
    RETURN_REFUND = "RETURN_REFUND"


class RequestStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


def _aware(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


class _Model(BaseModel):
    """Strict about unknown fields; naive datetimes are taken as UTC everywhere."""

    model_config = ConfigDict(use_enum_values=False, validate_assignment=False, extra="forbid")

    _aware_times = field_validator("*", mode="before")(_aware)


class LineItem(_Model):
    """One SKU line of an order (quantity may be more than one)."""

    sku_id: str
    seller_sku: str = ""
    product_id: str = ""
    product_name: str = ""
    sku_name: str = Field("", description="The variation, e.g. 'Black, M'.")
    quantity: int = Field(1, ge=1)
    original_price: Decimal = Decimal("0")
    sale_price: Decimal = Decimal("0")
    platform_discount: Decimal = Decimal("0")
    seller_discount: Decimal = Decimal("0")
    package_id: str | None = None
    tracking_number: str | None = None
    product_category: str = ""



class Note(_Model):
    """An internal note; the newest one is the order's current note and flag."""

    id: int | None = None
    order_id: str
    flag: Flag | None = None
    text: str = ""
    author: str
    created_at: datetime




class AfterSalesRequest(_Model):
    """A buyer cancellation request or return/refund request awaiting (or given) a seller answer."""

    id: int | None = None
    order_id: str
    type: RequestType
    status: RequestStatus = RequestStatus.PENDING
    reason: str = ""
    created_at: datetime
    respond_by: datetime
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    reject_reason: str | None = None



class HistoryEvent(_Model):
    """One append-only record of a change: who, when, what, before and after."""

    id: int | None = None
    order_id: str
    at: datetime
    actor: str
    action: str
    before: dict[str, Any] = Field(default_factory=dict)
    after: dict[str, Any] = Field(default_factory=dict)



class Order(_Model):
    """A TikTok Shop order. Money is in the order's currency as Decimal; times are aware UTC."""

    id: str = Field(pattern=r"^\d{6,30}$", description="A digit string, about 18 digits; never an int.")
    status: OrderStatus
    create_time: datetime
    paid_time: datetime | None = None
    update_time: datetime | None = None
    rts_sla_time: datetime | None = Field(None, description="Ship-by time.")
    tts_sla_time: datetime | None = Field(None, description="Collect-by time.")
    shipping_due_time: datetime | None = Field(None, description="Auto-cancel if not shipped by then.")
    rts_time: datetime | None = Field(None, description="When the seller shipped (ready to ship).")
    delivery_time: datetime | None = None
    cancel_time: datetime | None = None
    tracking_number: str | None = None
    shipping_provider: str | None = None
    delivery_option_name: str | None = None
    shipping_type: ShippingType = ShippingType.TIKTOK
    order_type: OrderType = OrderType.NORMAL
    is_sample_order: bool = False
    buyer_username: str = ""
    buyer_message: str = ""
    seller_note: str = ""
    cancel_reason: str | None = None
    cancellation_initiator: Initiator | None = None
    warehouse_id: str | None = None
    warehouse_name: str | None = None
    currency: str = "USD"
    sub_total: Decimal = Decimal("0")
    shipping_fee: Decimal = Decimal("0")
    seller_discount: Decimal = Decimal("0")
    platform_discount: Decimal = Decimal("0")
    tax: Decimal = Decimal("0")
    total_amount: Decimal = Decimal("0")
    refund_amount: Decimal = Decimal("0")
    payment_method: str | None = None
    recipient_name: str | None = None
    recipient_phone: str | None = None
    address_detail: str | None = None
    address_extra: str | None = None
    city: str | None = None
    state: str | None = None
    zipcode: str | None = None
    country: str | None = None
    creator_username: str | None = None
    content_type: ContentType | None = None
    campaign: str | None = None
    shop_id: str = Field("local", description="The shop it belongs to (shops.LOCAL_SHOP for imported ones).")
    pending_action: str | None = Field(None, description="The change waiting for TikTok (an outbox kind).")
    remote_error: str | None = Field(None, description="TikTok's own message when it refused the last change.")
    version: int = 1
    line_items: list[LineItem] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list, description="Newest first.")
    requests: list[AfterSalesRequest] = Field(default_factory=list)
    history: list[HistoryEvent] = Field(default_factory=list, description="Oldest first.")

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.line_items)

    @property
    def current_note(self) -> Note | None:
        return self.notes[0] if self.notes else None

    @property
    def flag(self) -> Flag | None:
        note = self.current_note
        return note.flag if note else None

    def pending_request(self, kind: RequestType) -> AfterSalesRequest | None:
        for request in self.requests:
            if request.type is kind and request.status is RequestStatus.PENDING:
                return request
        return None

    @property
    def has_return(self) -> bool:
        return any(r.type is RequestType.RETURN_REFUND for r in self.requests)
