"""The insights screen: every key (views, sort, window, content, split, enter to the orders, escape),
the live monitor following other connections' writes, and snapshots of every view at 80x24 and 120x36.

The shop is the 2,000-order demo (seed 3) plus hand-made orders that make the figures worth
looking at: SFCR and return rate in breach over 7 days, LDR in warning, a LIVE spike in the last
minutes, a to-ship backlog that will miss ship-by times, and marketplace markup in names.
Update snapshots with `pytest --snapshot-update` only after looking at the SVGs.
"""

from __future__ import annotations

import io
import shutil
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import ContentSwitcher, Static

from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.metrics import MetricKey, ScoreSort, State
from tsshop_tui.domain.model import (
    AfterSalesRequest,
    ContentType,
    Initiator,
    LineItem,
    Order,
    OrderStatus,
    RequestStatus,
    RequestType,
)
from tsshop_tui.domain.query import METRIC_CHIPS, Filters, Sort
from tsshop_tui.io.demo import build_demo
from tsshop_tui.store import Store
from tsshop_tui.ui.screens.help import HelpScreen
from tsshop_tui.ui.screens.insights import InsightsScreen, View
from tsshop_tui.ui.screens.insights_data import TABLE_VIEWS
from tsshop_tui.ui.screens.main import MainScreen
from tsshop_tui.ui.widgets.bar_chart import BarChart
from tsshop_tui.ui.widgets.insight_table import InsightTable

from .factories import HOUR, NOW
from .ui_shop import build_shop, make_app

SIZES = [(80, 24), (120, 36)]
S = OrderStatus
MINUTE = timedelta(minutes=1)
MARKUP_CREATOR = "[b]mallory[/b]"
MARKUP_PRODUCT = "[red]Fake Pods[/red] \x1b[31m"


def _variant(template: Order, n: int, **changes: object) -> Order:
    """A new order (ID 5779…n) like *template*: its lines, buyer and address; no notes or requests."""
    data = template.model_dump()
    data.update(id=f"5779{n:014d}", notes=[], history=[], requests=[], version=1, cancel_reason=None,
                cancellation_initiator=None, cancel_time=None, rts_time=None, delivery_time=None)
    data.update(changes)
    return Order.model_validate(data)


def _extra_orders(templates: list[Order]) -> list[Order]:
    orders: list[Order] = []
    n = 0

    def add(template: Order, created, **changes: object) -> Order:
        nonlocal n
        n += 1
        order = _variant(template, n, create_time=created, paid_time=created + 5 * MINUTE, **changes)
        orders.append(order)
        return order

    live = {"creator_username": "kitchen.kev", "content_type": ContentType.LIVE, "campaign": "Cyber Week Deals"}
    for k in range(15):  # out-of-stock cancellations during a LIVE: SFCR breaches over 7 days
        created = NOW - 6 * HOUR - k * 9 * HOUR
        add(templates[0], created, status=S.CANCELLED, cancellation_initiator=Initiator.SELLER,
            cancel_reason="seller_cancel_reason_out_of_stock", cancel_time=created + 2 * HOUR,
            tracking_number=None, **live)
    for k in range(6):  # shipped six hours after ship-by: LDR warns
        created = NOW - 3 * 24 * HOUR - k * HOUR
        add(templates[1 + k % 3], created, status=S.IN_TRANSIT, rts_sla_time=created + 24 * HOUR,
            rts_time=created + 30 * HOUR, tracking_number=f"TT77{k:08d}")
    for k in range(8):  # delivered and sent back: the return rate breaches over 7 days
        created = NOW - 6 * 24 * HOUR + k * HOUR
        order = add(templates[4 + k % 2], created, status=S.DELIVERED, rts_sla_time=created + 48 * HOUR,
                    rts_time=created + 20 * HOUR, delivery_time=created + 70 * HOUR, tracking_number=f"TT88{k:08d}")
        order.requests.append(AfterSalesRequest(
            order_id=order.id, type=RequestType.RETURN_REFUND, status=RequestStatus.APPROVED, reason="not as described",
            created_at=created + 80 * HOUR, respond_by=created + 128 * HOUR, resolved_at=created + 90 * HOUR,
            resolved_by="ana"))
    spike = {"creator_username": "glowwithjess", "content_type": ContentType.LIVE,
             "campaign": "Black Friday Early Access", "rts_sla_time": NOW + 48 * HOUR}
    for k in range(8):  # a LIVE warming up over half an hour...
        add(templates[6], NOW - (30 - 3 * k) * MINUTE, status=S.AWAITING_SHIPMENT, **spike)
    for k in range(40):  # ...then going viral: 40 orders in the last five minutes, more every minute
        age = [m for m, count in enumerate((12, 10, 8, 6, 4)) for _ in range(count)][k] * 60 + 7 * (k % 8)
        add(templates[7 + k % 3], NOW - age * timedelta(seconds=1), status=S.AWAITING_SHIPMENT, **spike)
    for k in range(12):  # due within hours while the warehouse ships under four an hour
        add(templates[10 + k % 4], NOW - 40 * HOUR, status=S.AWAITING_SHIPMENT,
            rts_sla_time=NOW + HOUR + k * 10 * MINUTE)
    markup_line = LineItem(sku_id="1799000000000000001", seller_sku="[i]FAKE[/i]", product_id="1799000000000000000",
                           product_name=MARKUP_PRODUCT, sku_name="[blink]x", quantity=1,
                           original_price=Decimal("9.99"), sale_price=Decimal("9.99"))
    created = NOW - 2 * 24 * HOUR
    add(templates[14], created, status=S.IN_TRANSIT, rts_sla_time=created + 48 * HOUR, rts_time=created + 20 * HOUR,
        tracking_number="TT99000001", creator_username=MARKUP_CREATOR, content_type=ContentType.VIDEO,
        campaign="[link=https://evil.example]win[/link]", line_items=[markup_line],
        total_amount=Decimal("9.99"), sub_total=Decimal("9.99"))
    return orders


