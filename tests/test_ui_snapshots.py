"""Every screen of the command centre, at 80x24 and 120x36, fixed clock and fixed data.

Update with `pytest --snapshot-update` only after looking at the SVGs.
"""

from __future__ import annotations

import pytest

from .ui_shop import MARKUP_ORDER, make_app

SIZES = [(80, 24), (120, 36)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_list_view(snap_compare, shop_db, size):
    assert snap_compare(make_app(shop_db), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_card_view(snap_compare, shop_db, size):
    assert snap_compare(make_app(shop_db), press=["v"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_action_needed_tab(snap_compare, shop_db, size):
    assert snap_compare(make_app(shop_db), press=["1"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_order_detail_with_markup_and_escapes(snap_compare, shop_db, size):
    async def open_markup_order(pilot):
        await pilot.press("slash")
        await pilot.pause()
        pilot.app.screen.query_one("#ids").load_text(MARKUP_ORDER)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(make_app(shop_db), run_before=open_markup_order, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_search_results_with_not_found_ids(snap_compare, shop_db, size):
    async def search(pilot):
        await pilot.press("slash")
        await pilot.pause()
        pilot.app.screen.query_one("#ids").load_text(
            "577000000000000001, HOOD-BLK-M\n9400111899223344556677 NOPE-1 577999999999999999"
        )
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(shop_db), run_before=search, terminal_size=size)


def test_search_dialog(snap_compare, shop_db):
    async def type_ids(pilot):
        await pilot.press("slash")
        await pilot.pause()
        pilot.app.screen.query_one("#ids").load_text("577000000000000001, HOOD-BLK-M\nTT1234567890")
        await pilot.pause()

    assert snap_compare(make_app(shop_db), run_before=type_ids, terminal_size=(80, 24))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_filter_chips(snap_compare, shop_db, size):
    from tsshop_tui.domain.model import Flag
    from tsshop_tui.domain.query import Filters

    async def filter_(pilot):
        pilot.app.screen.set_filters(Filters(flag=Flag.RED, at_risk_hours=6, creator="techwithtom"))
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(shop_db), run_before=filter_, terminal_size=size)


def test_filter_dialog(snap_compare, shop_db):
    from tsshop_tui.domain.query import Filters

    async def open_filters(pilot):
        pilot.app.screen.set_filters(Filters(overdue=True, creator="anna.styles"))
        await pilot.app.workers.wait_for_complete()
        await pilot.press("f")
        await pilot.pause()

    assert snap_compare(make_app(shop_db), run_before=open_filters, terminal_size=(80, 24))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help(snap_compare, shop_db, size):
    assert snap_compare(make_app(shop_db), press=["question_mark"], terminal_size=size)


def test_save_view_dialog(snap_compare, shop_db):
    assert snap_compare(make_app(shop_db), press=["b", *"late ones"], terminal_size=(80, 24))


def test_main_screen_with_tiktok_shops_and_their_sync_state(snap_compare, tmp_path):
    """The header names the shop whose token expired; in All, ↑ marks the cancel waiting for TikTok
    and ! the shipment TikTok refused (the cursor on it: the status line says TikTok's words)."""
    from .ui_sync_shop import REFUSED_ORDER, build_two_shops, sync_app

    async def to_refused(pilot):
        rows = [row.id for row in pilot.app.screen.query_one("#orders").rows]
        await pilot.press(*["j"] * rows.index(REFUSED_ORDER))
        await pilot.pause()

    app = sync_app(build_two_shops(tmp_path / "shop.db"), tab="all")
    assert snap_compare(app, run_before=to_refused, terminal_size=(80, 24))


def test_shops_and_sync_screen(snap_compare, tmp_path):
    from .ui_sync_shop import build_two_shops, sync_app

    assert snap_compare(sync_app(build_two_shops(tmp_path / "shop.db")), press=["T"], terminal_size=(80, 24))
