"""The export (e) and print (P) dialogs: scope and counts, running in a worker, cancel, results.

Snapshots at 80x24; update with `pytest --snapshot-update` only after looking at the SVGs.
"""

from __future__ import annotations

import csv
import json

import pytest
from textual.widgets import Input, RadioSet, Static

from tsshop_tui.store import Store
from tsshop_tui.ui.modals.export import ExportModal
from tsshop_tui.ui.modals.print import PrintModal
from tsshop_tui.ui.widgets.order_list import OrderList

from .ui_shop import build_shop, make_app


@pytest.fixture
def shop_db(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # default file names land in the test's own folder
    return build_shop(tmp_path / "shop.db")


def _text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def _tag(pilot, count: int) -> None:
    for _ in range(count):
        await pilot.press("space")
        await pilot.press("j")
    await pilot.pause()


async def test_e_opens_export_with_counts_and_exports_the_tab(shop_db, tmp_path):
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        to_ship = app.screen.counts["to-ship"]
        await pilot.press("e")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ExportModal)
        assert f"{to_ship} orders will be exported" in _text(modal, "#export-count")
        assert modal.query_one("#path", Input).value == "tsshop-to-ship-20261126-1200.csv"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = _text(modal, "#export-status")
        assert f"Exported {to_ship} orders" in status
        target = tmp_path / "tsshop-to-ship-20261126-1200.csv"
        assert target.name in status
        with target.open(encoding="utf-8-sig", newline="") as handle:
            ids = {row["Order ID"] for row in csv.DictReader(handle)}
        assert len(ids) == to_ship
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ExportModal)


async def test_export_scope_follows_tags_and_format_renames_the_file(shop_db, tmp_path):
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await _tag(pilot, 3)
        tagged = list(app.screen.query_one(OrderList).tagged)
        await pilot.press("e")
        await pilot.pause()
        modal = app.screen
        assert modal.chosen == "tagged"
        assert "3 orders will be exported" in _text(modal, "#export-count")
        modal.query_one("#format-json").value = True
        await pilot.pause()
        assert modal.query_one("#path", Input).value == "tsshop-tagged-20261126-1200.json"
        modal.query_one("#scope-all").value = True
        await pilot.pause()
        assert "18 orders will be exported" in _text(modal, "#export-count")
        modal.query_one("#scope-tagged").value = True
        await pilot.pause()
        await pilot.click("#start")
        await app.workers.wait_for_complete()
        await pilot.pause()
        data = json.loads((tmp_path / "tsshop-tagged-20261126-1200.json").read_text())
        assert sorted(order["id"] for order in data) == sorted(tagged)


async def test_cancel_during_an_export_leaves_no_file(shop_db, tmp_path):
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.screen.action_tab("all")
        await pilot.press("e")
        await pilot.pause()
        modal = app.screen
        modal.batch = 1  # one order per batch: plenty of chances to cancel
        shown = modal._progress

        def progress_then_cancel(done: int) -> None:
            shown(done)
            if done == 2:
                modal.action_cancel()  # the user presses Cancel while the export runs

        modal._progress = progress_then_cancel
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Export cancelled: nothing was written" in _text(modal, "#export-status")
        assert not list(tmp_path.glob("tsshop-*.csv"))
        assert not list(tmp_path.glob(".tsshop-*"))  # nor a temporary file
        assert not modal.query_one("#start").disabled  # the user can try again
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ExportModal)


async def test_export_to_a_missing_folder_says_why(shop_db, tmp_path):
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        modal = app.screen
        modal.query_one("#path", Input).value = str(tmp_path / "missing" / "x.csv")
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "does not exist" in _text(modal, "#export-status")


async def test_escape_closes_the_export_dialog_untouched(shop_db, tmp_path):
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ExportModal)
        assert not list(tmp_path.glob("tsshop-*"))