def build_insights_shop(path: Path) -> Path:
    """The demo shop with the figures described in the module docstring; the same every time."""
    build_demo(path, orders=2000, seed=3, now=NOW)
    with Store(path, clock=FixedClock(NOW), actor="tester") as store:
        rows = store.page("delivered", sort=Sort.CREATED, limit=16).rows
        templates = store.get_many(row.id for row in rows)
        store.upsert_orders(_extra_orders(templates), source="fixture")
        with store.transaction() as conn:
            store.set_meta(conn, "shop_name", "Insights Shop")
    return path


@pytest.fixture(scope="session")
def _insights_template(tmp_path_factory) -> Path:
    return build_insights_shop(tmp_path_factory.mktemp("insights") / "shop.db")


@pytest.fixture
def shop(_insights_template, tmp_path) -> Path:
    """A copy of the insights shop of this test's own (some tests write to it)."""
    return Path(shutil.copy(_insights_template, tmp_path / "shop.db"))


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_insights(pilot, *keys: str) -> InsightsScreen:
    await pilot.pause()
    await pilot.press("H")
    await settle(pilot)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, InsightsScreen)
    return screen


def store_of(path: Path) -> Store:
    return Store(path, clock=FixedClock(NOW), read_only=True)


def table_keys(screen: InsightsScreen) -> list[str]:
    table = screen.query_one("#table", InsightTable)
    return [row.key.value for row in table.ordered_rows]


def names(keys: list[str]) -> list[str]:
    return [key.split("\x1f")[1] for key in keys if key.count("\x1f") == 1]


# Opening, switching and leaving ---------------------------------------------------------------


async def test_shift_h_opens_seller_health_with_both_windows_against_their_targets(shop):
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        screen = await open_insights(pilot)
        assert screen.view is View.HEALTH
        assert screen.query_one(ContentSwitcher).current == "tables"
        table = screen.query_one("#table", InsightTable)
        assert table.row_count == 8 and table.has_focus
        with store_of(shop) as store:
            expected = {days: store.metrics(days) for days in (7, 30)}
        assert screen.data[View.HEALTH] == expected
        states = {(m.key, days): m.state for days, ms in expected.items() for m in ms}
        assert states[MetricKey.SFCR, 7] is State.BREACH
        assert states[MetricKey.RETURN_RATE, 7] is State.BREACH
        assert states[MetricKey.LDR, 7] is State.WARNING
        assert states[MetricKey.VTR, 7] is State.OK
        state_cells = [str(table.get_row_at(i)[4]) for i in range(8)]
        assert state_cells[0] == "✖ breach" and state_cells[2] == "▲ warning" and state_cells[4] == "● ok"
        context = str(screen.query_one("#insights-context", Static).render())
        assert "7 days: 2 in breach, 1 warning" in context and "at 12:00:00" in context


