"""Issue 10 on the main screen: nothing an operator built up is lost, nothing urgent is hidden."""

from __future__ import annotations

import threading

from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.model import Flag, OrderStatus
from tsshop_tui.domain.query import Filters, Sort
from tsshop_tui.store import Store
from tsshop_tui.ui.screens.main import MainScreen
from tsshop_tui.ui.widgets.order_list import OrderList

from .factories import NOW
from .ui_shop import build_shop, make_app, parts


def line(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


# 10.15 Counts race ----------------------------------------------------------------------------


async def test_a_slow_count_for_old_filters_does_not_overwrite_the_new_one(shop_db, monkeypatch):
    """Filters A are counted slowly; B, chosen meanwhile, are counted at once; A lands last."""
    slow = Filters(flag=Flag.RED)
    release = threading.Event()
    original = Store.counts

    def counts(self, filters=None):
        if filters == slow:
            release.wait(5)
        return original(self, filters)

    monkeypatch.setattr(Store, "counts", counts)
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        screen, _ = parts(pilot.app)
        screen.set_filters(slow)
        await pilot.pause()
        fresh = Filters(creator="anna.styles")
        screen.set_filters(fresh)
        for _ in range(50):
            await pilot.pause(0.02)
            if screen.counts:
                break
        expected = original(pilot.app.store, fresh)
        assert screen.counts == expected
        release.set()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.counts == expected
        assert f"{expected['to-ship']} orders" in line(screen, "#title-line")


# 10.5 esc never untags -------------------------------------------------------------------------


async def test_escape_keeps_the_tags_and_u_untags_saying_how_many(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        screen, orders = parts(pilot.app)
        await pilot.press("space", "space", "space")
        assert len(orders.tagged) == 3
        await pilot.press("escape")
        await pilot.pause()
        assert len(orders.tagged) == 3
        assert "3 tagged" in line(screen, "#status-line")
        await pilot.press("u")
        await pilot.pause()
        assert not orders.tagged
        assert any(n.message == "Untagged 3 orders" for n in pilot.app._notifications)


async def test_escape_still_clears_a_search_first(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        screen, orders = parts(pilot.app)
        await pilot.press("space")
        screen.set_search(["577000000000000001"])
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert screen.search_ids == [] and len(orders.tagged) == 1


# 10.1 Insights drill-down in its own context ---------------------------------------------------


async def test_insights_drill_down_opens_its_own_list_and_leaves_the_work_tabs_alone(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        main, _ = parts(pilot.app)
        before = (main.tab, main.filters, dict(main.sort_by), dict(main.descending_by))
        await pilot.press("H")
        await pilot.app.workers.wait_for_complete()
        await pilot.press("c")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        insights = pilot.app.screen
        await pilot.press("enter")
        await pilot.pause()
        drill = pilot.app.screen
        assert isinstance(drill, MainScreen) and drill is not main
        assert drill.tab == "all" and drill.filters.creator and drill.filters.window_days == 30
        assert drill.sort is Sort.CREATED and drill.descending
        assert "Insights" in line(drill, "#search-line")
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is insights
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("H")  # from a drill-down, H goes back to the Insights it came from
        await pilot.pause()
        assert pilot.app.screen is insights and len(pilot.app.screen_stack) == 3
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is main
        assert (main.tab, main.filters, dict(main.sort_by), dict(main.descending_by)) == before
        await pilot.press("1")
        assert main.sort is Sort.DEADLINE and not main.descending and not main.filters.active
        await pilot.press("2")
        assert main.sort is Sort.SHIP_BY and not main.descending


async def test_each_tab_keeps_its_own_sort_direction(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        screen, orders = parts(pilot.app)
        await pilot.press("S")
        assert screen.descending and "ship-by ↓" in line(screen, "#title-line")
        await pilot.press("1")
        assert not screen.descending and "deadline ↑" in line(screen, "#title-line")
        assert orders.cursor_row.id == "577000000000000002"  # the overdue one, first
        await pilot.press("2")
        assert screen.descending


async def test_filter_chips_that_do_not_fit_are_counted_not_cut(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        screen, _ = parts(pilot.app)
        screen.set_filters(Filters(overdue=True, flag=Flag.RED, creator="anna.styles", campaign="Black Friday LIVE",
                                   window_days=30))
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        title = line(screen, "#title-line")
        assert "…" not in title
        assert "overdue" in title and "more" in title
        shown = sum(label in title for _, label in screen.filters.chips())
        assert f"+{5 - shown} more" in title
        assert "sort: ship-by ↑" in title


# 10.11 The daily queue first; every tab in sight ------------------------------------------------


async def test_the_command_centre_opens_on_action_needed_unless_the_config_says_otherwise(shop_db):
    from tsshop_tui.config import Settings
    from tsshop_tui.ui.app import TsshopApp
    from tsshop_tui.ui.widgets.tab_strip import TabStrip

    app = TsshopApp(db_path=shop_db, settings=Settings(refresh_seconds=300), clock=FixedClock(NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        screen, orders = parts(pilot.app)
        assert screen.tab == "action-needed" and screen.query_one(TabStrip).active == "action-needed"
        assert orders.cursor_row.reason is not None
        assert line(screen, "#title-line").startswith(" Action needed")
    async with make_app(shop_db, default_tab="completed").run_test(size=(80, 24)) as pilot:
        screen, orders = parts(pilot.app)
        assert screen.tab == "completed" and orders.tab == "completed"
        assert line(screen, "#title-line").startswith(" Completed")


async def test_the_tab_strip_says_where_it_is_when_the_tabs_do_not_fit(shop_db):
    from tsshop_tui.domain.catalog import TABS

    async with make_app(shop_db, default_tab="action-needed").run_test(size=(80, 24)) as pilot:
        screen, _ = parts(pilot.app)
        seen: set[str] = set()
        for i, tab in enumerate(TABS):
            strip = line(screen, "#tabs")
            assert strip.rstrip().endswith(f"{i + 1}/{len(TABS)} ›"), strip
            assert (tab.short if i else "Action needed") in strip
            seen |= {t.short for t in TABS if f"{t.short} " in strip}
            await pilot.press("right_square_bracket")
        assert seen == {t.short for t in TABS}
    async with make_app(shop_db).run_test(size=(200, 24)) as pilot:
        screen, _ = parts(pilot.app)
        strip = line(screen, "#tabs")
        assert all(t.short in strip for t in TABS[1:]) and "/11" not in strip


# 10.2 Tags of orders that left the view -----------------------------------------------------------


async def test_tags_of_orders_that_left_the_view_are_shown_and_refreshed_on_each_live_refresh(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        screen, orders = parts(pilot.app)
        await pilot.press("space", "space")
        first, second = list(orders.tagged)
        old = orders.tagged[first].version
        assert "2 tagged" in line(screen, "#status-line") and "not in" not in line(screen, "#status-line")
        with Store(shop_db, clock=FixedClock(NOW), actor="another terminal") as other:
            other.ship(first, tracking_number="1Z999AA10123456799", carrier="UPS")
        screen._poll()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        status = line(screen, "#status-line")
        assert "2 tagged · 1 not in To ship" in status
        row = orders.tagged[first]
        assert row.status is OrderStatus.AWAITING_COLLECTION and row.version > old
        targets = {t.id: t for t in screen.action_targets()}
        assert targets[first].version == row.version and targets[first].status is OrderStatus.AWAITING_COLLECTION
        screen.action_tab("all")  # both are there
        await pilot.pause()
        assert "2 tagged" in line(screen, "#status-line") and "not in" not in line(screen, "#status-line")
        await pilot.press("2")
        await pilot.press("u")
        await pilot.pause()
        assert "tagged" not in line(screen, "#status-line")


def test_store_in_view_says_which_orders_a_tab_under_filters_shows_now(tmp_path):
    from .ui_shop import shop_orders

    with Store(build_shop(tmp_path / "s.db"), clock=FixedClock(NOW)) as store:
        ids = [order.id for order in shop_orders()]
        for tab in ("to-ship", "action-needed", "returns", "all", "cancelled"):
            expected = {row.id for row in store.page(tab, limit=100).rows}
            assert store.in_view(tab, ids) == expected
        red = Filters(flag=Flag.RED)
        assert store.in_view("to-ship", ids, filters=red) == {row.id for row in store.page("to-ship", filters=red).rows}
        assert store.in_view("to-ship", []) == set()


# 10.10 Words: cards, reasons, help --------------------------------------------------------------


def card_text(orders: OrderList, index: int, width: int = 78) -> list[str]:
    row = orders.rows[index]
    order = orders._orders.get(row.id)
    return [orders._card_text(row, order, n, width).plain for n in range(5)]


async def test_card_view_counts_lines_in_words_and_labels_the_buyer_message(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        screen, orders = parts(pilot.app)
        screen.set_search(["577000000000000001", "577000000000000002", "577000000000000007"])
        await pilot.press("v")
        await pilot.pause()
        cards = {row.id: card_text(orders, i) for i, row in enumerate(orders.rows)}
        assert "+1 more line" in cards["577000000000000001"][1] and "lines" not in cards["577000000000000001"][1]
        assert "+2 more lines" in cards["577000000000000002"][1]
        assert cards["577000000000000007"][2].startswith("Buyer message [bold red]URGENT")
        assert cards["577000000000000001"][2] == "Buyer message —"


async def test_shipped_orders_say_when_they_shipped_never_a_ship_by_countdown(shop_db):
    from .factories import HOUR

    with Store(shop_db, clock=FixedClock(NOW - 2 * HOUR)) as store:
        store.ship("577000000000000004", tracking_number="1Z999AA10123456799", carrier="UPS")
    async with make_app(shop_db, default_tab="awaiting-collection").run_test(size=(80, 24)) as pilot:
        screen, orders = parts(pilot.app)
        await pilot.press("v")
        await pilot.pause()
        shipped = next(i for i, row in enumerate(orders.rows) if row.id == "577000000000000004")
        assert "shipped 2h 00m ago" in card_text(orders, shipped)[0]
        for tab in ("completed", "delivered", "in-transit"):
            screen.action_tab(tab)
            await pilot.pause()
            for i in range(len(orders.rows)):
                assert "ship by" not in card_text(orders, i)[0]


async def test_reason_column_says_what_is_abnormal_and_how_many_more_reasons(shop_db):
    from tsshop_tui.ui.widgets.order_list import COLUMNS

    async with make_app(shop_db, default_tab="action-needed").run_test(size=(80, 24)) as pilot:
        _, orders = parts(pilot.app)
        reason = COLUMNS["reason"]
        cells = {row.id: reason.cell(row, NOW, reason.width).plain for row in orders.rows}
        assert cells["577000000000000011"] == "Bad tracking"  # in transit with tracking "N/A"
        assert cells["577000000000000003"] == "Auto-cancel +1"  # and ship-by within 24 h
        assert cells["577000000000000002"] == "Overdue"
        assert "Abnormal" not in cells.values()


async def test_help_explains_the_reasons_lists_every_tab_and_each_group_once(shop_db):
    from textual.widgets import Static

    from tsshop_tui.ui.screens.help import HelpScreen

    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        help_ = pilot.app.screen
        assert isinstance(help_, HelpScreen)
        table = help_.query(Static)[-1].content
        text = "".join(segment.text for segment in pilot.app.console.render(table, pilot.app.console.options.update_width(200)))
        assert text.count("Everywhere") == 1
        assert "Returns" in text and "All" in text.split("Tabs:")[1].split("\n")[0]
        assert "Overdue" in text and "+1" in text and "Bad tracking" in text
