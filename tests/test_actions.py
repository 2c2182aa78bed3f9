"""Working the orders in the store: every action's change, its history event, its refusals, stale views."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from decimal import Decimal

import pytest

from tsshop_tui.domain.catalog import BUYER_CANCEL_REASON
from tsshop_tui.domain.model import (
    Flag,
    Initiator,
    OrderStatus,
    RequestStatus,
    RequestType,
)
from tsshop_tui.domain.query import Filters
from tsshop_tui.domain.rules import Reason, RuleError, action_reasons
from tsshop_tui.store import (
    BulkResult,
    OrderChangedError,
    OrderNotFoundError,
    ReadOnlyError,
    StaleError,
    Store,
)

from .factories import HOUR, NOW, make_order, request

S = OrderStatus
TO_SHIP, TRANSIT, UNPAID, CANCEL_REQ, RETURN_REQ, CANCELLED, LATE_REQ, LATE_SHIP, DELIVERED = (
    f"577{n:015d}" for n in range(1, 10)
)
TRACKING = "9400111899223344556677"
OUT_OF_STOCK = "seller_cancel_reason_out_of_stock"


@pytest.fixture
def shop(store):
    orders = [
        make_order(1),
        make_order(2, S.IN_TRANSIT, tracking_number=TRACKING, shipping_provider="USPS"),
        make_order(3, S.UNPAID),
        make_order(4, requests=[request(CANCEL_REQ, RequestType.CANCELLATION)]),
        make_order(5, S.DELIVERED, tracking_number=TRACKING, total_amount=Decimal("42.50"),
                   requests=[request(RETURN_REQ, RequestType.RETURN_REFUND)]),
        make_order(6, S.CANCELLED, requests=[
            request(CANCELLED, RequestType.CANCELLATION, status=RequestStatus.APPROVED)]),
        make_order(7, requests=[request(LATE_REQ, RequestType.CANCELLATION, due_in=-HOUR)]),
        make_order(8, rts_sla_time=NOW - 2 * HOUR),
        make_order(9, S.DELIVERED, tracking_number=TRACKING),
    ]
    store.upsert_orders(orders, source="test")
    return store


def snapshot(store: Store) -> dict[str, list[tuple]]:
    """Everything the database holds, to prove a refusal changed nothing."""
    return {
        table: store.conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
        for table in ("orders", "line_items", "notes", "requests", "history", "tab_counts")
    }


def last_event(store: Store, order_id: str):
    return store.get(order_id).history[-1]


def assert_consistent(store: Store) -> None:
    """Trigger-kept counts equal a recount, and the Action needed SQL equals the pure rules."""
    recount = dict(store.conn.execute("SELECT tab, count(*) FROM orders GROUP BY tab").fetchall())
    kept = dict(store.conn.execute("SELECT tab, n FROM tab_counts").fetchall())
    for tab, n in recount.items():
        assert kept[tab] == n, tab
    assert kept["returns"] == store.conn.execute("SELECT count(*) FROM orders WHERE has_return").fetchone()[0]
    orders = store.get_many(r[0] for r in store.conn.execute("SELECT id FROM orders"))
    pure = {o.id: action_reasons(o, NOW) for o in orders if action_reasons(o, NOW)}
    assert store.action_reasons_sql() == pure


# Notes ---------------------------------------------------------------------------------------


def test_add_note_appends_sets_current_flag_and_records_history(shop):
    note = shop.add_note(TO_SHIP, flag=Flag.RED, text="  fragile  ")
    assert (note.flag, note.text, note.author, note.created_at) == (Flag.RED, "fragile", "tester", NOW)
    order = shop.get(TO_SHIP)
    assert (order.version, order.flag, order.current_note.text) == (2, Flag.RED, "fragile")
    event = order.history[-1]
    assert (event.actor, event.at, event.action) == ("tester", NOW, "note")
    assert event.before == {"flag": None, "note": None, "version": 1}
    assert event.after == {"flag": "red", "note": "fragile", "version": 2}
    row = shop.rows_for([TO_SHIP])[0]
    assert (row.flag, row.note, row.version) == (Flag.RED, "fragile", 2)
    assert [r.id for r in shop.page("all", filters=Filters(flag=Flag.RED)).rows] == [TO_SHIP]

    shop.add_note(TO_SHIP, flag=None, text="packed with bubble wrap")
    order = shop.get(TO_SHIP)
    assert [n.text for n in order.notes] == ["packed with bubble wrap", "fragile"]  # newest first
    assert order.flag is None and order.version == 3
    assert shop.page("all", filters=Filters(flag=Flag.RED)).rows == []
    assert [r.id for r in shop.page("all", filters=Filters(has_note=True)).rows] == [TO_SHIP]
    assert order.history[-1].before == {"flag": "red", "note": "fragile", "version": 2}


def test_a_flag_only_note_keeps_the_comment_everywhere(shop):
    """Issue 10.3: orange -> blue with no text keeps the packing instruction (Note column, current
    note for the picking list and label, history has both)."""
    shop.add_note(TO_SHIP, flag=Flag.ORANGE, text="pack the glass in foam")
    note = shop.add_note(TO_SHIP, flag=Flag.BLUE)
    assert (note.flag, note.text) == (Flag.BLUE, "pack the glass in foam")
    order = shop.get(TO_SHIP)
    assert (order.flag, order.current_note.text) == (Flag.BLUE, "pack the glass in foam")
    row = shop.rows_for([TO_SHIP])[0]
    assert (row.flag, row.note) == (Flag.BLUE, "pack the glass in foam")
    event = order.history[-1]
    assert event.before == {"flag": "orange", "note": "pack the glass in foam", "version": 2}
    assert event.after == {"flag": "blue", "note": "pack the glass in foam", "version": 3}
    shop.add_note(TO_SHIP, flag=None, text="  ")  # clearing the flag, blank text: the comment stays
    assert (shop.get(TO_SHIP).flag, shop.rows_for([TO_SHIP])[0].note) == (None, "pack the glass in foam")


def test_a_comment_only_note_keeps_the_flag(shop):
    shop.add_note(TO_SHIP, flag=Flag.RED, text="hold until verified")
    note = shop.add_note(TO_SHIP, text="verified by phone")
    assert (note.flag, note.text) == (Flag.RED, "verified by phone")
    order = shop.get(TO_SHIP)
    assert (order.flag, order.current_note.text) == (Flag.RED, "verified by phone")
    assert [n.text for n in order.notes] == ["verified by phone", "hold until verified"]
    assert order.history[-1].after == {"flag": "red", "note": "verified by phone", "version": 3}


def test_a_note_on_a_cancelled_order_is_allowed_and_a_flag_alone_is_a_note(shop):
    note = shop.add_note(CANCELLED, flag="purple")
    assert (note.flag, note.text) == (Flag.PURPLE, "")
    assert shop.get(CANCELLED).flag is Flag.PURPLE
    assert shop.rows_for([CANCELLED])[0].note is None  # no comment: not a "has note" order
    assert shop.page("all", filters=Filters(has_note=True)).rows == []


def test_a_note_is_never_refused_for_a_stale_view(shop, clock):
    """Issue 10.2: the order was shipped in another terminal after this one drew it; a note still goes."""
    with Store(shop.path, clock=clock, actor="ana") as other:
        other.ship(TO_SHIP, tracking_number=TRACKING, carrier="UPS")
        other.add_note(LATE_SHIP, text="moved to shelf B")
    result = shop.add_note_many([TO_SHIP, LATE_SHIP], flag=Flag.GREEN, text="checked")
    assert (result.succeeded, result.refused) == ([TO_SHIP, LATE_SHIP], [])
    assert shop.get(TO_SHIP).flag is Flag.GREEN
    with pytest.raises(TypeError):
        shop.add_note(TO_SHIP, text="x", expected_version=1)  # notes take no version at all


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": "   "}, "a note needs text or a flag"),
        ({}, "a note needs text or a flag"),
        ({"flag": Flag.RED, "text": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_add_note_refusals_change_nothing(shop, kwargs, message):
    before = snapshot(shop)
    with pytest.raises(RuleError, match=message):
        shop.add_note(TO_SHIP, **kwargs)
    assert snapshot(shop) == before


def test_the_history_event_is_part_of_the_same_change(shop, monkeypatch):
    """If writing the history event fails, the change itself is rolled back: never one without the other."""
    before = snapshot(shop)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(shop, "record", broken)
    for act in (
        lambda: shop.add_note(TO_SHIP, flag=Flag.RED, text="x"),
        lambda: shop.cancel(TO_SHIP, reason_code=OUT_OF_STOCK),
        lambda: shop.ship(TO_SHIP, tracking_number=TRACKING, carrier="UPS"),
        lambda: shop.answer_request(CANCEL_REQ, RequestType.CANCELLATION, approve=True),
        lambda: shop.pay(UNPAID),
    ):
        with pytest.raises(RuntimeError):
            act()
    assert snapshot(shop) == before


# Cancel --------------------------------------------------------------------------------------


def test_cancel_before_shipping(shop):
    counts = shop.counts()
    order = shop.cancel(TO_SHIP, reason_code=OUT_OF_STOCK, expected_version=1)
    assert order.status is S.CANCELLED and order.version == 2
    assert (order.cancel_time, order.cancel_reason, order.cancellation_initiator) == (
        NOW, OUT_OF_STOCK, Initiator.SELLER,
    )
    event = order.history[-1]
    assert (event.actor, event.at, event.action) == ("tester", NOW, "cancel")
    assert event.before == {"status": "AWAITING_SHIPMENT", "version": 1}
    assert event.after["status"] == "CANCELLED" and event.after["seller_fault"] is True
    after = shop.counts()
    assert after["to-ship"] == counts["to-ship"] - 1
    assert after["cancelled"] == counts["cancelled"] + 1
    assert after["all"] == counts["all"]
    assert_consistent(shop)


def test_cancel_resolves_a_pending_buyer_cancellation_request(shop):
    assert Reason.CANCELLATION_REQUESTED in shop.action_reasons_sql()[CANCEL_REQ]
    order = shop.cancel(CANCEL_REQ, reason_code="seller_cancel_paid_reason_buyer_requested_cancellation")
    assert order.requests[0].status is RequestStatus.APPROVED
    assert order.requests[0].resolved_by == "tester"
    assert shop.conn.execute(
        "SELECT cancel_request_due FROM orders WHERE id = ?", (CANCEL_REQ,)
    ).fetchone() == (None,)
    assert CANCEL_REQ not in shop.action_reasons_sql()
    assert order.history[-1].after["seller_fault"] is False
    assert_consistent(shop)


def test_cancel_an_unpaid_order_takes_an_unpaid_reason(shop):
    order = shop.cancel(UNPAID, reason_code="seller_cancel_unpaid_reason_buyer_hasnt_paid_within_time_allowed")
    assert order.status is S.CANCELLED
    assert shop.counts()["unpaid"] == 0


@pytest.mark.parametrize(
    ("order_id", "code", "message"),
    [
        (TRANSIT, OUT_OF_STOCK, f"order {TRANSIT} is in transit: cancel is only possible before shipping"),
        (DELIVERED, OUT_OF_STOCK, f"order {DELIVERED} is delivered: cancel is only possible before shipping"),
        (CANCELLED, OUT_OF_STOCK, f"order {CANCELLED} is cancelled: it is already cancelled"),
        (TO_SHIP, "seller_cancel_unpaid_reason_out_of_stock",
         f"order {TO_SHIP} is awaiting shipment: .* not a reason for paid orders; reasons for paid orders: "
         "seller_cancel_reason_out_of_stock, "),
        (UNPAID, OUT_OF_STOCK, f"order {UNPAID} is unpaid: .*reasons for unpaid orders: seller_cancel_unpaid"),
        (TO_SHIP, "because", "unknown cancel reason 'because'"),
    ],
)
def test_cancel_refusals_name_the_order_and_its_status_and_change_nothing(shop, order_id, code, message):
    before = snapshot(shop)
    with pytest.raises(RuleError, match=message):
        shop.cancel(order_id, reason_code=code)
    assert snapshot(shop) == before


# Buyer requests ------------------------------------------------------------------------------


def test_approving_a_buyer_cancellation_cancels_without_seller_fault(shop):
    order = shop.answer_request(CANCEL_REQ, RequestType.CANCELLATION, approve=True, expected_version=1)
    assert order.status is S.CANCELLED
    assert (order.cancel_reason, order.cancellation_initiator) == (BUYER_CANCEL_REASON, Initiator.BUYER)
    req = order.requests[0]
    assert (req.status, req.resolved_by, req.resolved_at) == (RequestStatus.APPROVED, "tester", NOW)
    event = order.history[-1]
    assert (event.actor, event.at, event.action) == ("tester", NOW, "approve-cancellation")
    assert event.after["seller_fault"] is False and event.after["version"] == 2
    assert CANCEL_REQ not in shop.action_reasons_sql()
    assert_consistent(shop)


def test_rejecting_a_buyer_cancellation_keeps_the_order_and_records_why(shop):
    order = shop.answer_request(CANCEL_REQ, RequestType.CANCELLATION, approve=False,
                                reject_reason="already packed")
    assert order.status is S.AWAITING_SHIPMENT and order.version == 2
    req = order.requests[0]
    assert (req.status, req.reject_reason) == (RequestStatus.REJECTED, "already packed")
    event = order.history[-1]
    assert event.action == "reject-cancellation"
    assert event.after == {"request": req.id, "request_status": "REJECTED",
                           "reject_reason": "already packed", "version": 2}
    assert Reason.CANCELLATION_REQUESTED not in shop.action_reasons_sql().get(CANCEL_REQ, set())
    assert_consistent(shop)


def test_approving_a_return_refunds_the_total_and_leaves_the_queue(shop):
    counts = shop.counts()
    order = shop.answer_request(RETURN_REQ, RequestType.RETURN_REFUND, approve=True)
    assert order.refund_amount == Decimal("42.50") and order.status is S.DELIVERED
    assert order.requests[0].status is RequestStatus.APPROVED
    assert order.has_return
    event = order.history[-1]
    assert event.action == "approve-return"
    assert (event.before["refund_amount"], event.after["refund_amount"]) == ("0.00", "42.50")
    assert RETURN_REQ not in shop.action_reasons_sql()
    after = shop.counts()
    assert after["returns"] == counts["returns"]  # still an order with a return request
    assert after["action-needed"] == counts["action-needed"] - 1
    assert_consistent(shop)


def test_rejecting_a_return(shop):
    order = shop.answer_request(RETURN_REQ, RequestType.RETURN_REFUND, approve=False, reject_reason="used item")
    assert order.refund_amount == 0 and order.requests[0].status is RequestStatus.REJECTED
    assert order.history[-1].action == "reject-return"
    assert_consistent(shop)


@pytest.mark.parametrize(
    ("order_id", "kind", "approve", "reason", "message"),
    [
        (CANCELLED, RequestType.CANCELLATION, True, None,
         f"order {CANCELLED} is cancelled: its buyer cancellation request was already answered \\(approved\\)"),
        (LATE_REQ, RequestType.CANCELLATION, True, None,
         f"order {LATE_REQ} is awaiting shipment: the deadline to answer its buyer cancellation request passed"),
        (TO_SHIP, RequestType.CANCELLATION, True, None,
         f"order {TO_SHIP} is awaiting shipment: it has no buyer cancellation request"),
        (CANCEL_REQ, RequestType.CANCELLATION, False, "  ",
         f"order {CANCEL_REQ} is awaiting shipment: rejecting a buyer cancellation request needs a reason"),
        (TRANSIT, RequestType.RETURN_REFUND, True, None,
         f"order {TRANSIT} is in transit: it has no return/refund request"),
    ],
)
def test_answer_request_refusals_change_nothing(shop, order_id, kind, approve, reason, message):
    before = snapshot(shop)
    with pytest.raises(RuleError, match=message):
        shop.answer_request(order_id, kind, approve=approve, reject_reason=reason)
    assert snapshot(shop) == before


def test_a_request_cannot_be_answered_twice(shop):
    shop.answer_request(RETURN_REQ, RequestType.RETURN_REFUND, approve=False, reject_reason="used")
    with pytest.raises(RuleError, match="already answered \\(rejected by tester\\)"):
        shop.answer_request(RETURN_REQ, RequestType.RETURN_REFUND, approve=True)


def test_add_request_puts_the_order_in_the_action_queue(shop):
    counts = shop.counts()
    req = shop.add_request(TO_SHIP, RequestType.CANCELLATION, reason="changed my mind")
    assert (req.status, req.created_at, req.respond_by) == (RequestStatus.PENDING, NOW, NOW + 24 * HOUR)
    assert Reason.CANCELLATION_REQUESTED in shop.action_reasons_sql()[TO_SHIP]
    event = last_event(shop, TO_SHIP)
    assert (event.action, event.after["type"], event.after["version"]) == ("request", "CANCELLATION", 2)

    shop.add_request(DELIVERED, RequestType.RETURN_REFUND, reason="broken", respond_within=timedelta(hours=48))
    order = shop.get(DELIVERED)
    assert order.has_return and order.pending_request(RequestType.RETURN_REFUND).respond_by == NOW + 48 * HOUR
    after = shop.counts()
    assert after["returns"] == counts["returns"] + 1
    assert after["action-needed"] == counts["action-needed"] + 2
    assert_consistent(shop)


def test_a_request_is_due_within_the_marketplaces_time_for_its_kind(shop):
    """24 h to answer a buyer cancellation, 48 h a return/refund (rules.ANSWER_WITHIN)."""
    cancel = shop.add_request(TO_SHIP, RequestType.CANCELLATION, reason="changed my mind")
    ret = shop.add_request(DELIVERED, RequestType.RETURN_REFUND, reason="broken")
    assert (cancel.respond_by, ret.respond_by) == (NOW + 24 * HOUR, NOW + 48 * HOUR)


@pytest.mark.parametrize(
    ("order_id", "kind", "message"),
    [
        (TO_SHIP, RequestType.RETURN_REFUND, "can only ask for a return once it has shipped"),
        (DELIVERED, RequestType.CANCELLATION, "can only ask to cancel before shipping"),
        (CANCEL_REQ, RequestType.CANCELLATION, "already has a pending buyer cancellation request"),
        (CANCELLED, RequestType.CANCELLATION, f"order {CANCELLED} is cancelled"),
    ],
)
def test_add_request_refusals(shop, order_id, kind, message):
    before = snapshot(shop)
    with pytest.raises(RuleError, match=message):
        shop.add_request(order_id, kind, reason="x")
    assert snapshot(shop) == before


# Ship and pay --------------------------------------------------------------------------------


def test_ship_with_tracking_and_carrier(shop):
    counts = shop.counts()
    order = shop.ship(TO_SHIP, tracking_number=f" {TRACKING} ", carrier="ups", expected_version=1)
    assert order.status is S.AWAITING_COLLECTION and order.version == 2
    assert (order.rts_time, order.tracking_number, order.shipping_provider) == (NOW, TRACKING, "UPS")
    assert [line.tracking_number for line in order.line_items] == [TRACKING]
    event = order.history[-1]
    assert (event.actor, event.at, event.action) == ("tester", NOW, "ship")
    assert event.before == {"status": "AWAITING_SHIPMENT", "tracking_number": None,
                            "shipping_provider": None, "version": 1}
    assert event.after == {"status": "AWAITING_COLLECTION", "tracking_number": TRACKING,
                           "shipping_provider": "UPS", "late": False, "version": 2}
    found = shop.search([TRACKING])
    assert [r.id for r in found.rows].count(TO_SHIP) == 1
    after = shop.counts()
    assert after["to-ship"] == counts["to-ship"] - 1
    assert after["awaiting-collection"] == counts["awaiting-collection"] + 1
    assert TO_SHIP not in shop.action_reasons_sql()  # a valid tracking number: not abnormal
    assert_consistent(shop)


def test_shipping_after_the_ship_by_time_is_recorded_as_late(shop):
    assert Reason.SHIPPING_OVERDUE in shop.action_reasons_sql()[LATE_SHIP]
    order = shop.ship(LATE_SHIP, tracking_number="TT12345678", carrier="TikTok Shipping")
    assert order.history[-1].after["late"] is True
    assert LATE_SHIP not in shop.action_reasons_sql()


@pytest.mark.parametrize(
    ("order_id", "tracking", "carrier", "message"),
    [
        (TO_SHIP, "", "UPS", "a tracking number is needed"),
        (TO_SHIP, "1234567", "UPS", "has 7 characters; a usable one has 8 to 40"),
        (TO_SHIP, "1Z 999 AA1 0123", "UPS", "may hold only letters and digits, not ' '"),
        (TO_SHIP, "ABC-123-456-789", "UPS", "not '-'"),
        (TO_SHIP, "X" * 41, "UPS", "has 41 characters"),
        (TO_SHIP, TRACKING, "Pony Express", "unknown carrier 'Pony Express'; carriers are: USPS, UPS"),
        (CANCELLED, TRACKING, "UPS", f"order {CANCELLED} is cancelled: a cancelled order cannot be shipped"),
        (TRANSIT, TRACKING, "UPS", f"order {TRANSIT} is in transit: it has already shipped"),
        (UNPAID, TRACKING, "UPS", f"order {UNPAID} is unpaid: it is not paid yet"),
    ],
)
def test_ship_refusals_say_why_and_change_nothing(shop, order_id, tracking, carrier, message):
    before = snapshot(shop)
    with pytest.raises(RuleError, match=message):
        shop.ship(order_id, tracking_number=tracking, carrier=carrier)
    assert snapshot(shop) == before


def test_pay_starts_the_slas(shop):
    counts = shop.counts()
    order = shop.pay(UNPAID, address={"city": "Austin", "state": "Texas"})
    assert order.status is S.AWAITING_SHIPMENT and order.paid_time == NOW
    assert order.rts_sla_time == NOW + 48 * HOUR and order.shipping_due_time == NOW + 120 * HOUR
    assert order.city == "Austin"
    assert order.history[-1].action == "pay"
    after = shop.counts()
    assert (after["unpaid"], after["to-ship"]) == (counts["unpaid"] - 1, counts["to-ship"] + 1)
    with pytest.raises(RuleError, match=f"order {UNPAID} is awaiting shipment: only an unpaid order"):
        shop.pay(UNPAID)
    with pytest.raises(ValueError, match="not address fields: shoe_size"):
        shop.pay(UNPAID, address={"shoe_size": "9"})
    assert_consistent(shop)


# Printing ------------------------------------------------------------------------------------


def test_record_printed_writes_history_without_making_views_stale(shop):
    recorded = shop.record_printed([TO_SHIP, LATE_SHIP, "999999999"], "picking list")
    assert recorded == [TO_SHIP, LATE_SHIP]
    for oid in recorded:
        event = last_event(shop, oid)
        assert (event.actor, event.at, event.action) == ("tester", NOW, "picking list printed")
    shop.record_printed([TO_SHIP], "label")
    assert last_event(shop, TO_SHIP).action == "label printed"
    assert shop.get(TO_SHIP).version == 1
    shop.ship(TO_SHIP, tracking_number=TRACKING, carrier="USPS", expected_version=1)  # not stale
    with pytest.raises(ValueError, match="picking list, label"):
        shop.record_printed([TO_SHIP], "invoice")


# Stale views, unknown orders, read-only ------------------------------------------------------

ACTIONS = {
    "cancel": lambda s, oid, v: s.cancel(oid, reason_code=OUT_OF_STOCK, expected_version=v),
    "ship": lambda s, oid, v: s.ship(oid, tracking_number=TRACKING, carrier="UPS", expected_version=v),
    "answer": lambda s, oid, v: s.answer_request(oid, RequestType.CANCELLATION, approve=True,
                                                 expected_version=v),
    "request": lambda s, oid, v: s.add_request(oid, RequestType.CANCELLATION, reason="x", expected_version=v),
}
TARGET = {"cancel": TO_SHIP, "ship": TO_SHIP, "answer": CANCEL_REQ, "request": TO_SHIP}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_a_change_from_a_stale_view_is_refused_and_changes_nothing(shop, clock, tmp_path, action):
    order_id = TARGET[action]
    with Store(shop.path, clock=clock, actor="ana") as other:  # another terminal
        other.add_note(order_id, flag=Flag.RED, text="on hold: call buyer")
    before = snapshot(shop)
    with pytest.raises(OrderChangedError) as caught:
        ACTIONS[action](shop, order_id, 1)  # this terminal still shows version 1
    error = caught.value
    assert isinstance(error, StaleError)
    assert (error.order_id, error.expected_version, error.version, error.by, error.what) == (
        order_id, 1, 2, "ana", "note",
    )
    assert str(error) == (
        f"order {order_id} changed in another terminal (now awaiting shipment after 'note' by ana at "
        "2026-11-26 12:00:00 UTC); your view was out of date and has to be refreshed — nothing was changed"
    )
    assert snapshot(shop) == before
    ACTIONS[action](shop, order_id, 2)  # with the refreshed view it goes through
    assert shop.get(order_id).version == 3


def test_stale_is_checked_before_the_rules(shop, clock):
    """A view showing a to-ship order that was shipped meanwhile: the answer is 'refresh', not a rule."""
    with Store(shop.path, clock=clock, actor="ana") as other:
        other.ship(TO_SHIP, tracking_number=TRACKING, carrier="UPS")
    with pytest.raises(StaleError, match="now awaiting collection after 'ship' by ana"):
        shop.cancel(TO_SHIP, reason_code=OUT_OF_STOCK, expected_version=1)


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_an_unknown_order_is_refused(shop, action):
    with pytest.raises(OrderNotFoundError, match="no order '123456789' in this shop"):
        ACTIONS[action](shop, "123456789", None)
    with pytest.raises(OrderNotFoundError, match="no order '123456789' in this shop"):
        shop.add_note("123456789", flag=Flag.RED)


@pytest.mark.parametrize("action", [*sorted(ACTIONS), "note", "pay", "print"])
def test_a_read_only_store_refuses_every_change(shop, clock, action):
    before = snapshot(shop)
    with Store(shop.path, clock=clock, read_only=True) as ro:
        with pytest.raises(ReadOnlyError):
            if action == "pay":
                ro.pay(UNPAID)
            elif action == "print":
                ro.record_printed([TO_SHIP], "label")
            elif action == "note":
                ro.add_note(TO_SHIP, flag=Flag.RED, text="x")
            else:
                ACTIONS[action](ro, TARGET[action], None)
    assert snapshot(shop) == before


# Bulk ----------------------------------------------------------------------------------------


def test_bulk_cancel_reports_each_refusal_and_changes_the_rest(shop):
    result = shop.cancel_many([TO_SHIP, TRANSIT, LATE_SHIP, "123456789", TO_SHIP], reason_code=OUT_OF_STOCK)
    assert isinstance(result, BulkResult)
    assert result.succeeded == [TO_SHIP, LATE_SHIP]
    assert result.refused == [
        (TRANSIT, f"order {TRANSIT} is in transit: cancel is only possible before shipping"),
        ("123456789", "no order '123456789' in this shop"),
    ]
    assert not result.all_ok and not result.nothing_done
    assert shop.get(TRANSIT).version == 1
    assert_consistent(shop)


def test_bulk_with_expected_versions_refuses_only_the_stale_orders(shop, clock):
    with Store(shop.path, clock=clock, actor="ana") as other:
        other.add_note(LATE_SHIP, flag=None, text="x")
    result = shop.cancel_many([TO_SHIP, LATE_SHIP], reason_code=OUT_OF_STOCK,
                              expected_versions={TO_SHIP: 1, LATE_SHIP: 1})
    assert result.succeeded == [TO_SHIP]
    assert [oid for oid, _ in result.refused] == [LATE_SHIP]
    assert "changed in another terminal" in result.refused[0][1]


def test_bulk_ship_and_answer(shop):
    assert shop.ship_many([TO_SHIP, LATE_SHIP], tracking_number=TRACKING, carrier="FedEx").all_ok
    result = shop.answer_request_many([CANCEL_REQ, CANCELLED], RequestType.CANCELLATION, approve=True)
    assert result.succeeded == [CANCEL_REQ]
    assert "already answered" in result.refused[0][1]


def test_apply_bulk_stops_on_a_read_only_store(shop, clock):
    with Store(shop.path, clock=clock, read_only=True) as ro, pytest.raises(ReadOnlyError):
        ro.cancel_many([TO_SHIP, LATE_SHIP], reason_code=OUT_OF_STOCK)


def test_a_day_of_work_keeps_counts_and_action_needed_right(shop):
    """Every action in turn; afterwards the denormalised columns still agree with the pure rules."""
    shop.add_note(TO_SHIP, flag=Flag.RED, text="check stock")
    shop.add_request(TO_SHIP, RequestType.CANCELLATION, reason="too slow")
    shop.answer_request(TO_SHIP, RequestType.CANCELLATION, approve=False, reject_reason="shipping today")
    shop.ship(TO_SHIP, tracking_number=TRACKING, carrier="USPS")
    shop.pay(UNPAID)
    shop.add_request(UNPAID, RequestType.CANCELLATION, reason="mistake")
    shop.answer_request(UNPAID, RequestType.CANCELLATION, approve=True)
    shop.answer_request(RETURN_REQ, RequestType.RETURN_REFUND, approve=True)
    shop.add_request(TRANSIT, RequestType.RETURN_REFUND, reason="late")
    shop.cancel(LATE_SHIP, reason_code="seller_cancel_reason_wrong_price")
    assert_consistent(shop)
    assert [e.action for e in shop.get(TO_SHIP).history] == [
        "imported", "note", "request", "reject-cancellation", "ship",
    ]
    assert [e.after.get("version") for e in shop.get(TO_SHIP).history[1:]] == [2, 3, 4, 5]


# Resumable bulk jobs (issue 11.3) -------------------------------------------------------------


def test_a_bulk_job_reports_each_order_as_it_commits(shop):
    seen = []
    reader = sqlite3.connect(shop.path)  # another process's view: only what is committed

    def on_each(outcome):
        committed = reader.execute("SELECT count(*) FROM notes").fetchone()[0]
        seen.append((outcome.order_id, outcome.state, outcome.reason, committed))

    result = shop.add_note_many([TO_SHIP, "123456789", LATE_SHIP], text="n1", job="job-1", on_each=on_each)
    assert [(oid, state, committed) for oid, state, _, committed in seen] == [
        (TO_SHIP, "done", 1), ("123456789", "refused", 1), (LATE_SHIP, "done", 2),
    ]
    assert seen[1][2] == "no order '123456789' in this shop"
    assert (result.succeeded, result.skipped) == ([TO_SHIP, LATE_SHIP], [])
    assert shop.get(TO_SHIP).history[-1].after == {"flag": None, "note": "n1", "version": 2, "job": "job-1"}


def test_re_running_a_killed_job_applies_nothing_twice(shop):
    """Issue 11.3: the first run was killed after one order; the re-run skips it and does the rest."""
    shop.add_note_many([TO_SHIP], text="n1", job="job-1")
    outcomes = []
    result = shop.add_note_many([TO_SHIP, LATE_SHIP, TRANSIT], text="n1", job="job-1", on_each=outcomes.append)
    assert [(o.order_id, o.state, o.reason) for o in outcomes] == [
        (TO_SHIP, "skipped", "already done by this job"), (LATE_SHIP, "done", ""), (TRANSIT, "done", ""),
    ]
    assert (result.succeeded, result.skipped, result.refused) == ([LATE_SHIP, TRANSIT], [TO_SHIP], [])
    assert [n.text for n in shop.get(TO_SHIP).notes] == ["n1"]  # noted once
    assert shop.add_note_many([TO_SHIP], text="n1", job="job-2").succeeded == [TO_SHIP]  # another job
    assert shop.add_note_many([TO_SHIP], text="n1").succeeded == [TO_SHIP]  # no job: no check


def test_every_bulk_action_carries_its_job(shop):
    assert shop.ship_many([TO_SHIP], tracking_number=TRACKING, carrier="UPS", job="j").succeeded == [TO_SHIP]
    assert shop.ship_many([TO_SHIP], tracking_number=TRACKING, carrier="UPS", job="j").skipped == [TO_SHIP]
    assert shop.cancel_many([LATE_SHIP], reason_code=OUT_OF_STOCK, job="j").succeeded == [LATE_SHIP]
    assert shop.cancel_many([LATE_SHIP], reason_code=OUT_OF_STOCK, job="j").skipped == [LATE_SHIP]
    answer = {"kind": RequestType.CANCELLATION, "approve": False, "reject_reason": "shipping today"}
    assert shop.answer_request_many([CANCEL_REQ], **answer, job="j").succeeded == [CANCEL_REQ]
    assert shop.answer_request_many([CANCEL_REQ], **answer, job="j").skipped == [CANCEL_REQ]
    for oid in (TO_SHIP, LATE_SHIP, CANCEL_REQ):
        assert shop.get(oid).history[-1].after["job"] == "j"
    result = shop.apply_bulk([UNPAID, UNPAID], shop.pay, job="k")
    assert (result.succeeded, result.skipped) == ([UNPAID], [])
    assert shop.apply_bulk([UNPAID], shop.pay, job="k").skipped == [UNPAID]
    assert_consistent(shop)


def test_the_already_done_check_probes_the_history_index(shop):
    plan = " ".join(
        row[-1] for row in shop.conn.execute(
            "EXPLAIN QUERY PLAN SELECT 1 FROM history WHERE order_id = ? AND json_extract(after, '$.job') = ?"
            " LIMIT 1", (TO_SHIP, "j"),
        )
    )
    assert "USING INDEX ix_history_order" in plan or "USING COVERING INDEX" in plan, plan


# Ship safety and abnormal packages (issues 10.8, 10.9) -----------------------------------------


def test_tracking_in_use_names_the_other_orders_carrying_the_number(shop):
    assert shop.tracking_in_use(TRACKING) == [TRANSIT, RETURN_REQ, DELIVERED]
    assert shop.tracking_in_use(f"  {TRACKING} ", exclude=[TRANSIT]) == [RETURN_REQ, DELIVERED]
    assert shop.tracking_in_use("1Z999AA10123456784") == []
    assert shop.tracking_in_use("  ") == []
    shop.conn.execute("UPDATE line_items SET tracking_number = '1Z999AA10123456784' WHERE order_id = ?", (TO_SHIP,))
    assert shop.tracking_in_use("1Z999AA10123456784") == [TO_SHIP]  # a line's own number counts too


def test_correct_tracking_fixes_an_abnormal_package(shop):
    shop.conn.execute("UPDATE orders SET tracking_number = 'N/A' WHERE id = ?", (TRANSIT,))
    shop.conn.execute("UPDATE line_items SET tracking_number = 'N/A' WHERE order_id = ?", (TRANSIT,))
    assert shop.action_reasons_sql()[TRANSIT] == {Reason.ABNORMAL_PACKAGE}
    order = shop.correct_tracking(TRANSIT, tracking_number=" 1Z999AA10123456784 ", carrier="ups",
                                  expected_version=1)
    assert (order.tracking_number, order.shipping_provider, order.status) == ("1Z999AA10123456784", "UPS", S.IN_TRANSIT)
    assert {line.tracking_number for line in order.line_items} == {"1Z999AA10123456784"}
    event = order.history[-1]
    assert (event.action, event.before, event.after) == (
        "correct-tracking",
        {"tracking_number": "N/A", "shipping_provider": "USPS", "version": 1},
        {"tracking_number": "1Z999AA10123456784", "shipping_provider": "UPS", "version": 2},
    )
    assert TRANSIT not in shop.action_reasons_sql()
    assert_consistent(shop)


@pytest.mark.parametrize(
    ("order_id", "tracking", "carrier", "message"),
    [
        (TO_SHIP, "1Z999AA10123456784", "UPS",
         f"order {TO_SHIP} is awaiting shipment: a tracking number can only be corrected"),
        (DELIVERED, "1Z999AA10123456784", "UPS", f"order {DELIVERED} is delivered: a tracking number"),
        (TRANSIT, "N/A", "UPS", "tracking number 'N/A' has 3 characters"),
        (TRANSIT, "1Z999AA10123456784", "Pigeon", "unknown carrier 'Pigeon'"),
        (TRANSIT, TRACKING, "USPS", f"order {TRANSIT} already has tracking number '{TRACKING}' with USPS"),
    ],
)
def test_correct_tracking_refusals_change_nothing(shop, order_id, tracking, carrier, message):
    before = snapshot(shop)
    with pytest.raises(RuleError, match=message):
        shop.correct_tracking(order_id, tracking_number=tracking, carrier=carrier)
    assert snapshot(shop) == before


def test_refusals_use_the_screens_words_for_a_status(shop, clock):
    with pytest.raises(RuleError) as caught:
        shop.pay(TRANSIT)
    assert str(caught.value) == f"order {TRANSIT} is in transit: only an unpaid order can be paid"
    with Store(shop.path, clock=clock, actor="ana") as other:
        other.ship(TO_SHIP, tracking_number=TRACKING, carrier="UPS")
    with pytest.raises(OrderChangedError, match=r"\(now awaiting collection after 'ship' by ana"):
        shop.cancel(TO_SHIP, reason_code=OUT_OF_STOCK, expected_version=1)
