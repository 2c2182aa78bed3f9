"""The Action needed rules: the pure functions, and the same rules in SQL giving the same answers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tsshop_tui.domain.catalog import STATUS_WORDS, Action
from tsshop_tui.domain.model import OrderStatus, RequestType
from tsshop_tui.domain.rules import (
    ANSWER_WITHIN,
    AUTO_CANCEL_WITHIN,
    COLLECT_WITHIN,
    SHIP_WITHIN,
    Reason,
    RuleError,
    abnormal_reason,
    auto_cancel_time,
    action_items,
    action_reasons,
    cancel_reason_for,
    canonical_carrier,
    check_request_allowed,
    countdown,
    is_valid_tracking,
    refusal,
    ship_by_words,
)
from tsshop_tui.domain.text import visible

from .factories import HOUR, NOW, make_order, random_orders, request


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"rts_sla_time": NOW + 3 * HOUR}, {Reason.SHIP_WITHIN_24H}),
        ({"rts_sla_time": NOW - HOUR}, {Reason.SHIPPING_OVERDUE}),
        ({"rts_sla_time": NOW + 30 * HOUR}, set()),
        ({"shipping_due_time": NOW + 5 * HOUR}, {Reason.AUTO_CANCEL}),
        ({"status": OrderStatus.IN_TRANSIT, "tracking_number": None}, {Reason.ABNORMAL_PACKAGE}),
        ({"status": OrderStatus.IN_TRANSIT, "tracking_number": "N/A"}, {Reason.ABNORMAL_PACKAGE}),
        ({"status": OrderStatus.IN_TRANSIT, "tracking_number": "9400111899223344556677"}, set()),
        ({"status": OrderStatus.DELIVERED, "tracking_number": None}, set()),
        ({"status": OrderStatus.DELIVERED, "rts_sla_time": NOW - HOUR}, set()),
    ],
)
def test_action_reasons(fields, expected):
    status = fields.pop("status", OrderStatus.AWAITING_SHIPMENT)
    assert action_reasons(make_order(1, status, **fields), NOW) == expected


def test_buyer_requests_need_action_and_most_urgent_comes_first():
    oid = "577000000000000001"
    order = make_order(
        1,
        rts_sla_time=NOW + 20 * HOUR,
        requests=[request(oid, RequestType.CANCELLATION, due_in=2 * HOUR)],
    )
    items = action_items(order, NOW)
    assert [i.reason for i in items] == [Reason.CANCELLATION_REQUESTED, Reason.SHIP_WITHIN_24H]
    delivered = make_order(2, OrderStatus.DELIVERED, requests=[request("577000000000000002", RequestType.RETURN_REFUND)])
    assert action_reasons(delivered, NOW) == {Reason.RETURN_REQUESTED}


def test_boundaries_are_exact():
    assert action_reasons(make_order(1, rts_sla_time=NOW), NOW) == {Reason.SHIP_WITHIN_24H}
    assert action_reasons(make_order(1, rts_sla_time=NOW + 24 * HOUR), NOW) == set()
    assert action_reasons(make_order(1, shipping_due_time=NOW - timedelta(seconds=1)), NOW) == set()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sql_rules_match_the_pure_functions(store, seed):
    orders = random_orders(seed, 400)
    store.upsert_orders(orders, source="test")
    sql = store.action_reasons_sql()
    for order in orders:
        assert sql.get(order.id, set()) == action_reasons(order, NOW), order.id
    assert store.counts()["action-needed"] == sum(1 for o in orders if action_reasons(o, NOW))
    listed = [row.id for row in store.page("action-needed", limit=1000).rows]
    assert sorted(listed) == sorted(o.id for o in orders if action_reasons(o, NOW))


def test_tracking_validity():
    assert is_valid_tracking("TT1234567890")
    assert not is_valid_tracking("TT1234567890\n")
    assert not is_valid_tracking("short")
    assert not is_valid_tracking(None)


def test_countdown_reads_like_a_seller_would_say_it():
    assert countdown(NOW + 3 * HOUR + timedelta(minutes=12), NOW) == "in 3h 12m"
    assert countdown(NOW - 2 * HOUR - timedelta(minutes=5), NOW) == "2h 05m ago"
    assert countdown(NOW + 52 * HOUR, NOW) == "in 2d 4h"
    assert countdown(None, NOW) == ""


def test_cancel_reasons_follow_status():
    paid = make_order(1)
    assert cancel_reason_for(paid, "seller_cancel_reason_out_of_stock").seller_fault
    with pytest.raises(RuleError, match="not a reason for paid orders"):
        cancel_reason_for(paid, "seller_cancel_unpaid_reason_out_of_stock")
    with pytest.raises(RuleError, match="is in transit: cancel is only possible before shipping"):
        cancel_reason_for(make_order(2, OrderStatus.IN_TRANSIT), "seller_cancel_reason_out_of_stock")


@pytest.mark.parametrize("status", list(OrderStatus))
def test_refusals_say_the_status_in_the_screens_words_never_the_raw_code(status):
    """Issue 10.10: 'order … is IN_TRANSIT' read as a code where the screen says 'In transit'."""
    for action in Action:
        message = refusal("577000000000000001", status, action)
        if message is not None:
            assert status.value not in message
            assert f" is {STATUS_WORDS[status].lower()}: " in message
    assert set(STATUS_WORDS) == set(OrderStatus)


@pytest.mark.parametrize(
    ("status", "tracking", "expected"),
    [
        (OrderStatus.IN_TRANSIT, None, "no tracking number"),
        (OrderStatus.AWAITING_COLLECTION, "  ", "no tracking number"),
        (OrderStatus.IN_TRANSIT, "N/A",
         "tracking number 'N/A' is not usable: it has 3 characters; a usable one has 8 to 40"),
        (OrderStatus.AWAITING_COLLECTION, "1Z-999-AA1",
         "tracking number '1Z-999-AA1' is not usable: it may hold only letters and digits, not '-'"),
        (OrderStatus.IN_TRANSIT, "1Z999AA10123456784", None),
        (OrderStatus.DELIVERED, None, None),
        (OrderStatus.AWAITING_SHIPMENT, None, None),
    ],
)
def test_abnormal_reason_says_what_is_wrong_with_the_tracking(status, tracking, expected):
    order = make_order(1, status, tracking_number=tracking)
    assert abnormal_reason(order) == expected
    assert (Reason.ABNORMAL_PACKAGE in action_reasons(order, NOW)) is (expected is not None)


def test_correcting_tracking_is_allowed_only_on_the_way():
    allowed = {s for s in OrderStatus if refusal("1", s, Action.CORRECT_TRACKING) is None}
    assert allowed == {OrderStatus.AWAITING_COLLECTION, OrderStatus.IN_TRANSIT}


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("abc\u202eevil.exe", "abc\\u202eevil.exe"),
        ("\u2066x\u2069 \u200e\u200f \u061c", "\\u2066x\\u2069 \\u200e\\u200f \\u061c"),
        ("\u202a\u202b\u202c\u202d zero\u200bwidth\ufeff", "\\u202a\\u202b\\u202c\\u202d zero\\u200bwidth\\ufeff"),
        ("csi \x9b31m", "csi \\x9b31m"),
        ("family \U0001F468\u200d\U0001F469", "family \U0001F468\u200d\U0001F469"),
    ],
)
def test_bidi_and_zero_width_controls_are_made_visible(raw, shown):
    """Issue 11.9: U+202E reached the terminal raw and reversed the text after it."""
    assert visible(raw) == shown


def test_carriers_are_named_the_catalogs_way_whatever_the_case():
    assert canonical_carrier("  dhl   ECOMMERCE ") == "DHL eCommerce"
    with pytest.raises(RuleError, match="unknown carrier 'Royal Mail'; carriers are: USPS, UPS, FedEx"):
        canonical_carrier("Royal Mail")


def test_the_marketplace_slas():
    assert (SHIP_WITHIN, COLLECT_WITHIN, AUTO_CANCEL_WITHIN) == (48 * HOUR, 72 * HOUR, 120 * HOUR)
    assert ANSWER_WITHIN == {RequestType.CANCELLATION: 24 * HOUR, RequestType.RETURN_REFUND: 48 * HOUR}


@pytest.mark.parametrize("status", list(OrderStatus))
def test_a_buyer_asks_to_cancel_before_shipping_and_for_a_return_after(status):
    """A cancellation request while the seller may still cancel, a return/refund once shipped."""
    order = make_order(1, status=status)
    shipped = status in (
        OrderStatus.AWAITING_COLLECTION, OrderStatus.IN_TRANSIT, OrderStatus.DELIVERED, OrderStatus.COMPLETED
    )
    for kind, allowed, why in (
        (RequestType.CANCELLATION, status is not OrderStatus.CANCELLED and not shipped, "to cancel before shipping"),
        (RequestType.RETURN_REFUND, shipped, "for a return once it has shipped"),
    ):
        if allowed:
            check_request_allowed(order, kind)
        else:
            with pytest.raises(RuleError, match=f"is {STATUS_WORDS[status].lower()}: a buyer can only ask {why}"):
                check_request_allowed(order, kind)


def test_ship_by_reads_as_a_countdown_until_shipped_then_as_in_time_or_late_and_nothing_once_cancelled():
    to_ship = make_order(1, rts_sla_time=NOW + 3 * HOUR)
    assert ship_by_words(to_ship, NOW) == ("in 3h 00m", 0)
    assert ship_by_words(make_order(2, rts_sla_time=NOW - 2 * HOUR), NOW) == ("2h 00m ago", 0)
    late = make_order(3, OrderStatus.IN_TRANSIT, rts_sla_time=NOW - 5 * HOUR, rts_time=NOW - 2 * HOUR)
    assert ship_by_words(late, NOW) == ("shipped 3h 00m late", 3 * 3600)
    in_time = make_order(4, OrderStatus.DELIVERED, rts_sla_time=NOW - 5 * HOUR, rts_time=NOW - 6 * HOUR)
    assert ship_by_words(in_time, NOW) == ("shipped in time", 0)
    assert ship_by_words(make_order(5, OrderStatus.CANCELLED, rts_sla_time=NOW - 5 * HOUR), NOW) == ("", 0)


def test_the_auto_cancel_time_concerns_only_orders_still_to_ship():
    due = NOW + 50 * HOUR
    assert auto_cancel_time(make_order(1, shipping_due_time=due)) == due
    assert auto_cancel_time(make_order(2, OrderStatus.ON_HOLD, shipping_due_time=due)) == due
    for n, status in enumerate((OrderStatus.IN_TRANSIT, OrderStatus.CANCELLED, OrderStatus.UNPAID), start=3):
        assert auto_cancel_time(make_order(n, status, shipping_due_time=due)) is None
