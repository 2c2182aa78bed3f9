"""The double's shops, orders and buyer requests, and the status machine that moves them through time.

Everything is decided by the seed: arrivals per shop come from one seeded generator each, and every
other choice about an order (does it get paid, when does the carrier scan it, will the buyer ask to
cancel) is a hash of the seed, the order id and what is being decided — so the same seed, the same
actions and the same clock give the same shop, however time is advanced.
"""

from __future__ import annotations

import hashlib
import heapq
import random
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..domain.catalog import BUYER_CANCEL_REASON, CANCEL_REASONS_BY_CODE, CARRIERS
from ..domain.model import OrderStatus as S
from ..domain.model import RequestStatus, RequestType
from ..domain.rules import ANSWER_WITHIN, AUTO_CANCEL_WITHIN, COLLECT_WITHIN, SHIP_WITHIN, is_valid_tracking

HOUR = 3600
DAY = 24 * HOUR
BACKFILL_SPAN = 12 * DAY  # the orders a double starts with arrived over this many seconds before its start
ON_HOLD_FOR = HOUR
UNPAID_CANCEL_AFTER = DAY
COMPLETE_AFTER = 7 * DAY
CANCEL_ANSWER = int(ANSWER_WITHIN[RequestType.CANCELLATION].total_seconds())
RETURN_ANSWER = int(ANSWER_WITHIN[RequestType.RETURN_REFUND].total_seconds())

CANCEL_STATUS = {
    RequestStatus.PENDING: "CANCELLATION_REQUEST_PENDING",
    RequestStatus.APPROVED: "CANCELLATION_REQUEST_COMPLETE",
    RequestStatus.REJECTED: "CANCELLATION_REQUEST_CANCEL",
}
RETURN_STATUS = {
    RequestStatus.PENDING: "RETURN_OR_REFUND_REQUEST_PENDING",
    RequestStatus.APPROVED: "RETURN_OR_REFUND_REQUEST_SUCCESS",
    RequestStatus.REJECTED: "REFUND_OR_RETURN_REQUEST_REJECT",
}
REJECT_REASONS = (
    ("seller_reject_apply_product_has_been_packed", "Product has been packed"),
    ("seller_reject_apply_buyer_agreed_to_keep", "Buyer agreed to keep the order"),
    ("seller_reject_apply_no_return_received", "Returned item not received"),
    ("seller_reject_apply_item_damaged_by_buyer", "Item damaged by the buyer"),
)
REJECT_REASON_CODES = frozenset(code for code, _ in REJECT_REASONS)
PACKAGE_STATUS = {
    S.AWAITING_SHIPMENT: "TO_FULFILL", S.PARTIALLY_SHIPPING: "TO_FULFILL", S.AWAITING_COLLECTION: "PROCESSING",
    S.IN_TRANSIT: "FULFILLING", S.DELIVERED: "COMPLETED", S.COMPLETED: "COMPLETED", S.CANCELLED: "CANCELLED",
}
SHIPPABLE = (S.AWAITING_SHIPMENT, S.PARTIALLY_SHIPPING)
RESHIPPABLE = (S.AWAITING_COLLECTION, S.IN_TRANSIT)
CANCELLABLE = (S.UNPAID, S.ON_HOLD, S.AWAITING_SHIPMENT, S.PARTIALLY_SHIPPING)

