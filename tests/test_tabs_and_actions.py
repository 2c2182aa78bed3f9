"""Tabs and order actions are declared once (domain.catalog, ui.actions) and everything reads them."""

from __future__ import annotations

from tsshop_tui.domain.catalog import STATUS_TABS, TAB_IDS, TABS
from tsshop_tui.domain.model import OrderStatus
from tsshop_tui.domain.query import Sort
from tsshop_tui.store import Store, schema

from .factories import random_orders


def test_every_tab_has_sorts_the_list_knows_and_its_own_key():
    assert all(tab.sorts and all(Sort(sort) for sort in tab.sorts) for tab in TABS)
    keys = [tab.key for tab in TABS if tab.key]
    assert len(keys) == len(set(keys))
    assert sorted(status for tab in STATUS_TABS for status in tab.statuses) == sorted(OrderStatus)


def test_the_store_sorts_a_tab_as_the_catalog_declares(monkeypatch, store):
    """A tab's default sort, and which sorts it offers, are the Tab's: the store, its export IDs and
    the screens read the same declaration (here To ship made to sort by total first)."""
    import dataclasses

    from tsshop_tui.domain import catalog

    store.upsert_orders(random_orders(5, 30), source="test")
    assert store.page("action-needed").sort is Sort.DEADLINE
    assert store.page("to-ship", sort=Sort.DEADLINE).sort is Sort.SHIP_BY  # not one To ship offers
    to_ship = dataclasses.replace(catalog.TABS_BY_ID["to-ship"], sorts=("total", "ship-by"))
    monkeypatch.setitem(catalog.TABS_BY_ID, "to-ship", to_ship)
    page = store.page("to-ship", limit=500)
    assert page.sort is Sort.TOTAL
    assert [row.id for row in page.rows] == list(store.export_ids("to-ship"))


def test_a_tab_holds_the_orders_of_its_kind_and_the_list_shows_its_columns(monkeypatch, store):
    """Which orders a tab holds and the list's first columns are the Tab's (kind, columns)."""
    import dataclasses

    from tsshop_tui.domain import catalog
    from tsshop_tui.domain.catalog import TabKind
    from tsshop_tui.ui.widgets.order_list import layout

    store.upsert_orders(random_orders(6, 60), source="test")
    counts = store.counts()
    assert counts["all"] == 60 and counts["all"] == len(store.page("all", limit=500).rows)
    returns = [row.id for row in store.page("returns", limit=500).rows]
    assert len(returns) == counts["returns"] and all(store.get(i).requests for i in returns)
    every = dataclasses.replace(catalog.TABS_BY_ID["cancelled"], kind=TabKind.EVERY,
                                columns=("order", "status", "total"))
    monkeypatch.setitem(catalog.TABS_BY_ID, "cancelled", every)
    layout.cache_clear()
    assert len(store.page("cancelled", limit=500).rows) == 60
    assert [column.key for column, _ in layout(80, "cancelled")][:3] == ["order", "status", "total"]
    layout.cache_clear()


def test_a_database_whose_tabs_drifted_from_the_catalog_is_put_right_when_opened(tmp_path, clock):
    """A database made before a tab was added keeps its old status -> tab mapping in the generated
    column; opening it for writing maps, indexes and counts the tabs as the catalog does now."""
    path = tmp_path / "shop.db"
    orders = random_orders(3, 200)
    with Store(path, clock=clock, actor="tester") as store:
        store.upsert_orders(orders, source="test")
        expected = store.counts()
        stale = schema.tab_case(tuple(tab for tab in STATUS_TABS if tab.id != "in-transit"))
        with store.transaction():
            for statement in schema.retab(stale):
                store.conn.execute(statement)
        assert store.counts()["in-transit"] == 0 < expected["in-transit"]
        assert schema.tabs_drifted(store.conn)
    with Store(path, clock=clock, read_only=True) as watcher:
        assert schema.tabs_drifted(watcher.conn)
    with Store(path, clock=clock, actor="tester") as store:
        assert not schema.tabs_drifted(store.conn)
        assert store.counts() == expected and set(store.counts()) == set(TAB_IDS)
        in_transit = [o.id for o in orders if o.status is OrderStatus.IN_TRANSIT]
        assert sorted(row.id for row in store.page("in-transit", limit=500).rows) == sorted(in_transit)
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_orders_are_found_by_the_tabs_holding_their_statuses_however_the_catalog_groups_them(monkeypatch, store):
    """schema.in_tabs (Action needed, the overdue filter, the backlog, the simulator): with Partially
    shipped a tab of its own, and with On hold folded into To ship, it still picks exactly the to-ship orders."""
    import dataclasses

    from tsshop_tui.domain.catalog import TABS_BY_ID, TO_SHIP

    orders = random_orders(6, 300)
    store.upsert_orders(orders, source="test")
    to_ship = sorted(o.id for o in orders if o.status in TO_SHIP)
    S = OrderStatus
    rest = tuple(tab for tab in STATUS_TABS if tab.id != "to-ship")
    split = (dataclasses.replace(TABS_BY_ID["to-ship"], statuses=(S.AWAITING_SHIPMENT,)),
             dataclasses.replace(TABS_BY_ID["to-ship"], id="partially-shipped", statuses=(S.PARTIALLY_SHIPPING,)),
             *rest)
    folded = (dataclasses.replace(TABS_BY_ID["to-ship"], statuses=(*TO_SHIP, S.ON_HOLD)),
              *(tab for tab in rest if tab.id != "on-hold"))
    for tabs in (split, folded):
        monkeypatch.setattr(schema, "STATUS_TABS", tabs)
        with store.transaction():
            for statement in schema.retab(schema.tab_case(schema.STATUS_TABS)):
                store.conn.execute(statement)
        found = sorted(row[0] for row in store.conn.execute(f"SELECT id FROM orders WHERE {schema.in_tabs(TO_SHIP)}"))
        assert found == to_ship


