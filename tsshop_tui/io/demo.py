"""A believable demo TikTok Shop, built fast and the same way every time.

``build_demo`` writes a new SQLite database through the store's ``bulk_load``: about 40 products
with their variants, creators and campaigns, and *orders* orders spread over the last weeks or
months, each in the status its age gives it (unpaid and on hold in the last hours, to ship for a
day or two, then awaiting collection, in transit, delivered and completed), with cancellations,
buyer requests, notes and a few problem orders. A million orders build in under a minute and a few
hundred MB: rows are plain tuples streamed into SQLite straight from compact precomputed tables,
never pydantic objects, and SQLite works in a small page cache.

The same *seed* and *now* give the same database, byte for byte in every table.
"""

from __future__ import annotations

import fcntl
import os
import random
import sqlite3
import stat
import time
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..domain.catalog import BUYER_CANCEL_REASON, CARRIERS
from ..domain.clock import FixedClock
from ..domain.model import OrderStatus, RequestType
from ..domain.rules import ANSWER_WITHIN, AUTO_CANCEL_WITHIN, COLLECT_WITHIN, SHIP_WITHIN
from ..store import Store, StoreError
from ..store.db import holds_orders, write_problem
from ..store.imports import bulk_load

MINUTE = 60
HOUR = 3_600
DAY = 86_400

HOLD = HOUR  # ON_HOLD: the buyer may cancel freely for an hour after paying
# The marketplace's SLAs (domain.rules), in seconds; the later ones count from the ship-by time.
SHIP_BY = int(SHIP_WITHIN.total_seconds())  # rts_sla_time = paid + 2 days for NORMAL orders
COLLECT_BY = int((COLLECT_WITHIN - SHIP_WITHIN).total_seconds())  # tts_sla_time = rts_sla_time + 1 day
AUTO_CANCEL_AFTER = int((AUTO_CANCEL_WITHIN - SHIP_WITHIN).total_seconds())  # shipping_due_time = rts_sla_time + 3 days
UNPAID_TIMEOUT = 2 * HOUR  # unpaid orders are cancelled by the system after two hours
CANCEL_ANSWER = int(ANSWER_WITHIN[RequestType.CANCELLATION].total_seconds())  # unanswered: auto-approved after 24 h
RETURN_ANSWER = int(ANSWER_WITHIN[RequestType.RETURN_REFUND].total_seconds())  # to be answered within 48 h

# --- The catalogue -------------------------------------------------------------------------------

# (seller SKU prefix, product name, category, unit price in cents, variations)
PRODUCTS: tuple[tuple[str, str, str, int, tuple[str, ...]], ...] = (
    ("HOOD", "Oversized Fleece Hoodie", "Womenswear & Underwear", 3999,
     ("Black, S", "Black, M", "Black, L", "Heather Grey, M", "Sage, M", "Sage, L")),
    ("LEGG", "High-Waist Sculpt Leggings", "Womenswear & Underwear", 2499,
     ("Black, S", "Black, M", "Black, L", "Mocha, M")),
    ("TEE", "Heavyweight Boxy Tee", "Menswear & Underwear", 1999,
     ("White, M", "White, L", "Black, M", "Black, L", "Cream, M")),
    ("CRGO", "Wide-Leg Cargo Pants", "Womenswear & Underwear", 4499,
     ("Khaki, 28", "Khaki, 30", "Black, 30", "Black, 32")),
    ("LNGE", "Ribbed Lounge Set (2 pcs)", "Womenswear & Underwear", 3499,
     ("Oatmeal, S", "Oatmeal, M", "Black, S", "Black, M")),
    ("BRA", "Seamless Sports Bra", "Sports & Outdoor", 1899, ("Black, S", "Black, M", "Dusty Rose, M")),
    ("SOCK", "Cushioned Crew Socks 6-Pack", "Menswear & Underwear", 1499, ("White", "Black", "Mixed")),
    ("PUFF", "Cropped Puffer Jacket", "Womenswear & Underwear", 5999, ("Black, S", "Black, M", "Cream, M")),
    ("BEAN", "Ribbed Knit Beanie", "Fashion Accessories", 1299, ("Black", "Grey", "Burgundy", "Forest")),
    ("SLIP", "Satin Slip Midi Dress", "Womenswear & Underwear", 3699,
     ("Champagne, S", "Champagne, M", "Black, M", "Emerald, M")),
    ("JEAN", "Baggy Straight Jeans", "Menswear & Underwear", 4999,
     ("Light Wash, 30", "Light Wash, 32", "Dark Wash, 32")),
    ("CLAW", "Matte Claw Clips 4-Pack", "Fashion Accessories", 999, ("Neutrals", "Pastels")),
    ("LIPO", "Glossy Lip Oil", "Beauty & Personal Care", 1299, ("Cherry", "Clear", "Pink Glow", "Mocha")),
    ("VITC", "Vitamin C Brightening Serum", "Beauty & Personal Care", 2400, ("30ml", "50ml")),
    ("BLSH", "Liquid Blush Stick", "Beauty & Personal Care", 1600, ("Peach", "Berry", "Rose", "Coral")),
    ("SPF", "Invisible Sunscreen SPF 50", "Beauty & Personal Care", 1899, ("50ml", "100ml")),
    ("CURL", "Heatless Curling Ribbon Set", "Beauty & Personal Care", 1399, ("Pink", "Black", "Ivory")),
    ("NAIL", "Almond Press-On Nails 24 pcs", "Beauty & Personal Care", 1099,
     ("Milky White", "French Tip", "Chrome Pink", "Glazed", "Red")),
    ("PTCH", "Hydrocolloid Pimple Patches 72 ct", "Beauty & Personal Care", 899, ("Clear", "Stars")),
    ("BRSH", "Makeup Brush Set 12 pcs", "Beauty & Personal Care", 1999, ("Rose Gold", "Black")),
    ("ROSE", "Rosemary Hair Growth Oil", "Beauty & Personal Care", 1499, ("60ml", "120ml")),
    ("MASK", "Collagen Overnight Mask", "Beauty & Personal Care", 2199, ("4 pcs", "8 pcs")),
    ("LASH", "Lash Lift Serum", "Beauty & Personal Care", 2599, ("3ml", "5ml")),
    ("SCRB", "Sugar Lip Scrub", "Beauty & Personal Care", 799, ("Vanilla", "Strawberry", "Mint")),
    ("EARB", "Wireless Earbuds Pro ANC", "Phones & Electronics", 2999, ("Black", "White")),
    ("MAGP", "Magnetic Power Bank 10000mAh", "Phones & Electronics", 2599, ("Black", "White", "Lavender")),
    ("CASE", "Clear MagSafe Phone Case", "Phones & Electronics", 1599,
     ("iPhone 15", "iPhone 15 Pro", "iPhone 16", "iPhone 16 Pro", "iPhone 16 Pro Max")),
    ("TRIP", "Selfie Stick Tripod with Remote", "Phones & Electronics", 1999, ("Black", "White")),
    ("RING", "10in Ring Light with Stand", "Phones & Electronics", 3299, ("Standard", "With Phone Holder")),
    ("CHRG", "3-in-1 Wireless Charging Stand", "Phones & Electronics", 3499, ("Black", "White")),
    ("LAMP", "Sunset Projection Lamp", "Home Supplies", 2199, ("Sunset Red", "Rainbow", "Sun")),
    ("LEDS", "Smart LED Strip Lights", "Home Supplies", 1999, ("50ft", "100ft")),
    ("FAN", "Mini Portable Neck Fan", "Home Supplies", 1799, ("White", "Pink", "Green")),
    ("TMBL", "Insulated Tumbler 40oz", "Kitchenware", 2999,
     ("Black", "Sage", "Rose Quartz", "Cream", "Lilac", "Navy")),
    ("HUMI", "Cool Mist Mini Humidifier", "Home Supplies", 2499, ("White", "Wood Grain")),
    ("BLND", "Portable Blender 380ml", "Kitchenware", 2999, ("Pink", "Black", "Blue")),
    ("MSSG", "Mini Massage Gun", "Sports & Outdoor", 3999, ("Black", "Grey", "Pink")),
    ("KEYB", "Wireless Mechanical Keyboard", "Computers & Office Equipment", 5999,
     ("White, Brown Switch", "Black, Red Switch")),
    ("FRTH", "Rechargeable Milk Frother", "Kitchenware", 1599, ("Black", "White")),
    ("MATS", "Non-Slip Yoga Mat 6mm", "Sports & Outdoor", 2799, ("Purple", "Black", "Teal")),
)

