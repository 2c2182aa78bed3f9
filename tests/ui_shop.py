"""A small, fixed shop for screen tests: every tab populated, every Action needed reason, markup in text."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from tsshop_tui.config import Settings
from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.model import ContentType, LineItem, OrderStatus, RequestType
from tsshop_tui.store import Store
from tsshop_tui.ui.app import TsshopApp
from tsshop_tui.ui.screens.main import MainScreen
from tsshop_tui.ui.widgets.order_list import OrderList

from .factories import HOUR, NOW, make_order, note, request

S = OrderStatus
MARKUP_MESSAGE = "[bold red]URGENT[/] call me [link=https://evil.example]here[/link] \x1b[31mRED\x1b[0m\x1b[2J"
MARKUP_ORDER = "577000000000000007"

PRODUCTS = [
    ("Cloud Knit Hoodie", "Black, M", "HOOD-BLK-M", Decimal("38.40")),
    ("Glow Serum 30ml", "Original", "SERUM-30", Decimal("24.00")),
    ("MagSafe Power Bank", "White", "PB-MAG-WHT", Decimal("45.99")),
    ("Satin Scrunchies (6 pack)", "Pastel", "SCRUN-6-PAS", Decimal("9.99")),
]
CREATORS = [("anna.styles", ContentType.LIVE, "Black Friday LIVE"), ("techwithtom", ContentType.VIDEO, None),
            ("glowbymia", ContentType.SHOWCASE, "Holiday Glow"), (None, None, None)]


def _lines(n: int) -> list[LineItem]:
    count = 1 + n % 3
    lines = []
    for i in range(count):
        name, variation, sku, price = PRODUCTS[(n + i) % len(PRODUCTS)]
        lines.append(LineItem(sku_id=f"17{(n * 10 + i):016d}", seller_sku=sku, product_id=f"172{(n + i) % 4:016d}",
                              product_name=name, sku_name=variation, quantity=1 + (n + i) % 2,
                              original_price=price, sale_price=price))
    return lines


def shop_orders():
    plan = [
        (S.AWAITING_SHIPMENT, {"rts_sla_time": NOW + 3 * HOUR + timedelta(minutes=12)}),
        (S.AWAITING_SHIPMENT, {"rts_sla_time": NOW - 2 * HOUR}),
        (S.AWAITING_SHIPMENT, {"rts_sla_time": NOW + 20 * HOUR, "shipping_due_time": NOW + 5 * HOUR}),
        (S.AWAITING_SHIPMENT, {"rts_sla_time": NOW + 40 * HOUR}),
        (S.AWAITING_SHIPMENT, {"rts_sla_time": NOW + 30 * HOUR, "cancel": True}),
        (S.PARTIALLY_SHIPPING, {"rts_sla_time": NOW + 9 * HOUR}),
        (S.AWAITING_SHIPMENT, {"rts_sla_time": NOW + 50 * HOUR, "buyer_message": MARKUP_MESSAGE,
                               "buyer_username": "[b]mallory[/b]"}),
        (S.UNPAID, {}),
        (S.ON_HOLD, {"rts_sla_time": NOW + 47 * HOUR}),
        (S.AWAITING_COLLECTION, {"tracking_number": "9400111899223344556677", "shipping_provider": "USPS"}),
        (S.IN_TRANSIT, {"tracking_number": "N/A", "shipping_provider": "UPS"}),
        (S.IN_TRANSIT, {"tracking_number": "1Z999AA10123456784", "shipping_provider": "UPS"}),
        (S.DELIVERED, {"tracking_number": "TT1234567890", "return": True}),
        (S.COMPLETED, {"tracking_number": "TT1234567891"}),
        (S.CANCELLED, {"cancel_reason": "seller_cancel_reason_out_of_stock", "cancellation_initiator": "SELLER"}),
        (S.AWAITING_SHIPMENT, {"rts_sla_time": NOW + 26 * HOUR}),
        (S.AWAITING_SHIPMENT, {"rts_sla_time": NOW + 60 * HOUR, "is_sample_order": True}),
        (S.AWAITING_SHIPMENT, {"rts_sla_time": NOW + 14 * HOUR}),
    ]
    flags = {1: ("red", "Fragile - double box"), 3: ("blue", "Gift wrap, no invoice in parcel"),
             7: ("purple", "[i]VIP[/i] \x1b[5mblink\x1b[0m buyer"), 10: ("orange", "Carrier lost scan, chase"),
             17: ("green", "Packed, waiting for label")}
    orders = []
    for n, (status, extra) in enumerate(plan, start=1):
        oid = f"577{n:015d}"
        creator, content, campaign = CREATORS[n % len(CREATORS)]
        fields = dict(extra)
        requests = []
        if fields.pop("cancel", False):
            requests.append(request(oid, RequestType.CANCELLATION, due_in=6 * HOUR))
        if fields.pop("return", False):
            requests.append(request(oid, RequestType.RETURN_REFUND, due_in=30 * HOUR))
        notes = [note(oid, *flags[n])] if n in flags else []
        lines = _lines(n)
        total = sum((line.sale_price * line.quantity for line in lines), Decimal("0"))
        orders.append(
            make_order(
                n, status, creator_username=creator, content_type=content, campaign=campaign,
                line_items=lines, total_amount=total, sub_total=total, requests=requests, notes=notes,
                create_time=NOW - (30 + n) * HOUR if status not in (S.UNPAID, S.ON_HOLD) else NOW - HOUR,
                recipient_name=f"Buyer {n}", city="Austin", state="TX", zipcode="73301",
                **fields,
            )
        )
    return orders


def build_shop(path: Path) -> Path:
    with Store(path, clock=FixedClock(NOW), actor="tester") as store:
        store.upsert_orders(shop_orders(), source="fixture")
        with store.transaction() as conn:
            store.set_meta(conn, "shop_name", "Snapshot Shop")
    return path


def make_app(path: Path, **settings: object) -> TsshopApp:
    """The app on *path*, opening on To ship (the warehouse's list) unless told otherwise."""
    options = {"refresh_seconds": 300.0, "default_tab": "to-ship", **settings}
    return TsshopApp(db_path=path, settings=Settings(**options), clock=FixedClock(NOW))


def parts(app: TsshopApp) -> tuple[MainScreen, OrderList]:
    """The main screen on top and its order list."""
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen, screen.query_one(OrderList)
