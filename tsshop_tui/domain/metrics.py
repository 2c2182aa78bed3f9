"""Seller health metrics and creator/product/campaign insights: definitions as data, rules as pure functions.

The definitions below are the contract. The store computes every figure in SQL
(``tsshop_tui.store.metrics``); the tests compute the same figures from domain orders in plain
Python (``tests/metric_reference.py``) and prove both give the same answers. What lives here is what
both share: the metric definitions and targets, windows, the score models and their sort, the spike
rule and the backlog forecast arithmetic.

Definitions (all times in whole UTC epoch seconds, as the store keeps them)
------------------------------------------------------------------------------
Window
    The orders *created* in the last N days: ``now - N days <= create_time <= now`` (both ends
    inclusive). Every figure of a window is about that cohort of orders, so a recent window's
    deliveries and returns are still coming in. Sample orders (``is_sample_order``) never count.
Paid
    ``paid_time`` is set.
Seller-fault cancellation
    ``status`` CANCELLED, ``cancellation_initiator`` SELLER and ``cancel_reason`` one of
    ``catalog.SELLER_FAULT_REASONS`` (out of stock, wrong price).
Shipped
    ``rts_time`` is set, whatever the status now: an order cancelled or returned after it was
    shipped still counts as shipped (its lateness and tracking were real). An order in a shipped
    status without an ``rts_time`` (a thin import) is not counted: we cannot tell when it shipped.
Late shipment
    Shipped and ``rts_time > rts_sla_time`` (shipping exactly at the ship-by second is on time);
    an order without a ship-by time is never late.
Valid tracking
    Shipped and ``rules.is_valid_tracking(order.tracking_number)`` (the order-level number).
Delivered
    ``delivery_time`` is set.
Return
    Delivered and the order has a return/refund request (any status: pending, approved or rejected).

The four health metrics (numerator ⊆ denominator, so every value lies in 0..1)
------------------------------------------------------------------------------
``sfcr``        seller-fault cancellations among paid orders ÷ paid orders       target ≤ 2.5 %
                (an UNPAID order cancelled with a ``seller_cancel_unpaid_reason_*`` seller-fault code
                was never paid, so it is in neither figure)
``ldr``         late shipments ÷ shipped orders                                  target ≤ 4 %
``vtr``         shipped orders with valid tracking ÷ shipped orders              target ≥ 95 %
``return_rate`` delivered orders with a return/refund request ÷ delivered orders  target ≤ 5 %
                (TikTok publishes no fixed limit for returns; 5 % is our house target)

State
    ``breach`` when the value is beyond the target (> a ``max`` target, < a ``min`` target);
    ``warning`` when it has used up at least 80 % (``WARNING_SHARE``) of the allowance: for a ``max``
    metric ``value >= 0.8 × target`` (SFCR warns from 2.0 %), for a ``min`` metric the shortfall
    ``1 - value >= 0.8 × (1 - target)`` (VTR warns at 96 % and below); ``ok`` otherwise, and ``ok``
    when there is nothing to measure (denominator 0, value None). Comparisons are exact fractions.

Scorecards (per creator, campaign, product and SKU; default window 30 days)
    orders, units, GMV (money of the orders not cancelled: ``total_amount`` for creators and
    campaigns, ``sale_price × quantity`` of its own lines for a product or SKU), cancelled (now
    CANCELLED) and cancellation rate (÷ orders), seller-fault cancellations, shipped and late
    shipments, delivered and returns with the return rate as above. Creators and campaigns are split
    by content type (LIVE, VIDEO, SHOWCASE); orders without a creator (or campaign) are left out of
    that scorecard. A product or SKU counts an order once however many of its lines the order holds.
    ``ScoreSort`` orders them biggest first, ties by name, rates that cannot be measured last. A
    rate sort puts the rates taken over at least ``MIN_RATE_SAMPLE`` (10) orders (cancellation rate)
    or delivered orders (return rate) before those over fewer, so that one order with one return
    does not top the list.
Daily trend
    Per UTC day, from midnight ``days - 1`` days ago to now: orders created that day, and how many of
    those are now cancelled / have a return or refund request (counted against the day of creation).
Live monitor
    Orders per minute count non-sample orders by ``create_time``; bucket 0 (the newest, last in the
    list) holds ``now - 59 s .. now``, bucket k holds ``now - 60k - 59 s .. now - 60k s``.
    A *spike* (``SpikeRule``): the last 5 minutes average more than 3× the average of the 55
    minutes before, and the last 5 minutes hold at least 10 orders (so 1 order after a quiet hour
    is not a spike). A quiet baseline (0 orders) with enough recent orders is a spike.
Backlog forecast
    To-ship orders (AWAITING_SHIPMENT, PARTIALLY_SHIPPING; sample orders too: they are real
    warehouse work). Pace = orders whose ``rts_time`` lies in ``(now - 3 h, now]`` ÷ 3 h. Shipping in
    ship-by order at that pace, the i-th order (1-based) ships at ``now + i / pace``; it misses
    when its ship-by time is earlier than that. Orders without a ship-by time go last and never
    miss. Already-overdue orders always miss and are included in ``will_miss``. At pace 0 every
    order with a ship-by time misses and ``hours_left`` is None.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict, Field, computed_field

from .clock import from_epoch, to_epoch
from .model import ContentType

DAY_SECONDS = 86_400
DEFAULT_DAYS = 7
WINDOWS: tuple[int, ...] = (7, 30)
MAX_DAYS = 366
WARNING_SHARE = Fraction(4, 5)


class MetricKey(StrEnum):
    SFCR = "sfcr"
    LDR = "ldr"
    VTR = "vtr"
    RETURN_RATE = "return_rate"


class Direction(StrEnum):
    """``max``: the value must stay at or below the target; ``min``: at or above it."""

    MAX = "max"
    MIN = "min"


class State(StrEnum):
    OK = "ok"
    WARNING = "warning"
    BREACH = "breach"


@dataclass(frozen=True)
class MetricDefinition:
    """One health metric as data: what it counts and the target it is held to."""

    key: MetricKey
    label: str
    short: str
    target: Fraction
    direction: Direction
    numerator: str
    denominator: str
    problem: str
    """What the orders behind the figure (``Store.metric_orders``) are: the ones that count against it."""

    @property
    def warning_at(self) -> Fraction:
        """The value from which the state is ``warning`` (see the module docstring)."""
        if self.direction is Direction.MAX:
            return self.target * WARNING_SHARE
        return 1 - (1 - self.target) * WARNING_SHARE

    def state(self, numerator: int, denominator: int) -> State:
        if denominator == 0:
            return State.OK
        value = Fraction(numerator, denominator)
        if self.direction is Direction.MAX:
            if value > self.target:
                return State.BREACH
            return State.WARNING if value >= self.warning_at else State.OK
        if value < self.target:
            return State.BREACH
        return State.WARNING if value <= self.warning_at else State.OK

    def result(self, numerator: int, denominator: int) -> Metric:
        """This metric's figures as a ``Metric``."""
        return Metric(
            key=self.key,
            label=self.label,
            short=self.short,
            numerator=numerator,
            denominator=denominator,
            value=numerator / denominator if denominator else None,
            target=float(self.target),
            warning_at=float(self.warning_at),
            direction=self.direction,
            state=self.state(numerator, denominator),
        )


