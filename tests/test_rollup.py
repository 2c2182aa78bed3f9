"""The product scorecard's daily rollup: every kind of write keeps it equal to a rebuild from
scratch, windows that cut days in two read their edges exactly, and version-1 databases upgrade."""

from __future__ import annotations

import io
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from tsshop_tui.cli import main
from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.model import ContentType, OrderStatus, RequestType
from tsshop_tui.store import Store, StoreError, schema
from tsshop_tui.store.rollup import REBUILD_ROLLUP, split_window

from . import metric_reference as R
from .factories import NOW
from .test_metrics import FAULT, GOOD_TRACKING, line, random_shop

S = OrderStatus
DAY = 86_400
CARRIER = "USPS"


def rollup(store: Store) -> list[tuple]:
    return store.conn.execute("SELECT * FROM product_days WHERE lines <> 0 ORDER BY 1, 2, 3, 4, 5, 6").fetchall()


def rebuilt(store: Store) -> list[tuple]:
    with store.transaction() as conn:
        for statement in REBUILD_ROLLUP:
            conn.execute(statement)
    return rollup(store)


def every_order(store: Store) -> list:
    return store.get_many([oid for (oid,) in store.conn.execute("SELECT id FROM orders ORDER BY id")])


def assert_scorecards_are_the_pure_ones(store: Store) -> None:
    orders = every_order(store)
    now = store.clock.now()
    for days in (1, 7, 30):
        for content in (None, ContentType.LIVE, ContentType.VIDEO):
            assert store.product_scorecard(days, content_type=content) == R.product_scores(
                orders, now, days, content_type=content
            ), (days, content)


def test_whole_days_and_edges_cover_the_window_once():
    for since, until in [(0, DAY - 1), (10, DAY + 5), (DAY, 3 * DAY - 1), (DAY - 1, 2 * DAY), (5, 5 + 30 * DAY)]:
        days, edges = split_window(since, until)
        covered = [] if days is None else [(days[0] * DAY, (days[1] + 1) * DAY - 1)]
        spans = sorted(covered + edges)
        assert spans[0][0] == since and spans[-1][1] == until
        assert all(a[1] + 1 == b[0] for a, b in zip(spans, spans[1:]))
    assert split_window(10, DAY + 5) == (None, [(10, DAY + 5)])
    assert split_window(0, DAY - 1) == ((0, 0), [])


def test_every_kind_of_write_keeps_the_rollup_equal_to_a_rebuild(store):
    orders = random_shop(5, 300)
    store.upsert_orders(orders, source="t")
    assert rollup(store) and rollup(store) == rebuilt(store)

    # Re-imports: lines replaced (more, fewer, a product repeated), cancelled by the seller, made a
    # sample, moved to another content type and another day.
    changed = []
    for n, order in enumerate(orders[:60]):
        kind = n % 5
        if kind == 0:
            lines = [line("S9a", "P9", 2, "3.00"), line("S9b", "P9", 1, "4.00"), line("S9a", "P9", 1, "3.00")]
            changed.append(order.model_copy(update={"line_items": lines}))
        elif kind == 1:
            changed.append(order.model_copy(update={"line_items": order.line_items[:1]}))
        elif kind == 2:
            changed.append(order.model_copy(update={
                "status": S.CANCELLED, "cancel_reason": FAULT, "cancellation_initiator": "SELLER"}))
        elif kind == 3:
            changed.append(order.model_copy(update={"is_sample_order": not order.is_sample_order}))
        else:
            changed.append(order.model_copy(update={
                "content_type": ContentType.SHOWCASE, "create_time": order.create_time - timedelta(days=2)}))
    result = store.upsert_orders(changed, source="t")
    assert result.updated
    assert rollup(store) == rebuilt(store)

    # The shop's own actions: cancel, ship, answer a return request.
    current = {o.id: o for o in every_order(store)}
    to_ship = [o for o in current.values() if o.status is S.AWAITING_SHIPMENT]
    store.cancel(to_ship[0].id, reason_code=FAULT)
    store.ship(to_ship[1].id, tracking_number=GOOD_TRACKING, carrier=CARRIER)
    returns = [
        o for o in current.values()
        if o.status in (S.DELIVERED, S.COMPLETED) and o.delivery_time and any(r.type is RequestType.RETURN_REFUND and r.status.value == "PENDING" and r.respond_by > NOW
               for r in o.requests)
    ]
    assert returns
    for order in returns[:3]:
        store.answer_request(order.id, RequestType.RETURN_REFUND, approve=True)
    assert rollup(store) == rebuilt(store)

    # A change of amounts in place, and an order deleted with its lines.
    with store.transaction() as conn:
        conn.execute("UPDATE line_items SET quantity = quantity + 2, sale_price = 777 WHERE order_id = ?",
                     (orders[100].id,))
        conn.execute("DELETE FROM orders WHERE id = ?", (orders[101].id,))
    assert rollup(store) == rebuilt(store)
    assert_scorecards_are_the_pure_ones(store)


