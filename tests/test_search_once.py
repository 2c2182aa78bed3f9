"""Bulk search matched once: its pages and counts read the kept matches, and a refresh matches
again only what changed since, here or in another terminal."""

from __future__ import annotations

import pytest

from tsshop_tui.domain.catalog import TAB_IDS
from tsshop_tui.domain.query import Filters, Sort
from tsshop_tui.store import Store

from .factories import make_order, random_orders


def _mixed_orders():
    """300 orders; popular product, SKU and seller SKU IDs shared by many of them."""
    orders = []
    for n, order in enumerate(random_orders(7, 300)):
        line = order.line_items[0]
        shared = {"product_id": "P-POPULAR"} if n % 3 == 0 else {}
        shared |= {"sku_id": "SKU-ID-POPULAR"} if n % 7 == 0 else {}
        shared |= {"seller_sku": "HOOD-BLK-M"} if n % 11 == 0 else {}
        orders.append(order.model_copy(update={"line_items": [line.model_copy(update=shared)]}))
    return orders


def _matching(orders, ids):
    """The orders any of *ids* names, worked out in Python."""
    wanted = set(ids)
    return {
        o.id for o in orders
        if {o.id, o.tracking_number} & wanted
        or any({line.product_id, line.sku_id, line.seller_sku, line.tracking_number} & wanted for line in o.line_items)
    }


def _walk(store, tab, filters, sort, descending):
    rows, after = [], None
    while True:
        page = store.page(tab, filters=filters, sort=sort, descending=descending, after=after, limit=17)
        rows += [r.id for r in page.rows]
        if page.next is None:
            return rows
        after = page.next


@pytest.fixture
def mixed(store):
    orders = _mixed_orders()
    store.upsert_orders(orders, source="test")
    ids = ["P-POPULAR", "SKU-ID-POPULAR", "HOOD-BLK-M", orders[1].id, orders[2].id, "TT1234567890",
           orders[4].line_items[0].sku_id, "nothing-here"]
    return store, orders, ids


def test_a_search_pages_and_counts_like_the_same_orders_named_one_by_one(mixed):
    store, orders, ids = mixed
    found = _matching(orders, ids)
    by_id = Filters(ids=tuple(sorted(found)))
    result = store.search(ids, limit=40)
    assert result.total == len(found) and 40 < len(found) < len(orders)
    assert [r.id for r in result.rows] == [r.id for r in store.page("all", filters=by_id, limit=40).rows]
    assert result.counts["P-POPULAR"] == 100 and result.counts[orders[1].id] == 1
    assert result.not_found == ["nothing-here"]
    _same_as_by_id(store, orders, ids)


def test_a_search_of_a_few_orders_pages_and_counts_like_them_named_one_by_one(mixed):
    store, orders, ids = mixed
    few = [orders[1].id, orders[2].id, orders[5].line_items[0].sku_id, "nothing-here"]
    assert 1 < len(_matching(orders, few)) * 20 < len(orders)
    _same_as_by_id(store, orders, few)


def _same_as_by_id(store, orders, ids):
    found = _matching(orders, ids)
    by_id = Filters(ids=tuple(sorted(found)))
    searched = Filters(search=tuple(ids))
    assert store.counts(searched) == store.counts(by_id)
    for tab in TAB_IDS:
        for sort in Sort:
            for descending in (False, True):
                assert _walk(store, tab, searched, sort, descending) == _walk(store, tab, by_id, sort, descending)
    assert store.in_view("all", [o.id for o in orders], filters=searched) == found


def test_an_order_changed_after_the_search_appears_and_disappears_on_refresh(mixed, tmp_path):
    store, orders, ids = mixed
    searched = Filters(search=("P-POPULAR", "TTNEW0000001"))
    before = store.counts(searched)["all"]
    shipped = next(o for o in orders if o.id not in _matching(orders, searched.search)
                   and store.get(o.id).status.value == "AWAITING_SHIPMENT")
    assert store.counts(searched) == store.counts(Filters(ids=tuple(sorted(_matching(orders, searched.search)))))
    assert store.search(list(searched.search)).counts["TTNEW0000001"] == 0
    store.ship(shipped.id, tracking_number="TTNEW0000001", carrier="USPS")
    assert shipped.id in _walk(store, "all", searched, Sort.SHIP_BY, False)
    with_shipped = _matching(orders, searched.search) | {shipped.id}
    assert store.counts(searched) == store.counts(Filters(ids=tuple(sorted(with_shipped))))
    assert store.search(list(searched.search)).counts["TTNEW0000001"] == 1

    elsewhere = Store(tmp_path / "shop.db", clock=store.clock, actor="other")
    popular = next(o for o in orders if o.line_items[0].product_id == "P-POPULAR")
    line = popular.line_items[0].model_copy(update={"product_id": "P-OTHER"})
    elsewhere.upsert_orders([popular.model_copy(update={"line_items": [line]})], source="test")
    elsewhere.upsert_orders([make_order(901, line_items=[line.model_copy(update={"product_id": "P-POPULAR"})])],
                            source="test")
    elsewhere.close()
    ids_now = _walk(store, "all", searched, Sort.SHIP_BY, False)
    assert popular.id not in ids_now and make_order(901).id in ids_now
    expected = _matching(orders, ("P-POPULAR",)) - {popular.id} | {shipped.id, make_order(901).id}
    assert set(ids_now) == expected
    assert store.counts(searched) == store.counts(Filters(ids=tuple(sorted(expected))))
    result = store.search(list(searched.search))
    assert result.total == before + 1 and result.counts["P-POPULAR"] == before


def test_an_order_removed_after_the_search_leaves_its_counts(mixed):
    store, orders, ids = mixed
    searched = ["P-POPULAR"]
    assert store.search(searched).total == 100
    with store.transaction() as conn:
        conn.execute("DELETE FROM orders WHERE id = ?", (orders[0].id,))
    assert store.search(searched).total == 99


def test_a_read_only_terminal_keeps_its_searches_too(mixed, tmp_path):
    store, orders, ids = mixed
    reader = Store(tmp_path / "shop.db", read_only=True)
    assert reader.search(ids).total == store.search(ids).total
    reader.close()