@pytest.mark.parametrize(
    ("key", "view"),
    [("c", View.CREATORS), ("p", View.PRODUCTS), ("a", View.CAMPAIGNS), ("t", View.TRENDS), ("l", View.LIVE),
     ("2", View.CREATORS), ("3", View.PRODUCTS), ("4", View.CAMPAIGNS), ("5", View.TRENDS), ("6", View.LIVE)],
)
async def test_view_keys_switch_views_and_read_their_figures(shop, key, view):
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        screen = await open_insights(pilot, key)
        assert screen.view is view
        assert screen.query_one(ContentSwitcher).current == ("tables" if view in TABLE_VIEWS else view.value)
        assert view in screen.data and not screen._pending
        await pilot.press("h")
        assert screen.view is View.HEALTH
        await pilot.press("1")
        assert screen.view is View.HEALTH


async def test_brackets_walk_the_views_round(shop):
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        screen = await open_insights(pilot)
        seen = []
        for _ in range(6):
            await pilot.press("right_square_bracket")
            seen.append(screen.view)
        assert seen == [View.CREATORS, View.PRODUCTS, View.CAMPAIGNS, View.TRENDS, View.LIVE, View.HEALTH]
        await pilot.press("left_square_bracket")
        assert screen.view is View.LIVE
        await settle(pilot)


async def test_escape_returns_to_the_order_list_as_it_was(shop):
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        await open_insights(pilot, "c")
        await pilot.press("escape")
        await pilot.pause()
        main = pilot.app.screen
        assert isinstance(main, MainScreen)
        assert main.tab == "to-ship" and not main.filters.active


async def test_palette_commands_open_each_view(shop):
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        main = pilot.app.screen
        commands = {c.title: c for c in pilot.app.get_system_commands(main)}
        for title, view in [("Seller health", View.HEALTH), ("Creator scorecard", View.CREATORS),
                            ("Product scorecard", View.PRODUCTS), ("Campaign scorecard", View.CAMPAIGNS),
                            ("Trends", View.TRENDS), ("Live campaign monitor", View.LIVE)]:
            commands[title].callback()
            await settle(pilot)
            screen = pilot.app.screen
            assert isinstance(screen, InsightsScreen) and screen.view is view
            inside = {c.title: c for c in pilot.app.get_system_commands(screen)}
            assert "Insights: Trends" in inside and "Back to the orders" in inside
            inside["Back to the orders"].callback()
            await pilot.pause()
            assert pilot.app.screen is main


# Health: the orders behind each figure ------------------------------------------------------


@pytest.mark.parametrize(
    ("downs", "key", "days"),
    [(0, MetricKey.SFCR, 7), (1, MetricKey.SFCR, 30), (2, MetricKey.LDR, 7), (4, MetricKey.VTR, 7),
     (7, MetricKey.RETURN_RATE, 30)],
)
async def test_enter_on_a_health_figure_lists_the_orders_behind_it(shop, downs, key, days):
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        screen = await open_insights(pilot, *["j"] * downs)
        note = str(screen.query_one("#health-note", Static).render())
        assert f"last {days} days" in note
        await pilot.press("enter")
        await pilot.pause()
        main = pilot.app.screen
        assert isinstance(main, MainScreen)
        assert main.tab == "all"
        assert main.filters == Filters(metric=key, window_days=days)
        with store_of(shop) as store:
            assert main.counts["all"] == len(store.metric_order_ids(key, days)) > 0
        title = str(main.query_one("#title-line", Static).render())
        assert f"{days}d" in title


async def test_k_g_and_G_move_the_health_cursor_and_its_note(shop):
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        screen = await open_insights(pilot, "G")
        table = screen.query_one("#table", InsightTable)
        assert table.cursor_row == 7
        assert "Returns" in str(screen.query_one("#health-note", Static).render())
        await pilot.press("k")
        assert table.cursor_row == 6
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.pause()
        assert "SFCR" in str(screen.query_one("#health-note", Static).render())


