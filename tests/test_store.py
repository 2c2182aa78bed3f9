"""The store: counts, keyset pages in every sort, filters, bulk search, whole orders, read-only."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal

import pytest

from tsshop_tui.domain.catalog import STATUS_TABS, TAB_IDS
from tsshop_tui.domain.model import ContentType, Flag, OrderStatus, RequestType
from tsshop_tui.domain.query import Filters, Sort
from tsshop_tui.store import ReadOnlyError, Store, StoreError, schema

from .factories import HOUR, NOW, make_order, note, random_orders, request


@pytest.fixture
def shop(store):
    orders = random_orders(7, 300)
    store.upsert_orders(orders, source="test")
    return store, orders


def test_counts_cover_every_tab_and_status_tabs_add_up(shop):
    store, orders = shop
    counts = store.counts()
    assert set(counts) == set(TAB_IDS)
    assert sum(counts[t.id] for t in STATUS_TABS) == counts["all"] == len(orders)
    assert counts["returns"] == sum(o.has_return for o in orders)
    assert counts["to-ship"] == sum(
        o.status in (OrderStatus.AWAITING_SHIPMENT, OrderStatus.PARTIALLY_SHIPPING) for o in orders
    )


def _walk(store, tab, **kwargs):
    rows, after = [], None
    while True:
        page = store.page(tab, after=after, limit=7, **kwargs)
        rows += page.rows
        if page.next is None:
            return rows
        after = page.next


@pytest.mark.parametrize("sort", [Sort.SHIP_BY, Sort.CREATED, Sort.TOTAL])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("tab", ["all", "to-ship", "returns"])
def test_keyset_pages_walk_the_whole_tab_in_order(shop, sort, descending, tab):
    store, _ = shop
    walked = _walk(store, tab, sort=sort, descending=descending)
    whole = store.page(tab, sort=sort, descending=descending, limit=10_000).rows
    assert [r.id for r in walked] == [r.id for r in whole]
    assert len(whole) == store.counts()[tab]
    keys = [store.sort_value(r, sort) for r in whole]
    assert keys == sorted(keys, reverse=descending)


def test_page_before_is_the_mirror_of_page_after(shop):
    store, _ = shop
    whole = store.page("all", limit=10_000).rows
    middle = whole[40]
    from tsshop_tui.store import Cursor

    before = store.page_before("all", Cursor(store.sort_value(middle, Sort.SHIP_BY), middle.id), limit=5)
    assert [r.id for r in before] == [r.id for r in whole[35:40]]


def test_action_needed_rows_say_why_and_by_when(store):
    store.upsert_orders(
        [make_order(1, rts_sla_time=NOW + 3 * HOUR), make_order(2, rts_sla_time=NOW - 2 * HOUR)], source="t"
    )
    rows = store.page("action-needed").rows
    assert [(r.id[-1], r.reason.value) for r in rows] == [("2", "shipping-overdue"), ("1", "ship-within-24h")]
    assert rows[1].deadline == NOW + 3 * HOUR


def test_filters_combine(store):
    orders = [
        make_order(1, creator_username="anna", content_type=ContentType.LIVE, campaign="BF",
                   notes=[note("577000000000000001", "red", "fragile")]),
        make_order(2, creator_username="anna", content_type=ContentType.VIDEO, rts_sla_time=NOW - HOUR),
        make_order(3, creator_username="bob", is_sample_order=True, rts_sla_time=NOW + 2 * HOUR),
        make_order(4, OrderStatus.DELIVERED, create_time=NOW - 100 * HOUR,
                   requests=[request("577000000000000004", RequestType.RETURN_REFUND)]),
    ]
    store.upsert_orders(orders, source="t")

    def ids(**kw):
        return sorted(r.id[-1] for r in store.page("all", filters=Filters(**kw)).rows)

    assert ids(creator="@Anna") == ["1", "2"]
    assert ids(creator="anna", content_type=ContentType.LIVE) == ["1"]
    assert ids(flag=Flag.RED) == ["1"]
    assert ids(has_note=False) == ["2", "3", "4"]
    assert ids(overdue=True) == ["2"]
    assert ids(at_risk_hours=4) == ["3"]
    assert ids(sample=True) == ["3"]
    assert ids(campaign="bf") == ["1"]
    assert ids(product="SKU-2") == ["2"]
    assert ids(created_to=date(2026, 11, 22)) == ["4"]
    assert ids(ids=("577000000000000003", "577000000000000004")) == ["3", "4"]
    counts = store.counts(Filters(creator="anna"))
    assert counts["all"] == 2 and counts["to-ship"] == 2 and counts["action-needed"] == 1
    assert Filters(creator="anna", overdue=True).chips() == [("overdue", "overdue"), ("creator", "creator @anna")]
    assert Filters(creator="anna", overdue=True).without("overdue") == Filters(creator="anna")


def test_bulk_search_matches_every_kind_of_id_and_says_what_matched_nothing(store):
    store.upsert_orders(
        [make_order(1), make_order(2, status=OrderStatus.IN_TRANSIT, tracking_number="TT0000000002"),
         make_order(3)],
        source="t",
    )
    result = store.search(["577000000000000001", "TT0000000002", "17" + "3".zfill(16), "172" + "1".zfill(16),
                           "SKU-3", "nothing-here"])
    assert sorted(r.id[-1] for r in result.rows) == ["1", "2", "3"]
    assert result.not_found == ["nothing-here"]
    assert result.counts["SKU-3"] == 1 and result.total == 3
    assert [r.id for r in store.search(["Product"], limit=5).rows] == []
    limited = store.search(["577000000000000001", "577000000000000003"], limit=1)
    assert len(limited.rows) == 1 and limited.total == 2


def test_get_returns_the_order_whole_and_exact(store):
    text = "[bold red]URGENT[/] \x1b[31mred\x1b[0m [link=https://evil.example]x[/link]"
    order = make_order(1, buyer_message=text, total_amount=Decimal("38.40"),
                       notes=[note("577000000000000001", "blue", "second", at=NOW),
                              note("577000000000000001", "red", "first", at=NOW - 2 * HOUR)])
    store.upsert_orders([order], source="t")
    got = store.get(order.id)
    assert got.buyer_message == text
    assert got.total_amount == Decimal("38.40")
    assert [n.text for n in got.notes] == ["second", "first"]
    assert got.flag is Flag.BLUE
    assert got.history[0].action == "imported"
    assert store.get("577999999999999999") is None


def test_read_only_store_refuses_writes_and_missing_files(tmp_path, store, clock):
    store.upsert_orders([make_order(1)], source="t")
    with Store(store.path, clock=clock, read_only=True) as ro:
        assert ro.counts()["all"] == 1
        with pytest.raises(ReadOnlyError):
            ro.upsert_orders([make_order(2)], source="t")
    with pytest.raises(StoreError, match="no database"):
        Store(tmp_path / "missing.db", read_only=True)


def test_database_is_wal_with_busy_timeout_and_versioned(store):
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION == 3
    other = sqlite3.connect(store.path)
    before = store.data_version()
    other.execute("INSERT INTO meta VALUES ('x', 'y')")
    other.commit()
    assert store.data_version() != before
