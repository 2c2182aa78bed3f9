"""Seller health metrics, scorecards, trend and live monitor: a hand-built shop where every figure is
known in advance, and random shops where the SQL must equal the pure functions of domain.metrics."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tsshop_tui.domain import metrics as M
from tsshop_tui.domain.catalog import BUYER_CANCEL_REASON, CANCEL_REASONS
from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.metrics import (
    ContentType,
    Direction,
    MetricKey,
    ScoreSort,
    SpikeRule,
    State,
    TrendDay,
)
from tsshop_tui.domain.model import Initiator, LineItem, OrderStatus, RequestStatus, RequestType
from tsshop_tui.domain.query import Filters
from tsshop_tui.store import Store

from . import metric_reference as R
from .factories import HOUR, NOW, make_order, request

S = OrderStatus
DAY = timedelta(days=1)
SEC = timedelta(seconds=1)
OID = "577{:015d}".format
FAULT = "seller_cancel_reason_out_of_stock"
WRONG_PRICE = "seller_cancel_reason_wrong_price"
GOOD_TRACKING = "TT1234567890"


def line(sku: str, product: str, quantity: int, price: str) -> LineItem:
    return LineItem(
        sku_id=sku, seller_sku=f"SS-{sku}", product_id=product, product_name=f"Name {product}",
        sku_name=f"Var {sku}", quantity=quantity, sale_price=Decimal(price), original_price=Decimal(price),
    )


def returned(n: int) -> list:
    return [request(OID(n), RequestType.RETURN_REFUND, status=RequestStatus.APPROVED)]


# The hand-built shop ------------------------------------------------------------------------
#
#  1..30  DELIVERED, created NOW-5d, shipped on time with valid tracking, delivered NOW-1d.
#         1..10 @anna LIVE (campaign BF26), 11..15 @anna VIDEO, 16..30 @ben SHOWCASE (16..20 BF26).
#         1 has a return. 1, 2, 3 carry product P1 lines (3 holds SKU S1a twice).
# 31..40  shipped NOW-1d (ship-by NOW-12h), IN_TRANSIT, created NOW-2d. 31 @anna LIVE shipped late
#         (NOW-6h) with a return request (not delivered: not a return for the metric); 35 shipped
#         exactly at its ship-by second (on time); 33 tracking "N/A"; 34 AWAITING_COLLECTION no tracking.
# 41..44  AWAITING_SHIPMENT (make_order defaults: created NOW-10h, paid).
# 46      paid, CANCELLED by the SELLER, out of stock (seller fault). @anna LIVE, CM26, SKU S1b.
# 47      paid, CANCELLED: buyer cancellation approved (BUYER). @ben SHOWCASE, CM26.
# 48      paid, CANCELLED by the SELLER, address not deliverable (not seller fault).
# 49      UNPAID then CANCELLED by the SELLER, unpaid out of stock: never paid, in neither SFCR figure.
# 50      paid, CANCELLED, wrong price but by the SYSTEM: not seller fault.
# 51, 52  sample orders (a seller-fault cancellation; a delivered return): excluded everywhere.
# 53      created NOW-8d, paid, seller-fault cancelled, @cara VIDEO: only in 30-day windows.
# 54      created exactly NOW-7d (in the 7-day window); 55 created NOW-7d-1s (out). Both to ship, paid.
# 56      UNPAID, created NOW-1h.
# 57      created NOW-3d, shipped late (NOW-1d, ship-by NOW-2d), then CANCELLED by the SYSTEM.


def hand_orders() -> list:
    orders = []
    for n in range(1, 31):
        creator, content, campaign = (
            ("anna", ContentType.LIVE, "BF26") if n <= 10
            else ("anna", ContentType.VIDEO, None) if n <= 15
            else ("ben", ContentType.SHOWCASE, "BF26" if n <= 20 else None)
        )
        fields = dict(
            create_time=NOW - 5 * DAY, paid_time=NOW - 5 * DAY + HOUR, rts_sla_time=NOW - 3 * DAY,
            rts_time=NOW - 4 * DAY, delivery_time=NOW - DAY, tracking_number=GOOD_TRACKING,
            creator_username=creator, content_type=content, campaign=campaign,
        )
        if n == 1:
            fields.update(requests=returned(1), line_items=[line("S1a", "P1", 2, "5.00")])
        if n == 2:
            fields["line_items"] = [line("S1a", "P1", 1, "4.00"), line("S1b", "P1", 1, "6.00")]
        if n == 3:
            fields["line_items"] = [line("S1a", "P1", 1, "5.00"), line("S1a", "P1", 1, "5.00")]
        orders.append(make_order(n, S.DELIVERED, **fields))
    for n in range(31, 41):
        fields = dict(
            create_time=NOW - 2 * DAY, paid_time=NOW - 2 * DAY + HOUR, rts_sla_time=NOW - 12 * HOUR,
            rts_time=NOW - DAY, tracking_number=GOOD_TRACKING,
        )
        status = S.IN_TRANSIT
        if n == 31:
            fields.update(
                rts_time=NOW - 6 * HOUR, creator_username="anna", content_type=ContentType.LIVE,
                requests=[request(OID(31), RequestType.RETURN_REFUND)],
            )
        if n == 35:
            fields["rts_time"] = NOW - 12 * HOUR
        if n == 33:
            fields["tracking_number"] = "N/A"
        if n == 34:
            status, fields["tracking_number"] = S.AWAITING_COLLECTION, None
        orders.append(make_order(n, status, **fields))
    orders += [make_order(n) for n in range(41, 45)]

    def cancelled(n, reason, by, **fields):
        return make_order(n, S.CANCELLED, cancel_reason=reason, cancellation_initiator=by,
                          cancel_time=NOW - 2 * HOUR, **fields)

    orders += [
        cancelled(46, FAULT, Initiator.SELLER, creator_username="anna", content_type=ContentType.LIVE,
                  campaign="CM26", line_items=[line("S1b", "P1", 1, "10.00")]),
        cancelled(47, BUYER_CANCEL_REASON, Initiator.BUYER, creator_username="ben",
                  content_type=ContentType.SHOWCASE, campaign="CM26"),
        cancelled(48, "seller_cancel_paid_reason_address_not_deliver", Initiator.SELLER),
        cancelled(49, "seller_cancel_unpaid_reason_out_of_stock", Initiator.SELLER, paid_time=None,
                  rts_sla_time=None),
        cancelled(50, WRONG_PRICE, Initiator.SYSTEM),
        cancelled(51, FAULT, Initiator.SELLER, is_sample_order=True),
        make_order(52, S.DELIVERED, is_sample_order=True, create_time=NOW - 5 * DAY, rts_time=NOW - 4 * DAY,
                   delivery_time=NOW - DAY, tracking_number=GOOD_TRACKING, requests=returned(52)),
        cancelled(53, FAULT, Initiator.SELLER, create_time=NOW - 8 * DAY, paid_time=NOW - 8 * DAY,
                  creator_username="cara", content_type=ContentType.VIDEO),
        make_order(54, create_time=NOW - 7 * DAY, paid_time=NOW - 7 * DAY),
        make_order(55, create_time=NOW - 7 * DAY - SEC, paid_time=NOW - 7 * DAY),
        make_order(56, S.UNPAID, create_time=NOW - HOUR),
        cancelled(57, "package lost in transit", Initiator.SYSTEM, create_time=NOW - 3 * DAY,
                  paid_time=NOW - 3 * DAY, rts_sla_time=NOW - 2 * DAY, rts_time=NOW - DAY,
                  tracking_number=GOOD_TRACKING),
    ]
    return orders


@pytest.fixture
def shop(store):
    orders = hand_orders()
    store.upsert_orders(orders, source="test")
    return store, orders


def figures(metrics):
    return {m.key.value: (m.numerator, m.denominator, m.state.value) for m in metrics}


EXPECTED_7 = {
    # paid: 1..30, 31..40, 41..44, 46, 47, 48, 50, 54, 57 = 50; seller fault: 46.
    "sfcr": (1, 50, "warning"),  # 2.0% is exactly 80% of 2.5%: warning
    # shipped: 1..30, 31..40, 57 = 41; late: 31, 57 (35 shipped at its ship-by second: on time).
    "ldr": (2, 41, "breach"),
    # valid tracking: all but 33 ("N/A") and 34 (none).
    "vtr": (39, 41, "warning"),  # 95.1%: above 95%, at or below 96%
    # delivered: 1..30; returns: 1 (31 is not delivered, 52 is a sample).
    "return_rate": (1, 30, "ok"),
}


def test_each_metric_of_the_hand_built_shop(shop):
    store, orders = shop
    got = store.metrics(7)
    assert [m.key for m in got] == [MetricKey.SFCR, MetricKey.LDR, MetricKey.VTR, MetricKey.RETURN_RATE]
    assert figures(got) == EXPECTED_7
    sfcr, ldr, vtr, rr = got
    assert sfcr.value == pytest.approx(0.02) and sfcr.target == 0.025 and sfcr.direction is Direction.MAX
    assert ldr.value == pytest.approx(2 / 41)
    assert vtr.value == pytest.approx(39 / 41) and vtr.direction is Direction.MIN and vtr.warning_at == 0.96
    assert rr.value == pytest.approx(1 / 30) and rr.target == 0.05
    assert sfcr.value_text == "2.0%" and vtr.target_text == "≥ 95.0%"
    assert R.compute_metrics(orders, NOW, 7) == got


def test_thirty_day_window_and_the_sql_equals_the_pure_figures(shop):
    store, orders = shop
    got = store.metrics(30)
    # 53 (seller-fault cancellation) and 55 join the window.
    assert figures(got)["sfcr"] == (2, 52, "breach")
    assert figures(got)["ldr"] == EXPECTED_7["ldr"]
    assert R.compute_metrics(orders, NOW, 30) == got


def test_window_boundaries_are_inclusive_and_exact(shop, clock):
    store, orders = shop
    assert figures(store.metrics(7))["sfcr"][1] == 50  # 54, created at NOW-7d exactly, counts
    clock.advance(SEC)  # 54 now lies one second outside
    assert figures(store.metrics(7))["sfcr"][1] == 49
    assert R.compute_metrics(orders, clock.now(), 7) == store.metrics(7)


def test_metric_orders_are_the_orders_behind_each_figure(shop):
    store, orders = shop
    expected = {
        "sfcr": [OID(46)],
        "ldr": [OID(31), OID(57)],  # newest first
        "vtr": [OID(34), OID(33)],  # the shipped orders WITHOUT valid tracking
        "return_rate": [OID(1)],
    }
    for key, ids in expected.items():
        assert store.metric_order_ids(key, 7) == ids
        assert [r.id for r in store.metric_orders(key, 7)] == ids
        assert R.metric_order_ids(orders, key, NOW, 7) == ids
    assert store.metric_order_ids(MetricKey.SFCR, 30) == [OID(46), OID(53)]
    assert [r.id for r in store.metric_orders("ldr", 7, limit=1)] == [OID(31)]


def test_states_and_warning_thresholds():
    sfcr, ldr, vtr, rr = M.METRICS
    assert (sfcr.target, sfcr.warning_at) == (M.Fraction(1, 40), M.Fraction(1, 50))
    assert sfcr.state(19, 1000) is State.OK
    assert sfcr.state(20, 1000) is State.WARNING
    assert sfcr.state(25, 1000) is State.WARNING  # at the target: not yet a breach
    assert sfcr.state(26, 1000) is State.BREACH
    assert vtr.state(961, 1000) is State.OK
    assert vtr.state(960, 1000) is State.WARNING
    assert vtr.state(950, 1000) is State.WARNING
    assert vtr.state(949, 1000) is State.BREACH
    assert ldr.state(0, 0) is State.OK and ldr.result(0, 0).value is None
    assert rr.result(0, 0).value_text == "—"


def test_sample_orders_count_nowhere(store):
    orders = [
        make_order(1, S.CANCELLED, cancel_reason=FAULT, cancellation_initiator=Initiator.SELLER,
                   is_sample_order=True, creator_username="anna"),
        make_order(2, S.DELIVERED, is_sample_order=True, rts_time=NOW - DAY, delivery_time=NOW - HOUR,
                   requests=returned(2), creator_username="anna", campaign="X"),
    ]
    store.upsert_orders(orders, source="t")
    assert all((m.numerator, m.denominator) == (0, 0) for m in store.metrics(7))
    assert store.creator_scorecard(7) == [] and store.campaign_scorecard(7) == []
    assert store.product_scorecard(7) == []
    assert sum(day.orders for day in store.daily_trend(7)) == 0
    assert sum(store.orders_per_minute(24 * 60)) == 0


# SFCR and the real actions ------------------------------------------------------------------


def _sfcr(store, days=7):
    return next(m for m in store.metrics(days) if m.key is MetricKey.SFCR)


def test_a_seller_fault_cancellation_raises_sfcr_by_one_and_a_buyer_one_does_not(shop):
    """Written through upsert_orders (works whether or not the store has its action methods)."""
    store, _ = shop
    before = _sfcr(store)
    store.upsert_orders([make_order(41, S.CANCELLED, cancel_reason=WRONG_PRICE,
                                    cancellation_initiator=Initiator.SELLER)], source="t")
    after = _sfcr(store)
    assert (after.numerator, after.denominator) == (before.numerator + 1, before.denominator)
    store.upsert_orders([make_order(42, S.CANCELLED, cancel_reason=BUYER_CANCEL_REASON,
                                    cancellation_initiator=Initiator.BUYER)], source="t")
    assert _sfcr(store) == after


def test_store_cancel_and_answer_request_move_sfcr_as_they_should(store):
    """The same through the real actions, Store.cancel and Store.answer_request."""
    if not (hasattr(Store, "cancel") and hasattr(Store, "answer_request")):
        pytest.skip("Store.cancel / Store.answer_request are not there yet")
    asking = make_order(42, requests=[request(OID(42), RequestType.CANCELLATION)])
    orders = [asking if o.id == OID(42) else o for o in hand_orders()]
    store.upsert_orders(orders, source="t")
    before = _sfcr(store)
    store.cancel(OID(41), reason_code=FAULT)
    after = _sfcr(store)
    assert (after.numerator, after.denominator) == (before.numerator + 1, before.denominator)
    assert after.state is State.BREACH  # 2 of 50
    assert OID(41) in store.metric_order_ids("sfcr", 7)
    store.answer_request(OID(42), RequestType.CANCELLATION, approve=True)
    assert store.get(OID(42)).status is S.CANCELLED
    store.cancel(OID(43), reason_code="seller_cancel_paid_reason_buyer_requested_cancellation")
    assert _sfcr(store) == after
    assert R.compute_metrics(store.get_many(o.id for o in orders), NOW, 7) == store.metrics(7)


# Scorecards ---------------------------------------------------------------------------------


def score(**figures):
    base = dict(orders=0, units=0, gmv=Decimal("0.00"), cancelled=0, seller_fault_cancellations=0,
                shipped=0, late_shipments=0, delivered=0, returns=0)
    return {**base, **figures}


def figures_of(s):
    return {name: getattr(s, name) for name in M.Score.model_fields}


ANNA = score(orders=17, units=20, gmv=Decimal("160.00"), cancelled=1, seller_fault_cancellations=1,
             shipped=16, late_shipments=1, delivered=15, returns=1)
ANNA_LIVE = score(orders=12, units=15, gmv=Decimal("110.00"), cancelled=1, seller_fault_cancellations=1,
                  shipped=11, late_shipments=1, delivered=10, returns=1)
ANNA_VIDEO = score(orders=5, units=5, gmv=Decimal("50.00"), shipped=5, delivered=5)
BEN = score(orders=16, units=16, gmv=Decimal("150.00"), cancelled=1, shipped=15, delivered=15)


def test_creator_scorecard_rows(shop):
    store, orders = shop
    anna, ben = store.creator_scorecard(7)
    assert (anna.creator, ben.creator) == ("anna", "ben")  # by GMV: 160 > 150
    assert figures_of(anna) == ANNA  # orders 1, 2 and 3 hold 2 units each
    assert anna.cancellation_rate == pytest.approx(1 / 17) and anna.return_rate == pytest.approx(1 / 15)
    assert anna.late_rate == pytest.approx(1 / 16)
    assert list(anna.by_content) == [ContentType.LIVE, ContentType.VIDEO]
    assert figures_of(anna.by_content[ContentType.LIVE]) == ANNA_LIVE
    assert figures_of(anna.by_content[ContentType.VIDEO]) == ANNA_VIDEO
    assert figures_of(ben) == BEN and list(ben.by_content) == [ContentType.SHOWCASE]
    # By cancellation rate ben (1/16) beats anna (1/17); @cara only shows in 30 days.
    assert [s.creator for s in store.creator_scorecard(7, sort=ScoreSort.CANCELLATION_RATE)] == ["ben", "anna"]
    assert [s.creator for s in store.creator_scorecard(30, sort="seller-fault")] == ["anna", "cara", "ben"]
    (live,) = store.creator_scorecard(7, content_type="LIVE")
    assert live.creator == "anna" and figures_of(live) == ANNA_LIVE
    assert store.creator_scorecard(7, limit=1) == [anna]
    assert store.creator_scorecard(7) == R.creator_scores(orders, NOW, 7)


def test_campaign_scorecard_rows(shop):
    store, orders = shop
    bf, cm = store.campaign_scorecard(7)
    assert (bf.campaign, cm.campaign) == ("BF26", "CM26")
    assert figures_of(bf) == score(orders=15, units=18, gmv=Decimal("150.00"), shipped=15, delivered=15,
                                   returns=1)
    assert list(bf.by_content) == [ContentType.LIVE, ContentType.SHOWCASE]
    assert bf.by_content[ContentType.SHOWCASE].orders == 5
    assert figures_of(cm) == score(orders=2, units=2, cancelled=2, seller_fault_cancellations=1)
    assert cm.cancellation_rate == 1.0 and cm.return_rate is None
    # Rates that cannot be measured sort last.
    assert [c.campaign for c in store.campaign_scorecard(7, sort="return-rate")] == ["BF26", "CM26"]
    assert store.campaign_scorecard(30) == R.campaign_scores(orders, NOW, 30)


def test_product_scorecard_rows_per_product_and_sku(shop):
    store, orders = shop
    products = store.product_scorecard(7)
    p1 = products[0]
    assert (p1.product_id, p1.product_name) == ("P1", "Name P1")
    # Orders 1, 2, 3 (3 holds S1a twice, 2 holds S1a and S1b: each counts once) and 46 (cancelled).
    assert figures_of(p1) == score(orders=4, units=7, gmv=Decimal("30.00"), cancelled=1,
                                   seller_fault_cancellations=1, shipped=3, delivered=3, returns=1)
    s1a, s1b = p1.skus
    assert (s1a.sku_id, s1a.seller_sku, s1a.sku_name, s1a.product_id) == ("S1a", "SS-S1a", "Var S1a", "P1")
    assert figures_of(s1a) == score(orders=3, units=5, gmv=Decimal("24.00"), shipped=3, delivered=3, returns=1)
    assert figures_of(s1b) == score(orders=2, units=2, gmv=Decimal("6.00"), cancelled=1,
                                    seller_fault_cancellations=1, shipped=1, delivered=1)
    assert s1b.cancellation_rate == 0.5
    # Every other product is one $10 order; P1 leads by GMV, the rest follow by product ID.
    assert all(p.gmv <= Decimal("10.00") for p in products[1:])
    # P1, and one product each for 4..30, 31..40, 41..44, 47..50, 54, 56, 57.
    assert len(products) == 1 + 27 + 10 + 4 + 4 + 3
    assert products == R.product_scores(orders, NOW, 7)
    assert store.product_scorecard(7, limit=2) == products[:2]
    assert [p.product_id for p in store.product_scorecard(7, content_type=ContentType.LIVE)][:1] == ["P1"]


def test_rate_sorts_put_rates_over_too_few_orders_after_the_rest():
    few = M.CreatorScore(creator="few", orders=2, cancelled=2, delivered=2, returns=2)  # 100%
    many = M.CreatorScore(creator="many", orders=40, cancelled=4, delivered=30, returns=3)  # 10%
    just = M.CreatorScore(creator="just", orders=M.MIN_RATE_SAMPLE, cancelled=1,
                          delivered=M.MIN_RATE_SAMPLE, returns=1)  # 10%, a sample just big enough
    none = M.CreatorScore(creator="none")
    for sort in (ScoreSort.CANCELLATION_RATE, ScoreSort.RETURN_RATE):
        got = M.sort_scores([few, none, many, just], sort, lambda s: s.creator)
        assert [s.creator for s in got] == ["just", "many", "few", "none"]
    got = M.sort_scores([few, none, many, just], ScoreSort.ORDERS, lambda s: s.creator)
    assert [s.creator for s in got] == ["many", "just", "few", "none"]


def test_scorecards_sort_every_way_like_the_pure_ones(shop):
    store, orders = shop
    for sort in ScoreSort:
        assert store.creator_scorecard(30, sort=sort) == R.creator_scores(orders, NOW, 30, sort=sort)
        assert store.product_scorecard(30, sort=sort) == R.product_scores(orders, NOW, 30, sort=sort)


# Trend ------------------------------------------------------------------------------------


def test_daily_trend(shop):
    store, orders = shop
    trend = store.daily_trend(7)
    assert [d.day for d in trend] == [date(2026, 11, 20) + timedelta(days=i) for i in range(7)]
    by_day = {d.day.day: (d.orders, d.cancellations, d.returns) for d in trend}
    assert by_day == {
        20: (0, 0, 0),
        21: (30, 0, 1),  # 1..30; 1 has a return
        22: (0, 0, 0),
        23: (1, 1, 0),  # 57
        24: (10, 0, 1),  # 31..40; 31 has a return request
        25: (0, 0, 0),
        26: (10, 5, 0),  # 41..44, 46..50, 56
    }
    assert trend[-1] == TrendDay(date(2026, 11, 26), 10, 5, 0)
    assert store.daily_trend(7) == R.daily_trend(orders, NOW, 7)
    assert store.daily_trend(30) == R.daily_trend(orders, NOW, 30)
    assert len(store.daily_trend(1)) == 1


# Live monitor -------------------------------------------------------------------------------


def test_orders_per_minute_buckets_end_at_now(store):
    ages = [0, 59, 60, 61, 119, 3599, 3600, -1]  # seconds before NOW; -1 is in the future
    orders = [make_order(i, create_time=NOW - timedelta(seconds=a)) for i, a in enumerate(ages)]
    orders.append(make_order(99, create_time=NOW, is_sample_order=True))
    store.upsert_orders(orders, source="t")
    per_minute = store.orders_per_minute(60)
    assert len(per_minute) == 60
    assert per_minute[-1] == 2  # 0 s and 59 s ago
    assert per_minute[-2] == 3  # 60, 61 and 119 s ago
    assert per_minute[0] == 1  # 3599 s ago; 3600 s ago is out
    assert sum(per_minute) == 6
    assert per_minute == R.orders_per_minute(orders, NOW, 60)
    assert store.orders_per_minute(1) == [2]


def _minutely(store, counts):
    """Orders so that orders_per_minute(len(counts)) == counts (oldest first)."""
    orders, n = [], 0
    for age, count in enumerate(reversed(counts)):
        for k in range(count):
            orders.append(make_order(n, create_time=NOW - timedelta(seconds=60 * age + k % 60)))
            n += 1
    store.upsert_orders(orders, source="t")


def test_spike_rule():
    rule = SpikeRule()
    assert (rule.recent, rule.baseline, rule.factor, rule.min_orders) == (5, 55, 3, 10)
    steady = [1] * 55
    assert M.detect_spike(steady + [3, 3, 3, 3, 4]).spiking  # 16 in 5 min: 3.2/min > 3 x 1/min
    edge = M.detect_spike(steady + [3] * 5)  # 15 in 5 min is exactly 3x: not more
    assert not edge.spiking and edge.ratio == pytest.approx(3.0)
    assert M.detect_spike([0] * 55 + [2, 2, 2, 2, 2]).spiking  # a quiet hour, then 10 orders
    assert not M.detect_spike([0] * 55 + [2, 2, 2, 2, 1]).spiking  # 9 orders: too few
    quiet = M.detect_spike([0] * 60)
    assert not quiet.spiking and quiet.ratio is None
    assert M.detect_spike([0] * 10 + steady + [5] * 5).spiking  # only the last 60 minutes count
    with pytest.raises(ValueError):
        M.detect_spike([0] * 59)


def test_store_spike(store, clock):
    _minutely(store, [1] * 55 + [3, 3, 3, 3, 4])
    spike = store.spike()
    assert spike.spiking and (spike.recent_orders, spike.baseline_orders) == (16, 55)
    assert spike.recent_per_minute == pytest.approx(3.2) and spike.baseline_per_minute == 1.0
    clock.advance(timedelta(minutes=5))  # the burst is now baseline
    assert not store.spike().spiking


# Backlog forecast ---------------------------------------------------------------------------


def backlog_orders():
    to_ship = [
        make_order(1, rts_sla_time=NOW - HOUR),  # overdue
        make_order(2, rts_sla_time=NOW + HOUR / 2),
        make_order(3, rts_sla_time=NOW + HOUR, is_sample_order=True),  # samples are warehouse work too
        make_order(4, rts_sla_time=NOW + 2 * HOUR),
        make_order(5, S.PARTIALLY_SHIPPING, rts_sla_time=NOW + 10 * HOUR),
        make_order(6, rts_sla_time=None),
    ]
    shipped_at = [NOW, NOW - HOUR, NOW - 2 * HOUR, NOW - 170 * timedelta(minutes=1), NOW - HOUR / 3,
                  NOW - 3 * HOUR + SEC, NOW - 3 * HOUR, NOW - 5 * HOUR, NOW + SEC]
    shipped = [
        make_order(10 + i, S.IN_TRANSIT, rts_time=t, tracking_number=GOOD_TRACKING)
        for i, t in enumerate(shipped_at)
    ]
    cancelled = [make_order(30, S.CANCELLED, rts_sla_time=NOW - 5 * HOUR)]
    return to_ship + shipped + cancelled


def test_backlog_forecast(store):
    orders = backlog_orders()
    store.upsert_orders(orders, source="t")
    forecast = store.backlog_forecast()
    # Shipped in (NOW-3h, NOW]: 6 (not NOW-3h itself, not NOW-5h, not the future) -> 2 an hour.
    # In ship-by order, the i-th ships at NOW + i/2 h: #1 (ship-by NOW-1h) at +0.5h misses;
    # #2 (NOW+0.5h) at +1h misses; #3 (NOW+1h) at +1.5h misses; #4 (NOW+2h) at +2h is just in time;
    # #5 (NOW+10h) at +2.5h is fine; #6 has no ship-by.
    assert (forecast.to_ship, forecast.overdue, forecast.will_miss, forecast.at_risk) == (6, 1, 3, 2)
    assert (forecast.shipped_recently, forecast.pace_hours, forecast.pace_per_hour) == (6, 3, 2.0)
    assert forecast.hours_left == 3.0 and forecast.finish_at == NOW + 3 * HOUR
    assert forecast.now == NOW
    assert forecast == R.backlog_forecast(orders, NOW)


def test_backlog_forecast_without_pace_or_work():
    epoch = int(NOW.timestamp())
    stalled = M.forecast_backlog([epoch - 1, epoch + 10, None], epoch, 0)
    assert (stalled.to_ship, stalled.overdue, stalled.will_miss) == (3, 1, 2)
    assert stalled.hours_left is None and stalled.finish_at is None and stalled.pace_per_hour == 0
    idle = M.forecast_backlog([], epoch, 0)
    assert (idle.to_ship, idle.will_miss, idle.hours_left) == (0, 0, 0.0)
    fast = M.forecast_backlog([epoch + 3600], epoch, 3)  # 1 an hour: ships at exactly its ship-by
    assert fast.will_miss == 0 and fast.hours_left == 1.0


# Random shops: the SQL equals the pure functions ----------------------------------------------

_REASONS = [r.code for r in CANCEL_REASONS] + [BUYER_CANCEL_REASON, None]
_TRACKINGS = [GOOD_TRACKING, "9400111899223344556677", "", None, "N/A", "abc-123"]


def random_shop(seed: int, count: int) -> list:
    rng = random.Random(seed)

    def when(spread_hours: float):
        return NOW - timedelta(seconds=int(rng.uniform(-2, spread_hours) * 3600))

    orders = []
    for n in range(count):
        status = rng.choice(list(S))
        created = when(40 * 24)
        shipped = rng.random() < 0.6
        rts_sla = rng.choice([None, created + 2 * DAY, created + timedelta(seconds=rng.randint(0, 200_000))])
        rts_time = created + timedelta(seconds=rng.randint(0, 200_000)) if shipped else None
        if rng.random() < 0.05 and rts_sla is not None and shipped:
            rts_time = rts_sla  # exactly on time
        lines = [
            line(f"S{p}{v}", f"P{p}", rng.randint(1, 3), rng.choice(["1.00", "9.99", "25.50"]))
            for p, v in ((rng.randint(1, 6), rng.choice("ab")) for _ in range(rng.randint(1, 3)))
        ]
        content = rng.choice([None, *ContentType])
        requests = [request(f"577{seed:05d}{n:010d}", RequestType.RETURN_REFUND)] if rng.random() < 0.2 else []
        orders.append(make_order(
            n, status, id=f"577{seed:05d}{n:010d}", create_time=created,
            paid_time=None if rng.random() < 0.15 else created + HOUR,
            rts_sla_time=rts_sla, rts_time=rts_time,
            delivery_time=(rts_time + DAY) if rts_time and rng.random() < 0.6 else None,
            tracking_number=rng.choice(_TRACKINGS),
            cancel_reason=rng.choice(_REASONS), cancellation_initiator=rng.choice([None, *Initiator]),
            is_sample_order=rng.random() < 0.05,
            creator_username=rng.choice([None, "anna", "ben", "cara", "[bold]dan"]),
            content_type=content, campaign=rng.choice([None, "BF26", "CM26"]),
            total_amount=Decimal(rng.randint(0, 10_000)) / 100, line_items=lines, requests=requests,
        ))
    return orders


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_shops_sql_equals_pure(store, seed):
    orders = random_shop(seed, 400)
    store.upsert_orders(orders, source="t")
    for days in (1, 7, 30):
        assert store.metrics(days) == R.compute_metrics(orders, NOW, days)
        for key in MetricKey:
            assert store.metric_order_ids(key, days) == R.metric_order_ids(orders, key, NOW, days)
    for sort in (ScoreSort.GMV, ScoreSort.RETURN_RATE):
        for content in (None, ContentType.VIDEO):
            kw = dict(sort=sort, content_type=content)
            assert store.creator_scorecard(30, **kw) == R.creator_scores(orders, NOW, 30, **kw)
            assert store.campaign_scorecard(7, **kw) == R.campaign_scores(orders, NOW, 7, **kw)
            assert store.product_scorecard(30, **kw) == R.product_scores(orders, NOW, 30, **kw)
    assert store.daily_trend(30) == R.daily_trend(orders, NOW, 30)
    assert store.orders_per_minute(180) == R.orders_per_minute(orders, NOW, 180)
    # Each scorecard row opens as many orders as it counts (the window's samples left out).
    for days in (1, 30):
        for filters, scored in [
            *((Filters(creator=s.creator), s.orders) for s in store.creator_scorecard(days)),
            *((Filters(campaign=s.campaign), s.orders) for s in store.campaign_scorecard(days)),
            *((Filters(product=p.product_id), p.orders) for p in store.product_scorecard(days)),
            *((Filters(product=k.sku_id), k.orders) for p in store.product_scorecard(days) for k in p.skus),
        ]:
            assert store.counts(filters.model_copy(update={"window_days": days}))["all"] == scored, filters
    assert store.backlog_forecast() == R.backlog_forecast(orders, NOW)


def test_bad_windows_are_refused(store):
    for days in (0, -1, 400):
        with pytest.raises(ValueError):
            store.metrics(days)
    with pytest.raises(ValueError):
        store.orders_per_minute(0)


def test_metrics_read_only_and_with_a_system_clock(tmp_path):
    path = tmp_path / "shop.db"
    with Store(path, clock=FixedClock(NOW)) as writer:
        writer.upsert_orders(hand_orders(), source="t")
    with Store(path, clock=FixedClock(NOW), read_only=True) as reader:
        assert figures(reader.metrics()) == EXPECTED_7
        assert reader.backlog_forecast().to_ship == 6  # 41..44, 54, 55