METRICS: tuple[MetricDefinition, ...] = (
    MetricDefinition(
        MetricKey.SFCR,
        "Seller-fault cancellation rate",
        "SFCR",
        Fraction(25, 1000),
        Direction.MAX,
        "paid orders cancelled by the seller for a seller-fault reason (out of stock, wrong price)",
        "paid orders",
        "seller-fault cancellations",
    ),
    MetricDefinition(
        MetricKey.LDR,
        "Late dispatch rate",
        "LDR",
        Fraction(4, 100),
        Direction.MAX,
        "shipped orders shipped after their ship-by time",
        "shipped orders",
        "late shipments",
    ),
    MetricDefinition(
        MetricKey.VTR,
        "Valid tracking rate",
        "VTR",
        Fraction(95, 100),
        Direction.MIN,
        "shipped orders with a valid tracking number",
        "shipped orders",
        "shipped orders without a valid tracking number",
    ),
    MetricDefinition(
        MetricKey.RETURN_RATE,
        "Return rate",
        "Returns",
        Fraction(5, 100),
        Direction.MAX,
        "delivered orders with a return/refund request",
        "delivered orders",
        "delivered orders with a return/refund request",
    ),
)
METRICS_BY_KEY: dict[MetricKey, MetricDefinition] = {m.key: m for m in METRICS}