async def test_P_prints_a_picking_list_and_records_history(shop_db, tmp_path):
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        to_ship = app.screen.counts["to-ship"]
        await pilot.press("P")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, PrintModal)
        assert f"{to_ship} orders" in _text(modal, "#print-count")
        assert "No printer configured" in _text(modal, "#print-count")
        modal.query_one("#paper-Letter").value = True
        await pilot.pause()
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = _text(modal, "#print-status")
        assert f"Picking list of {to_ship} orders" in status
        assert "No printer configured" in status
        assert (tmp_path / "tsshop-picking-list-to-ship-20261126-1200.pdf").exists()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, PrintModal)
    with Store(shop_db) as store:
        order = store.get("577000000000000001")
    assert order.history[-1].action == "picking list printed"


async def test_P_labels_list_the_skipped_orders(shop_db, tmp_path):
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.screen.action_tab("all")
        await pilot.press("P")
        await pilot.pause()
        modal = app.screen
        modal.query_one("#kind-labels").value = True
        await pilot.pause()
        assert modal.query_one("#paper", RadioSet).disabled
        assert modal.query_one("#path", Input).value == "tsshop-labels-all-20261126-1200.pdf"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = _text(modal, "#print-status")
        assert "4 labels" in status and "14 skipped" in status
        skipped = _text(modal, "#print-skipped-list")
        assert "577000000000000011" in skipped and "'N/A'" in skipped
        assert "577000000000000015" in skipped and "cancelled" in skipped


async def test_read_only_printing_makes_the_pdf_and_says_history_was_not_written(shop_db, tmp_path):
    app = make_app(shop_db, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("P")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = _text(app.screen, "#print-status")
        assert "Picking list of" in status
        assert "read-only terminal" in status and "could not be recorded" in status
        assert (tmp_path / "tsshop-picking-list-to-ship-20261126-1200.pdf").exists()
    with Store(shop_db) as store:
        assert all(e.action != "picking list printed" for e in store.get("577000000000000001").history)


async def test_read_only_export_works(shop_db, tmp_path):
    app = make_app(shop_db, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Exported" in _text(app.screen, "#export-status")


async def test_palette_offers_export_and_print(shop_db):
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        titles = [command.title for command in app.screen.palette_commands()]
        assert "Export orders" in titles and "Print picking list / labels" in titles


# Snapshots ------------------------------------------------------------------------------------


def test_export_dialog(snap_compare, shop_db):
    async def open_export(pilot):
        await _tag(pilot, 2)
        await pilot.press("e")
        await pilot.pause()

    assert snap_compare(make_app(shop_db), run_before=open_export, terminal_size=(80, 24))


def test_print_dialog(snap_compare, shop_db):
    async def open_print(pilot):
        await pilot.press("P")
        await pilot.pause()

    assert snap_compare(make_app(shop_db), run_before=open_print, terminal_size=(80, 24))


def test_print_dialog_after_labels(snap_compare, shop_db):
    async def print_labels(pilot):
        pilot.app.screen.action_tab("all")
        await pilot.press("P")
        await pilot.pause()
        pilot.app.screen.query_one("#kind-labels").value = True
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(shop_db), run_before=print_labels, terminal_size=(80, 24))


async def test_counts_still_being_counted_are_counted_by_the_dialog(shop_db):
    from tsshop_tui.domain.query import Filters, Sort
    from tsshop_tui.ui.modals.export import scopes_for

    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        # The screen is still counting its filtered tabs: no counts yet.
        scopes = scopes_for("to-ship", Filters(flag="red"), [], {})
        assert [s.count for s in scopes] == [None, None]
        modal = ExportModal(scopes, sort=Sort.SHIP_BY, descending=False, now=app.clock.now())
        await app.push_screen(modal)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert {k: s.count for k, s in modal.scopes.items()} == {"tab": 1, "all": 18}
        assert "1 order will be exported" in _text(modal, "#export-count")
        assert "All orders — 18 orders" in str(modal.query_one("#scope-all").label)