_WORD_CODES = {
    "black": "BLK", "white": "WHT", "grey": "GRY", "heather grey": "HGRY", "sage": "SGE", "mocha": "MCH",
    "cream": "CRM", "khaki": "KHK", "oatmeal": "OAT", "dusty rose": "DRS", "mixed": "MIX", "burgundy": "BUR",
    "forest": "FOR", "champagne": "CHP", "emerald": "EMR", "light wash": "LW", "dark wash": "DW",
    "neutrals": "NTR", "pastels": "PST", "cherry": "CHR", "clear": "CLR", "pink glow": "PGL", "peach": "PCH",
    "berry": "BRY", "rose": "ROS", "coral": "CRL", "pink": "PNK", "ivory": "IVR", "milky white": "MWH",
    "french tip": "FRT", "chrome pink": "CPK", "glazed": "GLZ", "red": "RED", "stars": "STR",
    "rose gold": "RGD", "vanilla": "VAN", "strawberry": "STB", "mint": "MNT", "lavender": "LAV",
    "iphone 15": "IP15", "iphone 15 pro": "IP15P", "iphone 16": "IP16", "iphone 16 pro": "IP16P",
    "iphone 16 pro max": "IP16PM", "standard": "STD", "with phone holder": "PH", "sunset red": "SSR",
    "rainbow": "RNB", "sun": "SUN", "green": "GRN", "rose quartz": "RQZ", "lilac": "LIL", "navy": "NVY",
    "wood grain": "WD", "blue": "BLU", "white, brown switch": "WHT-BRN", "black, red switch": "BLK-RED",
    "purple": "PRP", "teal": "TEL",
}

# A product whose title and variation hold Rich markup and escape sequences: only the markup orders use it.
MARKUP_PRODUCT = (
    "GLOW",
    "[bold]Glow[/bold] Serum \x1b]8;;https://x\x07link\x1b]8;;\x07 [blink]50% OFF[/blink]",
    "Beauty & Personal Care",
    1999,
    ("[red]30ml[/red] \x1b[31mRED\x1b[0m",),
)

CREATORS: tuple[tuple[str, str], ...] = (
    # (creator_username, main content type)
    ("glowwithjess", "LIVE"), ("techtok.mike", "VIDEO"), ("thriftqueen.ari", "LIVE"), ("dailydealsdan", "SHOWCASE"),
    ("skincarebyleah", "VIDEO"), ("fitwithmarco", "VIDEO"), ("momhacks.tina", "LIVE"), ("gadgetgabe", "VIDEO"),
    ("ootd.sienna", "VIDEO"), ("lashesbylola", "LIVE"), ("homefindsnina", "SHOWCASE"), ("kitchen.kev", "VIDEO"),
    ("beautybyamara", "LIVE"), ("budgetbae.co", "SHOWCASE"), ("cozycornerkate", "VIDEO"), ("unboxwithraj", "VIDEO"),
    ("styledbysam", "LIVE"), ("nailsbyvee", "VIDEO"), ("gymgirl.jo", "VIDEO"), ("deskset.dev", "SHOWCASE"),
    ("makeupmaven.zoe", "LIVE"), ("petite.style.ana", "VIDEO"), ("livesalesliz", "LIVE"), ("curlygirl.mia", "VIDEO"),
    ("tiktokmademebuy.it", "SHOWCASE"), ("cleanwithcarla", "VIDEO"), ("dadjokes.ben", "VIDEO"), ("haulsbyhana", "LIVE"),
    ("minimal.maya", "VIDEO"), ("teen.trends.ty", "VIDEO"), ("ceo.of.deals", "LIVE"), ("plantmom.priya", "SHOWCASE"),
    ("the.real.ryan", "VIDEO"), ("glamgrandma", "LIVE"), ("campus.closet", "VIDEO"), ("aesthetic.abby", "VIDEO"),
    ("streetwear.sol", "LIVE"), ("wellness.wendy", "VIDEO"), ("couponcam", "SHOWCASE"), ("bestie.buys", "LIVE"),
)
CONTENT_TYPES = ("LIVE", "VIDEO", "SHOWCASE")
CAMPAIGNS = (
    "Black Friday Early Access", "Cyber Week Deals", "Holiday Glow Up", "Creator Picks LIVE",
    "Fall Fits Flash Sale", "Self-Care Sunday", "Tech Under $30", "New Customer Welcome",
)

FIRST_NAMES = (
    "Emma", "Olivia", "Ava", "Sophia", "Mia", "Isabella", "Amelia", "Harper", "Evelyn", "Abigail",
    "Liam", "Noah", "Oliver", "Elijah", "James", "William", "Benjamin", "Lucas", "Henry", "Mason",
    "Jasmine", "Destiny", "Maria", "Camila", "Aaliyah", "Chloe", "Madison", "Brianna", "Kayla", "Taylor",
    "Jordan", "Tyler", "Marcus", "Andre", "Diego", "Kevin", "Brandon", "Justin", "Anthony", "Jose",
)
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
)
# (city, state, first three zip digits, area code, sales tax per mille)
CITIES: tuple[tuple[str, str, str, str, int], ...] = (
    ("New York", "New York", "100", "212", 89), ("Brooklyn", "New York", "112", "718", 89),
    ("Los Angeles", "California", "900", "213", 95), ("San Diego", "California", "921", "619", 78),
    ("San Jose", "California", "951", "408", 94), ("Sacramento", "California", "958", "916", 88),
    ("Chicago", "Illinois", "606", "312", 103), ("Houston", "Texas", "770", "713", 83),
    ("Dallas", "Texas", "752", "214", 83), ("Austin", "Texas", "787", "512", 83),
    ("San Antonio", "Texas", "782", "210", 83), ("Phoenix", "Arizona", "850", "602", 86),
    ("Philadelphia", "Pennsylvania", "191", "215", 80), ("Pittsburgh", "Pennsylvania", "152", "412", 70),
    ("Jacksonville", "Florida", "322", "904", 75), ("Miami", "Florida", "331", "305", 70),
    ("Orlando", "Florida", "328", "407", 65), ("Tampa", "Florida", "336", "813", 75),
    ("Columbus", "Ohio", "432", "614", 75), ("Cleveland", "Ohio", "441", "216", 80),
    ("Charlotte", "North Carolina", "282", "704", 73), ("Raleigh", "North Carolina", "276", "919", 73),
    ("Indianapolis", "Indiana", "462", "317", 70), ("Seattle", "Washington", "981", "206", 103),
    ("Denver", "Colorado", "802", "303", 88), ("Nashville", "Tennessee", "372", "615", 93),
    ("Atlanta", "Georgia", "303", "404", 89), ("Boston", "Massachusetts", "021", "617", 63),
    ("Detroit", "Michigan", "482", "313", 60), ("Portland", "Oregon", "972", "503", 0),
    ("Las Vegas", "Nevada", "891", "702", 84), ("Memphis", "Tennessee", "381", "901", 98),
    ("Baltimore", "Maryland", "212", "410", 60), ("Milwaukee", "Wisconsin", "532", "414", 55),
    ("Albuquerque", "New Mexico", "871", "505", 79), ("Kansas City", "Missouri", "641", "816", 89),
    ("Omaha", "Nebraska", "681", "402", 70), ("Minneapolis", "Minnesota", "554", "612", 80),
    ("New Orleans", "Louisiana", "701", "504", 95), ("Newark", "New Jersey", "071", "973", 66),
)
STREETS = (
    "Maple Ave", "Oak St", "Pine St", "Cedar Ln", "Elm St", "Washington Blvd", "Lake Shore Dr", "Sunset Blvd",
    "Main St", "Park Ave", "2nd St", "3rd Ave", "Highland Ave", "Willow Way", "Ridge Rd", "Church St",
    "Magnolia Dr", "Broadway", "Lincoln Ave", "Jefferson St", "Peachtree St", "Hillcrest Dr", "River Rd",
    "Meadow Ln", "Franklin St", "Chestnut St", "Spring St", "Valley View Dr",
)
WAREHOUSES = (("7301428571930004821", "Ontario CA Warehouse"), ("7301428571930004822", "Edison NJ Warehouse"))
PAYMENT_METHODS = (("Credit Card", 46), ("PayPal", 18), ("Apple Pay", 14), ("Debit Card", 10),
                   ("Google Pay", 5), ("Afterpay", 4), ("Klarna", 3))