def test_a_database_keeping_its_counts_under_other_rows_is_recounted_when_opened(tmp_path, clock):
    """A database whose triggers keep All and Returns under other tab_counts rows than schema.KEPT_COUNTS
    (made by a tsshop that named them otherwise) shows them as 0 until opened for writing; then its
    count triggers are built again, every count is right and stays right as orders change."""
    path = tmp_path / "shop.db"
    with Store(path, clock=clock, actor="tester") as store:
        store.upsert_orders(random_orders(4, 200), source="test")
        expected = store.counts()
        other = (schema.KeptCount("every"), schema.KeptCount("with-return", "has_return"))
        with store.transaction():
            for statement in schema.recount(other):
                store.conn.execute(statement)
        assert store.counts()["all"] == store.counts()["returns"] == 0 < expected["returns"]
        assert schema.tabs_drifted(store.conn)
    with Store(path, clock=clock, read_only=True) as watcher:
        assert schema.tabs_drifted(watcher.conn)
    with Store(path, clock=clock, actor="tester") as store:
        assert not schema.tabs_drifted(store.conn)
        assert store.counts() == expected
        store.upsert_orders(random_orders(5, 50), source="test")
        kept = store.counts()
        with store.transaction():
            for statement in schema.REBUILD_COUNTS:
                store.conn.execute(statement)
        assert store.counts() == kept and kept["all"] == 250
        assert not {"every", "with-return"} & {row[0] for row in store.conn.execute("SELECT tab FROM tab_counts")}


def test_a_status_tab_with_the_row_of_a_kept_count_is_refused_when_tsshop_starts():
    import subprocess
    import sys

    code = (
        "import dataclasses; from tsshop_tui.domain import catalog; "
        "catalog.STATUS_TABS += (dataclasses.replace(catalog.STATUS_TABS[0], id='returns'),); "
        "import tsshop_tui.store"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "RuntimeError: the status tabs ['returns'] have the tab_counts row of a KEPT_COUNTS count"
    )


def test_every_order_action_is_bound_where_it_is_offered_with_its_declared_key():
    from tsshop_tui.domain.catalog import ORDER_ACTIONS
    from tsshop_tui.ui import actions
    from tsshop_tui.ui.screens.detail import OrderDetailScreen
    from tsshop_tui.ui.screens.main import MainScreen

    def bound(screen: type) -> dict[str, tuple[str, str]]:
        return {b.id: (b.key, b.action) for b in screen.BINDINGS if b.id}

    for action in ORDER_ACTIONS:
        assert bound(MainScreen)[f"main.{action.id}"] == (action.key, actions.binding_action(action))
        assert hasattr(MainScreen, f"action_{actions.call(action)[0]}")
        if action.detail:
            assert bound(OrderDetailScreen)[f"detail.{action.id}"] == (action.key, actions.binding_action(action))
    keys = [b.key for b in MainScreen.BINDINGS]
    assert len(keys) == len(set(keys)), "two main-screen bindings share a key"
    assert {a.id for a in ORDER_ACTIONS if not a.writes} == {"export", "print"}
    assert actions.writes("order", ("ship",)) and not actions.writes("export", ())


def test_the_keymap_takes_every_order_action_id_and_refuses_one_the_registry_lacks():
    import pytest

    from tsshop_tui.config import ConfigError
    from tsshop_tui.ui import actions
    from tsshop_tui.ui.keymap import check_keymap

    check_keymap(dict.fromkeys(actions.binding_ids(), "Z"))
    with pytest.raises(ConfigError, match="'detail.export' .did you mean 'main.export'.. matches no binding"):
        check_keymap({"detail.export": "E"})


