"""The outbox: a change to an order of a remote shop is queued for TikTok in its own transaction and
shown as pending; a sender claims, sends and records TikTok's answer; a refusal rolls the order back
and shows TikTok's message in Action needed. Local orders keep today's behaviour."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from tsshop_tui.domain.model import LineItem, OrderStatus, RequestStatus, RequestType
from tsshop_tui.domain.rules import Reason, action_reasons
from tsshop_tui.domain.shops import OutboxKind, OutboxState, Shop, TokenState
from tsshop_tui.store import RemoteRequest

from .factories import HOUR, NOW, make_order

SHOP = "7000000001"
PAID_REASON = "seller_cancel_reason_out_of_stock"


@pytest.fixture
def remote(store):
    store.save_shop(Shop(id=SHOP, name="Remote", api_base="http://127.0.0.1:9", token_state=TokenState.OK))
    return store


def sync(store, n, status=OrderStatus.AWAITING_SHIPMENT, *, requests=(), **fields):
    """Order *n* of the remote shop, as TikTok sent it two hours ago; its ID."""
    line = LineItem(sku_id=f"17{n:016d}", quantity=1, package_id=f"11{n:016d}")
    order = make_order(n, status, shop_id=SHOP, update_time=NOW - 2 * HOUR, line_items=[line], **fields)
    store.upsert_remote(SHOP, [order], requests=list(requests))
    return order.id


def buyer_request(order_id, kind=RequestType.CANCELLATION):
    return RemoteRequest(
        external_id=f"4{order_id}", order_id=order_id, type=kind, status=RequestStatus.PENDING,
        reason="changed my mind", created_at=NOW - HOUR, respond_by=NOW + 20 * HOUR,
    )


def test_a_local_orders_change_stays_local(store):
    store.upsert_orders([make_order(1)], source="t")
    order = store.ship(make_order(1).id, tracking_number="TT1234567890", carrier="USPS")
    assert store.outbox() == [] and order.pending_action is None and order.update_time == NOW


def test_each_change_of_a_remote_order_is_queued_with_its_history_event(remote):
    ship_id, cancel_id, answer_id = sync(remote, 1), sync(remote, 2), sync(remote, 3)
    answer_id = sync(remote, 3, requests=[buyer_request(answer_id)])

    shipped = remote.ship(ship_id, tracking_number="TT1234567890", carrier="usps")
    remote.cancel(cancel_id, reason_code=PAID_REASON)
    remote.answer_request(answer_id, RequestType.CANCELLATION, approve=False, reject_reason="already packed")

    items = remote.outbox()
    assert [(i.order_id, i.kind, i.state, i.attempts) for i in items] == [
        (ship_id, OutboxKind.SHIP, OutboxState.PENDING, 0),
        (cancel_id, OutboxKind.CANCEL, OutboxState.PENDING, 0),
        (answer_id, OutboxKind.REJECT_CANCELLATION, OutboxState.PENDING, 0),
    ]
    assert [i.payload for i in items] == [
        {"tracking_number": "TT1234567890", "shipping_provider": "USPS", "package_id": f"11{1:016d}"},
        {"cancel_reason": PAID_REASON},
        {"request_external_id": f"4{answer_id}", "reject_reason": "already packed"},
    ]
    for item in items:
        event = next(e for e in remote.get(item.order_id).history if e.id == item.history_id)
        assert event.action == item.kind.value
        assert item.idempotency_key == f"{item.kind.value}:{item.order_id}:{item.history_id}"
    assert shipped.status is OrderStatus.AWAITING_COLLECTION and shipped.pending_action == "ship"
    assert shipped.update_time == NOW - 2 * HOUR  # TikTok's, until TikTok's copy of the change comes
    assert [r.pending_action for r in remote.rows_for([ship_id, cancel_id])] == ["ship", "cancel"]


def test_the_change_and_its_outbox_row_commit_together_or_not_at_all(remote):
    order_id = sync(remote, 1)
    remote.conn.execute("CREATE TRIGGER boom BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk trouble'); END")
    with pytest.raises(sqlite3.IntegrityError, match="disk trouble"):
        remote.ship(order_id, tracking_number="TT1234567890", carrier="USPS")
    order = remote.get(order_id)
    assert order.status is OrderStatus.AWAITING_SHIPMENT and order.pending_action is None
    assert [e.action for e in order.history] == ["synced"]


def test_claim_takes_due_rows_and_rows_a_dead_sender_left_one_per_order(remote, clock):
    first, second = sync(remote, 1), sync(remote, 2)
    remote.ship(first, tracking_number="TT1234567890", carrier="USPS")
    remote.correct_tracking(first, tracking_number="TT0000000001", carrier="USPS")
    remote.cancel(second, reason_code=PAID_REASON)

    claimed = remote.claim_outbox(SHOP)
    assert [(i.order_id, i.kind, i.state, i.attempts) for i in claimed] == [
        (first, OutboxKind.SHIP, OutboxState.SENDING, 1), (second, OutboxKind.CANCEL, OutboxState.SENDING, 1),
    ]
    # The sender died before recording TikTok's answers: the same rows, with the same keys, again.
    again = remote.claim_outbox(SHOP)
    assert [(i.id, i.idempotency_key, i.attempts) for i in again] == [
        (i.id, i.idempotency_key, 2) for i in claimed
    ]
    assert remote.claim_outbox("other") == []

    remote.outbox_done(claimed[0].id)
    assert remote.get(first).pending_action == "correct-tracking"
    (following,) = [i for i in remote.claim_outbox(SHOP) if i.order_id == first]
    assert following.kind is OutboxKind.CORRECT_TRACKING
    remote.outbox_done(following.id)
    assert remote.get(first).pending_action is None
    assert remote.take_fetch_queue(SHOP) == [first]


def test_a_row_to_retry_waits_for_its_time(remote, clock):
    order_id = sync(remote, 1)
    remote.ship(order_id, tracking_number="TT1234567890", carrier="USPS")
    (item,) = remote.claim_outbox(SHOP)
    remote.outbox_retry(item.id, "TikTok did not answer", NOW + timedelta(minutes=5))
    (waiting,) = remote.outbox(state=OutboxState.PENDING)
    assert (waiting.last_error, waiting.next_attempt_at) == ("TikTok did not answer", NOW + timedelta(minutes=5))
    assert remote.claim_outbox(SHOP) == []
    clock.advance(timedelta(minutes=5))
    assert [i.id for i in remote.claim_outbox(SHOP)] == [item.id]
    assert remote.get(order_id).pending_action == "ship"


def test_an_answer_is_recorded_once(remote):
    order_id = sync(remote, 1)
    remote.ship(order_id, tracking_number="TT1234567890", carrier="USPS")
    (item,) = remote.claim_outbox(SHOP)
    remote.outbox_done(item.id)
    version = remote.get(order_id).version
    remote.outbox_refused(item.id, "too late")
    remote.outbox_retry(item.id, "x", NOW)
    assert remote.outbox()[0].state is OutboxState.DONE
    assert remote.get(order_id).version == version and remote.get(order_id).remote_error is None


def test_a_refused_ship_rolls_the_order_back_and_shows_tiktoks_message(remote, clock):
    order_id = sync(remote, 1)
    remote.ship(order_id, tracking_number="TT1234567890", carrier="USPS")
    remote.correct_tracking(order_id, tracking_number="TT0000000001", carrier="UPS")
    (item,) = remote.claim_outbox(SHOP)

    remote.outbox_refused(item.id, "Package has been cancelled")

    order = remote.get(order_id)
    assert order.status is OrderStatus.AWAITING_SHIPMENT
    assert order.tracking_number is None and order.shipping_provider is None and order.rts_time is None
    assert [line.tracking_number for line in order.line_items] == [None]
    assert (order.pending_action, order.remote_error) == (None, "Package has been cancelled")
    refused = order.history[-1]
    assert refused.action == "tiktok-refused" and refused.after["message"] == "Package has been cancelled"
    assert [(i.kind, i.state) for i in remote.outbox()] == [
        (OutboxKind.SHIP, OutboxState.REFUSED), (OutboxKind.CORRECT_TRACKING, OutboxState.REFUSED),
    ]
    assert "not sent" in remote.outbox()[1].last_error
    assert Reason.REFUSED_BY_TIKTOK in action_reasons(order, clock.now())
    assert remote.action_reasons_sql()[order_id] == action_reasons(order, clock.now())
    row = next(r for r in remote.page("action-needed", limit=500).rows if r.id == order_id)
    assert row.remote_error == "Package has been cancelled"
    assert remote.take_fetch_queue(SHOP) == [order_id]

    shipped = remote.ship(order_id, tracking_number="TT1234567890", carrier="USPS")
    assert (shipped.remote_error, shipped.pending_action) == (None, "ship")


def test_a_refused_cancel_gives_back_the_buyers_request(remote):
    order_id = sync(remote, 1)
    order_id = sync(remote, 1, requests=[buyer_request(order_id)])
    due = remote.get(order_id).requests[0].respond_by
    remote.cancel(order_id, reason_code=PAID_REASON)
    assert remote.get(order_id).requests[0].status is RequestStatus.APPROVED
    (item,) = remote.claim_outbox(SHOP)

    remote.outbox_refused(item.id, "Order is already shipped")

    order = remote.get(order_id)
    assert order.status is OrderStatus.AWAITING_SHIPMENT and order.cancel_reason is None
    assert order.cancellation_initiator is None and order.cancel_time is None
    assert [(r.status, r.resolved_by) for r in order.requests] == [(RequestStatus.PENDING, None)]
    assert remote.page("action-needed", limit=500).rows and remote.rows_for([order_id])[0].remote_error
    assert remote.conn.execute("SELECT cancel_request_due FROM orders WHERE id = ?", (order_id,)).fetchone()[0] == (
        int(due.timestamp()))


def test_a_refused_return_approval_takes_back_the_refund(remote):
    order_id = sync(remote, 1, OrderStatus.DELIVERED)
    order_id = sync(remote, 1, OrderStatus.DELIVERED, requests=[buyer_request(order_id, RequestType.RETURN_REFUND)])
    approved = remote.answer_request(order_id, RequestType.RETURN_REFUND, approve=True)
    assert approved.refund_amount == approved.total_amount and approved.pending_action == "approve-return"
    (item,) = remote.claim_outbox(SHOP)
    assert item.payload == {"request_external_id": f"4{order_id}"}

    remote.outbox_refused(item.id, "Return window closed")

    order = remote.get(order_id)
    assert order.refund_amount == 0 and order.requests[0].status is RequestStatus.PENDING
    assert order.remote_error == "Return window closed"


def test_outbox_lists_by_state_and_shop(remote):
    order_id = sync(remote, 1)
    remote.ship(order_id, tracking_number="TT1234567890", carrier="USPS")
    assert len(remote.outbox(state=OutboxState.PENDING, shop_id=SHOP)) == 1
    assert remote.outbox(state=OutboxState.DONE) == [] and remote.outbox(shop_id="local") == []


def test_the_latest_refusals_are_listed_first_so_a_limit_never_hides_a_new_one(remote):
    orders = [sync(remote, n) for n in (1, 2, 3)]
    for order_id in orders:
        remote.cancel(order_id, reason_code=PAID_REASON)
    for item in remote.claim_outbox(SHOP):
        remote.outbox_refused(item.id, f"refused {item.order_id}")
    newest = remote.outbox(state=OutboxState.REFUSED, limit=2, newest_first=True)
    assert [item.order_id for item in newest] == [orders[2], orders[1]]
    assert [item.order_id for item in remote.outbox(state=OutboxState.REFUSED, limit=2)] == orders[:2]


def test_waiting_counts_the_changes_tiktok_has_not_confirmed(remote):
    orders = [sync(remote, n) for n in (1, 2, 3)]
    for order_id in orders:
        remote.cancel(order_id, reason_code=PAID_REASON)
    assert remote.outbox_waiting(SHOP) == 3
    claimed = remote.claim_outbox(SHOP, limit=2)  # being sent still waits
    assert remote.outbox_waiting(SHOP) == 3
    remote.outbox_done(claimed[0].id)
    remote.outbox_refused(claimed[1].id, "no")
    assert remote.outbox_waiting(SHOP) == 1 and remote.outbox_waiting("local") == 0