CARRIER_WEIGHTS = {"USPS": 40, "UPS": 18, "FedEx": 14, "DHL eCommerce": 8, "OnTrac": 5, "TikTok Shipping": 15}
DELIVERY_OPTIONS = (("Standard shipping", 84), ("Express shipping", 10), ("Economy shipping", 6))
BUYER_MESSAGES = (
    "Please ship asap, it's a birthday gift!", "Can you add a gift note? Happy bday Sam!",
    "Leave at the back door please", "Do not leave with neighbors", "Is this the same one from the LIVE?",
    "Please double bag, my porch gets wet", "Sending to my daughter at college", "Need it by Friday if possible",
    "No invoice in the box please, it's a gift", "Please check the color before sending!",
    "Apt buzzer is broken, call when here", "Love your shop!! ordered again",
)
ABNORMAL_TRACKINGS = ("N/A", "", None, "TBD", "LABEL ERROR", "1Z-PENDING")

NOTE_TEXTS: tuple[tuple[str | None, str], ...] = (
    ("red", "fragile - double box"),
    ("red", "possible fraud: address mismatch, hold until verified"),
    ("red", "VIP buyer - inspect item before packing"),
    ("orange", "gift wrap requested, add handwritten card"),
    ("orange", "address looks incomplete, confirm apt number"),
    ("orange", "buyer asked to combine with previous order"),
    ("yellow", "waiting on restock, ship together when in"),
    ("yellow", "swap to padded mailer, box too big"),
    ("yellow", "check size label - last batch mislabeled"),
    ("green", "checked and packed"),
    ("green", "label reprinted, old one voided"),
    ("green", "QC passed, ready for pickup"),
    ("blue", "customer service: buyer called about delivery date"),
    ("blue", "ship with free sample (campaign promo)"),
    ("purple", "creator sample - include thank-you card"),
    ("purple", "LIVE giveaway winner, add sticker pack"),
    (None, "called carrier about missed pickup"),
    (None, "buyer confirmed colour by chat"),
)
NOTE_AUTHORS = ("maria.g", "dwayne (warehouse)", "kim.l", "jess (ops lead)", "tomas.r", "priya.k", "night shift")
CANCEL_REQUEST_REASONS = (
    "Ordered by mistake", "Found a better price elsewhere", "Shipping takes too long",
    "Need to change shipping address", "Changed my mind", "Duplicate order",
)
RETURN_REASONS = (
    "Wrong size", "Item damaged in transit", "Not as described", "Missing parts or accessories",
    "Arrived too late", "Quality not as expected", "Received wrong item",
)
RETURN_REJECT_REASONS = ("Item shows signs of use", "Return window has expired", "Missing original packaging")
CANCEL_REJECT_REASON = "Order already packed and handed to carrier"

# Text written to show that marketplace text is data: Rich markup and terminal escape sequences.
MARKUP_BOLD = "[bold red]URGENT[/]"
MARKUP_LINK = "[link=https://evil.example]click[/link]"
ESC_RED = "\x1b[31mRED\x1b[0m"
ESC_HYPERLINK = "\x1b]8;;https://x\x07link\x1b]8;;\x07"
ESC_CLEAR = "\x1b[2J"
# (scenario, fields the order's text takes): four of the six are to ship, so they show in the default tab.
MARKUP_ORDERS: tuple[tuple[str, dict[str, str]], ...] = (
    ("ship_soon", {"buyer_message": f"{MARKUP_BOLD} please ship today!!", "buyer_username": "[b]vip_buyer[/b]"}),
    ("overdue", {"buyer_username": MARKUP_LINK, "recipient_name": f"{ESC_RED} Rivera"}),
    ("to_ship", {"product": "markup", "buyer_message": f"{ESC_CLEAR}\x1b[Hwhere is my order? {ESC_HYPERLINK}"}),
    ("to_ship", {"note": f"[red]check[/red] {ESC_CLEAR}{ESC_RED}", "recipient_name": "[i]Bob[/i] O'Neil"}),
    ("in_transit", {"buyer_message": f"Leave at door {MARKUP_LINK} {ESC_HYPERLINK}"}),
    ("delivered", {"note": f"{MARKUP_BOLD} refund? {ESC_RED}", "buyer_username": f"{ESC_CLEAR}h4x0r"}),
)
# Orders of every status and Action needed reason, whatever the size of the shop.
PINNED = (
    "unpaid", "unpaid", "on_hold", "on_hold", "ship_soon", "ship_soon", "overdue", "overdue", "auto_cancel",
    "partial", "cancel_request", "cancel_request", "collection", "in_transit", "late_transit", "abnormal_transit",
    "abnormal_collection", "delivered", "return_pending", "return_pending", "completed_return",
    "cancelled_seller", "cancelled_buyer", "sample",
)
PIN_MIN_ORDERS = 200
PEOPLE = 100_000  # distinct buyers at most  # smaller shops get the markup orders only
MARKUP_MIN_ORDERS = 50
ORDER_ID_BASE = 57 * 10**16  # order ids are 18 digits starting 57
BUILD_CACHE_KIB = -32_000  # SQLite's page cache while building: 32 MB (a negative cache_size counts KiB)

