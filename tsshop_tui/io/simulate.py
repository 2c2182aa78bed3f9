"""Campaign traffic for a running shop database: what a viral LIVE sale looks like from the inside.

``simulate`` feeds the database a stream of events — new orders (mostly attributed to one creator's
LIVE), payments, shipments, buyer cancellation and return/refund requests — each one short write
transaction through the Store, so every terminal open on the database sees them arrive (counts,
lists, Action needed) exactly as it would see real traffic. Products, creators and campaigns are
taken from the database itself so the new orders look like the shop's own.

Time comes from the store's clock (real time when run live, a fixed one in tests); with a seed the
same database and clock give the same traffic.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from ..domain.catalog import CARRIERS, TO_SHIP
from ..domain.model import ContentType, LineItem, Order, OrderStatus, RequestType
from ..domain.rules import AUTO_CANCEL_WITHIN, COLLECT_WITHIN, SHIP_WITHIN, RuleError
from ..store import StaleError, Store
from ..store.rows import LINE_MONEY_FIELDS, from_cents
from ..store.schema import in_tabs

# Event kinds and how often each comes, in parts of a hundred.
EVENT_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("order", 50),
    ("pay", 12),
    ("ship", 22),
    ("cancel-request", 7),
    ("return-request", 9),
)
EVENT_LABELS = {
    "order": "new orders",
    "pay": "payments",
    "ship": "shipments",
    "cancel-request": "cancellation requests",
    "return-request": "return requests",
}
UNPAID_SHARE = 0.3
CANDIDATES = 20  # events pick among this many of the likeliest orders
# The orders each event picks from, by the tabs holding their statuses (catalog.TABS); a return is asked
# of a delivered order first, then of one in transit, then of one awaiting collection.
_UNPAID_TABS = in_tabs((OrderStatus.UNPAID,))
_TO_SHIP_TABS = in_tabs(TO_SHIP)
_RETURNABLE_TABS = tuple(dict.fromkeys(
    in_tabs((status,)) for status in (OrderStatus.DELIVERED, OrderStatus.IN_TRANSIT, OrderStatus.AWAITING_COLLECTION)
))

_FALLBACK_PRODUCTS = (
    ("Glow Serum 30ml", "Original", "Beauty", "19.99"),
    ("Cloud Slides", "Black, 40", "Shoes", "24.50"),
    ("Magnetic Phone Grip", "Rose gold", "Phone accessories", "9.99"),
    ("Oversized Hoodie", "Sage, M", "Womenswear", "34.00"),
    ("LED Strip Lights 10m", "RGB", "Home", "15.99"),
)
_FALLBACK_CREATORS = ("anna.live", "glowwithmia", "dealsbyjay", "kai.unboxes", "thrift.tess")
_NAMES = ("alex", "sam", "jordan", "taylor", "casey", "riley", "morgan", "jamie", "drew", "quinn")
_PLACES = (
    ("Austin", "Texas", "78701"),
    ("Columbus", "Ohio", "43004"),
    ("Fresno", "California", "93650"),
    ("Tampa", "Florida", "33601"),
    ("Denver", "Colorado", "80014"),
    ("Albany", "New York", "12084"),
)
_CANCEL_REASONS = ("changed my mind", "ordered by mistake", "found a better price", "delivery too slow")
_RETURN_REASONS = ("arrived damaged", "wrong size", "not as described", "missing parts")


@dataclass
class SimulationSummary:
    """What a run did: events by kind, refusals (another terminal got there first), time taken."""

    counts: Counter[str] = field(default_factory=Counter)
    refused: int = 0
    seconds: float = 0.0
    new_orders: list[str] = field(default_factory=list)

    @property
    def events(self) -> int:
        return sum(self.counts.values()) + self.refused

    def line(self) -> str:
        parts = ", ".join(f"{self.counts[kind]} {EVENT_LABELS[kind]}" for kind, _ in EVENT_WEIGHTS)
        rate = self.events / self.seconds if self.seconds > 0 else 0.0
        return (
            f"Simulated {self.events} events in {self.seconds:.1f} s ({rate:.1f}/s): {parts}; "
            f"{self.refused} refused"
        )


class _Traffic:
    """The campaign: its products, creators and a random source; makes one event at a time."""

    def __init__(self, store: Store, rng: random.Random) -> None:
        self.store = store
        self.rng = rng
        self.products = self._products()
        creators = [
            r[0] for r in store.conn.execute(
                "SELECT DISTINCT creator_username FROM orders WHERE creator_username IS NOT NULL"
                " ORDER BY creator_username LIMIT 40"
            )
        ] or list(_FALLBACK_CREATORS)
        self.creators = creators
        self.star = rng.choice(creators)  # the creator whose LIVE went viral
        campaigns = [
            r[0] for r in store.conn.execute(
                "SELECT DISTINCT campaign FROM orders WHERE campaign IS NOT NULL ORDER BY campaign LIMIT 20"
            )
        ]
        self.campaign = rng.choice(campaigns) if campaigns else "LIVE flash sale"

    def _products(self) -> list[LineItem]:
        # One line per SKU, walked along the SKU index: stops after 200 SKUs even on a huge shop.
        cur = self.store.conn.execute(
            "SELECT sku_id, seller_sku, product_id, product_name, sku_name, original_price, sale_price,"
            " platform_discount, seller_discount, product_category FROM line_items"
            " GROUP BY sku_id ORDER BY sku_id LIMIT 200"
        )
        names = [d[0] for d in cur.description]
        products = []
        for values in cur:
            data = dict(zip(names, values, strict=True))
            for name in LINE_MONEY_FIELDS:
                data[name] = from_cents(data[name])
            products.append(LineItem.model_validate(data))
        if products:
            return products
        return [
            LineItem(
                sku_id=f"17{n:016d}", seller_sku=f"SIM-{n}", product_id=f"172{n:016d}",
                product_name=name, sku_name=variation, product_category=category,
                original_price=Decimal(price), sale_price=Decimal(price),
            )
            for n, (name, variation, category, price) in enumerate(_FALLBACK_PRODUCTS, 1)
        ]

    # Picking orders -------------------------------------------------------------------------

    def _pick(self, sql: str) -> str | None:
        ids = [r[0] for r in self.store.conn.execute(sql + f" LIMIT {CANDIDATES}")]
        return self.rng.choice(ids) if ids else None

    def _new_id(self) -> str:
        while True:
            order_id = f"578{self.rng.randrange(10**15):015d}"
            if self.store.conn.execute("SELECT 1 FROM orders WHERE id = ?", (order_id,)).fetchone() is None:
                return order_id

    def address(self) -> dict[str, str]:
        rng = self.rng
        city, state, zipcode = rng.choice(_PLACES)
        return {
            "recipient_name": f"{rng.choice(_NAMES).title()} {rng.choice('ABCDEFGHJKLMNPRSTW')}.",
            "recipient_phone": f"(+1){rng.randrange(200, 999)}*****{rng.randrange(10, 99)}",
            "address_detail": f"{rng.randrange(1, 9999)} {rng.choice(('Oak', 'Main', 'Pine', 'Lake'))} St",
            "city": city,
            "state": state,
            "zipcode": zipcode,
            "country": "United States",
        }

    # Events ---------------------------------------------------------------------------------

    def run(self, kind: str) -> tuple[str, str]:
        """Make one event of *kind* (or a new order when nothing fits): (kind that happened, order ID)."""
        store, rng = self.store, self.rng
        if kind == "pay":
            order_id = self._pick(
                f"SELECT id FROM orders WHERE {_UNPAID_TABS} ORDER BY create_time DESC, id DESC"
            )
            if order_id is not None:
                store.pay(order_id, address=self.address())
                return kind, order_id
        elif kind == "ship":
            order_id = self._pick(f"SELECT id FROM orders WHERE {_TO_SHIP_TABS} ORDER BY ship_by_key, id")
            if order_id is not None:
                carrier = rng.choice(CARRIERS)
                tracking = f"TT{rng.randrange(10**13):013d}" if carrier == "TikTok Shipping" else (
                    f"9400{rng.randrange(10**18):018d}"
                )
                store.ship(order_id, tracking_number=tracking, carrier=carrier)
                return kind, order_id
        elif kind == "cancel-request":
            order_id = self._pick(
                f"SELECT id FROM orders WHERE {_TO_SHIP_TABS} AND cancel_request_due IS NULL"
                " ORDER BY create_time DESC, id DESC"
            )
            if order_id is not None:
                store.add_request(order_id, RequestType.CANCELLATION, reason=rng.choice(_CANCEL_REASONS))
                return kind, order_id
        elif kind == "return-request":
            order_id = None
            for tabs in _RETURNABLE_TABS:  # each an index walk
                order_id = self._pick(
                    f"SELECT id FROM orders WHERE {tabs} AND has_return = 0"
                    " ORDER BY create_time DESC, id DESC"
                )
                if order_id is not None:
                    break
            if order_id is not None:
                store.add_request(order_id, RequestType.RETURN_REFUND, reason=rng.choice(_RETURN_REASONS))
                return kind, order_id
        order = self.new_order()
        store.upsert_orders([order], source="simulate")
        return "order", order.id

    def new_order(self) -> Order:
        rng = self.rng
        now = self.store.clock.now()
        lines = []
        for product in rng.sample(self.products, k=min(len(self.products), rng.choice((1, 1, 1, 2, 3)))):
            lines.append(product.model_copy(update={"quantity": rng.choice((1, 1, 1, 2)),
                                                    "package_id": None, "tracking_number": None}))
        sub_total = sum((line.sale_price * line.quantity for line in lines), Decimal("0"))
        shipping = Decimal("0") if sub_total >= 25 else Decimal("4.99")
        tax = (sub_total * Decimal("0.08")).quantize(Decimal("0.01"))
        paid = rng.random() >= UNPAID_SHARE
        if rng.random() < 0.65:
            creator, content = self.star, ContentType.LIVE
        elif rng.random() < 0.7:
            creator, content = rng.choice(self.creators), rng.choice((ContentType.VIDEO, ContentType.SHOWCASE))
        else:
            creator = content = None
        data = {
            "id": self._new_id(),
            "status": OrderStatus.AWAITING_SHIPMENT if paid else OrderStatus.UNPAID,
            "create_time": now,
            "update_time": now,
            "buyer_username": f"{rng.choice(_NAMES)}{rng.randrange(100, 99999)}",
            "buyer_message": rng.choice(("", "", "", "", "please gift wrap", "need it by Friday!")),
            "delivery_option_name": "Standard shipping",
            "payment_method": rng.choice(("Credit card", "PayPal", "Apple Pay")),
            "sub_total": sub_total,
            "shipping_fee": shipping,
            "tax": tax,
            "total_amount": sub_total + shipping + tax,
            "creator_username": creator,
            "content_type": content,
            "campaign": self.campaign if creator else None,
            "line_items": lines,
        }
        if paid:
            data.update(
                paid_time=now,
                rts_sla_time=now + SHIP_WITHIN,
                tts_sla_time=now + COLLECT_WITHIN,
                shipping_due_time=now + AUTO_CANCEL_WITHIN,
                **self.address(),
            )
        return Order.model_validate(data)


def simulate(
    store: Store,
    *,
    rate: float,
    events: int,
    pace: bool = True,
    seed: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> SimulationSummary:
    """Feed *store* *events* events at *rate* per second (or as fast as possible without *pace*).

    Each event is one short transaction. An event another terminal made impossible meanwhile
    (a rule refusal or a stale order) is counted as refused and the run goes on.
    """
    rng = random.Random(seed)
    traffic = _Traffic(store, rng)
    kinds = [kind for kind, _ in EVENT_WEIGHTS]
    weights = [weight for _, weight in EVENT_WEIGHTS]
    summary = SimulationSummary()
    start = monotonic()
    for n in range(events):
        if pace:
            delay = start + n / rate - monotonic()
            if delay > 0:
                sleep(delay)
        kind = rng.choices(kinds, weights)[0]
        try:
            happened, order_id = traffic.run(kind)
        except (RuleError, StaleError):
            summary.refused += 1
            continue
        summary.counts[happened] += 1
        if happened == "order":
            summary.new_orders.append(order_id)
    if pace and events:
        delay = start + events / rate - monotonic()
        if delay > 0:
            sleep(delay)
    summary.seconds = monotonic() - start
    return summary