async def test_enter_on_a_figure_with_nothing_behind_it_stays(tmp_path):
    shop = build_shop(tmp_path / "small.db")  # the 18-order screen-test shop: no late shipment at all
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        screen = await open_insights(pilot, "j", "j")
        assert screen.query_one("#table", InsightTable).cursor_target is None
        assert "Nothing counts against LDR" in str(screen.query_one("#health-note", Static).render())
        await pilot.press("enter")
        await pilot.pause()
        assert pilot.app.screen is screen


# Scorecards -----------------------------------------------------------------------------------


async def test_creator_scorecard_matches_the_store_and_s_cycles_every_sort(shop):
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        screen = await open_insights(pilot, "c")
        with store_of(shop) as store:
            for sort in [*list(ScoreSort)[1:], ScoreSort.GMV]:
                await pilot.press("s")
                await settle(pilot)
                assert screen.sort is sort
                expected = store.creator_scorecard(30, sort)
                assert names(table_keys(screen)) == [s.creator for s in expected]
        assert screen.data[View.CREATORS] == expected


async def test_seller_fault_sort_puts_the_live_with_stock_outs_first(shop):
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        screen = await open_insights(pilot, "c", "s", "s", "s", "s")
        assert screen.sort is ScoreSort.SELLER_FAULT
        assert names(table_keys(screen))[0] == "kitchen.kev"
        table = screen.query_one("#table", InsightTable)
        headers = [str(c.label) for c in table.columns.values()]
        assert "Seller-fault▼" in headers


async def test_w_toggles_the_window_and_f_cycles_the_content_type(shop):
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        screen = await open_insights(pilot, "a", "w")
        with store_of(shop) as store:
            assert screen.days == 7
            assert names(table_keys(screen)) == [s.campaign for s in store.campaign_scorecard(7)]
            for content in [ContentType.LIVE, ContentType.VIDEO, ContentType.SHOWCASE, None]:
                await pilot.press("f")
                await settle(pilot)
                assert screen.content is content
                expected = store.campaign_scorecard(7, content_type=content)
                assert names(table_keys(screen)) == [s.campaign for s in expected]
            await pilot.press("w")
            await settle(pilot)
            assert screen.days == 30
            assert names(table_keys(screen)) == [s.campaign for s in store.campaign_scorecard(30)]


async def test_e_splits_creators_by_content_type_and_products_by_sku(shop):
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        screen = await open_insights(pilot, "c", "e")
        keys = table_keys(screen)
        with store_of(shop) as store:
            creators = store.creator_scorecard(30)
            assert len(keys) == len(creators) + sum(len(c.by_content) for c in creators)
            first = creators[0]
            assert keys[1 : 1 + len(first.by_content)] == [
                f"creators\x1f{first.creator}\x1f{kind.value}" for kind in first.by_content
            ]
            await pilot.press("p")
            await settle(pilot)
            products = store.product_scorecard(30)
            keys = table_keys(screen)
            assert len(keys) == len(products) + sum(len(p.skus) for p in products)
        await pilot.press("e")
        assert len(table_keys(screen)) == len(products)


async def test_enter_on_a_creator_lists_their_orders_of_the_window(shop):
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        screen = await open_insights(pilot, "c", "j")
        creator = names(table_keys(screen))[1]
        await pilot.press("enter")
        await pilot.pause()
        main = pilot.app.screen
        assert isinstance(main, MainScreen) and main.tab == "all"
        assert main.filters == Filters(creator=creator, window_days=30)
        assert main.sort is Sort.CREATED and main.descending
        rows = main.query_one("#orders").rows
        assert rows and all(row.creator_username == creator for row in rows)
        with store_of(shop) as store:
            score = next(s for s in store.creator_scorecard(30) if s.creator == creator)
            assert store.counts(main.filters)["all"] == score.orders


