"""Pilot tests: every key of the command centre does what its footer and help say."""

from __future__ import annotations

from tsshop_tui.config import load_settings, saved_views
from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.model import OrderStatus
from tsshop_tui.domain.query import MAX_SEARCH_IDS, Filters, Sort
from tsshop_tui.store import Store
from tsshop_tui.ui.modals.filters import FilterModal
from tsshop_tui.ui.modals.search import SearchModal
from tsshop_tui.ui.screens.detail import OrderDetailScreen
from tsshop_tui.ui.screens.help import HelpScreen
from tsshop_tui.ui.screens.main import MainScreen
from tsshop_tui.ui.widgets.order_list import OrderList
from tsshop_tui.ui.widgets.shop_header import ShopHeader

from .factories import NOW, make_order, random_orders
from .ui_shop import MARKUP_ORDER, make_app, parts


async def test_opens_on_to_ship_with_every_tab_counted(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        screen, orders = parts(pilot.app)
        assert screen.tab == "to-ship"
        assert screen.counts["to-ship"] == 10 and screen.counts["all"] == 18
        assert orders.has_focus
        assert orders.cursor_row.id == "577000000000000002"  # the overdue one sorts first


async def test_number_keys_and_brackets_switch_tabs(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        screen, orders = parts(pilot.app)
        await pilot.press("1")
        assert screen.tab == "action-needed"
        assert orders.cursor_row.reason is not None
        await pilot.press("0")
        assert screen.tab == "returns"
        await pilot.press("right_square_bracket")
        assert screen.tab == "all"
        await pilot.press("right_square_bracket")
        assert screen.tab == "action-needed"
        await pilot.press("left_square_bracket")
        assert screen.tab == "all"


async def test_v_switches_views_and_keeps_the_cursor_on_its_order(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        _, orders = parts(pilot.app)
        await pilot.press("j", "j", "j")
        chosen = orders.cursor_row.id
        await pilot.press("v")
        assert orders.cards and orders.cursor_row.id == chosen
        await pilot.press("v")
        assert not orders.cards and orders.cursor_row.id == chosen


async def test_movement_keys(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        _, orders = parts(pilot.app)
        ids = [row.id for row in orders.rows]
        await pilot.press("j")
        assert orders.cursor_row.id == ids[1]
        await pilot.press("k")
        assert orders.cursor_row.id == ids[0]
        await pilot.press("G")
        assert orders.cursor_row.id == ids[-1]
        await pilot.press("g")
        assert orders.cursor_row.id == ids[0]
        await pilot.press("pagedown")
        assert orders.cursor_row.id == ids[-1]
        await pilot.press("pageup")
        assert orders.cursor_row.id == ids[0]
        await pilot.press("down")
        assert orders.cursor_row.id == ids[1]


async def test_paging_through_a_large_tab_holds_only_a_window(tmp_path):
    db = tmp_path / "big.db"
    with Store(db, clock=FixedClock(NOW)) as store:
        store.upsert_orders([make_order(n, OrderStatus.AWAITING_SHIPMENT) for n in range(1, 1201)], source="t")
        expected = [r.id for r in store.page("to-ship", limit=5000).rows]
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        _, orders = parts(pilot.app)
        seen = [orders.cursor_row.id]
        for _ in range(1199):
            orders.move(1)
            seen.append(orders.cursor_row.id)
        assert seen == expected
        assert len(orders.rows) <= 460
        await pilot.press("g")
        assert orders.cursor_row.id == expected[0]
        await pilot.press("G")
        assert orders.cursor_row.id == expected[-1]
        for _ in range(100):
            orders.move(-1)
        assert orders.cursor_row.id == expected[-101]


async def test_enter_opens_detail_and_escape_returns_to_the_same_place(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        _, orders = parts(pilot.app)
        await pilot.press("j", "j")
        chosen = orders.cursor_row.id
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, OrderDetailScreen)
        assert pilot.app.screen.order.id == chosen
        await pilot.press("j", "k")
        await pilot.press("escape")
        await pilot.pause()
        _, orders = parts(pilot.app)
        assert orders.cursor_row.id == chosen


async def test_bulk_search_shows_results_and_what_matched_nothing(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        screen, orders = parts(pilot.app)
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(pilot.app.screen, SearchModal)
        pilot.app.screen.query_one("#ids").load_text("577000000000000001,HOOD-BLK-M\nNOPE 577000000000000001")
        await pilot.press("enter")
        await pilot.pause()
        screen, orders = parts(pilot.app)
        assert screen.search_ids == ["577000000000000001", "HOOD-BLK-M", "NOPE"]
        assert screen.not_found == ["NOPE"]
        assert screen.tab == "all"
        assert "577000000000000001" in [r.id for r in orders.rows]
        assert "Matched nothing (1): NOPE" in str(screen.query_one("#search-line").render())
        await pilot.press("escape")
        assert screen.search_ids == [] and screen.counts["all"] == 18


async def test_more_than_100_ids_is_refused_with_a_message(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await pilot.press("slash")
        await pilot.pause()
        modal = pilot.app.screen
        modal.query_one("#ids").load_text(" ".join(str(n) for n in range(MAX_SEARCH_IDS + 1)))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, SearchModal)
        assert "at most 100" in str(modal.query_one("#search-count").render())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, MainScreen)


async def test_filters_combine_into_chips_and_clear(shop_db):
    async with make_app(shop_db).run_test(size=(100, 30)) as pilot:
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(pilot.app.screen, FilterModal)
        modal = pilot.app.screen
        modal.query_one("#creator").value = "@glowbymia"
        modal.query_one("#at_risk").value = "24"
        await pilot.press("f2")
        await pilot.pause()
        screen, orders = parts(pilot.app)
        assert screen.filters == Filters(creator="glowbymia", at_risk_hours=24)
        assert {r.id for r in orders.rows} == {"577000000000000006", "577000000000000018"}
        title = str(screen.query_one("#title-line").render())
        assert "at risk <24h" in title and "creator @glowbymia" in title
        await pilot.press("f")
        await pilot.pause()
        await pilot.click("#chip-creator")
        await pilot.pause()
        screen, _ = parts(pilot.app)
        assert screen.filters == Filters(at_risk_hours=24)
        await pilot.press("F")
        assert screen.filters == Filters()


async def test_filter_dialog_explains_a_bad_date(shop_db):
    async with make_app(shop_db).run_test(size=(100, 30)) as pilot:
        await pilot.press("f")
        await pilot.pause()
        modal = pilot.app.screen
        modal.query_one("#created_from").value = "26/11/2026"
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(pilot.app.screen, FilterModal)
        assert "not a date" in str(modal.query_one("#filter-error").render())


async def test_sort_keys_cycle_and_reverse(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        screen, orders = parts(pilot.app)
        await pilot.press("s")
        assert screen.sort is Sort.CREATED
        await pilot.press("s")
        assert screen.sort is Sort.TOTAL
        totals = [r.total_amount for r in orders.rows]
        assert totals == sorted(totals)
        await pilot.press("S")
        totals = [r.total_amount for r in orders.rows]
        assert totals == sorted(totals, reverse=True)
        assert "total ↓" in str(screen.query_one("#title-line").render())


async def test_space_tags_rows_and_u_untags(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        screen, orders = parts(pilot.app)
        first = orders.cursor_row.id
        await pilot.press("space", "space")
        assert len(orders.tagged) == 2 and first in orders.tagged
        assert "2 tagged" in str(screen.query_one("#status-line").render())
        await pilot.press("u")
        assert not orders.tagged
        await pilot.press("space", "escape")
        assert len(orders.tagged) == 1  # esc backs out of a search, never out of a built-up batch


async def test_live_refresh_follows_other_writers_without_moving_the_cursor(shop_db, monkeypatch):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        screen, orders = parts(pilot.app)
        told: list[str] = []
        monkeypatch.setattr(pilot.app, "notify", lambda message, **_: told.append(message))
        await pilot.press("j", "j")
        chosen = orders.cursor_row.id
        with Store(shop_db, clock=FixedClock(NOW)) as other:
            other.upsert_orders(
                [make_order(n, rts_sla_time=NOW) for n in range(100, 104)], source="another terminal"
            )
        screen._poll()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.counts["to-ship"] == 14 and screen.counts["all"] == 22
        assert orders.cursor_row.id == chosen
        assert pilot.app.screen.query_one(ShopHeader).new_orders == 4
        # announced in the header only: a toast would cover the Flag and Note columns and the status
        # line at every refresh of a busy campaign
        assert told == []


async def test_p_pauses_live_refresh_and_plus_minus_change_its_pace(shop_db):
    async with make_app(shop_db, refresh_seconds=2.0).run_test(size=(80, 24)) as pilot:
        screen, _ = parts(pilot.app)
        header = screen.query_one(ShopHeader)
        await pilot.press("p")
        assert not screen.live and not header.live
        with Store(shop_db, clock=FixedClock(NOW)) as other:
            other.upsert_orders([make_order(200)], source="t")
        screen._poll()
        await pilot.pause()
        assert screen.counts["all"] == 18
        await pilot.press("p")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.live and screen.counts["all"] == 19
        await pilot.press("plus")
        assert header.interval == 1.0
        await pilot.press("minus", "minus")
        assert header.interval == 5.0


async def test_b_saves_a_view_recalled_from_the_palette(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        screen, _ = parts(pilot.app)
        screen.set_filters(Filters(overdue=True))
        await pilot.press("1", "b")
        await pilot.pause()
        await pilot.press(*"late ones", "enter")
        await pilot.pause()
        saved = saved_views(load_settings())
        assert [(v.name, v.tab, v.filters) for v in saved] == [("late ones", "action-needed", Filters(overdue=True))]
        screen.set_filters(Filters())
        await pilot.press("2")
        commands = {c.title: c for c in pilot.app.get_system_commands(screen)}
        commands["View: late ones"].callback()
        assert screen.tab == "action-needed" and screen.filters == Filters(overdue=True)


async def test_help_lists_every_key_and_closes(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, MainScreen)


async def test_keymap_from_config_rebinds_keys(shop_db):
    async with make_app(shop_db, keymap={"main.view.toggle": "V"}).run_test(size=(80, 24)) as pilot:
        _, orders = parts(pilot.app)
        await pilot.press("v")
        assert not orders.cards
        await pilot.press("V")
        assert orders.cards


async def test_marketplace_markup_is_shown_literally(shop_db):
    async with make_app(shop_db).run_test(size=(120, 36)) as pilot:
        screen, _ = parts(pilot.app)
        screen.set_search([MARKUP_ORDER])
        await pilot.press("enter")
        await pilot.pause()
        detail = pilot.app.screen
        summary = detail.query_one("#detail-summary").content
        rendered = "".join(segment.text for segment in pilot.app.console.render(summary))
        assert "[bold red]URGENT[/]" in rendered and "␛[31mRED" in rendered
        assert "\x1b" not in rendered


async def test_scrolling_fetches_pages_not_the_whole_tab(tmp_path):
    """The list asks the store for keyset pages only: count the rows it fetched."""
    db = tmp_path / "random.db"
    with Store(db, clock=FixedClock(NOW)) as store:
        store.upsert_orders(random_orders(11, 600), source="t")
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        screen, orders = parts(pilot.app)
        await pilot.press("right_square_bracket")
        assert screen.tab == "unpaid"
        fetched = []
        store = pilot.app.store
        original = store.page

        def counting(*args, **kwargs):
            page = original(*args, **kwargs)
            fetched.append(len(page.rows))
            return page

        store.page = counting
        await pilot.press("pagedown", "pagedown")
        assert sum(fetched) <= 60



async def test_simulated_campaign_traffic_shows_within_two_refresh_intervals(shop_db):
    """Another process (tsshop simulate) writes; the open screen follows on its own timer."""
    import asyncio
    import sys

    async with make_app(shop_db, refresh_seconds=0.5).run_test(size=(80, 24)) as pilot:
        screen, orders = parts(pilot.app)
        before = dict(screen.counts)
        chosen = orders.cursor_row.id
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tsshop_tui.cli", "simulate", "--db", str(shop_db),
            "--seconds", "0", "--count", "30", "--seed", "5",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )
        assert await process.wait() == 0, (await process.stderr.read()).decode()
        await pilot.pause(1.0)  # two refresh intervals
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.counts["all"] > before["all"]
        still_there = pilot.app.store.get(chosen).status is OrderStatus.AWAITING_SHIPMENT
        assert (orders.cursor_row.id == chosen) is still_there
        await pilot.press("j")
        assert orders.cursor_row is not None


async def test_the_save_view_dialog_saves_with_ctrl_s_like_every_dialog(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await pilot.press("b")
        await pilot.pause()
        hint = " ".join(str(hint.render()) for hint in pilot.app.screen.query(".hint"))
        assert "enter or ctrl+s saves" in hint and "esc cancels" in hint
        await pilot.press(*"urgent", "ctrl+s")
        await pilot.pause()
        assert isinstance(pilot.app.screen, MainScreen)
        assert [v.name for v in saved_views(load_settings())] == ["urgent"]



async def test_the_cursor_rows_marker_is_coloured_only_when_the_row_is_tagged(shop_db):
    """Under the cursor row's reverse video a coloured blank marker would be a green block."""
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        _, orders = parts(pilot.app)

        def marker_and_order_id() -> tuple:
            cells = [(char, segment.style) for segment in orders.render_line(1) for char in segment.text]
            return cells[0], cells[2]

        (mark, mark_style), (_, id_style) = marker_and_order_id()
        assert mark == " " and mark_style.color == id_style.color and mark_style.reverse
        await pilot.press("space", "k")
        (mark, mark_style), (_, id_style) = marker_and_order_id()
        assert mark == "✓" and mark_style.color != id_style.color


async def test_only_the_tab_strips_separators_are_dim(shop_db):
    """Tab names and counts at full strength (a dimmed red badge is grey on 16 colours); the │ between them dim."""
    async with make_app(shop_db).run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        cells = [(char, segment.style) for segment in pilot.app.screen.query_one("#tabs").render_line(0)
                 for char in segment.text]
        assert [char for char, style in cells if char.isalnum() and style and style.dim] == []
        separators = [style for char, style in cells if char == "│"]
        assert separators and all(style and style.dim for style in separators)

async def test_the_tab_strips_position_is_never_cut_off(shop_db):
    """A scrolled strip keeps its whole '‹ 7/11 ›' on screen, whatever tab is active and however wide the counts."""
    from tsshop_tui.domain.catalog import TABS
    from tsshop_tui.ui.widgets.tab_strip import TabStrip

    counts = {"action-needed": 39, "to-ship": 166, "unpaid": 5, "on-hold": 3, "awaiting-collection": 118,
              "in-transit": 338, "delivered": 813, "completed": 488, "cancelled": 91, "returns": 49, "all": 2000}
    assert set(counts) == {tab.id for tab in TABS}
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        strip = pilot.app.screen.query_one(TabStrip)
        strip.counts = counts
        for number, tab in enumerate(TABS, 1):
            strip.active = tab.id
            await pilot.pause()
            line = "".join(segment.text for segment in strip.render_line(0)).rstrip()
            assert line.endswith(f"{number}/{len(TABS)} ›"), line


def test_the_readme_documents_every_key_of_the_main_screen_and_the_dialog_and_terminal_rules():
    """The README's key table names every key of the list (its first key, as a user types it) and says
    how dialogs are answered and how the screen draws on 16-colour and non-UTF-8 terminals."""
    import re
    from pathlib import Path

    from tsshop_tui.ui.app import TsshopApp

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("## The command centre (keys)")[1].split("\n\n")[1]
    documented = {key for row in table.splitlines()[2:] for key in re.findall(r"`([^`]+)`", row.split("|")[1])}
    typed = {"slash": "/", "question_mark": "?", "right_square_bracket": "]", "left_square_bracket": "[",
             "plus": "+", "minus": "-", "escape": "esc"}
    bindings = [*MainScreen.BINDINGS, *OrderList.BINDINGS, *TsshopApp.BINDINGS]
    keys = {typed.get(key, key) for key in (binding.key.split(",")[0] for binding in bindings)}
    undocumented = {key for key in keys if key not in documented and not (key.isdigit() or key.startswith("page"))}
    assert not undocumented, undocumented
    assert "`1`…`0`" in table and "page keys" in table
    assert "correct its tracking" in table and "never untags" in table
    rest = readme.split("## Insights")[0]
    assert "`ctrl+s` submits and `esc` cancels" in rest and "`y` or `n`" in rest
    assert "`TSSHOP_ASCII=1` forces ASCII" in rest and "`TSSHOP_ASCII=0`" in rest and "16-colour terminals" in rest
