"""The demo shop: deterministic, believable, every status and Action needed reason, markup kept as data."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import timedelta

import pytest

from tsshop_tui.domain.catalog import CANCEL_REASONS_BY_CODE, CARRIERS, SHIPPED, BUYER_CANCEL_REASON
from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.model import ContentType, OrderStatus, OrderType, RequestStatus, RequestType
from tsshop_tui.domain.rules import Reason, action_reasons, is_valid_tracking
from tsshop_tui.io.demo import (
    ESC_CLEAR,
    ESC_HYPERLINK,
    ESC_RED,
    MARKUP_BOLD,
    MARKUP_LINK,
    MARKUP_ORDERS,
    build_demo,
    span_days,
)
from tsshop_tui.store import Store
from tsshop_tui.store.rows import order_row

from .factories import NOW
from .metric_reference import product_scores

ORDERS = 1500


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "shop.db"
    summary = build_demo(path, orders=ORDERS, seed=7, now=NOW)
    return path, summary


@pytest.fixture(scope="module")
def shop(demo):
    path, _summary = demo
    with Store(path, clock=FixedClock(NOW), read_only=True) as store:
        yield store


@pytest.fixture(scope="module")
def orders(shop):
    ids = [row[0] for row in shop.conn.execute("SELECT id FROM orders ORDER BY id")]
    return shop.get_many(ids)


def _content(path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in ("orders", "line_items", "notes", "requests", "tab_counts", "meta")
        }
    finally:
        conn.close()


def test_summary_counts_what_was_written(demo, shop):
    _path, summary = demo
    count = lambda table: shop.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: E731
    assert summary.orders == count("orders") == ORDERS
    assert summary.line_items == count("line_items")
    assert summary.notes == count("notes")
    assert summary.requests == count("requests")
    assert summary.seconds > 0
    assert shop.get_meta("shop_name") == "Demo Shop"
    assert shop.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_same_seed_and_now_build_the_same_shop(tmp_path):
    first, second, other = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "c.db"
    build_demo(first, orders=700, seed=3, now=NOW)
    build_demo(second, orders=700, seed=3, now=NOW)
    build_demo(other, orders=700, seed=4, now=NOW)
    assert _content(first) == _content(second)
    assert _content(first)["orders"] != _content(other)["orders"]


def test_every_status_is_present(shop):
    statuses = {row[0] for row in shop.conn.execute("SELECT DISTINCT status FROM orders")}
    assert statuses == {status.value for status in OrderStatus}


def test_every_action_needed_reason_is_present_and_sql_agrees_with_the_rules(shop, orders):
    by_sql = shop.action_reasons_sql()
    # A demo shop is local: TikTok never refuses its changes.
    assert set().union(*by_sql.values()) == set(Reason) - {Reason.REFUSED_BY_TIKTOK}
    for order in orders:
        assert action_reasons(order, NOW) == by_sql.get(order.id, set()), order.id
    # Action needed stays a small queue, as in a real shop.
    assert len(by_sql) < ORDERS * 0.1


def test_the_bulk_built_rollup_gives_the_pure_product_scorecards(shop, orders):
    for days in (1, 7, 30):
        for content in (None, ContentType.LIVE):
            got = shop.product_scorecard(days, content_type=content)
            assert got and got == product_scores(orders, NOW, days, content_type=content), (days, content)
    # Some orders hold a product twice, so the repeat bits were filled by the bulk build too.
    assert shop.conn.execute("SELECT count(*) FROM line_items WHERE repeats > 0").fetchone()[0]


def test_every_line_note_and_request_belongs_to_an_order(shop):
    # Loaded with foreign keys off: a line written under a wrong order id would hang loose.
    assert shop.conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_every_order_validates_and_adds_up(shop, orders):
    assert len(orders) == ORDERS
    rows = {row[0]: row for row in shop.conn.execute("SELECT * FROM orders")}
    names = [d[0] for d in shop.conn.execute("SELECT * FROM orders LIMIT 1").description]
    for order in orders:
        assert order.total_amount == (
            order.sub_total + order.shipping_fee - order.seller_discount - order.platform_discount + order.tax
        )
        lines = order.line_items
        assert 1 <= len(lines) <= 4
        assert len({line.sku_id for line in lines}) == len(lines)
        assert order.sub_total == sum(line.original_price * line.quantity for line in lines)
        assert order.seller_discount == sum(line.seller_discount for line in lines)
        assert order.platform_discount == sum(line.platform_discount for line in lines)
        for line in lines:
            assert line.sale_price * line.quantity == (
                line.original_price * line.quantity - line.seller_discount - line.platform_discount
            )
        # The denormalised columns say what the notes and requests say.
        stored = dict(zip(names, rows[order.id], strict=True))
        expected = order_row(order)
        for column in ("item_count", "flag", "note", "cancel_request_due", "return_request_due", "has_return"):
            assert stored[column] == expected[column], (order.id, column)


def test_orders_look_like_tiktok_shop_orders(shop, orders):
    now = NOW
    by_status = Counter(order.status for order in orders)
    assert by_status[OrderStatus.CANCELLED] / ORDERS == pytest.approx(0.05, abs=0.025)
    assert by_status[OrderStatus.COMPLETED] + by_status[OrderStatus.DELIVERED] > ORDERS / 2
    abnormal = 0
    for order in orders:
        assert len(order.id) == 18 and order.id.startswith("57")
        assert order.create_time <= now
        assert order.create_time >= now - timedelta(days=span_days(ORDERS) + 1)
        for line in order.line_items:
            assert line.product_id.isdigit() and len(line.product_id) == 19
            assert line.sku_id.isdigit() and len(line.sku_id) == 18
            assert line.seller_sku and line.seller_sku.upper() == line.seller_sku
        if order.status in (OrderStatus.UNPAID, OrderStatus.ON_HOLD):
            assert order.recipient_name is None and order.zipcode is None
        if order.status is OrderStatus.UNPAID:
            assert order.paid_time is None and order.rts_sla_time is None
        if order.paid_time is not None:
            assert order.paid_time >= order.create_time
            if order.order_type is OrderType.NORMAL:
                assert order.rts_sla_time == order.paid_time + timedelta(days=2)
            else:
                assert order.rts_sla_time > order.paid_time + timedelta(days=2)
            assert order.tts_sla_time > order.rts_sla_time
            assert order.shipping_due_time == order.rts_sla_time + timedelta(days=3)
        if order.status in SHIPPED:
            assert order.shipping_provider in CARRIERS
            assert order.rts_time is not None and order.rts_time <= now
            if not is_valid_tracking(order.tracking_number):
                assert order.status in (OrderStatus.AWAITING_COLLECTION, OrderStatus.IN_TRANSIT)
                abnormal += 1
        if order.status is OrderStatus.CANCELLED:
            assert order.cancel_time is not None and order.cancel_time <= now
            assert order.cancel_reason in CANCEL_REASONS_BY_CODE or order.cancel_reason == BUYER_CANCEL_REASON
            assert order.cancellation_initiator is not None
        if order.status is OrderStatus.PARTIALLY_SHIPPING:
            assert order.line_items[0].tracking_number
        for request in order.requests:
            if request.status is RequestStatus.PENDING:
                assert request.respond_by > now >= request.created_at
            if request.type is RequestType.CANCELLATION and request.status is RequestStatus.PENDING:
                assert request.respond_by == request.created_at + timedelta(hours=24)
        if order.notes:
            assert order.notes == sorted(order.notes, key=lambda note: note.created_at, reverse=True)
    assert 0 < abnormal < ORDERS * 0.01
    shipped = [order for order in orders if order.status in SHIPPED]
    late = [order for order in shipped if order.rts_time > order.rts_sla_time]
    assert 0 < len(late) < len(shipped) * 0.1
    assert 0 < sum(order.is_sample_order for order in orders) < ORDERS * 0.03
    assert ORDERS * 0.02 < sum(bool(order.notes) for order in orders) < ORDERS * 0.1
    attributed = [order for order in orders if order.creator_username]
    assert 0.45 < len(attributed) / ORDERS < 0.65
    assert {order.content_type.value for order in attributed} == {"LIVE", "VIDEO", "SHOWCASE"}
    reasons = {order.cancel_reason for order in orders if order.status is OrderStatus.CANCELLED}
    assert {"seller_cancel_reason_out_of_stock", BUYER_CANCEL_REASON} <= reasons


def test_markup_orders_come_back_exactly_as_written(demo, shop):
    _path, summary = demo
    assert len(summary.markup_ids) == len(MARKUP_ORDERS) == 6
    marked = shop.get_many(summary.markup_ids)
    assert len(marked) == 6
    seen: list[str] = []
    for order, (_scenario, text) in zip(marked, MARKUP_ORDERS, strict=True):
        for field, value in text.items():
            if field == "product":
                seen.append(order.line_items[0].product_name)
                seen.append(order.line_items[0].sku_name)
            elif field == "note":
                assert order.notes[0].text == value
                seen.append(value)
            else:
                assert getattr(order, field) == value, field
                seen.append(value)
    joined = "\n".join(seen)
    for needle in (MARKUP_BOLD, MARKUP_LINK, ESC_RED, ESC_HYPERLINK, ESC_CLEAR):
        assert needle in joined
    to_ship = [order for order in marked if order.status in (OrderStatus.AWAITING_SHIPMENT,)]
    assert len(to_ship) >= 3
    default_tab = {row.id for row in shop.page("to-ship", limit=500).rows}
    assert {order.id for order in to_ship} <= default_tab


def test_a_small_shop_still_has_its_markup_orders(tmp_path):
    summary = build_demo(tmp_path / "small.db", orders=60, now=NOW)
    assert summary.orders == 60 and len(summary.markup_ids) == 6
    tiny = build_demo(tmp_path / "tiny.db", orders=3, now=NOW)
    assert tiny.orders == 3 and tiny.markup_ids == ()


def test_an_existing_shop_is_kept_unless_forced(tmp_path):
    path = tmp_path / "shop.db"
    build_demo(path, orders=300, seed=1, now=NOW)
    before = _content(path)
    with pytest.raises(FileExistsError, match="already holds orders"):
        build_demo(path, orders=300, seed=2, now=NOW)
    assert _content(path) == before
    build_demo(path, orders=400, seed=2, now=NOW, force=True, shop_name="Rebuilt")
    after = _content(path)
    assert len(after["orders"]) == 400
    assert ("shop_name", "Rebuilt") in after["meta"]
    assert not (tmp_path / ".shop.db.building").exists()


def test_a_file_that_is_not_a_shop_is_not_overwritten(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("my precious notes\n" * 200)
    with pytest.raises(FileExistsError):
        build_demo(path, orders=100, now=NOW)
    assert path.read_text().startswith("my precious notes")


def test_the_span_grows_with_the_shop():
    assert span_days(5_000) == pytest.approx(30, abs=1)
    assert span_days(1_000_000) == pytest.approx(180, abs=5)
    assert span_days(600) < span_days(5_000)