async def test_enter_on_a_content_row_adds_the_content_type(shop):
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        screen = await open_insights(pilot, "c", "e", "j")
        key = table_keys(screen)[1]
        _, creator, kind = key.split("\x1f")
        await pilot.press("enter")
        await pilot.pause()
        assert pilot.app.screen.filters.creator == creator
        assert pilot.app.screen.filters.content_type is ContentType(kind)


async def test_enter_on_a_product_or_sku_lists_its_orders(shop):
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        screen = await open_insights(pilot, "p")
        product = names(table_keys(screen))[0]
        await pilot.press("enter")
        await pilot.pause()
        assert pilot.app.screen.filters.product == product
        screen = await open_insights(pilot, "p", "e", "j")
        sku = table_keys(screen)[1].split("\x1f")[2]
        await pilot.press("enter")
        await pilot.pause()
        main = pilot.app.screen
        assert main.filters.product == sku
        assert main.counts["all"] > 0


async def test_enter_on_a_campaign_lists_its_orders(shop):
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        screen = await open_insights(pilot, "a", "f")
        campaign = names(table_keys(screen))[0]
        await pilot.press("enter")
        await pilot.pause()
        filters = pilot.app.screen.filters
        assert filters.campaign == campaign and filters.content_type is ContentType.LIVE


async def test_marketplace_names_are_shown_literally(shop):
    async with make_app(shop).run_test(size=(120, 36)) as pilot:
        screen = await open_insights(pilot, "c", "s")  # by orders: everyone with one order is still listed
        table = screen.query_one("#table", InsightTable)
        cells = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert f"@{MARKUP_CREATOR}" in cells
        await pilot.press("p")
        await settle(pilot)
        table = screen.query_one("#table", InsightTable)
        cells = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert any(c.startswith("[red]Fake Pods[/red] ␛") for c in cells)


async def test_scorecard_keys_do_nothing_where_they_do_not_apply(shop):
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        screen = await open_insights(pilot, "t", "s", "w", "f", "e", "j", "enter")
        assert (screen.sort, screen.days, screen.content, screen.split) == (ScoreSort.GMV, 30, None, False)
        assert pilot.app.screen is screen
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = pilot.app.screen
        assert isinstance(help_screen, HelpScreen)
        console = Console(width=120, record=True, file=io.StringIO())
        for static in help_screen.query(Static):
            console.print(static.content)
        text = console.export_text()
        assert "Refresh" in text and "Sort" not in text and "7/30 days" not in text
        await pilot.press("escape")


# Trends and the live monitor ----------------------------------------------------------------


async def test_trends_chart_the_last_30_days(shop):
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        screen = await open_insights(pilot, "t")
        with store_of(shop) as store:
            assert screen.data[View.TRENDS] == store.daily_trend(30)
        chart = screen.query_one("#trends", BarChart).chart
        assert [s.label for s in chart.series] == ["Orders", "Cancelled", "Returns"]
        assert all(len(s.values) == 30 for s in chart.series)
        assert chart.ticks[-1] == (29, "Nov 26")


async def test_live_monitor_alerts_on_the_spike_and_forecasts_the_backlog(shop):
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        screen = await open_insights(pilot, "l")
        live = screen.data[View.LIVE]
        assert live.spike.spiking and live.forecast.at_risk > 0
        banner = screen.query_one("#live-banner", Static)
        assert banner.has_class("-spiking") and "SPIKE" in str(banner.render())
        verdict = screen.query_one("#live-verdict", Static)
        assert verdict.has_class("-risk") and "Add packers" in str(verdict.render())