class Metric(BaseModel):
    """One health figure over a window: value = numerator ÷ denominator (None when nothing to measure)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: MetricKey
    label: str
    short: str
    numerator: int = Field(ge=0)
    denominator: int = Field(ge=0)
    value: float | None
    target: float
    warning_at: float
    direction: Direction
    state: State

    @property
    def definition(self) -> MetricDefinition:
        return METRICS_BY_KEY[self.key]

    @property
    def value_text(self) -> str:
        """'2.1%', or '—' when there is nothing to measure."""
        return percent(self.value)

    @property
    def target_text(self) -> str:
        return ("≤ " if self.direction is Direction.MAX else "≥ ") + percent(self.target)


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


# Windows -----------------------------------------------------------------------------------


def check_days(days: int) -> int:
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be a whole number from 1 to {MAX_DAYS}, not {days!r}")
    return days


def window_bounds(now: datetime | int, days: int) -> tuple[int, int]:
    """(since, until) in epoch seconds, both inclusive: the orders created in the last *days* days."""
    until = now if isinstance(now, int) else to_epoch(now)
    return until - check_days(days) * DAY_SECONDS, until



# Scorecards --------------------------------------------------------------------------------


class ScoreSort(StrEnum):
    """Scorecard orderings; every one sorts biggest first, ties by name."""

    GMV = "gmv"
    ORDERS = "orders"
    UNITS = "units"
    CANCELLATION_RATE = "cancellation-rate"
    SELLER_FAULT = "seller-fault"
    RETURN_RATE = "return-rate"
    LATE = "late"


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


class Score(BaseModel):
    """Figures for one group of orders (a creator, campaign, product or SKU) in a window.

    orders: orders in the group; units: items (for a product or SKU, its own quantity only);
    gmv: money of the orders not cancelled (order ``total_amount`` for creators and campaigns;
    ``sale_price × quantity`` of the group's own lines for products and SKUs); cancelled: orders
    now CANCELLED; delivered / returns / shipped / late_shipments as for the health metrics.
    """

    model_config = ConfigDict(extra="forbid")

    orders: int = 0
    units: int = 0
    gmv: Decimal = Decimal("0.00")
    cancelled: int = 0
    seller_fault_cancellations: int = 0
    shipped: int = 0
    late_shipments: int = 0
    delivered: int = 0
    returns: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cancellation_rate(self) -> float | None:
        """Cancelled ÷ orders."""
        return _rate(self.cancelled, self.orders)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def return_rate(self) -> float | None:
        """Returns ÷ delivered (as the health metric)."""
        return _rate(self.returns, self.delivered)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def late_rate(self) -> float | None:
        """Late shipments ÷ shipped (as LDR)."""
        return _rate(self.late_shipments, self.shipped)


class CreatorScore(Score):
    """A creator's figures, with the same figures split by content type (only the types they have)."""

    creator: str
    by_content: dict[ContentType, Score] = Field(default_factory=dict)


class CampaignScore(Score):
    campaign: str
    by_content: dict[ContentType, Score] = Field(default_factory=dict)


class SkuScore(Score):
    sku_id: str
    seller_sku: str = ""
    sku_name: str = ""
    product_id: str = ""


class ProductScore(Score):
    """A product's figures (an order counts once however many of its SKUs it holds) and each SKU's."""

    product_id: str
    product_name: str = ""
    skus: list[SkuScore] = Field(default_factory=list)


_SORT_FIELDS: dict[ScoreSort, str] = {
    ScoreSort.GMV: "gmv",
    ScoreSort.ORDERS: "orders",
    ScoreSort.UNITS: "units",
    ScoreSort.CANCELLATION_RATE: "cancellation_rate",
    ScoreSort.SELLER_FAULT: "seller_fault_cancellations",
    ScoreSort.RETURN_RATE: "return_rate",
    ScoreSort.LATE: "late_shipments",
}


S = TypeVar("S", bound=Score)


# A rate over fewer orders than this says little: rate sorts put it after the rates over enough,
# and the scorecards show it dim rather than judged against the health targets.
MIN_RATE_SAMPLE = 10

# The count each sortable rate is taken over.
RATE_BASES: dict[ScoreSort, str] = {ScoreSort.CANCELLATION_RATE: "orders", ScoreSort.RETURN_RATE: "delivered"}


def sort_scores(scores: list[S], sort: ScoreSort | str, name: Callable[[S], str]) -> list[S]:
    """*scores* biggest first by *sort* (None rates last, rates over fewer than MIN_RATE_SAMPLE
    after those over enough), ties broken by *name* ascending."""
    sort = ScoreSort(sort)
    field, base = _SORT_FIELDS[sort], RATE_BASES.get(sort)
    by_name = sorted(scores, key=name)
    present = [s for s in by_name if getattr(s, field) is not None]
    missing = [s for s in by_name if getattr(s, field) is None]
    if base is None:
        present.sort(key=operator.attrgetter(field), reverse=True)
    else:
        present.sort(key=lambda s: (getattr(s, base) >= MIN_RATE_SAMPLE, getattr(s, field)), reverse=True)
    return present + missing



# Daily trend -------------------------------------------------------------------------------


class TrendDay(NamedTuple):
    """One UTC day: orders created that day (samples excluded), how many of them are now
    cancelled and how many have a return/refund request (counted against the day of creation)."""

    day: date
    orders: int
    cancellations: int
    returns: int


def trend_bounds(now: datetime | int, days: int) -> tuple[int, int, date]:
    """(since, until, first day): from midnight UTC *days - 1* days before today, to now."""
    moment = from_epoch(now) if isinstance(now, int) else now.astimezone(timezone.utc)
    first = moment.date() - timedelta(days=check_days(days) - 1)
    since = to_epoch(datetime(first.year, first.month, first.day, tzinfo=timezone.utc))
    return since, to_epoch(moment), first



# Live monitor ------------------------------------------------------------------------------



@dataclass(frozen=True)
class SpikeRule:
    """A spike: the last *recent* minutes average more than *factor* × the *baseline* minutes
    before them, with at least *min_orders* orders in the recent minutes."""

    recent: int = 5
    baseline: int = 55
    factor: int = 3
    min_orders: int = 10

    @property
    def minutes(self) -> int:
        return self.recent + self.baseline


SPIKE_RULE = SpikeRule()


class Spike(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    spiking: bool
    recent_orders: int
    baseline_orders: int
    recent_per_minute: float
    baseline_per_minute: float
    ratio: float | None = Field(description="Recent rate ÷ baseline rate; None when the baseline is 0.")
    rule: str


def detect_spike(per_minute: Sequence[int], rule: SpikeRule = SPIKE_RULE) -> Spike:
    """Apply *rule* to orders-per-minute counts (oldest first, at least ``rule.minutes`` of them)."""
    if len(per_minute) < rule.minutes:
        raise ValueError(f"need {rule.minutes} minutes of counts, got {len(per_minute)}")
    counts = list(per_minute[-rule.minutes :])
    recent = sum(counts[rule.baseline :])
    baseline = sum(counts[: rule.baseline])
    # recent / r > factor * baseline / b, in whole numbers.
    spiking = recent >= rule.min_orders and recent * rule.baseline > rule.factor * baseline * rule.recent
    recent_rate = recent / rule.recent
    baseline_rate = baseline / rule.baseline
    return Spike(
        spiking=spiking,
        recent_orders=recent,
        baseline_orders=baseline,
        recent_per_minute=recent_rate,
        baseline_per_minute=baseline_rate,
        ratio=recent_rate / baseline_rate if baseline else None,
        rule=(
            f"last {rule.recent} min > {rule.factor}x the {rule.baseline} min before, "
            f"and at least {rule.min_orders} orders"
        ),
    )


# Backlog forecast --------------------------------------------------------------------------

PACE_HOURS = 3


class BacklogForecast(BaseModel):
    """Whether the to-ship queue will be shipped in time at the current pace."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    now: datetime
    to_ship: int
    overdue: int = Field(description="To-ship orders already past their ship-by time.")
    will_miss: int = Field(description="Orders that will ship after their ship-by time (overdue included).")
    shipped_recently: int = Field(description="Orders shipped in the pace window.")
    pace_hours: int
    pace_per_hour: float
    hours_left: float | None = Field(description="To ship ÷ pace; None at pace 0 with work left.")
    finish_at: datetime | None

    @property
    def at_risk(self) -> int:
        """Orders not yet overdue that will miss at this pace."""
        return self.will_miss - self.overdue


def forecast_backlog(
    ship_by: Sequence[int | None], now: int, shipped_recently: int, pace_hours: int = PACE_HOURS
) -> BacklogForecast:
    """The forecast from the to-ship orders' ship-by times (epoch seconds, None for none) and the
    number of orders shipped in the last *pace_hours* hours. Exact integer arithmetic."""
    ordered = sorted(ship_by, key=lambda t: (t is None, t or 0))
    window = pace_hours * 3600
    overdue = sum(1 for t in ordered if t is not None and t < now)
    if shipped_recently:
        # The i-th order ships at now + i * window / shipped; it misses if ship_by < that.
        will_miss = sum(
            1
            for i, t in enumerate(ordered, start=1)
            if t is not None and (t - now) * shipped_recently < i * window
        )
        hours_left: float | None = len(ordered) * pace_hours / shipped_recently
    else:
        will_miss = sum(1 for t in ordered if t is not None)
        hours_left = None if ordered else 0.0
    moment = from_epoch(now)
    return BacklogForecast(
        now=moment,
        to_ship=len(ordered),
        overdue=overdue,
        will_miss=will_miss,
        shipped_recently=shipped_recently,
        pace_hours=pace_hours,
        pace_per_hour=shipped_recently / pace_hours,
        hours_left=hours_left,
        finish_at=None if hours_left is None else moment + timedelta(hours=hours_left),
    )

