"""What the sync writes: TikTok's copies of orders and requests (never an older over a newer one, an
identical one changing nothing), the stream's cursor in the same transaction, the fetch queue and the
webhook deliveries seen, and the canonical state tests compare with the API double's."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tsshop_tui.domain.model import LineItem, OrderStatus, RequestStatus, RequestType
from tsshop_tui.domain.rules import Reason, action_reasons
from tsshop_tui.domain.shops import Shop, TokenState
from tsshop_tui.store import RemoteRequest, StoreError, SyncCursor

from .factories import HOUR, NOW, make_order

SHOP = "7000000001"


@pytest.fixture
def remote(store):
    store.save_shop(Shop(id=SHOP, name="Remote", api_base="http://127.0.0.1:9", token_state=TokenState.OK))
    return store


def copy(n, status=OrderStatus.AWAITING_SHIPMENT, *, at=NOW - 2 * HOUR, **fields):
    """Order *n* as TikTok sends it, last changed at *at*."""
    return make_order(n, status, shop_id=SHOP, update_time=at, **fields)


def events(store, order_id):
    return [(e.action, e.after.get("source")) for e in store.get(order_id).history]


def test_new_orders_go_in_with_their_shop_on_every_row(remote):
    result = remote.upsert_remote(SHOP, [copy(1), copy(2)])
    assert result.created == [copy(1).id, copy(2).id]
    order = remote.get(copy(1).id)
    assert order.shop_id == SHOP and order.status is OrderStatus.AWAITING_SHIPMENT
    assert events(remote, order.id) == [("synced", "tiktok")]
    for table in ("line_items", "history"):
        shops = {r[0] for r in remote.conn.execute(f"SELECT shop_id FROM {table} WHERE order_id = ?", (order.id,))}
        assert shops == {SHOP}, table
    assert remote.counts()["to-ship"] == 2


def test_an_identical_copy_or_a_page_read_twice_changes_nothing(remote):
    remote.upsert_remote(SHOP, [copy(1)])
    version = remote.get(copy(1).id).version
    result = remote.upsert_remote(SHOP, [copy(1), copy(1)])
    assert result.unchanged == [copy(1).id, copy(1).id] and not result.updated
    order = remote.get(copy(1).id)
    assert order.version == version and len(order.history) == 1


def test_an_older_copy_never_overwrites_a_newer_one(remote):
    remote.upsert_remote(SHOP, [copy(1, OrderStatus.IN_TRANSIT, at=NOW - HOUR, tracking_number="TT1234567890")])
    result = remote.upsert_remote(SHOP, [copy(1, OrderStatus.AWAITING_SHIPMENT, at=NOW - 3 * HOUR)])
    assert result.older == [copy(1).id]
    order = remote.get(copy(1).id)
    assert order.status is OrderStatus.IN_TRANSIT and order.tracking_number == "TT1234567890"


def test_a_newer_copy_updates_tiktoks_fields_and_lines_and_keeps_the_shops_notes(remote):
    remote.upsert_remote(SHOP, [copy(1)])
    remote.add_note(copy(1).id, flag="red", text="fragile")
    version = remote.get(copy(1).id).version
    two_units = LineItem(sku_id="1700000000000000009", quantity=2, sale_price=Decimal("4.50"))
    newer = copy(1, OrderStatus.AWAITING_COLLECTION, at=NOW - HOUR, tracking_number="TT1234567890",
                 shipping_provider="USPS", line_items=[two_units])

    assert remote.upsert_remote(SHOP, [newer]).updated == [copy(1).id]

    order = remote.get(copy(1).id)
    assert (order.status, order.tracking_number, order.version) == (
        OrderStatus.AWAITING_COLLECTION, "TT1234567890", version + 1)
    assert [(line.sku_id, line.quantity) for line in order.line_items] == [("1700000000000000009", 2)]
    assert order.flag.value == "red" and order.current_note.text == "fragile"
    synced = order.history[-1]
    assert synced.action == "synced" and synced.after["source"] == "tiktok"
    assert synced.before["status"] == "AWAITING_SHIPMENT" and synced.after["status"] == "AWAITING_COLLECTION"


def test_an_order_waiting_for_tiktok_keeps_its_change_until_tiktok_has_it(remote):
    remote.upsert_remote(SHOP, [copy(1, buyer_message="hi")])
    remote.conn.execute(
        "UPDATE orders SET status = 'AWAITING_COLLECTION', tracking_number = 'TT1234567890',"
        " pending_action = 'ship' WHERE id = ?", (copy(1).id,))

    remote.upsert_remote(SHOP, [copy(1, at=NOW - HOUR, buyer_message="please hurry")])
    order = remote.get(copy(1).id)
    assert (order.status, order.tracking_number) == (OrderStatus.AWAITING_COLLECTION, "TT1234567890")
    assert order.buyer_message == "please hurry"

    remote.conn.execute("UPDATE orders SET pending_action = NULL WHERE id = ?", (copy(1).id,))
    remote.upsert_remote(SHOP, [copy(1, OrderStatus.IN_TRANSIT, at=NOW, tracking_number="TT1234567890")])
    assert remote.get(copy(1).id).status is OrderStatus.IN_TRANSIT


def test_a_copy_whose_status_moved_clears_tiktoks_last_refusal(remote):
    remote.upsert_remote(SHOP, [copy(1)])
    remote.conn.execute("UPDATE orders SET remote_error = 'Package not found' WHERE id = ?", (copy(1).id,))
    remote.upsert_remote(SHOP, [copy(1, at=NOW - HOUR, buyer_message="still waiting")])
    assert remote.get(copy(1).id).remote_error == "Package not found"
    remote.upsert_remote(SHOP, [copy(1, OrderStatus.CANCELLED, at=NOW)])
    assert remote.get(copy(1).id).remote_error is None


def request(n, status=RequestStatus.PENDING, kind=RequestType.CANCELLATION):
    return RemoteRequest(
        external_id=f"40{n:016d}", order_id=copy(n).id, type=kind, status=status, reason="changed my mind",
        created_at=NOW - HOUR, respond_by=NOW + 20 * HOUR, update_time=NOW - HOUR,
    )


def test_buyer_requests_go_in_by_tiktoks_id_and_show_in_action_needed(remote, clock):
    remote.upsert_remote(SHOP, [copy(1), copy(2)], requests=[request(1), request(9)])
    order = remote.get(copy(1).id)
    assert [(r.type, r.status) for r in order.requests] == [(RequestType.CANCELLATION, RequestStatus.PENDING)]
    assert Reason.CANCELLATION_REQUESTED in action_reasons(order, clock.now())
    assert remote.action_reasons_sql()[order.id] == action_reasons(order, clock.now())

    remote.upsert_remote(SHOP, [], requests=[request(1)])
    assert len(remote.get(copy(1).id).history) == 2

    remote.upsert_remote(SHOP, [], requests=[request(1, RequestStatus.REJECTED)])
    remote.upsert_remote(SHOP, [], requests=[request(1, RequestStatus.PENDING)])
    order = remote.get(copy(1).id)
    assert [r.status for r in order.requests] == [RequestStatus.REJECTED]
    assert copy(1).id not in remote.action_reasons_sql()


def test_a_return_request_marks_the_order_a_return(remote):
    remote.upsert_remote(SHOP, [copy(3, OrderStatus.DELIVERED)],
                         requests=[request(3, kind=RequestType.RETURN_REFUND)])
    assert remote.counts()["returns"] == 1
    assert remote.page("returns").rows[0].id == copy(3).id


def test_the_cursor_is_saved_with_the_page_and_not_without_it(remote):
    first = SyncCursor(window_ge=0, window_lt=100, page_token="p2", watermark=0)
    remote.upsert_remote(SHOP, [copy(1)], cursor=("orders", first))
    assert remote.get_cursor(SHOP, "orders") == first and remote.get_cursor(SHOP, "returns") is None

    remote.upsert_orders([make_order(2)], source="t")  # a local order with the same ID as copy(2)
    second = SyncCursor(window_ge=0, window_lt=100, page_token=None, watermark=100)
    with pytest.raises(StoreError, match="already in shop 'local'"):
        remote.upsert_remote(SHOP, [copy(3), copy(2)], cursor=("orders", second))
    assert remote.get_cursor(SHOP, "orders") == first and remote.get(copy(3).id) is None


def test_an_unknown_shop_is_refused(remote):
    with pytest.raises(StoreError, match="no shop 'nope'"):
        remote.upsert_remote("nope", [copy(1)])


def test_the_fetch_queue_holds_each_order_once_and_gives_them_oldest_first(remote, clock):
    assert remote.queue_fetch(SHOP, ["3", "1", "3"]) == 2
    clock.advance(HOUR)
    assert remote.queue_fetch(SHOP, ["1", "2"]) == 1
    assert remote.queue_fetch("other", ["1"]) == 1
    assert remote.take_fetch_queue(SHOP, limit=2) == ["1", "3"]
    assert remote.take_fetch_queue(SHOP) == ["2"]
    assert remote.take_fetch_queue(SHOP) == []
    assert remote.take_fetch_queue("other") == ["1"]


def test_a_webhook_delivery_is_seen_once(remote):
    assert remote.seen_delivery("abc") is False
    assert remote.seen_delivery("abc") is True
    assert remote.seen_delivery("abd") is False


def test_remote_state_is_the_canonical_shape_of_the_double(remote):
    units = [
        LineItem(sku_id="2", quantity=1, sale_price=Decimal("4.50")),
        LineItem(sku_id="1", quantity=2, sale_price=Decimal("10")),
    ]
    remote.upsert_remote(SHOP, [copy(1, line_items=units), copy(2, OrderStatus.CANCELLED, cancel_reason="x")],
                         requests=[request(2)])
    remote.upsert_orders([make_order(5)], source="t")
    assert remote.remote_state(SHOP) == {
        copy(1).id: {
            "status": "AWAITING_SHIPMENT", "update_time": int((NOW - 2 * HOUR).timestamp()),
            "tracking_number": None, "shipping_provider": None, "cancel_reason": None,
            "lines": [("1", 2, "10.00"), ("2", 1, "4.50")], "requests": [],
        },
        copy(2).id: {
            "status": "CANCELLED", "update_time": int((NOW - 2 * HOUR).timestamp()),
            "tracking_number": None, "shipping_provider": None, "cancel_reason": "x",
            "lines": [("17" + "0" * 15 + "2", 1, "10.00")],
            "requests": [(request(2).external_id, "CANCELLATION", "PENDING")],
        },
    }
