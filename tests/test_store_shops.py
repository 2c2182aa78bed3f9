"""The shops table: the local shop is always there, shops are saved without secrets, their sync state
changes part by part, and removing a shop takes everything of it and nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tsshop_tui.domain.model import RequestType
from tsshop_tui.domain.shops import LOCAL_SHOP, Shop, TokenState
from tsshop_tui.store import Store, StoreError

from .factories import HOUR, NOW, make_order

REMOTE = Shop(
    id="7000000001",
    name="Zebra Goods",
    region="US",
    cipher="ROW_abc",
    seller_type="LOCAL",
    app_key="app1",
    api_base="http://127.0.0.1:9/api",
    auth_base="http://127.0.0.1:9/auth",
    token_state=TokenState.OK,
    token_expires_at=NOW + 24 * HOUR,
)


def test_a_new_database_has_the_local_shop_only(store):
    shops = store.shops()
    assert [(s.id, s.name, s.token_state, s.remote) for s in shops] == [
        (LOCAL_SHOP, "Local shop", TokenState.LOCAL, False)
    ]
    assert store.shop(LOCAL_SHOP) == shops[0]
    assert store.shop("nope") is None


def test_shops_are_saved_listed_local_first_then_by_name_and_updated_by_id(store):
    store.save_shop(REMOTE)
    store.save_shop(Shop(id="7000000002", name="apple store", api_base="http://x"))
    assert [s.name for s in store.shops()] == ["Local shop", "apple store", "Zebra Goods"]
    assert store.shop(REMOTE.id) == REMOTE and REMOTE.remote

    store.save_shop(REMOTE.model_copy(update={"name": "Zebra Goods US"}))
    assert [s.name for s in store.shops()] == ["Local shop", "apple store", "Zebra Goods US"]


def test_the_shops_table_has_no_place_for_a_secret(store):
    columns = {row[1] for row in store.conn.execute("PRAGMA table_info(shops)")}
    assert not {c for c in columns if any(w in c for w in ("secret", "token")) and c not in
                ("token_state", "token_expires_at")}


def test_set_shop_state_changes_only_what_it_is_given(store):
    store.save_shop(REMOTE)
    store.set_shop_state(REMOTE.id, last_attempt_at=NOW, last_error="TikTok did not answer (timeout)")
    shop = store.shop(REMOTE.id)
    assert shop.last_attempt_at == NOW and shop.last_error == "TikTok did not answer (timeout)"
    assert shop.token_state is TokenState.OK and shop.token_expires_at == NOW + 24 * HOUR

    store.set_shop_state(REMOTE.id, last_sync_at=NOW, last_error=None, token_state=TokenState.EXPIRED)
    shop = store.shop(REMOTE.id)
    assert (shop.last_sync_at, shop.last_error, shop.token_state) == (NOW, None, TokenState.EXPIRED)
    assert shop.last_attempt_at == NOW

    with pytest.raises(StoreError, match="no shop 'nope'"):
        store.set_shop_state("nope", last_error="x")


def test_removing_a_shop_takes_its_orders_lines_requests_notes_and_history_only(store):
    store.save_shop(REMOTE)
    store.upsert_orders([make_order(1), make_order(2)], source="t")
    store.upsert_orders([make_order(3, shop_id=REMOTE.id), make_order(4, shop_id=REMOTE.id)], source="t")
    remote_ids = [make_order(n).id for n in (3, 4)]
    store.add_note(remote_ids[0], text="fragile")
    store.add_request(remote_ids[1], RequestType.CANCELLATION, reason="changed my mind")
    store.add_note(make_order(1).id, text="keep me")
    before = store.counts()

    assert store.remove_shop(REMOTE.id) == 2

    assert store.shop(REMOTE.id) is None and [s.id for s in store.shops()] == [LOCAL_SHOP]
    assert store.get_many(remote_ids) == []
    assert store.counts()["all"] == before["all"] - 2 == 2
    for table in ("line_items", "notes", "requests", "history"):
        left = store.conn.execute(
            f"SELECT count(*) FROM {table} WHERE order_id IN (?, ?)", remote_ids
        ).fetchone()[0]
        assert left == 0, table
    assert store.get(make_order(1).id).current_note.text == "keep me"


def test_notes_requests_and_history_of_a_remote_order_carry_its_shop(store):
    store.save_shop(REMOTE)
    store.upsert_orders([make_order(3, shop_id=REMOTE.id)], source="t")
    oid = make_order(3).id
    store.add_note(oid, text="fragile")
    store.add_request(oid, RequestType.CANCELLATION, reason="changed my mind")
    for table in ("notes", "requests", "history"):
        shops = {r[0] for r in store.conn.execute(f"SELECT shop_id FROM {table} WHERE order_id = ?", (oid,))}
        assert shops == {REMOTE.id}, table
    assert store.get(oid).shop_id == REMOTE.id


def test_the_local_shop_and_unknown_shops_cannot_be_removed(store):
    store.upsert_orders([make_order(1)], source="t")
    with pytest.raises(StoreError, match="local shop .* cannot be removed"):
        store.remove_shop(LOCAL_SHOP)
    with pytest.raises(StoreError, match="no shop 'nope'"):
        store.remove_shop("nope")
    assert store.counts()["all"] == 1


def test_shops_are_read_from_a_read_only_store(store, clock):
    store.save_shop(REMOTE)
    with Store(store.path, clock=clock, read_only=True) as reader:
        assert [s.id for s in reader.shops()] == [LOCAL_SHOP, REMOTE.id]


def test_one_holder_at_a_time_syncs_a_shop_until_its_lease_runs_out(store, clock):
    store.save_shop(REMOTE)
    assert store.take_lease(REMOTE.id, "terminal 1", 60) is None
    assert store.take_lease(REMOTE.id, "terminal 2", 60) == "terminal 1"
    assert store.take_lease(REMOTE.id, "terminal 1", 60) is None  # its holder renews it

    clock.advance(timedelta(seconds=61))  # terminal 1 died without giving it back
    assert store.take_lease(REMOTE.id, "terminal 2", 60) is None
    store.release_lease(REMOTE.id, "terminal 1")  # only the holder gives it back
    assert store.take_lease(REMOTE.id, "terminal 1", 60) == "terminal 2"
    store.release_lease(REMOTE.id, "terminal 2")
    assert store.take_lease(REMOTE.id, "terminal 1", 60) is None