def test_every_order_action_declares_its_role_a_dialog_and_a_store_method_that_exist():
    import inspect

    from tsshop_tui.domain.catalog import ORDER_ACTIONS, ORDER_ACTIONS_BY_ID, Role
    from tsshop_tui.store import Store
    from tsshop_tui.ui import actions
    from textual.screen import ModalScreen

    from tsshop_tui.ui.modals.action import ActionDialog

    for action in ORDER_ACTIONS:  # a reading action's dialog is opened by the screen's own method
        assert issubclass(actions.dialog(action), ActionDialog if action.writes else ModalScreen), action.id
        if action.writes:
            assert list(inspect.signature(getattr(Store, action.bulk)).parameters)[1] == "order_ids", action.id
    designed = {"note": Role.PACKER, "cancel": Role.LEAD, "ship": Role.PACKER, "answer": Role.LEAD,
                "export": Role.LEAD, "print": Role.PACKER}  # DESIGN.md, "Shops, operators, roles"
    assert {action_id: ORDER_ACTIONS_BY_ID[action_id].role for action_id in designed} == designed


def test_the_command_line_has_a_subcommand_for_each_declared_action():
    import argparse

    from tsshop_tui.cli import build_parser
    from tsshop_tui.domain.catalog import ORDER_ACTIONS

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help for choice in sub._choices_actions}
    for action in ORDER_ACTIONS:
        if action.command:
            assert helps[action.command] == action.command_help


async def test_help_shows_the_keys_the_users_keymap_gives_tabs_and_actions(tmp_path):
    from textual.widgets import Static

    from .ui_shop import build_shop, make_app

    keymap = {"main.tab.to-ship": "T", "main.note": "N", "main.view.toggle": "V"}
    async with make_app(build_shop(tmp_path / "shop.db"), keymap=keymap).run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        table = pilot.app.screen.query(Static)[-1].content
        options = pilot.app.console.options.update_width(300)
        text = "".join(segment.text for segment in pilot.app.console.render(table, options))
        tabs = text.split("Tabs: ")[1].split("\n")[0]
        assert "T To ship" in tabs and "2 To ship" not in tabs and "1 Action needed" in tabs
        assert " N             Note — " in text and " V             View — " in text


async def test_the_palette_offers_each_declared_action_and_only_reading_ones_when_read_only(tmp_path):
    from tsshop_tui.domain.catalog import ORDER_ACTIONS

    from .ui_shop import build_shop, make_app

    path = build_shop(tmp_path / "shop.db")
    for read_only in (False, True):
        async with make_app(path, read_only=read_only).run_test(size=(80, 24)) as pilot:
            commands = {c.title: c.help for c in pilot.app.screen.palette_commands()}
            for action in ORDER_ACTIONS:
                offered = not (read_only and action.writes)
                assert (commands.get(action.palette) == f"{action.key} · {action.about}") is offered


HOLD = "Hold for verification"


def _with_hold(monkeypatch):
    """ORDER_ACTIONS with a note-like action declared in it, as adding one to the catalog would."""
    from dataclasses import replace

    from tsshop_tui import cli
    from tsshop_tui.domain import catalog
    from tsshop_tui.domain.model import Flag

    hold = replace(catalog.ORDER_ACTIONS_BY_ID["note"], id="hold", key="h", label="Hold", command="hold",
                   command_help="hold orders for verification", command_about="A red flag and a note.",
                   note=catalog.NoteStart(Flag.RED, HOLD))
    monkeypatch.setattr(cli, "ORDER_ACTIONS", (*catalog.ORDER_ACTIONS, hold))
    monkeypatch.setitem(catalog.ORDER_ACTIONS_BY_ID, "hold", hold)
    return hold


def test_a_declared_note_like_action_is_a_subcommand_adding_its_note(monkeypatch, store):
    import io

    from tsshop_tui.cli import main
    from tsshop_tui.domain.model import Flag

    from .factories import NOW, make_order

    _with_hold(monkeypatch)
    store.upsert_orders([make_order(1)], source="test")
    order_id = make_order(1).id
    out, err = io.StringIO(), io.StringIO()
    code = main(["hold", order_id, "--db", str(store.path), "--now", NOW.isoformat()], out=out, err=err)
    assert code == 0, err.getvalue()
    order = store.get(order_id)
    assert (order.flag, order.current_note.text) == (Flag.RED, HOLD)
    assert order.history[-1].after.get("job")


async def test_a_note_like_actions_dialog_starts_with_its_note(monkeypatch, tmp_path):
    from tsshop_tui.domain.model import Flag
    from tsshop_tui.ui.modals.note import NoteModal
    from tsshop_tui.ui.widgets.order_list import OrderList

    from .ui_shop import build_shop, make_app

    _with_hold(monkeypatch)
    async with make_app(build_shop(tmp_path / "shop.db")).run_test(size=(120, 36)) as pilot:
        pilot.app.screen.action_order("hold")
        await pilot.pause()
        assert isinstance(pilot.app.screen, NoteModal)
        await pilot.press("ctrl+s")
        await pilot.pause()
        order = pilot.app.store.get(pilot.app.screen.query_one(OrderList).cursor_row.id)
        assert (order.flag, order.current_note.text) == (Flag.RED, HOLD)
