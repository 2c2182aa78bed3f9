"""The health metrics, scorecards, daily trend, orders per minute and backlog forecast of
``tsshop_tui.domain.metrics``, computed the plain way: pure Python over domain orders, one order at a
time, straight from the definitions in that module's docstring.

The product computes every figure in SQL (``tsshop_tui.store.metrics``); these reference
implementations live with the tests, which check that both give the same answers on shops built to
know the answers in advance and on random ones.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from tsshop_tui.domain.catalog import SELLER_FAULT_REASONS, TO_SHIP
from tsshop_tui.domain.clock import from_epoch, to_epoch
from tsshop_tui.domain.metrics import (
    DEFAULT_DAYS,
    METRICS,
    METRICS_BY_KEY,
    PACE_HOURS,
    BacklogForecast,
    CampaignScore,
    CreatorScore,
    Direction,
    Metric,
    MetricKey,
    ProductScore,
    Score,
    ScoreSort,
    SkuScore,
    TrendDay,
    forecast_backlog,
    sort_scores,
    trend_bounds,
    window_bounds,
)
from tsshop_tui.domain.model import ContentType, Initiator, Order, OrderStatus
from tsshop_tui.domain.rules import is_valid_tracking

# Windows and per-order tests ---------------------------------------------------------------


def in_window(order: Order, now: datetime, days: int) -> bool:
    """Created inside the window and not a sample order."""
    since, until = window_bounds(now, days)
    return not order.is_sample_order and since <= to_epoch(order.create_time) <= until


def is_paid(order: Order) -> bool:
    return order.paid_time is not None


def is_cancelled(order: Order) -> bool:
    return order.status is OrderStatus.CANCELLED


def is_seller_fault_cancellation(order: Order) -> bool:
    return (
        order.status is OrderStatus.CANCELLED
        and order.cancellation_initiator is Initiator.SELLER
        and order.cancel_reason in SELLER_FAULT_REASONS
    )


def is_shipped(order: Order) -> bool:
    return order.rts_time is not None


def is_late_shipment(order: Order) -> bool:
    return (
        order.rts_time is not None
        and order.rts_sla_time is not None
        and to_epoch(order.rts_time) > to_epoch(order.rts_sla_time)
    )


def has_valid_tracking(order: Order) -> bool:
    return is_shipped(order) and is_valid_tracking(order.tracking_number)


def is_delivered(order: Order) -> bool:
    return order.delivery_time is not None


def is_return(order: Order) -> bool:
    return is_delivered(order) and order.has_return


Test = Callable[[Order], bool]

# (numerator, denominator) per metric; the store's SQL has the same pairs.
METRIC_TESTS: dict[MetricKey, tuple[Test, Test]] = {
    MetricKey.SFCR: (lambda o: is_paid(o) and is_seller_fault_cancellation(o), is_paid),
    MetricKey.LDR: (is_late_shipment, is_shipped),
    MetricKey.VTR: (has_valid_tracking, is_shipped),
    MetricKey.RETURN_RATE: (is_return, is_delivered),
}


def counts_against(key: MetricKey | str, order: Order) -> bool:
    """Whether *order* is one of the orders behind metric *key*'s problem figure.

    For ``max`` metrics that is the numerator; for VTR, the shipped orders *without* valid tracking.
    """
    key = MetricKey(key)
    numerator, denominator = METRIC_TESTS[key]
    if METRICS_BY_KEY[key].direction is Direction.MIN:
        return denominator(order) and not numerator(order)
    return numerator(order)


def compute_metrics(orders: Iterable[Order], now: datetime, days: int = DEFAULT_DAYS) -> list[Metric]:
    """The four health metrics over the orders created in the last *days* days (samples excluded)."""
    counts = {key: [0, 0] for key in MetricKey}
    for order in orders:
        if not in_window(order, now, days):
            continue
        for key, (numerator, denominator) in METRIC_TESTS.items():
            if denominator(order):
                counts[key][1] += 1
                if numerator(order):
                    counts[key][0] += 1
    return [m.result(*counts[m.key]) for m in METRICS]


def metric_order_ids(
    orders: Iterable[Order], key: MetricKey | str, now: datetime, days: int = DEFAULT_DAYS
) -> list[str]:
    """The IDs of the orders counting against metric *key* in the window, newest first."""
    picked = [o for o in orders if in_window(o, now, days) and counts_against(key, o)]
    picked.sort(key=lambda o: (to_epoch(o.create_time), o.id), reverse=True)
    return [o.id for o in picked]


# Scorecards --------------------------------------------------------------------------------


def count_in(score: Score, order: Order, *, units: int, gmv: Decimal) -> None:
    """Count *order* in *score* (the store sums the same in SQL)."""
    score.orders += 1
    score.units += units
    if not is_cancelled(order):
        score.gmv += gmv
    score.cancelled += is_cancelled(order)
    score.seller_fault_cancellations += is_seller_fault_cancellation(order)
    score.shipped += is_shipped(order)
    score.late_shipments += is_late_shipment(order)
    score.delivered += is_delivered(order)
    score.returns += is_return(order)


def _window_orders(orders: Iterable[Order], now: datetime, days: int) -> list[Order]:
    return [o for o in orders if in_window(o, now, days)]


def _content(value: ContentType | str | None) -> ContentType | None:
    return ContentType(value) if value is not None else None


def creator_scores(
    orders: Iterable[Order],
    now: datetime,
    days: int = 30,
    *,
    sort: ScoreSort | str = ScoreSort.GMV,
    content_type: ContentType | str | None = None,
) -> list[CreatorScore]:
    """Per creator (orders with a ``creator_username``), optionally one content type only."""
    return _group_scores(orders, now, days, "creator_username", CreatorScore, "creator", sort, content_type)


def campaign_scores(
    orders: Iterable[Order],
    now: datetime,
    days: int = 30,
    *,
    sort: ScoreSort | str = ScoreSort.GMV,
    content_type: ContentType | str | None = None,
) -> list[CampaignScore]:
    """Per campaign (orders with a ``campaign``), optionally one content type only."""
    return _group_scores(orders, now, days, "campaign", CampaignScore, "campaign", sort, content_type)


def _group_scores(orders, now, days, attribute, model, name_field, sort, content_type):  # type: ignore[no-untyped-def]
    wanted = _content(content_type)
    groups: dict[str, Score] = {}
    for order in _window_orders(orders, now, days):
        name = getattr(order, attribute)
        if name is None or (wanted is not None and order.content_type is not wanted):
            continue
        score = groups.setdefault(name, model(**{name_field: name}))
        count_in(score, order, units=order.item_count, gmv=order.total_amount)
        if order.content_type is not None:
            count_in(score.by_content.setdefault(order.content_type, Score()), order, units=order.item_count,
                     gmv=order.total_amount)
    for score in groups.values():
        score.by_content = {c: score.by_content[c] for c in ContentType if c in score.by_content}
    return sort_scores(list(groups.values()), sort, operator.attrgetter(name_field))


def product_scores(
    orders: Iterable[Order],
    now: datetime,
    days: int = 30,
    *,
    sort: ScoreSort | str = ScoreSort.GMV,
    content_type: ContentType | str | None = None,
) -> list[ProductScore]:
    """Per product, each with its SKUs (sorted the same way).

    Names are display labels from the newest line: here, the last line of the window's newest order
    holding the SKU (the store takes the SKU's newest line in the shop; the same unless renamed).
    """
    wanted = _content(content_type)
    products: dict[str, ProductScore] = {}
    skus: dict[tuple[str, str], SkuScore] = {}
    window = sorted(_window_orders(orders, now, days), key=lambda o: (to_epoch(o.create_time), o.id))
    for order in window:
        if wanted is not None and order.content_type is not wanted:
            continue
        per_product: dict[str, list] = defaultdict(lambda: [0, Decimal("0")])
        per_sku: dict[tuple[str, str], list] = defaultdict(lambda: [0, Decimal("0")])
        for line in order.line_items:
            amount = line.sale_price * line.quantity
            sku_key = (line.product_id, line.sku_id)
            for bucket, key in ((per_product, line.product_id), (per_sku, sku_key)):
                bucket[key][0] += line.quantity
                bucket[key][1] += amount
            product = products.setdefault(line.product_id, ProductScore(product_id=line.product_id))
            product.product_name = line.product_name
            sku = skus.setdefault(sku_key, SkuScore(sku_id=line.sku_id, product_id=line.product_id))
            sku.seller_sku, sku.sku_name = line.seller_sku, line.sku_name
        for key, (units, gmv) in per_product.items():
            count_in(products[key], order, units=units, gmv=gmv)
        for key, (units, gmv) in per_sku.items():
            count_in(skus[key], order, units=units, gmv=gmv)
    for sku in skus.values():
        products[sku.product_id].skus.append(sku)
    for product in products.values():
        product.skus = sort_scores(product.skus, sort, operator.attrgetter("sku_id"))
    return sort_scores(list(products.values()), sort, operator.attrgetter("product_id"))


# Daily trend -------------------------------------------------------------------------------


def daily_trend(orders: Iterable[Order], now: datetime, days: int = 30) -> list[TrendDay]:
    """One TrendDay per UTC day, oldest first, today last; days without orders are zeros."""
    since, until, first = trend_bounds(now, days)
    counts = {first + timedelta(days=i): [0, 0, 0] for i in range(days)}
    for order in orders:
        created = to_epoch(order.create_time)
        if order.is_sample_order or not since <= created <= until:
            continue
        row = counts[from_epoch(created).date()]
        row[0] += 1
        row[1] += is_cancelled(order)
        row[2] += order.has_return
    return [TrendDay(day, *row) for day, row in counts.items()]


# Live monitor ------------------------------------------------------------------------------


def minute_buckets(create_times: Iterable[int], now: int, minutes: int = 60) -> list[int]:
    """Orders per minute, oldest first, the last bucket ending at *now* (epoch seconds)."""
    buckets = [0] * minutes
    for created in create_times:
        age = now - created
        if 0 <= age < minutes * 60:
            buckets[minutes - 1 - age // 60] += 1
    return buckets


def orders_per_minute(orders: Iterable[Order], now: datetime, minutes: int = 60) -> list[int]:
    """Non-sample orders created per minute over the last *minutes* minutes, oldest first."""
    return minute_buckets(
        (to_epoch(o.create_time) for o in orders if not o.is_sample_order), to_epoch(now), minutes
    )


# Backlog forecast --------------------------------------------------------------------------


def backlog_forecast(orders: Iterable[Order], now: datetime, pace_hours: int = PACE_HOURS) -> BacklogForecast:
    """forecast_backlog over domain orders (sample orders included: they are warehouse work)."""
    orders = list(orders)
    end = to_epoch(now)
    start = end - pace_hours * 3600
    shipped = sum(1 for o in orders if o.rts_time is not None and start < to_epoch(o.rts_time) <= end)
    ship_by = [to_epoch(o.rts_sla_time) for o in orders if o.status in TO_SHIP]
    return forecast_backlog(ship_by, end, shipped, pace_hours)