_PRODUCTS = (
    ("Glow Serum 30ml", ("Original", "Unscented"), "19.99"),
    ("Cloud Slides", ("Black, 40", "Black, 42", "Sand, 38"), "24.50"),
    ("Magnetic Phone Grip", ("Rose gold", "Silver"), "9.99"),
    ("Oversized Hoodie", ("Sage, M", "Sage, L", "Black, S"), "34.00"),
    ("LED Strip Lights 10m", ("RGB",), "15.99"),
    ("Silk Pillowcase", ("Champagne", "Navy"), "21.00"),
    ("Stanley-Style Tumbler 40oz", ("Lilac", "Cream"), "27.99"),
    ("Lip Oil Trio", ("Berry", "Peach"), "14.50"),
    ("Mini Waffle Maker", ("Red",), "12.99"),
    ("Cat Tunnel Bed", ("Grey",), "29.99"),
)
_CREATORS = ("anna.live", "glowwithmia", "dealsbyjay", "kai.unboxes", "thrift.tess", "mom.finds", "techtok.raj")
_NAMES = ("Alex Rivera", "Sam Chen", "Jordan Lee", "Taylor Brooks", "Casey Nguyen", "Riley Patel", "Morgan Diaz",
          "Jamie Fox", "Drew Carter", "Quinn Harper")
_PLACES = (("Austin", "Travis", "Texas", "78701"), ("Columbus", "Franklin", "Ohio", "43004"),
           ("Fresno", "Fresno", "California", "93650"), ("Tampa", "Hillsborough", "Florida", "33601"),
           ("Denver", "Denver", "Colorado", "80014"), ("Newark", "Essex", "New Jersey", "07102"))
_DISTRICTS = {  # shared by the orders of a place, never changed
    city: [
        {"address_level_name": "country", "address_name": "United States", "address_level": "L0"},
        {"address_level_name": "State", "address_name": state, "address_level": "L1"},
        {"address_level_name": "County", "address_name": county, "address_level": "L2"},
        {"address_level_name": "City", "address_name": city, "address_level": "L3"},
    ]
    for city, county, state, _ in _PLACES
}
_STREETS = ("Maple Ave", "Oak St", "Cedar Ln", "Park Blvd", "Lake Dr", "Sunset Way")
_CANCEL_TEXTS = ("No longer needed", "Found a better price", "Ordered by mistake", "Delivery takes too long")
_RETURN_TEXTS = ("Damaged item", "Not as described", "Wrong size", "Missing parts")


@lru_cache(maxsize=8192)
def _money(cents: int) -> str:
    """A decimal string, as TikTok sends money: 1999 -> '19.99'."""
    return f"{cents // 100}.{cents % 100:02d}"


@lru_cache(maxsize=None)
def _sku(shop: int, product: int, variant: int) -> tuple[str, str, str]:
    """A SKU's id, seller SKU and product id (one string each, shared by every unit)."""
    product_id = f"17293{shop:02d}{product:03d}000000"
    return f"17293{shop:02d}{product:03d}{variant:02d}0000", f"SKU-{product:02d}-{variant}", product_id