async def test_live_monitor_follows_another_connections_writes_only_while_showing(shop):
    async with make_app(shop, refresh_seconds=0.2).run_test(size=(80, 24)) as pilot:
        screen = await open_insights(pilot, "l")
        before = screen.data[View.LIVE]
        with Store(shop, clock=FixedClock(NOW), actor="importer") as other:
            template = other.get(other.page("delivered", limit=1).rows[0].id)
            other.upsert_orders(
                [_variant(template, 900 + i, status=S.AWAITING_SHIPMENT, create_time=NOW - 20 * timedelta(seconds=1),
                          paid_time=NOW - 10 * timedelta(seconds=1), rts_sla_time=NOW + 2 * HOUR)
                 for i in range(7)],
                source="other terminal",
            )
        for _ in range(20):
            await pilot.pause(0.1)
            await settle(pilot)
            if screen.data[View.LIVE] != before:
                break
        after = screen.data[View.LIVE]
        assert after.per_minute[-1] == before.per_minute[-1] + 7
        assert after.forecast.to_ship == before.forecast.to_ship + 7
        # Leaving the monitor stops its reads; coming back starts them again.
        await pilot.press("t")
        await settle(pilot)
        await pilot.pause(0.5)
        assert screen._live_timer is None or screen.view is not View.LIVE
        assert View.LIVE not in screen._pending
        await pilot.press("question_mark")
        await pilot.pause(0.4)
        assert View.LIVE not in screen._pending
        await pilot.press("escape")
        await pilot.press("l")
        await settle(pilot)
        assert screen.loaded_at[View.LIVE]


async def test_help_over_the_live_monitor_pauses_it(shop):
    async with make_app(shop, refresh_seconds=0.2).run_test(size=(80, 24)) as pilot:
        screen = await open_insights(pilot, "l")
        reads = []
        original = screen._fetch
        screen._fetch = lambda *args: (reads.append(args[-1]), original(*args))[1]  # type: ignore[method-assign]
        await pilot.press("question_mark")
        await pilot.pause(0.6)
        assert reads == []
        await pilot.press("escape")
        await settle(pilot)
        assert reads  # resumed: read again on return


async def test_r_reads_again_and_errors_are_shown_not_raised(shop, monkeypatch):
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        screen = await open_insights(pilot)
        first = screen.loaded_at[View.HEALTH]

        def broken(self, days=7):
            raise RuntimeError("database is locked")

        monkeypatch.setattr(Store, "metrics", broken)
        await pilot.press("r")
        await settle(pilot)
        assert screen.error == "database is locked"
        assert "error: database is locked" in str(screen.query_one("#insights-context", Static).render())
        assert screen.loaded_at[View.HEALTH] == first  # the last figures stay on screen
        monkeypatch.undo()
        await pilot.press("r")
        await settle(pilot)
        assert screen.error is None


# Snapshots --------------------------------------------------------------------------------------


def _snap(snap_compare, shop, size, *keys):
    async def run_before(pilot):
        await open_insights(pilot, *keys)

    return snap_compare(make_app(shop), run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_health(snap_compare, shop, size):
    assert _snap(snap_compare, shop, size, "j", "j")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_creators(snap_compare, shop, size):
    assert _snap(snap_compare, shop, size, "c")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_creators_split_by_content_sorted_by_seller_fault(snap_compare, shop, size):
    assert _snap(snap_compare, shop, size, "c", "e", "s", "s", "s", "s")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_products_by_return_rate_with_skus(snap_compare, shop, size):
    assert _snap(snap_compare, shop, size, "p", "e", *["s"] * 5)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_campaigns_live_7_days(snap_compare, shop, size):
    assert _snap(snap_compare, shop, size, "a", "w", "f")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_trends(snap_compare, shop, size):
    assert _snap(snap_compare, shop, size, "t")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_live_monitor(snap_compare, shop, size):
    assert _snap(snap_compare, shop, size, "l")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_drill_down_in_a_list_of_its_own(snap_compare, shop, size):
    """A creator's LIVE orders of the last 30 days, opened from the split creator scorecard."""

    async def run_before(pilot):
        await open_insights(pilot, "c", "e", "j")
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(shop), run_before=run_before, terminal_size=size)


async def test_other_views_are_read_ahead_and_fresh_figures_not_read_again(shop):
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        screen = await open_insights(pilot)
        assert {View.HEALTH, View.CREATORS, View.PRODUCTS, View.CAMPAIGNS, View.TRENDS} <= set(screen.data)
        reads = []
        original = screen._fetch
        screen._fetch = lambda *args: (reads.append(args[-1]), original(*args))[1]  # type: ignore[method-assign]
        for key in ("c", "p", "a", "t", "h"):
            await pilot.press(key)
            await settle(pilot)
        assert reads == []  # every view showed what was read ahead
        await pilot.press("r")
        await settle(pilot)
        assert reads == [(View.HEALTH,)]
        await pilot.press("c", "s")  # new settings: read now, the other scorecards read ahead again
        await settle(pilot)
        assert reads[-1] == (View.CREATORS, 30, ScoreSort.ORDERS, None)
        with store_of(shop) as store:
            assert screen.data[View.PRODUCTS] == store.product_scorecard(30, ScoreSort.ORDERS)