# Order tuple layout: the orders columns bulk_load writes, in this order.
ORDER_FIELDS = (
    "id", "status", "create_time", "paid_time", "update_time", "rts_sla_time", "tts_sla_time",
    "shipping_due_time", "rts_time", "delivery_time", "cancel_time", "tracking_number", "shipping_provider",
    "delivery_option_name", "shipping_type", "order_type", "is_sample_order", "buyer_username",
    "buyer_message", "cancel_reason", "cancellation_initiator", "warehouse_id",
    "warehouse_name", "sub_total", "shipping_fee", "seller_discount", "platform_discount", "tax",
    "total_amount", "refund_amount", "payment_method", "recipient_name", "recipient_phone", "address_detail",
    "address_extra", "city", "state", "zipcode", "country", "creator_username", "content_type", "campaign",
    "item_count", "flag", "note", "cancel_request_due", "return_request_due", "has_return",
)  # currency ('USD'), seller_note ('') and version (1) take the schema's defaults
LINE_FIELDS = (
    "order_id", "position", "sku_id", "seller_sku", "product_id", "product_name", "sku_name", "quantity",
    "original_price", "sale_price", "platform_discount", "seller_discount", "package_id", "tracking_number",
    "product_category",
)
NOTE_FIELDS = ("order_id", "flag", "text", "author", "created_at")
REQUEST_FIELDS = (
    "order_id", "type", "status", "reason", "created_at", "respond_by", "resolved_at", "resolved_by",
    "reject_reason",
)

# Line discounts: (weight, seller share, platform share) of the unit price; the last is a free sample.
DISCOUNTS = ((64, 0, 0), (14, 10, 0), (8, 20, 0), (8, 0, 15), (6, 10, 10))
SAMPLE_DISCOUNT = len(DISCOUNTS)

# Line plan states, per order, for the line pass.
NO_PACKAGE, PACKAGE, TWO_PACKAGES = 0, 1, 2

# Status values as plain strings: the order pass compares them millions of times.
UNPAID, ON_HOLD = OrderStatus.UNPAID.value, OrderStatus.ON_HOLD.value
AWAITING_SHIPMENT, PARTIALLY_SHIPPING = OrderStatus.AWAITING_SHIPMENT.value, OrderStatus.PARTIALLY_SHIPPING.value
AWAITING_COLLECTION, IN_TRANSIT = OrderStatus.AWAITING_COLLECTION.value, OrderStatus.IN_TRANSIT.value
DELIVERED, COMPLETED, CANCELLED = OrderStatus.DELIVERED.value, OrderStatus.COMPLETED.value, OrderStatus.CANCELLED.value


@dataclass
class DemoSummary:
    orders: int
    line_items: int
    notes: int
    requests: int
    seconds: float
    markup_ids: tuple[str, ...] = field(default=())


@dataclass(slots=True)
class _Timeline:
    """One order's life as epoch seconds (None: never happens); the status follows from *now*."""

    create: int
    paid: int | None
    order_type: str = "NORMAL"
    ship_by: int | None = None
    first_ship: int | None = None  # the first of two packages (partial shipping)
    ship: int | None = None
    collect: int | None = None
    deliver: int | None = None
    complete: int | None = None
    cancel: int | None = None
    cancel_reason: str | None = None
    initiator: str | None = None
    abnormal: bool = False
    cancel_request: tuple[int, int, str] | None = None  # (created, resolved, outcome)
    return_request: tuple[int, int, str] | None = None


def span_days(orders: int) -> float:
    """How far back the shop's orders go: about a month for 5,000, six months for a million."""
    return max(14.0, min(400.0, 30.0 * (max(orders, 1) / 5_000) ** 0.3382))


def _expand(weighted: Any, size: int = 1_000) -> list[Any]:
    """A lookup table: pick with ``table[int(random() * len(table))]``, cheaper than choices()."""
    items = list(weighted)
    total = sum(w for _, w in items)
    table: list[Any] = []
    for value, weight in items:
        table += [value] * round(size * weight / total)
    return table


def _code(part: str) -> str:
    key = part.strip().lower()
    return _WORD_CODES.get(key) or "".join(c for c in part.upper() if c.isalnum())[:5]


