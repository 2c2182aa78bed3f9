"""Hand-made orders for tests: every field known in advance."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from tsshop_tui.domain.model import (
    AfterSalesRequest,
    LineItem,
    Note,
    Order,
    OrderStatus,
    RequestStatus,
    RequestType,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


def make_order(n: int, status: OrderStatus | str = OrderStatus.AWAITING_SHIPMENT, **fields: Any) -> Order:
    """Order number *n* (ID 5770000000000000nn): to ship, due in 30 h, one $10 line unless told."""
    status = OrderStatus(status)
    data: dict[str, Any] = {
        "id": f"577{n:015d}",
        "status": status,
        "create_time": NOW - 10 * HOUR,
        "paid_time": NOW - 9 * HOUR,
        "rts_sla_time": NOW + 30 * HOUR,
        "shipping_due_time": NOW + 100 * HOUR,
        "total_amount": Decimal("10.00"),
        "sub_total": Decimal("10.00"),
        "buyer_username": f"buyer{n}",
        "line_items": [
            LineItem(
                sku_id=f"17{n:016d}",
                seller_sku=f"SKU-{n}",
                product_id=f"172{n:016d}",
                product_name=f"Product {n}",
                sku_name="Black, M",
                quantity=1,
                sale_price=Decimal("10.00"),
                original_price=Decimal("10.00"),
            )
        ],
    }
    if status in (OrderStatus.UNPAID,):
        data.update(paid_time=None, rts_sla_time=None, shipping_due_time=None)
    data.update(fields)
    return Order.model_validate(data)


def request(order_id: str, kind: RequestType, *, status: RequestStatus = RequestStatus.PENDING,
            due_in: timedelta = 20 * HOUR) -> AfterSalesRequest:
    return AfterSalesRequest(
        order_id=order_id, type=kind, status=status, reason="changed my mind",
        created_at=NOW - 4 * HOUR, respond_by=NOW + due_in,
    )


def note(order_id: str, flag: str | None, text: str, *, at: datetime = NOW - HOUR) -> Note:
    return Note(order_id=order_id, flag=flag, text=text, author="ana", created_at=at)


TRACKINGS = ["9400111899223344556677", "TT1234567890", "", None, "N/A", "abc-123", "1Z999AA10123456784"]


def random_orders(seed: int, count: int) -> list[Order]:
    """Orders spread over every status, deadline and request case around NOW, for rule checks."""
    rng = random.Random(seed)
    orders = []
    for n in range(count):
        status = rng.choice(list(OrderStatus))
        offsets = [-72, -25, -24, -1, 0, 1, 5, 23, 24, 25, 48, 200]
        rts = NOW + timedelta(hours=rng.choice(offsets), minutes=rng.choice([0, 0, 1, 59]))
        due = NOW + timedelta(hours=rng.choice(offsets), seconds=rng.choice([0, 1, -1]))
        oid = f"577{seed:05d}{n:010d}"
        requests = []
        for kind in RequestType:
            if rng.random() < 0.25:
                requests.append(
                    request(oid, kind, status=rng.choice(list(RequestStatus)),
                            due_in=timedelta(hours=rng.choice(offsets)))
                )
        orders.append(
            make_order(
                n,
                status,
                id=oid,
                rts_sla_time=None if rng.random() < 0.1 else rts,
                shipping_due_time=None if rng.random() < 0.1 else due,
                tracking_number=rng.choice(TRACKINGS),
                requests=requests,
            )
        )
    return orders