class Refusal(Exception):
    """TikTok refuses the call: its business code and its own message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class ShopState:
    """One shop of the test account and its orders."""

    id: str
    name: str
    cipher: str
    index: int
    region: str = "US"
    seller_type: str = "LOCAL"
    delivery_option_id: str = ""
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: dict[tuple[str, RequestType], dict[str, Any]] = field(default_factory=dict)
    serial: int = 0
    request_serial: int = 0
    sorted_keys: list[tuple[int, str]] = field(default_factory=list)
    dirty: bool = True

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "cipher": self.cipher, "region": self.region,
                "seller_type": self.seller_type, "code": f"US{self.index:04d}LCL"}

    def keys(self) -> list[tuple[int, str]]:
        """(update_time, id) of every order, sorted (rebuilt only after a change)."""
        if self.dirty:
            self.sorted_keys = sorted((order["update_time"], order_id) for order_id, order in self.orders.items())
            self.dirty = False
        return self.sorted_keys


Change = tuple[str, str, dict[str, Any]]
"""(shop id, webhook type, data) of a change worth a webhook."""


class World:
    """All shops of the test account; time only moves through run_until()."""

    def __init__(self, *, seed: int, shops: int, orders: int, start: int, new_order_every: float = 30.0) -> None:
        self.seed = seed
        self.now = start - BACKFILL_SPAN
        self.new_order_every = new_order_every
        self.providers = [{"id": f"66176750211194{i:05d}", "name": name} for i, name in enumerate(CARRIERS, 1)]
        self.shops: dict[str, ShopState] = {}
        self._events: list[tuple[int, int, str, str, str]] = []
        self._seq = 0
        self._arrivals: dict[str, random.Random] = {}
        self.changes: list[Change] = []
        self.recording = False
        names = ("Glow & Co", "Cloud Nine Goods", "Urban Finds", "Petal Lane", "Gadget Garage")
        for index in range(1, shops + 1):
            shop_id = f"74947266737{index:08d}"
            name = names[(index - 1) % len(names)] + (f" {index}" if index > len(names) else "")
            cipher = "ROW_" + self._hex("cipher", shop_id)[:24]
            shop = ShopState(shop_id, name, cipher, index, delivery_option_id=f"70911466632{index:08d}")
            self.shops[shop_id] = shop
            self._arrivals[shop_id] = random.Random(f"{seed}/arrivals/{shop_id}")
        share = [orders // shops + (1 if i < orders % shops else 0) for i in range(shops)] if shops else []
        for shop, count in zip(self.shops.values(), share):
            rng = self._arrivals[shop.id]
            for moment in sorted(rng.randrange(self.now, start) for _ in range(count)):
                self._push(moment, shop.id, "", "arrive")
            self._push(start + self._next_gap(shop.id), shop.id, "", "arrive-live")
        self.run_until(start)
        self.recording = True

    # -- time --------------------------------------------------------------------------------------

    def run_until(self, moment: int) -> None:
        """Apply every scheduled event up to *moment*, oldest first."""
        while self._events and self._events[0][0] <= moment:
            at, _, shop_id, order_id, kind = heapq.heappop(self._events)
            self.now = max(self.now, at)
            self._fire(self.shops[shop_id], order_id, kind)
        self.now = max(self.now, moment)

    def _push(self, at: int, shop_id: str, order_id: str, kind: str) -> None:
        self._seq += 1
        heapq.heappush(self._events, (int(at), self._seq, shop_id, order_id, kind))

    def _next_gap(self, shop_id: str) -> int:
        return max(1, int(self._arrivals[shop_id].expovariate(1 / self.new_order_every)))

    def _u(self, order_id: str, what: str) -> float:
        """A number in [0, 1) fixed by the seed, the order and what is decided."""
        digest = hashlib.blake2b(f"{self.seed}/{order_id}/{what}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2**64

    def _seed_of(self, order_id: str) -> int:
        return int(self._u(order_id, "order") * 2**53)

    def _between(self, order_id: str, what: str, low: float, high: float) -> int:
        return int(low + (high - low) * self._u(order_id, what))

    def _hex(self, *parts: str) -> str:
        return hashlib.blake2b("/".join((str(self.seed), *parts)).encode(), digest_size=16).hexdigest()

    # -- the status machine -----------------------------------------------------------------------

    def _fire(self, shop: ShopState, order_id: str, kind: str) -> None:
        if kind == "arrive":
            self._create(shop)
            return
        if kind == "arrive-live":
            self._create(shop)
            self._push(self.now + self._next_gap(shop.id), shop.id, "", "arrive-live")
            return
        order = shop.orders[order_id]
        status = S(order["status"])
        handler: Callable[[ShopState, dict[str, Any], S], None] = getattr(self, "_on_" + kind.replace("-", "_"))
        handler(shop, order, status)

    def _on_pay(self, shop: ShopState, order: dict[str, Any], status: S) -> None:
        if status is not S.UNPAID:
            return
        order_id, now = order["id"], self.now
        order.update(paid_time=now, rts_sla_time=now + int(SHIP_WITHIN.total_seconds()),
                     tts_sla_time=now + int(COLLECT_WITHIN.total_seconds()),
                     shipping_due_time=now + int(AUTO_CANCEL_WITHIN.total_seconds()))
        self._set_status(shop, order, S.ON_HOLD)
        self._push(now + ON_HOLD_FOR, shop.id, order_id, "release")
        if self._u(order_id, "buyer-cancels") < 0.07:
            self._push(now + self._between(order_id, "cancel-at", 120, 20 * HOUR), shop.id, order_id, "buyer-cancel")
        roll = self._u(order_id, "seller-ships")
        if roll < 0.86:
            self._push(now + ON_HOLD_FOR + self._between(order_id, "ship-at", HOUR, 40 * HOUR), shop.id, order_id,
                       "seller-center-ship")
        elif roll < 0.92:
            self._push(now + ON_HOLD_FOR + self._between(order_id, "ship-at", 50 * HOUR, 100 * HOUR), shop.id,
                       order_id, "seller-center-ship")
        self._push(order["shipping_due_time"], shop.id, order_id, "auto-cancel")

    def _on_unpaid_timeout(self, shop: ShopState, order: dict[str, Any], status: S) -> None:
        if status is S.UNPAID:
            self._cancel(shop, order, "seller_cancel_unpaid_reason_out_of_stock", "SYSTEM")

    def _on_release(self, shop: ShopState, order: dict[str, Any], status: S) -> None:
        if status is S.ON_HOLD:
            self._set_status(shop, order, S.AWAITING_SHIPMENT)

    def _on_buyer_cancel(self, shop: ShopState, order: dict[str, Any], status: S) -> None:
        if status in CANCELLABLE and not self._pending(shop, order["id"], RequestType.CANCELLATION):
            text = _CANCEL_TEXTS[int(self._u(order["id"], "cancel-text") * len(_CANCEL_TEXTS))]
            request = self._request(shop, order, RequestType.CANCELLATION, text, CANCEL_ANSWER)
            self._push(request["respond_by"], shop.id, order["id"], "answer-timeout")

    def _on_seller_center_ship(self, shop: ShopState, order: dict[str, Any], status: S) -> None:
        if status in SHIPPABLE and not self._pending(shop, order["id"], RequestType.CANCELLATION):
            provider = self.providers[int(self._u(order["id"], "carrier") * len(self.providers))]
            tracking = "TT" + self._hex("tracking", order["id"])[:14].upper()
            self._ship(shop, order, tracking, provider)

    def _on_auto_cancel(self, shop: ShopState, order: dict[str, Any], status: S) -> None:
        if status in SHIPPABLE or status is S.ON_HOLD:
            self._cancel(shop, order, "seller_cancel_paid_reason_address_not_deliver", "SYSTEM")

    def _on_scan(self, shop: ShopState, order: dict[str, Any], status: S) -> None:
        if status is S.AWAITING_COLLECTION:
            self._set_status(shop, order, S.IN_TRANSIT)
            self._push(self.now + self._between(order["id"], "deliver-at", DAY, 4 * DAY), shop.id, order["id"],
                       "deliver")

    def _on_deliver(self, shop: ShopState, order: dict[str, Any], status: S) -> None:
        if status is S.IN_TRANSIT:
            order["delivery_time"] = self.now
            self._set_status(shop, order, S.DELIVERED)
            self._push(self.now + COMPLETE_AFTER, shop.id, order["id"], "complete")
            if self._u(order["id"], "returns") < 0.06:
                self._push(self.now + self._between(order["id"], "return-at", HOUR, 5 * DAY), shop.id, order["id"],
                           "buyer-return")

    def _on_complete(self, shop: ShopState, order: dict[str, Any], status: S) -> None:
        if status is S.DELIVERED and not self._pending(shop, order["id"], RequestType.RETURN_REFUND):
            self._set_status(shop, order, S.COMPLETED)

    def _on_buyer_return(self, shop: ShopState, order: dict[str, Any], status: S) -> None:
        if status is S.DELIVERED and not self._pending(shop, order["id"], RequestType.RETURN_REFUND):
            text = _RETURN_TEXTS[int(self._u(order["id"], "return-text") * len(_RETURN_TEXTS))]
            request = self._request(shop, order, RequestType.RETURN_REFUND, text, RETURN_ANSWER)
            self._push(request["respond_by"], shop.id, order["id"], "answer-timeout")

    def _on_answer_timeout(self, shop: ShopState, order: dict[str, Any], status: S) -> None:
        """A buyer request nobody answered in time is approved by TikTok."""
        for kind in (RequestType.CANCELLATION, RequestType.RETURN_REFUND):
            request = self._pending(shop, order["id"], kind)
            if request is not None and request["respond_by"] <= self.now:
                self._resolve(shop, request, RequestStatus.APPROVED)

    # -- changes ----------------------------------------------------------------------------------

    def _create(self, shop: ShopState) -> None:
        shop.serial += 1
        order_id = f"57{shop.index}{shop.serial:015d}"
        draw = random.Random(self._seed_of(order_id)).random
        units: list[dict[str, Any]] = []
        sub_total = seller_total = platform_total = 0
        lines = draw()
        for line in range(1 + (lines > 0.7) + (lines > 0.93)):
            p = int(draw() * len(_PRODUCTS))
            name, variants, price = _PRODUCTS[p]
            v = int(draw() * len(variants))
            original = int(price.replace(".", ""))  # cents
            seller_off = (original + 5) // 10 if draw() < 0.3 else 0
            platform_off = 100 if draw() < 0.2 else 0
            sale = original - seller_off - platform_off
            sku, seller_sku, product_id = _sku(shop.index, p, v)
            quantity = draw()
            count = 1 + (quantity > 0.8) + (quantity > 0.95)
            sub_total += sale * count
            seller_total += seller_off * count
            platform_total += platform_off * count
            for _ in range(count):
                units.append({
                    "id": f"58{order_id[2:]}{len(units) + 1:02d}", "sku_id": sku, "seller_sku": seller_sku,
                    "product_id": product_id, "product_name": name,
                    "sku_name": variants[v], "original_price": _money(original), "sale_price": _money(sale),
                    "platform_discount": _money(platform_off), "seller_discount": _money(seller_off),
                    "display_status": S.UNPAID.value,
                })
        shipping = 0 if sub_total >= 3500 else 499
        tax = (sub_total * 7 + 50) // 100
        buyer = _NAMES[int(draw() * len(_NAMES))]
        city, _, state, postal = _PLACES[int(draw() * len(_PLACES))]
        street = f"{100 + int(draw() * 8800)} {_STREETS[int(draw() * len(_STREETS))]}"
        creator = _CREATORS[int(draw() * len(_CREATORS))] if draw() < 0.6 else None
        seller_shipping = draw() < 0.6
        order: dict[str, Any] = {
            "id": order_id, "status": S.UNPAID.value, "create_time": self.now, "update_time": self.now,
            "shipping_type": "SELLER" if seller_shipping else "TIKTOK",
            "delivery_option_id": shop.delivery_option_id, "delivery_option_name": "Standard shipping",
            "buyer_message": "Please gift wrap" if draw() < 0.05 else "", "seller_note": "",
            "warehouse_id": f"72836{shop.index:03d}00000001", "user_id": f"7{self._hex('buyer', buyer)[:17]}",
            "buyer_email": f"{buyer.split()[0].lower()}{int(draw() * 900) + 100}@scs.tiktokw.us",
            "buyer_username": buyer.split()[0].lower() + str(int(draw() * 90) + 10),
            "payment": {
                "currency": "USD", "sub_total": _money(sub_total), "shipping_fee": _money(shipping),
                "seller_discount": _money(seller_total), "platform_discount": _money(platform_total),
                "tax": _money(tax), "total_amount": _money(sub_total + shipping + tax),
            },
            "recipient_address": {
                "name": buyer, "phone_number": f"(+1)5{int(draw() * 90) + 10}*****{int(draw() * 90) + 10}",
                "full_address": f"{street}, {city}, {state}, {postal}, United States", "address_detail": street,
                "address_line2": "", "postal_code": postal, "region_code": "US",
                "district_info": _DISTRICTS[city],
            },
            "line_items": units, "packages": [],
        }
        if creator is not None:
            order["creator_username"] = creator
            order["content_type"] = "LIVE" if draw() < 0.6 else "VIDEO"
        shop.orders[order_id] = order
        shop.dirty = True
        self._changed(shop, order)
        if draw() < 0.93:
            self._push(self.now + self._between(order_id, "pay-at", 30, 1800), shop.id, order_id, "pay")
        else:
            self._push(self.now + UNPAID_CANCEL_AFTER, shop.id, order_id, "unpaid-timeout")

    def _set_status(self, shop: ShopState, order: dict[str, Any], status: S) -> None:
        order["status"] = status.value
        for unit in order["line_items"]:
            unit["display_status"] = status.value
        if status is S.ON_HOLD and not order["packages"]:
            package_id = "11" + order["id"][2:]
            order["packages"] = [{"id": package_id}]
            for unit in order["line_items"]:
                unit["package_id"] = package_id
        self._touch(shop, order)

    def _touch(self, shop: ShopState, order: dict[str, Any]) -> None:
        order["update_time"] = self.now
        shop.dirty = True
        self._changed(shop, order)

    def _changed(self, shop: ShopState, order: dict[str, Any]) -> None:
        if self.recording:
            data = {"order_id": order["id"], "order_status": order["status"], "update_time": order["update_time"],
                    "is_on_hold_order": order["status"] == S.ON_HOLD.value}
            self.changes.append((shop.id, "1", data))

    def _cancel(self, shop: ShopState, order: dict[str, Any], reason: str, initiator: str) -> None:
        order.update(cancel_reason=reason, cancellation_initiator=initiator, cancel_time=self.now)
        self._set_status(shop, order, S.CANCELLED)

    def _ship(self, shop: ShopState, order: dict[str, Any], tracking: str, provider: dict[str, str]) -> None:
        order.update(tracking_number=tracking, shipping_provider=provider["name"],
                     shipping_provider_id=provider["id"], rts_time=order.get("rts_time") or self.now)
        for unit in order["line_items"]:
            unit["tracking_number"] = tracking
        if S(order["status"]) in SHIPPABLE:
            self._set_status(shop, order, S.AWAITING_COLLECTION)
            late = self._u(order["id"], "scan-skipped") < 0.08
            low, high = (60 * HOUR, 100 * HOUR) if late else (2 * HOUR, 30 * HOUR)
            self._push(self.now + self._between(order["id"], "scan-at", low, high), shop.id, order["id"], "scan")
        else:
            self._touch(shop, order)

    def _request(self, shop: ShopState, order: dict[str, Any], kind: RequestType, text: str, answer_within: int
                 ) -> dict[str, Any]:
        cancel = kind is RequestType.CANCELLATION
        shop.request_serial += 1
        external_id = f"{41 if cancel else 42}{shop.index}{shop.request_serial:015d}"
        request: dict[str, Any] = {
            "cancel_id" if cancel else "return_id": external_id, "order_id": order["id"],
            "cancel_status" if cancel else "return_status": (CANCEL_STATUS if cancel else RETURN_STATUS)[
                RequestStatus.PENDING],
            "cancel_reason_text" if cancel else "return_reason_text": text,
            "cancel_type" if cancel else "return_type": "BUYER_CANCEL" if cancel else "RETURN_AND_REFUND",
            "role": "BUYER", "create_time": self.now, "update_time": self.now, "respond_by": self.now + answer_within,
            "_type": kind, "_status": RequestStatus.PENDING, "_id": external_id,
        }
        shop.requests[external_id] = request
        shop.pending[(order["id"], kind)] = request
        self._request_changed(shop, request)
        self._touch(shop, order)
        return request

    def _resolve(self, shop: ShopState, request: dict[str, Any], status: RequestStatus, reject_reason: str = ""
                 ) -> None:
        cancel = request["_type"] is RequestType.CANCELLATION
        request["_status"] = status
        shop.pending.pop((request["order_id"], request["_type"]), None)
        request["cancel_status" if cancel else "return_status"] = (CANCEL_STATUS if cancel else RETURN_STATUS)[status]
        request["update_time"] = request["resolved_time"] = self.now
        if reject_reason:
            request["reject_reason"] = reject_reason
        order = shop.orders[request["order_id"]]
        self._request_changed(shop, request)
        if cancel and status is RequestStatus.APPROVED and S(order["status"]) in CANCELLABLE:
            self._cancel(shop, order, BUYER_CANCEL_REASON, "BUYER")
        else:
            self._touch(shop, order)

    def _request_changed(self, shop: ShopState, request: dict[str, Any]) -> None:
        if not self.recording:
            return
        if request["_type"] is RequestType.CANCELLATION:
            data = {"order_id": request["order_id"], "cancel_id": request["_id"],
                    "cancel_status": request["cancel_status"], "cancellations_role": "BUYER",
                    "update_time": request["update_time"]}
            self.changes.append((shop.id, "11", data))
        else:
            data = {"order_id": request["order_id"], "return_id": request["_id"],
                    "return_status": request["return_status"], "return_role": "BUYER",
                    "update_time": request["update_time"]}
            self.changes.append((shop.id, "12", data))

    def _pending(self, shop: ShopState, order_id: str, kind: RequestType) -> dict[str, Any] | None:
        return shop.pending.get((order_id, kind))

    # -- reads ------------------------------------------------------------------------------------

    def search_orders(self, shop: ShopState, ge: int, lt: int, after: tuple[int, str] | None, size: int
                      ) -> tuple[list[dict[str, Any]], tuple[int, str] | None, int]:
        """Orders updated in [ge, lt) after the cursor key, oldest update first; the last key and the total."""
        keys = shop.keys()
        low, high = bisect_left(keys, (ge, "")), bisect_left(keys, (lt, ""))
        start = bisect_left(keys, (after[0], after[1] + "\0")) if after else low
        start = max(start, low)
        chosen = keys[start:min(start + size, high)]
        more = start + size < high
        return [shop.orders[order_id] for _, order_id in chosen], (chosen[-1] if chosen and more else None), high - low

    def search_requests(self, shop: ShopState, kind: RequestType, ge: int, lt: int, after: tuple[int, str] | None,
                        size: int) -> tuple[list[dict[str, Any]], tuple[int, str] | None, int]:
        """Buyer requests of one kind updated in [ge, lt) after the cursor key, like search_orders."""
        keys = sorted((r["update_time"], r["_id"]) for r in shop.requests.values()
                      if r["_type"] is kind and ge <= r["update_time"] < lt)
        start = bisect_left(keys, (after[0], after[1] + "\0")) if after else 0
        chosen = keys[start:start + size]
        more = start + size < len(keys)
        return [shop.requests[i] for _, i in chosen], (chosen[-1] if chosen and more else None), len(keys)

    def package(self, shop: ShopState, order: dict[str, Any]) -> dict[str, Any]:
        package: dict[str, Any] = {"id": order["packages"][0]["id"], "order_id": order["id"],
                                   "package_status": PACKAGE_STATUS.get(S(order["status"]), "TO_FULFILL"),
                                   "update_time": order["update_time"]}
        for key, source in (("tracking_number", "tracking_number"), ("shipping_provider_id", "shipping_provider_id"),
                            ("shipping_provider_name", "shipping_provider")):
            if order.get(source):
                package[key] = order[source]
        return package

    def order_of_package(self, shop: ShopState, package_id: str) -> dict[str, Any]:
        order = shop.orders.get("57" + package_id[2:]) if package_id.startswith("11") else None
        if order is None or not order["packages"]:
            raise Refusal(21011002, f"Package {package_id} does not exist")
        return order

    def snapshot(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Per shop, per order: status, update time, tracking, carrier, cancel reason, lines, requests."""
        result: dict[str, dict[str, dict[str, Any]]] = {}
        for shop in self.shops.values():
            requests: dict[str, list[tuple[str, str, str]]] = {}
            for request in shop.requests.values():
                requests.setdefault(request["order_id"], []).append(
                    (request["_id"], request["_type"].value, request["_status"].value))
            orders: dict[str, dict[str, Any]] = {}
            for order_id, order in shop.orders.items():
                lines: dict[str, list[Any]] = {}
                for unit in order["line_items"]:
                    lines.setdefault(unit["sku_id"], [unit["sku_id"], 0, unit["sale_price"]])[1] += 1
                orders[order_id] = {
                    "status": order["status"], "update_time": order["update_time"],
                    "tracking_number": order.get("tracking_number"),
                    "shipping_provider": order.get("shipping_provider"),
                    "cancel_reason": order.get("cancel_reason"),
                    "lines": [tuple(lines[sku]) for sku in sorted(lines)],
                    "requests": sorted(requests.get(order_id, [])),
                }
            result[shop.id] = orders
        return result

    # -- seller actions ---------------------------------------------------------------------------

    def order(self, shop: ShopState, order_id: str) -> dict[str, Any]:
        order = shop.orders.get(str(order_id))
        if order is None:
            raise Refusal(21001001, f"Order {order_id} does not exist")
        return order

    def seller_cancel(self, shop: ShopState, order_id: str, reason: str) -> dict[str, Any]:
        order = self.order(shop, order_id)
        if reason not in CANCEL_REASONS_BY_CODE:
            raise Refusal(21001003, f"Cancel reason {reason!r} is not valid")
        if S(order["status"]) not in CANCELLABLE:
            raise Refusal(21001002, f"The order is {order['status']} and can no longer be cancelled")
        self._cancel(shop, order, reason, "SELLER")
        return {"cancel_id": "40" + order["id"][2:], "cancel_status": CANCEL_STATUS[RequestStatus.APPROVED]}

    def answer(self, shop: ShopState, kind: RequestType, external_id: str, approve: bool, reject_reason: str
               ) -> dict[str, Any]:
        request = shop.requests.get(external_id)
        word = "Cancellation" if kind is RequestType.CANCELLATION else "Return"
        if request is None or request["_type"] is not kind:
            raise Refusal(25001001, f"{word} request {external_id} does not exist")
        if request["_status"] is not RequestStatus.PENDING:
            raise Refusal(25001002, f"{word} request {external_id} was already {request['_status'].value.lower()}")
        if not approve and reject_reason not in REJECT_REASON_CODES:
            raise Refusal(25001003, f"Reject reason {reject_reason!r} is not valid")
        self._resolve(shop, request, RequestStatus.APPROVED if approve else RequestStatus.REJECTED,
                      "" if approve else reject_reason)
        return {}

    def ship_kind(self, shop: ShopState, package_id: str, tracking: str, provider_id: str) -> str:
        """'ship' for a package waiting to ship, 'correct-tracking' for one on its way; refused otherwise."""
        order = self.order_of_package(shop, package_id)
        status = S(order["status"])
        if not any(p["id"] == provider_id for p in self.providers):
            raise Refusal(21011005, f"Shipping provider {provider_id} is not available for this delivery option")
        if not is_valid_tracking(tracking):
            raise Refusal(21011006, "The tracking number is invalid")
        if status is S.ON_HOLD:
            raise Refusal(21011009, "The order is on hold: the buyer may still cancel; ship after it is released")
        if status in SHIPPABLE:
            return "ship"
        if status in RESHIPPABLE:
            return "correct-tracking"
        raise Refusal(21011003, f"The package cannot be shipped: the order is {order['status']}")

    def ship(self, shop: ShopState, package_id: str, tracking: str, provider_id: str) -> dict[str, Any]:
        """Ship a package (or correct its tracking) once ship_kind allowed it."""
        self.ship_kind(shop, package_id, tracking, provider_id)
        provider = next(p for p in self.providers if p["id"] == provider_id)
        self._ship(shop, self.order_of_package(shop, package_id), tracking, provider)
        return {}