class _Builder:
    def __init__(self, orders: int, seed: int, now: datetime) -> None:
        self.n = orders
        self.rng = random.Random(seed)
        self.seed = seed
        self.now = int(now.timestamp())
        self.notes: list[tuple[Any, ...]] = []
        self.requests: list[tuple[Any, ...]] = []
        self.lines = 0
        self._catalogue()
        self._people()
        self._plan()

    # --- Tables made once ----------------------------------------------------------------------

    def _catalogue(self) -> None:
        rng = self.rng
        # Per SKU: (sku_id, seller_sku, product_id, product_name, sku_name, category), and per
        # SKU and discount: unit (original, sale, platform discount, seller discount) prices.
        self.skus: list[tuple[str, str, str, str, str, str]] = []
        self.unit_prices: list[list[tuple[int, int, int, int]]] = []
        weights: list[float] = []
        popularity = list(range(1, len(PRODUCTS) + 1))
        rng.shuffle(popularity)
        for (prefix, name, category, price, variations), rank in zip(PRODUCTS, popularity, strict=True):
            product_id = f"1729{rng.randrange(10**15):015d}"
            codes = set()
            for v, variation in enumerate(variations):
                code = "-".join(_code(part) for part in variation.split(", ")) if ", " in variation and \
                    variation.lower() not in _WORD_CODES else _code(variation)
                seller_sku = f"{prefix}-{code}"
                assert seller_sku not in codes, seller_sku
                codes.add(seller_sku)
                sku_id = f"1729{rng.randrange(10**14):014d}"
                unit = price + (200 if variation.endswith(("100ml", "120ml", "8 pcs", "100ft", "5ml", "50ml"))
                                else 0) + (100 if "Pro Max" in variation else 0)
                self.skus.append((sku_id, seller_sku, product_id, name, variation, category))
                self.unit_prices.append(self._prices(unit))
                weights.append(1.0 / rank**0.9 / (1 + 0.35 * v))
        self.sku_cum: list[float] = []
        total = 0.0
        for w in weights:
            total += w
            self.sku_cum.append(total)
        prefix, name, category, price, (variation,) = MARKUP_PRODUCT
        self.markup_sku = len(self.skus)
        self.skus.append((f"1729{rng.randrange(10**14):014d}", f"{prefix}-30ML",
                          f"1729{rng.randrange(10**15):015d}", name, variation, category))
        self.unit_prices.append(self._prices(price))

    @staticmethod
    def _prices(unit: int) -> list[tuple[int, int, int, int]]:
        out = []
        for _, seller_pct, platform_pct in DISCOUNTS:
            seller = unit * seller_pct // 100
            platform = unit * platform_pct // 100
            out.append((unit, unit - seller - platform, platform, seller))
        out.append((unit, 0, 0, unit))  # SAMPLE_DISCOUNT: the seller gives it away
        return out

    def _people(self) -> None:
        rng = self.rng
        pairs = []
        for rank, (creator, main) in enumerate(CREATORS, start=1):
            weight = 1.0 / rank**0.7
            for content in CONTENT_TYPES:
                pairs.append(((creator, content), weight * (0.7 if content == main else 0.15)))
        rng.shuffle(pairs)
        self.creator_table = _expand(pairs, 4_000)
        self.campaign_table = _expand([(c, 1.0 / (i + 1) ** 0.5) for i, c in enumerate(CAMPAIGNS)], 500)
        self.payment_table = _expand(PAYMENT_METHODS, 200)
        self.carrier_table = _expand(CARRIER_WEIGHTS.items(), 200)
        self.seller_carriers = [c for c in self.carrier_table if c != "TikTok Shipping"]
        self.delivery_table = _expand(DELIVERY_OPTIONS, 100)
        self.suffix_salt = rng.randrange(10**7)
        # Buyers, with the address they ship to; a big shop has its regulars.
        rnd, bits = rng.random, rng.getrandbits
        self.people: list[tuple[Any, ...]] = []
        for _ in range(max(1, min(self.n, PEOPLE))):
            first = FIRST_NAMES[int(rnd() * len(FIRST_NAMES))]
            last = LAST_NAMES[int(rnd() * len(LAST_NAMES))]
            city, state, zip3, area, tax_rate = CITIES[int(rnd() * len(CITIES))]
            r = rnd()
            if r < 0.35:
                buyer = f"user{bits(34):010d}"
            elif r < 0.7:
                buyer = f"{first.lower()}.{last.lower()}{int(rnd() * 100)}"
            else:
                buyer = f"{first.lower()}{last[0].lower()}_{int(rnd() * 10_000)}"
            self.people.append((
                buyer,
                f"{first} {last}",
                f"(+1){area}*****{int(rnd() * 100):02d}",
                f"{int(10 + rnd() * 9_990)} {STREETS[int(rnd() * len(STREETS))]}",
                f"Apt {int(1 + rnd() * 30)}{'ABCDEF'[int(rnd() * 6)]}" if rnd() < 0.25 else None,
                city,
                state,
                f"{zip3}{int(rnd() * 100):02d}",
                tax_rate,
            ))

    def _plan(self) -> None:
        """Line plans for every order, drawn in bulk; the order pass and the line pass both read them."""
        rng, n = self.rng, self.n
        self.pins: dict[int, tuple[str, dict[str, str]]] = {}
        pinned: list[tuple[str, dict[str, str]]] = []
        if n >= MARKUP_MIN_ORDERS:
            pinned += MARKUP_ORDERS
        if n >= PIN_MIN_ORDERS:
            pinned += [(kind, {}) for kind in PINNED]
        # The pinned orders take the last indices, spread out so none sits next to another.
        step = max(1, min(7, n // max(len(pinned), 1)))
        for k, pin in enumerate(pinned):
            self.pins[n - 1 - k * step] = pin
        # The markup orders come first, in MARKUP_ORDERS order.
        self.markup_index = [n - 1 - k * step for k in range(len(MARKUP_ORDERS))] if n >= MARKUP_MIN_ORDERS else []
        self.sample = bytearray(rng.random() < 0.01 for _ in range(n))
        counts = rng.choices((1, 2, 3, 4), weights=(62, 25, 9, 4), k=n)
        for i, pin in self.pins.items():
            self.sample[i] = pin[0] == "sample"
            if pin[0] == "partial":
                counts[i] = max(2, counts[i])
        sample = self.sample
        for i in range(n):
            if sample[i]:
                counts[i] = 1
        total = sum(counts)
        n_skus = len(self.sku_cum)
        skus = rng.choices(range(n_skus), cum_weights=self.sku_cum, k=total)
        qtys = rng.choices((1, 2, 3, 4), weights=(88, 8, 3, 1), k=total)
        discs = rng.choices(range(len(DISCOUNTS)), weights=[d[0] for d in DISCOUNTS], k=total)
        offset = 0
        for i, count in enumerate(counts):
            if sample[i]:
                discs[offset], qtys[offset] = SAMPLE_DISCOUNT, 1
            elif count > 1:  # one line per SKU
                seen = {skus[offset]}
                for k in range(offset + 1, offset + count):
                    while skus[k] in seen:
                        skus[k] = (skus[k] + 1) % n_skus
                    seen.add(skus[k])
            pin = self.pins.get(i)
            if pin is not None and pin[1].get("product") == "markup":
                skus[offset] = self.markup_sku
            offset += count
        # Held as arrays of small numbers, a byte or two each: a Python list costs 8 bytes a slot.
        self.line_count = array("B", counts)
        self.line_sku = array("H", skus)
        self.line_qty = array("B", qtys)
        self.line_disc = array("B", discs)
        self.line_state = bytearray(n)
        self.first_tracking: dict[int, str] = {}
        self.ids = array("q", bytes(8 * n))  # the order ids as numbers, for the line pass
        self.create_times = self._create_times()

    def _create_times(self) -> array[int]:
        """Creation times, oldest first: more orders in the US evening, at weekends and on a few viral days."""
        rng, n, now = self.rng, self.n, self.now
        hours = max(1, int(span_days(n) * 24))
        start = now - hours * HOUR
        local_curve = (0.35, 0.25, 0.18, 0.12, 0.1, 0.12, 0.2, 0.35, 0.5, 0.65, 0.75, 0.85,
                       0.95, 1.0, 0.95, 0.9, 0.95, 1.05, 1.2, 1.4, 1.55, 1.5, 1.1, 0.6)
        viral = {d: 1.6 + rng.random() for d in range(hours // 24 + 1) if rng.random() < 0.08}
        weights = []
        for h in range(hours):
            moment = start + h * HOUR
            local = (moment // HOUR - 5) % 24  # US Central-ish
            day = (moment - 5 * HOUR) // DAY
            weekend = 1.15 if (day + 3) % 7 >= 5 else 1.0  # 1970-01-01 was a Thursday
            weights.append(local_curve[local] * (0.7 + 0.3 * h / hours) * weekend * viral.get(h // 24, 1.0))
        total = sum(weights)
        times = array("q")
        cum = 0.0
        placed = 0
        rnd = rng.random
        for h, w in enumerate(weights):
            cum += w
            upto = n if h == hours - 1 else min(n, int(n * cum / total))
            count = upto - placed
            if count:
                base = start + h * HOUR
                width = HOUR / count
                times.extend([base + int((k + rnd()) * width) for k in range(count)])
                placed = upto
        return times

    # --- Timelines -----------------------------------------------------------------------------

    def _natural(self, c: int, sample: bool, multi: bool) -> _Timeline:
        rnd = self.rng.random
        if not sample and rnd() < 0.015:  # never pays: the system cancels it
            return _Timeline(c, None, cancel=c + UNPAID_TIMEOUT,
                             cancel_reason="seller_cancel_unpaid_reason_buyer_hasnt_paid_within_time_allowed",
                             initiator="SYSTEM")
        paid = c + (int(10 + 290 * rnd()) if rnd() < 0.9 else int(300 + 5_100 * rnd()))
        r = rnd()
        if sample or r < 0.94:
            order_type, ship_by = "NORMAL", paid + SHIP_BY
        elif r < 0.97:
            order_type, ship_by = "PRE_ORDER", paid + int(7 * DAY + 7 * DAY * rnd()) // HOUR * HOUR
        elif r < 0.99:
            order_type, ship_by = "MADE_TO_ORDER", paid + 5 * DAY
        else:
            order_type, ship_by = "BACK_ORDER", paid + 7 * DAY
        t = _Timeline(c, paid, order_type, ship_by)
        hold_end = paid + HOLD
        fate = rnd()
        if fate < 0.0125:
            t.cancel = hold_end + int(HOUR + 30 * HOUR * rnd())
            t.cancel_reason = ("seller_cancel_reason_out_of_stock" if rnd() < 0.75
                               else "seller_cancel_reason_wrong_price")
            t.initiator = "SELLER"
            return t
        if fate < 0.0175:
            t.cancel = hold_end + int(HOUR + 20 * HOUR * rnd())
            t.cancel_reason, t.initiator = "seller_cancel_paid_reason_address_not_deliver", "SELLER"
            return t
        if fate < 0.0215:
            t.cancel = hold_end + int(HOUR + 20 * HOUR * rnd())
            t.cancel_reason, t.initiator = "seller_cancel_paid_reason_buyer_requested_cancellation", "SELLER"
            return t
        if fate < 0.0315:  # the buyer cancels while on hold, no questions asked
            t.cancel = paid + int(60 + (HOLD - 120) * rnd())
            t.cancel_reason, t.initiator = BUYER_CANCEL_REASON, "BUYER"
            return t
        if fate < 0.0400:  # the buyer asks to cancel; approved by staff or automatically after 24 h
            asked = hold_end + int(20 * HOUR * rnd())
            answered = asked + (int(30 * MINUTE + 20 * HOUR * rnd()) if rnd() < 0.8 else CANCEL_ANSWER)
            t.cancel = answered
            t.cancel_reason, t.initiator = BUYER_CANCEL_REASON, "BUYER"
            t.cancel_request = (asked, answered, "APPROVED")
            return t
        if order_type == "NORMAL":
            t.ship = hold_end + int(HOUR + 45 * HOUR * rnd() ** 2)
        else:
            t.ship = max(hold_end + HOUR, ship_by - int(2.5 * DAY * rnd()))
        if rnd() < 0.03:  # shipped late
            r = rnd()
            t.ship = ship_by + (int(HOUR + 23 * HOUR * rnd()) if r < 0.7
                                else int(DAY + DAY * rnd()) if r < 0.95 else int(2 * DAY + 20 * HOUR * rnd()))
        if fate < 0.0450:  # the buyer asks to cancel; the seller has already packed it
            asked = hold_end + int(8 * HOUR * rnd())
            answered = asked + int(HOUR + 10 * HOUR * rnd())
            t.cancel_request = (asked, answered, "REJECTED")
            t.ship = max(t.ship, answered + HOUR)
        if multi and rnd() < 0.06:
            t.first_ship = hold_end + int(HOUR + 12 * HOUR * rnd())
            t.ship = max(t.ship, t.first_ship + int(6 * HOUR + 30 * HOUR * rnd()))
        t.collect = t.ship + int(2 * HOUR + 26 * HOUR * rnd())
        t.deliver = t.collect + int(1.5 * DAY + 4.5 * DAY * rnd())
        t.complete = t.deliver + int(8 * DAY + 4 * DAY * rnd())
        t.abnormal = rnd() < 0.004
        if rnd() < 0.045:
            asked = t.deliver + int(6 * HOUR + 10 * DAY * rnd())
            answered = asked + int(HOUR + 46 * HOUR * rnd())
            t.return_request = (asked, answered, "APPROVED" if rnd() < 0.7 else "REJECTED")
        return t

    def _pinned(self, kind: str) -> _Timeline:
        """A hand-set life, so every status and Action needed reason shows in every shop."""
        now, rnd = self.now, self.rng.random

        def paid_at(ago: int) -> _Timeline:
            paid = now - ago
            return _Timeline(paid - int(60 + 600 * rnd()), paid, "NORMAL", paid + SHIP_BY)

        def shipped(t: _Timeline, ship: int, collect: int, deliver: int) -> _Timeline:
            t.ship, t.collect, t.deliver, t.complete = ship, collect, deliver, deliver + 9 * DAY
            return t

        far = now + 30 * DAY
        if kind == "unpaid":
            c = now - int(10 * MINUTE + 70 * MINUTE * rnd())
            return _Timeline(c, None, cancel=c + UNPAID_TIMEOUT,
                             cancel_reason="seller_cancel_unpaid_reason_buyer_hasnt_paid_within_time_allowed",
                             initiator="SYSTEM")
        if kind == "on_hold":
            return shipped(paid_at(int(5 * MINUTE + 40 * MINUTE * rnd())), far, far, far)
        if kind in ("ship_soon", "to_ship", "cancel_request"):
            low, width = {"ship_soon": (26, 14), "to_ship": (8, 10), "cancel_request": (12, 6)}[kind]
            t = shipped(paid_at(int((low + width * rnd()) * HOUR)), far, far, far)
            if kind == "cancel_request":
                asked = now - int(HOUR + 8 * HOUR * rnd())
                t.cancel_request = (asked, far, "REJECTED")
            return t
        if kind == "overdue":
            return shipped(paid_at(int(50 * HOUR + 14 * HOUR * rnd())), far, far, far)
        if kind == "auto_cancel":
            return shipped(paid_at(int(4 * DAY + 2 * HOUR + 18 * HOUR * rnd())), far, far, far)
        if kind == "partial":
            t = shipped(paid_at(20 * HOUR), now + 10 * HOUR, far, far)
            t.first_ship = now - 4 * HOUR
            return t
        if kind in ("collection", "abnormal_collection"):
            t = shipped(paid_at(20 * HOUR), now - 2 * HOUR, now + 6 * HOUR, far)
            t.abnormal = kind == "abnormal_collection"
            return t
        if kind in ("in_transit", "abnormal_transit"):
            t = paid_at(3 * DAY)
            t = shipped(t, t.paid + 20 * HOUR, t.paid + 25 * HOUR, now + 2 * DAY)
            t.abnormal = kind == "abnormal_transit"
            return t
        if kind == "late_transit":
            t = paid_at(5 * DAY)
            return shipped(t, t.ship_by + 10 * HOUR, t.ship_by + 14 * HOUR, now + DAY)
        if kind in ("delivered", "return_pending", "sample"):
            t = paid_at(6 * DAY)
            t = shipped(t, t.paid + 18 * HOUR, t.paid + 24 * HOUR, now - 3 * DAY)
            if kind == "return_pending":
                asked = now - int(2 * HOUR + 20 * HOUR * rnd())
                t.return_request = (asked, far, "APPROVED")
            return t
        if kind == "completed_return":
            t = paid_at(13 * DAY)
            t = shipped(t, t.paid + 18 * HOUR, t.paid + 30 * HOUR, t.paid + 3 * DAY)
            t.return_request = (t.deliver + 2 * DAY, t.deliver + 3 * DAY, "APPROVED")
            return t
        if kind == "cancelled_seller":
            t = paid_at(3 * DAY)
            t.cancel, t.initiator = t.paid + 10 * HOUR, "SELLER"
            t.cancel_reason = "seller_cancel_reason_out_of_stock"
            return t
        if kind == "cancelled_buyer":
            t = paid_at(2 * DAY)
            t.cancel, t.cancel_reason, t.initiator = t.paid + 20 * MINUTE, BUYER_CANCEL_REASON, "BUYER"
            return t
        raise ValueError(f"unknown pinned scenario {kind!r}")

    # --- Rows ----------------------------------------------------------------------------------

    def order_rows(self) -> Iterator[tuple[Any, ...]]:
        """The orders table, one tuple per order; fills the notes and requests lists on the way."""
        rng, now, n = self.rng, self.now, self.n
        rnd, bits = rng.random, rng.getrandbits
        prices = self.unit_prices
        line_count, line_sku, line_qty, line_disc = self.line_count, self.line_sku, self.line_qty, self.line_disc
        line_state, ids, sample_of = self.line_state, self.ids, self.sample
        creators, campaigns, payments = self.creator_table, self.campaign_table, self.payment_table
        carriers, seller_carriers, deliveries = self.carrier_table, self.seller_carriers, self.delivery_table
        n_creators, n_campaigns, n_payments = len(creators), len(campaigns), len(payments)
        n_carriers, n_seller_carriers, n_deliveries = len(carriers), len(seller_carriers), len(deliveries)
        people, n_people = self.people, len(self.people)
        notes, requests = self.notes, self.requests
        salt = self.suffix_salt
        natural, pinned, pins = self._natural, self._pinned, self.pins
        times = self.create_times
        offset = 0
        for i in range(n):
            pin = pins.get(i)
            sample = sample_of[i]
            count = line_count[i]
            if pin is None:
                t = natural(times[i], sample, count > 1)
                text: dict[str, str] = {}
            else:
                t = pinned(pin[0])
                text = pin[1]
            c, paid = t.create, t.paid
            # The id: 57, the creation time's last nine digits, seven digits from the index.
            ids[i] = number = ORDER_ID_BASE + c % 10**9 * 10**7 + (i * 7_654_321 + salt) % 10**7
            oid = str(number)

            # Lines and money (the plan settled samples and SKUs).
            sub_total = seller_discount = platform_discount = items = 0
            end = offset + count
            for k in range(offset, end):
                unit, _sale, platform, seller = prices[line_sku[k]][line_disc[k]]
                qty = line_qty[k]
                sub_total += unit * qty
                platform_discount += platform * qty
                seller_discount += seller * qty
                items += qty
            offset = end
            goods = sub_total - seller_discount - platform_discount
            buyer, recipient, phone, detail, extra, city, state, zipcode, tax_rate = people[int(rnd() * n_people)]
            delivery = deliveries[int(rnd() * n_deliveries)]
            if sample:
                shipping_fee = 0
            elif delivery == "Express shipping":
                shipping_fee = 999
            elif delivery == "Economy shipping":
                shipping_fee = 299
            else:
                shipping_fee = 0 if goods >= 3_500 else 499
            tax = (goods * tax_rate + 500) // 1000
            total = goods + shipping_fee + tax

            # Status at now.
            cancel = t.cancel
            hold_end = paid + HOLD if paid is not None else None
            if cancel is not None and cancel <= now:
                status, since = CANCELLED, cancel
            elif paid is None or paid > now:
                status, since = UNPAID, c
            elif now < hold_end:
                status, since = ON_HOLD, paid
            elif t.ship is None or t.ship > now:
                if t.first_ship is not None and t.first_ship <= now:
                    status, since = PARTIALLY_SHIPPING, t.first_ship
                else:
                    status, since = AWAITING_SHIPMENT, hold_end
            elif t.collect > now:
                status, since = AWAITING_COLLECTION, t.ship
            elif t.deliver > now:
                status, since = IN_TRANSIT, t.collect
            elif t.complete > now:
                status, since = DELIVERED, t.deliver
            else:
                status, since = COMPLETED, t.complete
            paid_now = paid is not None and paid <= now
            cancelled = status == CANCELLED
            shipped = status in (AWAITING_COLLECTION, IN_TRANSIT, DELIVERED, COMPLETED)

            # Shipping.
            shipping_type = "SELLER" if rnd() < 0.15 else "TIKTOK"
            tracking = provider = None
            if shipped or status == PARTIALLY_SHIPPING:
                if shipping_type == "SELLER":
                    provider = seller_carriers[int(rnd() * n_seller_carriers)]
                else:
                    provider = carriers[int(rnd() * n_carriers)]
                tracking = _tracking(provider, bits)
                if t.first_ship is not None:
                    self.first_tracking[i] = _tracking(provider, bits)
                    line_state[i] = TWO_PACKAGES
                    if status == PARTIALLY_SHIPPING:
                        tracking = None
                else:
                    line_state[i] = PACKAGE
                if t.abnormal and status in (AWAITING_COLLECTION, IN_TRANSIT):
                    tracking = ABNORMAL_TRACKINGS[int(rnd() * len(ABNORMAL_TRACKINGS))]
            elif paid_now and not cancelled:
                line_state[i] = PACKAGE
            warehouse_id, warehouse_name = WAREHOUSES[0 if rnd() < 0.62 else 1]

            # Buyer and address.
            message = BUYER_MESSAGES[int(rnd() * len(BUYER_MESSAGES))] if rnd() < 0.04 else ""
            if text:
                buyer = text.get("buyer_username", buyer)
                message = text.get("buyer_message", message)
                recipient = text.get("recipient_name", recipient)
            if paid_now and status != ON_HOLD and not (cancelled and cancel < hold_end):
                country = "US"
            else:
                recipient = phone = detail = extra = city = state = zipcode = country = None

            # Creator attribution.
            if rnd() < 0.55 or sample:
                creator, content = creators[int(rnd() * n_creators)]
                campaign = campaigns[int(rnd() * n_campaigns)] if rnd() < 0.65 else None
            else:
                creator = content = campaign = None

            # Requests.
            cancel_due = return_due = None
            has_return = 0
            refund = total if cancelled and paid_now else 0
            touched = since
            # A buyer cancellation request: answered, or still open (then due 24 h after asking).
            asked = None
            if t.cancel_request is not None and t.cancel_request[0] <= now:
                asked, answered, outcome = t.cancel_request
            elif status in (ON_HOLD, AWAITING_SHIPMENT, PARTIALLY_SHIPPING) and rnd() < 0.022:
                asked = max(paid, now - 30 - int((now - max(paid, now - 20 * HOUR)) * rnd()))
                answered, outcome = now + CANCEL_ANSWER, "PENDING"
            if asked is not None:
                why = CANCEL_REQUEST_REASONS[int(rnd() * len(CANCEL_REQUEST_REASONS))]
                if answered <= now:
                    by = "system" if answered - asked >= CANCEL_ANSWER else NOTE_AUTHORS[int(rnd() * 6)]
                    rejected = CANCEL_REJECT_REASON if outcome == "REJECTED" else None
                    requests.append(
                        (oid, "CANCELLATION", outcome, why, asked, asked + CANCEL_ANSWER, answered, by, rejected)
                    )
                    touched = max(touched, answered)
                else:
                    cancel_due = asked + CANCEL_ANSWER
                    requests.append((oid, "CANCELLATION", "PENDING", why, asked, cancel_due, None, None, None))
                    touched = max(touched, asked)
            # A return/refund request once delivered: answered, or still open (due 48 h after asking).
            ret = t.return_request
            if ret is not None and ret[0] <= now and status in (DELIVERED, COMPLETED):
                asked, answered, outcome = ret
                has_return = 1
                reason = RETURN_REASONS[int(rnd() * len(RETURN_REASONS))]
                if answered <= now:
                    by = NOTE_AUTHORS[int(rnd() * 6)]
                    rejected = RETURN_REJECT_REASONS[int(rnd() * 3)] if outcome == "REJECTED" else None
                    requests.append(
                        (oid, "RETURN_REFUND", outcome, reason, asked, asked + RETURN_ANSWER, answered, by, rejected)
                    )
                    if not rejected:
                        refund = total
                    touched = max(touched, answered)
                else:
                    return_due = asked + RETURN_ANSWER
                    requests.append((oid, "RETURN_REFUND", "PENDING", reason, asked, return_due, None, None, None))
                    touched = max(touched, asked)

            # Notes: the newest is the order's flag and note.
            flag = note = None
            if rnd() < 0.05 or "note" in text:
                k = 1 if rnd() < 0.8 else 2 if rnd() < 0.75 else 3
                lo = min(c + 5 * MINUTE, now)
                stamps = sorted(lo + int((now - lo) * rnd()) for _ in range(k))
                for stamp in stamps:
                    flag, note = NOTE_TEXTS[int(rnd() * len(NOTE_TEXTS))]
                    notes.append((oid, flag, note, NOTE_AUTHORS[int(rnd() * len(NOTE_AUTHORS))], stamp))
                if "note" in text:
                    flag, note = "red", text["note"]
                    notes.append((oid, flag, note, "night shift", stamps[-1]))

            yield (
                oid, status, c, paid if paid_now else None, touched,
                t.ship_by if paid_now else None,
                t.ship_by + COLLECT_BY if paid_now else None,
                t.ship_by + AUTO_CANCEL_AFTER if paid_now else None,
                t.ship if shipped else None,
                t.deliver if status in (DELIVERED, COMPLETED) else None,
                cancel if cancelled else None,
                tracking, provider, delivery, shipping_type, t.order_type, int(sample), buyer, message,
                t.cancel_reason if cancelled else None, t.initiator if cancelled else None,
                warehouse_id, warehouse_name,
                sub_total, shipping_fee, seller_discount, platform_discount, tax, total, refund,
                payments[int(rnd() * n_payments)] if not sample else "Sample",
                recipient, phone, detail, extra, city, state, zipcode, country,
                creator, content, campaign,
                items, flag, note, cancel_due, return_due, has_return,
            )

    def line_rows(self) -> Iterator[tuple[Any, ...]]:
        """The line_items table, from the line plans the order pass settled (SKUs, samples, packages)."""
        skus, prices = self.skus, self.unit_prices
        line_count, line_sku, line_qty, line_disc = self.line_count, self.line_sku, self.line_qty, self.line_disc
        line_state, ids, first_tracking = self.line_state, self.ids, self.first_tracking
        salt = self.suffix_salt
        offset = 0
        lines = 0
        for i in range(self.n):
            oid = str(ids[i])
            state = line_state[i]
            package = f"1152{(i * 748_120_371_977_219 + salt) % 10**15:015d}" if state else None
            for position in range(line_count[i]):
                k = offset + position
                sku = line_sku[k]
                sku_id, seller_sku, product_id, name, variation, category = skus[sku]
                unit, sale, platform, seller = prices[sku][line_disc[k]]
                qty = line_qty[k]
                tracking = None
                line_package = package
                if state == TWO_PACKAGES and position == 0:
                    tracking = first_tracking[i]
                    line_package = f"1153{package[4:]}"
                yield (oid, position, sku_id, seller_sku, product_id, name, variation, qty,
                       unit, sale, platform * qty, seller * qty, line_package, tracking, category)
            offset += line_count[i]
            lines += line_count[i]
        self.lines = lines


def _tracking(provider: str, bits: Any) -> str:
    """A tracking number in the carrier's usual shape (8 to 40 letters and digits)."""
    if provider == "USPS":
        return f"9400{bits(60) % 10**18:018d}"
    if provider == "UPS":
        return f"1Z{bits(64):016X}"
    if provider == "FedEx":
        return f"{bits(40) % 10**12:012d}"
    if provider == "DHL eCommerce":
        return f"GM{bits(60) % 10**18:018d}"
    if provider == "OnTrac":
        return f"D1{bits(44) % 10**13:013d}"
    return f"TTUS{bits(50) % 10**14:014d}"


assert set(CARRIER_WEIGHTS) == set(CARRIERS), "CARRIER_WEIGHTS must name every carrier of the catalogue"


_NONE_KEY = (type(None), sqlite3.PrepareProtocol)


def _bind_none(value: None) -> None:
    return value


@contextmanager
def _fast_null_binding() -> Iterator[None]:
    """Bind None without Python 3.11's slow adapter search (about 1 µs a value; a tenth of the load).

    sqlite3 looks for an adapter for every value that is not an int, float, str or bytes, and
    finds none for None only after several failed lookups. An adapter that returns None makes
    the lookup one dictionary hit and binds NULL exactly as before, so the process-wide registry
    is changed only in speed, and put back as it was afterwards.
    """
    previous = sqlite3.adapters.get(_NONE_KEY)
    sqlite3.adapters[_NONE_KEY] = _bind_none
    try:
        yield
    finally:
        if previous is None:
            sqlite3.adapters.pop(_NONE_KEY, None)
        else:
            sqlite3.adapters[_NONE_KEY] = previous


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextmanager
def _side_file(path: Path) -> Iterator[Path]:
    """The side file a demo shop is built in, beside *path*, held (flock) for the whole build.

    A side file left by a killed build is emptied and reused; one that a running build holds is
    refused; one whose build fails is removed.
    """
    building = path.with_name(f".{path.name}.building")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(building, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(
                f"another tsshop is building a demo shop at {path} (in {building}): let it finish"
            ) from None
        os.ftruncate(handle, 0)
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{building}{suffix}").unlink(missing_ok=True)
        try:
            yield building
        except BaseException:
            _remove_database(building)
            raise
    finally:
        os.close(handle)


def build_demo(
    path: Path,
    *,
    orders: int = 5000,
    seed: int = 1,
    now: datetime,
    force: bool = False,
    shop_name: str = "Demo Shop",
) -> DemoSummary:
    """Build a demo shop of *orders* orders at *path*, as it stands at *now*.

    A tsshop database that already holds orders is only replaced with *force* (keeping its file
    permissions); anything else that is not an empty or new database (a file of another program, a
    damaged database) never is, nor a file or folder that cannot be written. The shop is built in a
    side file and moved into place when complete, so an interrupted build never leaves half a
    database at *path*; the next build empties and reuses a side file a killed one left.
    """
    started = time.perf_counter()
    path = Path(path)
    if orders < 1:
        raise ValueError("a demo shop needs at least one order")
    if orders >= 10_000_000:
        raise ValueError("a demo shop holds fewer than 10,000,000 orders")
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    try:
        held = holds_orders(path)
    except StoreError as error:
        raise FileExistsError(str(error)) from None
    if held and not force:
        raise FileExistsError(f"{path} already holds orders: use --force to replace it with a demo shop")
    problem = write_problem(path)
    if problem:
        raise StoreError(f"cannot {'change' if path.exists() else 'create'} {path}: {problem}; nothing was changed")
    with _side_file(path) as building:
        summary = _build(building, orders, seed, now, shop_name)
        if path.exists():
            os.chmod(building, stat.S_IMODE(path.stat().st_mode))
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.replace(building, path)
    return replace(summary, seconds=time.perf_counter() - started)


def _build(building: Path, orders: int, seed: int, now: datetime, shop_name: str) -> DemoSummary:
    builder = _Builder(orders, seed, now)
    store = Store(building, clock=FixedClock(now), actor="demo")
    try:
        # A fresh side file, thrown away if anything fails: no journal while loading. A small page
        # cache and no memory map: SQLite spills the load to the file as it goes and sorts each
        # index in bounded memory, so a million orders build in a few hundred MB (a 1 GB cache
        # held the whole load in memory and was slower, not faster).
        store.conn.execute("PRAGMA journal_mode = OFF")
        store.conn.execute(f"PRAGMA cache_size = {BUILD_CACHE_KIB}")
        with _fast_null_binding():
            bulk_load(
                store,
                [
                    ("orders", ORDER_FIELDS, builder.order_rows()),
                    ("line_items", LINE_FIELDS, builder.line_rows()),
                    ("notes", NOTE_FIELDS, builder.notes),
                    ("requests", REQUEST_FIELDS, builder.requests),
                ],
            )
        with store.transaction() as conn:
            store.set_meta(conn, "shop_name", shop_name)
            store.set_meta(conn, "demo_now", now.astimezone(timezone.utc).isoformat())
        store.conn.execute("PRAGMA journal_mode = WAL")
    finally:
        store.close()
    return DemoSummary(
        orders=orders,
        line_items=builder.lines,
        notes=len(builder.notes),
        requests=len(builder.requests),
        seconds=0.0,
        markup_ids=tuple(str(builder.ids[i]) for i in builder.markup_index),
    )