def test_a_line_cannot_be_re_pointed_only_replaced(store):
    store.upsert_orders(random_shop(6, 5), source="t")
    before = rollup(store)
    for column, value in (("sku_id", "'X'"), ("product_id", "'X'"), ("position", "position + 7")):
        with pytest.raises(sqlite3.IntegrityError, match="replaced"), store.transaction() as conn:
            conn.execute(f"UPDATE line_items SET {column} = {value}")
    assert rollup(store) == before


@pytest.mark.parametrize("offset", [0, -1, 1, 12 * 3600])
def test_windows_cutting_days_anywhere_read_exactly(tmp_path, offset):
    midnight = datetime(2026, 11, 26, tzinfo=timezone.utc)
    with Store(tmp_path / "shop.db", clock=FixedClock(midnight + timedelta(seconds=offset))) as store:
        store.upsert_orders(random_shop(7, 300), source="t")
        assert_scorecards_are_the_pure_ones(store)


def _make_version_1(path) -> None:
    """Turn a database back into what version 1 built (no rollup, no repeat bits, older indexes)."""
    conn = sqlite3.connect(path)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'rollup_%'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP TABLE product_days")
    conn.execute("ALTER TABLE line_items DROP COLUMN repeats")
    conn.execute("DROP INDEX ix_lines_order_cover")
    conn.execute("DROP INDEX ix_orders_rts_time")
    conn.execute("CREATE INDEX ix_lines_order ON line_items (order_id)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


def test_a_version_1_database_is_upgraded_on_first_writable_open(tmp_path, clock):
    path = tmp_path / "old.db"
    with Store(path, clock=clock) as store:
        store.upsert_orders(random_shop(8, 300), source="t")
        expected = rollup(store)
    _make_version_1(path)

    with pytest.raises(StoreError, match="older tsshop .*without --read-only"):
        Store(path, clock=clock, read_only=True)

    with Store(path, clock=clock) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        indexes = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"ix_lines_order_cover", "ix_orders_rts_time"} <= indexes and "ix_lines_order" not in indexes
        assert rollup(store) == expected
        assert_scorecards_are_the_pure_ones(store)
    with Store(path, clock=clock, read_only=True) as reader:
        assert reader.product_scorecard(30)


def test_a_newer_database_is_refused_by_name(tmp_path, clock):
    path = tmp_path / "new.db"
    Store(path, clock=clock).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer tsshop"):
        Store(path, clock=clock, read_only=True)
    with pytest.raises(StoreError, match="newer tsshop"):
        Store(path, clock=clock)


def test_the_command_line_says_it_upgrades_then_answers(tmp_path, clock, monkeypatch):
    path = tmp_path / "old.db"
    with Store(path, clock=clock) as store:
        store.upsert_orders(random_shop(9, 50), source="t")
    _make_version_1(path)
    config = tmp_path / "config.toml"
    monkeypatch.setenv("TSSHOP_CONFIG", str(config))

    config.write_text("read_only = true\n")
    code, out, err = run_cli("metrics", "--db", str(path), "--json", "--now", NOW.isoformat())
    assert code == 2 and "older tsshop (schema 1)" in err and "without --read-only" in err and out == ""

    config.write_text("")
    code, out, err = run_cli("metrics", "--db", str(path), "--json", "--now", NOW.isoformat())
    assert code == 0 and f"from schema 1 to {schema.SCHEMA_VERSION}, once" in err and '"sfcr"' in out
    code, out, err = run_cli("metrics", "--db", str(path), "--json", "--now", NOW.isoformat())
    assert code == 0 and err == ""


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()