async def test_keys_in_quick_succession_interrupt_stale_reads_quietly(shop):
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("H", "c", "s", "w", "p", "f", "a")
        await settle(pilot)
        screen = pilot.app.screen
        assert screen.view is View.CAMPAIGNS and screen.error is None and not screen._pending
        with store_of(shop) as store:
            expected = store.campaign_scorecard(7, ScoreSort.ORDERS, ContentType.LIVE)
        assert names(table_keys(screen)) == [s.campaign for s in expected]


def test_a_stopped_read_session_interrupts_its_query_and_refuses_more(shop):
    import sqlite3
    import threading

    from tsshop_tui.ui.screens.insights_data import ReadSession

    session = ReadSession(lambda: store_of(shop))
    slow = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000000)"
            " SELECT count(*) FROM n")
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(session.read(lambda store: store.conn.execute(slow).fetchone()))
        except sqlite3.OperationalError as error:
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    for _ in range(1000):  # until the query runs (at most 10 s)
        if session._open or not thread.is_alive():
            break
        thread.join(0.01)
    session.stop()
    thread.join(10)
    assert not thread.is_alive() and isinstance(outcome[0], sqlite3.OperationalError)
    with pytest.raises(sqlite3.OperationalError):
        session.read(lambda store: store.metrics(7))


async def test_a_view_asked_for_while_it_is_read_ahead_waits_for_that_read(shop, monkeypatch):
    import threading

    release = threading.Event()
    original = Store.product_scorecard

    def slow(self, *args, **kwargs):
        release.wait(5)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Store, "product_scorecard", slow)
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("H")
        screen = pilot.app.screen
        for _ in range(200):  # until the read-ahead is on products
            await pilot.pause(0.01)
            if screen._ahead is not None and screen._ahead.current and screen._ahead.current[0] is View.PRODUCTS:
                break
        reads = []
        fetch = screen._fetch
        screen._fetch = lambda *args: (reads.append(args[-1]), fetch(*args))[1]  # type: ignore[method-assign]
        await pilot.press("p")
        assert screen._pending == {View.PRODUCTS: (View.PRODUCTS, 30, ScoreSort.GMV, None)}
        release.set()
        await settle(pilot)
        assert reads == [] and View.PRODUCTS in screen.data and not screen._pending
        with store_of(shop) as store:
            assert names(table_keys(screen))[:3] == [p.product_id for p in original(store, 30)[:3]]


# The metric filter behind enter on a health figure --------------------------------------------


@pytest.mark.parametrize("key", list(MetricKey))
def test_metric_filter_lists_exactly_the_orders_behind_the_figure(shop, key):
    with store_of(shop) as store:
        for days in (7, 30):
            filters = Filters(metric=key, window_days=days)
            ids = store.metric_order_ids(key, days)
            assert sorted(row.id for row in store.page("all", filters=filters, limit=10_000).rows) == sorted(ids)
            assert store.counts(filters)["all"] == len(ids)
            assert filters.chips() == [("metric", METRIC_CHIPS[key]), ("window_days", f"last {days}d")]
            assert filters.without("metric") == Filters(window_days=days)


def test_saved_views_from_before_window_days_keep_their_window():
    assert Filters.model_validate({"metric": "ldr", "metric_days": 7}) == Filters(
        metric=MetricKey.LDR, window_days=7
    )
    assert Filters.model_validate({"metric_days": 30}) == Filters()


async def test_the_filter_dialog_keeps_the_metric_filter(shop):
    from tsshop_tui.ui.modals.filters import FilterModal

    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        main = pilot.app.screen
        main.set_filters(Filters(metric=MetricKey.LDR, window_days=30))
        await pilot.press("f")
        await pilot.pause()
        modal = pilot.app.screen
        assert isinstance(modal, FilterModal)
        modal.action_apply()
        await pilot.pause()
        assert main.filters == Filters(metric=MetricKey.LDR, window_days=30)
