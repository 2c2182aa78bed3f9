"""Schema 3 (shops): a version 2 database upgrades in place on its first writable open, its orders
belonging to the local shop, with nothing else of it changed; a new and a demo database are version 3."""

from __future__ import annotations

import sqlite3

import pytest

from tsshop_tui.domain.model import RequestType
from tsshop_tui.domain.shops import LOCAL_SHOP, Shop
from tsshop_tui.io.demo import build_demo
from tsshop_tui.store import Store, StoreError, schema

from .factories import NOW, make_order, note, request

V3_TABLES = ("shops", "sync_cursors", "outbox", "webhook_deliveries", "fetch_queue")


def _make_version_2(path) -> None:
    """Turn a database back into what version 2 built: no shops, no shop ids, no sync tables."""
    conn = sqlite3.connect(path)
    for index in ("ix_orders_shop", "ix_orders_refused", "ix_requests_external", "ix_outbox_state",
                  "ix_outbox_order"):
        conn.execute(f"DROP INDEX {index}")
    for table in V3_TABLES:
        conn.execute(f"DROP TABLE {table}")
    for table, columns in schema.COLUMNS_3.items():
        for column in columns:
            conn.execute(f"ALTER TABLE {table} DROP COLUMN {column.split()[0]}")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()


def _dump(path) -> dict[str, list[tuple]]:
    """Every row of the version 2 tables, in their version 2 columns."""
    conn = sqlite3.connect(path)
    dump = {}
    for table in ("orders", "line_items", "notes", "requests", "history", "tab_counts", "product_days", "meta"):
        columns = [
            r[1] for r in conn.execute(f"PRAGMA table_xinfo({table})")
            if not any(r[1] == c.split()[0] for c in schema.COLUMNS_3.get(table, ()))
        ]
        dump[table] = conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY 1, 2").fetchall()
    conn.close()
    return dump


@pytest.fixture
def v2_path(tmp_path, clock):
    path = tmp_path / "v2.db"
    with Store(path, clock=clock, actor="ana") as store:
        store.upsert_orders(
            [
                make_order(1, notes=[note(make_order(1).id, "red", "fragile")]),
                make_order(2, requests=[request(make_order(2).id, RequestType.CANCELLATION)]),
                make_order(3, "IN_TRANSIT", tracking_number="TT1234567890"),
            ],
            source="t",
        )
        store.cancel(make_order(1).id, reason_code="seller_cancel_reason_out_of_stock")
    _make_version_2(path)
    return path


def test_a_version_2_database_upgrades_in_place_to_the_local_shop(v2_path, clock):
    before = _dump(v2_path)
    assert sqlite3.connect(v2_path).execute("PRAGMA user_version").fetchone()[0] == 2

    with Store(v2_path, clock=clock) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION == 3
        assert [s.id for s in store.shops()] == [LOCAL_SHOP]
        for table in ("orders", "line_items", "notes", "requests", "history"):
            shops = {r[0] for r in store.conn.execute(f"SELECT DISTINCT shop_id FROM {table}")}
            assert shops == {LOCAL_SHOP}, table
        order = store.get(make_order(2).id)
        assert (order.shop_id, order.pending_action, order.remote_error) == (LOCAL_SHOP, None, None)
        assert store.counts()["all"] == 3
    assert _dump(v2_path) == before


def test_the_upgrade_writes_no_order_again(v2_path, clock):
    """ADD COLUMN with a constant default rewrites no row: the orders' pages stay byte for byte."""
    def order_pages(path):
        conn = sqlite3.connect(path)
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'orders'").fetchone()[0]
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        conn.close()
        data = path.read_bytes()
        return data[(root - 1) * page: root * page]

    sqlite3.connect(v2_path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    before = order_pages(v2_path)
    Store(v2_path, clock=clock).close()
    assert order_pages(v2_path) == before


def test_a_version_2_database_read_only_asks_for_a_writable_open_first(v2_path, clock):
    with pytest.raises(StoreError, match=r"older tsshop \(schema 2\).*without --read-only"):
        Store(v2_path, clock=clock, read_only=True)


def test_after_the_upgrade_its_orders_work_and_shops_can_be_added(v2_path, clock):
    with Store(v2_path, clock=clock, actor="ana") as store:
        store.ship(make_order(2).id, tracking_number="TT1234567890", carrier="USPS")
        store.save_shop(Shop(id="7000000001", name="Remote", api_base="http://127.0.0.1:9"))
        assert [s.id for s in store.shops()] == [LOCAL_SHOP, "7000000001"]
        assert store.conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    with Store(v2_path, clock=clock, read_only=True) as reader:
        assert reader.get(make_order(2).id).status.value == "AWAITING_COLLECTION"


def test_an_upgrade_finds_columns_already_there(tmp_path, clock):
    """A database marked version 2 whose version 3 columns are already there upgrades all the same."""
    path = tmp_path / "v2.db"
    Store(path, clock=clock).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    with Store(path, clock=clock) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == 3
        assert [s.id for s in store.shops()] == [LOCAL_SHOP]


def test_a_demo_database_is_version_3_with_the_local_shop_and_its_indexes(tmp_path):
    path = tmp_path / "demo.db"
    build_demo(path, orders=300, seed=3, now=NOW)
    with Store(path, read_only=True) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == 3
        assert [s.id for s in store.shops()] == [LOCAL_SHOP]
        assert store.conn.execute("SELECT DISTINCT shop_id FROM orders").fetchall() == [(LOCAL_SHOP,)]
        indexes = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"ix_orders_shop", "ix_requests_external", "ix_outbox_state"} <= indexes
