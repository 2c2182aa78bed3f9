"""The command centre's side of TikTok sync: the header's per-shop state, the Shops screen, the
'waiting for TikTok' and 'TikTok refused' marks, and the sync worker."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest

from tsshop_tui.cli import main
from tsshop_tui.config import Settings
from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.model import OrderStatus
from tsshop_tui.fake_tiktok import FakeTikTok
from tsshop_tui.ui.app import TsshopApp
from tsshop_tui.ui.screens.detail import OrderDetailScreen
from tsshop_tui.ui.screens.main import MainScreen
from tsshop_tui.ui.screens.shops import ShopsScreen
from tsshop_tui.ui.widgets.order_list import OrderList
from tsshop_tui.ui.widgets.shop_header import ShopHeader

from .factories import NOW
from .test_outbox_delivery import secrets_of
from .ui_shop import build_shop, make_app, parts
from .ui_sync_shop import (
    EXPIRED,
    EXPIRED_ERROR,
    IN_STEP,
    PENDING_ORDER,
    QUIET_ORDER,
    REFUSAL,
    REFUSED_ORDER,
    build_two_shops,
    sync_app,
)


@pytest.fixture
def two_shops(tmp_path):
    return build_two_shops(tmp_path / "shop.db")


def header_line(app) -> str:
    header = app.screen.query_one(ShopHeader)
    return "".join(segment.text for segment in header.render_line(0)).rstrip()


def row_lines(orders: OrderList) -> dict[str, str]:
    """The list's visible rows as drawn, by order id."""
    lines = {}
    for y in range(1, orders.size.height):
        line = "".join(segment.text for segment in orders.render_line(y))
        for row in orders.rows:
            if row.id in line:
                lines[row.id] = line
    return lines


def widget_text(widget) -> str:
    """What *widget* shows, line by line."""
    return "\n".join("".join(s.text for s in widget.render_line(y)).rstrip() for y in range(widget.size.height))


def screen_text(screen, selector: str) -> str:
    return widget_text(screen.query_one(selector))


async def open_order(pilot, order_id: str) -> OrderDetailScreen:
    pilot.app.push_screen(OrderDetailScreen(order_id))
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, OrderDetailScreen)
    return screen


async def test_a_shop_without_tiktok_shops_shows_no_sync_and_starts_no_worker(shop_db):
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "Sync" not in header_line(app)
        assert header_line(app).startswith(" tsshop · Snapshot Shop")
        assert not app.syncing and not any(worker.name == "sync" for worker in app.workers)
        await pilot.press("T")
        assert isinstance(app.screen, MainScreen)


async def test_the_header_names_the_shop_in_trouble_first_and_the_lag_of_those_in_step(two_shops):
    app = sync_app(two_shops)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        line = header_line(app)
        assert "Sync ! Glow Studio UK token expired · ✓ 12s" in line, line
        assert line.endswith("12:00:00")


async def test_at_80_columns_the_header_keeps_the_trouble_whole_and_the_clock(two_shops):
    app = sync_app(two_shops)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        line = header_line(app)
        assert "! Glow Studio UK token expired" in line and line.endswith("12:00:00"), line
        assert len(line) <= 80


async def test_the_lag_follows_the_clock_and_a_fresh_error_turns_the_shop_red(two_shops):
    app = sync_app(two_shops)
    clock = app.clock
    assert isinstance(clock, FixedClock)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        app.store.set_shop_state(EXPIRED.id, token_state="ok", last_error=None, last_sync_at=NOW)
        clock.advance(timedelta(seconds=95))
        await pilot.pause(1.2)
        assert "Sync ✓ 1m" in header_line(app), header_line(app)
        app.store.set_shop_state(IN_STEP.id, last_error="TikTok kept failing (HTTP 503)")
        await pilot.pause(1.2)
        assert "Sync ! Glow Studio US sync failing · ✓ 1m" in header_line(app), header_line(app)


async def test_a_read_only_terminal_shows_the_sync_state_but_does_not_sync(two_shops):
    app = sync_app(two_shops, read_only=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert "token expired" in header_line(app)
        assert not app.syncing and not any(worker.name == "sync" for worker in app.workers)


async def test_shops_screen_lists_every_shop_with_its_state_and_esc_goes_back(two_shops):
    app = sync_app(two_shops)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("T")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ShopsScreen)
        table = screen_text(screen, "#shops-table")
        lines = table.splitlines()
        local = next(line for line in lines if "Local shop" in line)
        assert "local" in local
        us = next(line for line in lines if IN_STEP.name in line)
        assert us.split()[3:] == ["US", "ok", "2026-11-26", "11:59", "12s", "1"]  # the cancel still waits
        uk = next(line for line in lines if EXPIRED.name in line)
        assert uk.split()[3:] == ["GB", "expired", "2026-11-26", "11:41", "19m", "0"]
        assert "! token expired" in table and EXPIRED_ERROR in table
        assert lines.index(local) < lines.index(uk) < lines.index(us)  # the local shop first, then by name
        about = screen_text(screen, "#shops-about")
        assert "does not sync" in about and "↑" in about
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_the_palette_offers_shops_and_sync_even_without_tiktok_shops(shop_db):
    app = make_app(shop_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        commands["Shops and sync"].callback()
        await pilot.pause()
        assert isinstance(app.screen, ShopsScreen)
        assert "Local shop" in screen_text(app.screen, "#shops-table")
        assert "No TikTok shop is connected" in screen_text(app.screen, "#shops-about")


async def test_list_marks_an_order_waiting_for_tiktok_and_one_refused(two_shops):
    app = sync_app(two_shops, tab="all")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        screen, orders = parts(app)
        lines = row_lines(orders)
        assert lines[PENDING_ORDER][:2] == " ↑"
        assert lines[REFUSED_ORDER][:2] == " !"
        assert lines[QUIET_ORDER][:2] == "  "
        while orders.cursor_row.id != PENDING_ORDER:
            await pilot.press("j")
        assert "Waiting for TikTok: cancel" in screen_text(screen, "#status-line")
        await pilot.press("space")  # tagging keeps the mark beside the tick
        assert row_lines(orders)[PENDING_ORDER][:2] == "✓↑"


async def test_detail_says_what_waits_for_tiktok_and_tiktoks_refusal_as_plain_text(two_shops):
    app = sync_app(two_shops)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        screen = await open_order(pilot, PENDING_ORDER)
        summary = screen_text(screen, "#detail-summary")
        assert "Waiting for TikTok: cancel" in summary and IN_STEP.name in summary
        await pilot.press("escape")
        screen = await open_order(pilot, REFUSED_ORDER)
        summary = screen_text(screen, "#detail-summary")
        assert f"TikTok refused: {REFUSAL}" in summary  # its words as TikTok sent them, markup and all
        assert "TikTok refused" in screen_text(screen, "#detail-title")  # the Action needed reason


async def test_a_refused_order_is_in_action_needed_under_its_reason(two_shops):
    app = sync_app(two_shops, tab="action-needed")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        _, orders = parts(app)
        line = row_lines(orders)[REFUSED_ORDER]
        assert line.startswith(" !") and "TikTok refused" in line


async def until(pilot, check, seconds: float = 20.0) -> None:
    """Let the app run until *check()* holds (the sync worker works in its own thread)."""
    for _ in range(int(seconds / 0.1)):
        if check():
            return
        await pilot.pause(0.1)
    assert check()


def connect(fake, db, monkeypatch) -> None:
    """`tsshop shop add` of every shop of the double's account, without its first sync."""
    monkeypatch.setenv("TSSHOP_APP_SECRET", fake.app_secret)
    codes = [arg for code in fake.auth_codes.values() for arg in ("--auth-code", code)]
    now = datetime.fromtimestamp(fake.now(), timezone.utc).isoformat()
    out, err = io.StringIO(), io.StringIO()
    code = main(["shop", "add", "--db", str(db), "--api-base", fake.url, "--auth-base", fake.url,
                 "--app-key", fake.app_key, *codes, "--now", now, "--no-sync"], out=out, err=err)
    assert code == 0, err.getvalue()


async def test_the_worker_syncs_both_shops_live_while_the_double_makes_orders(tmp_path, monkeypatch):
    monkeypatch.setenv("TSSHOP_CREDENTIALS", str(tmp_path / "secret" / "credentials.json"))
    db = tmp_path / "shop.db"
    clock = FixedClock(NOW)
    with FakeTikTok(seed=5, shops=2, orders=40, clock=clock) as fake:
        connect(fake, db, monkeypatch)
        settings = Settings(refresh_seconds=0.5, default_tab="all")
        app = TsshopApp(db_path=db, settings=settings, clock=clock, sync_interval=0.2)

        def in_step() -> bool:
            held = app.store.counts()["all"]
            return held == sum(len(orders) for orders in fake.snapshot().values()) and held > 0

        async with app.run_test(size=(120, 30)) as pilot:
            await until(pilot, in_step)
            assert app.syncing
            _, orders = parts(app)
            await until(pilot, lambda: len(orders.rows) == min(app.store.counts()["all"], 60))
            before = {row.id for row in orders.rows}
            await until(pilot, lambda: "Sync ✓" in header_line(app))
            fake.advance(3600)  # an hour of new orders, payments and cancellations
            await until(pilot, in_step)
            await until(pilot, lambda: {row.id for row in orders.rows} != before)
            await until(pilot, lambda: "Sync ✓" in header_line(app))
            screens = [app.export_screenshot()]
            await pilot.press("T")
            await pilot.pause()
            screens.append(app.export_screenshot())
            table = screen_text(app.screen, "#shops-table")
            assert all(shop.name in table for shop in app.store.shops())
            for secret in secrets_of(fake):
                assert all(secret not in screen for screen in screens)
        assert not app.syncing  # quitting stopped the worker's thread


async def cancel_under_cursor(pilot) -> str:
    """Cancel the order under the cursor with the keys a seller uses; its id."""
    app = pilot.app
    order_id = parts(app)[1].cursor_row.id
    await pilot.press("x", "down", "down", "enter", "y")
    await until(pilot, lambda: app.store.get(order_id).status is OrderStatus.CANCELLED
                or app.store.get(order_id).remote_error is not None)
    assert isinstance(app.screen, MainScreen)
    return order_id


async def test_a_cancel_made_here_reaches_tiktok_once_and_a_refusal_comes_back_in_its_words(tmp_path, monkeypatch):
    monkeypatch.setenv("TSSHOP_CREDENTIALS", str(tmp_path / "secret" / "credentials.json"))
    db = tmp_path / "shop.db"
    clock = FixedClock(NOW)
    with FakeTikTok(seed=7, shops=2, orders=60, clock=clock) as fake:
        connect(fake, db, monkeypatch)
        settings = Settings(refresh_seconds=0.5, default_tab="to-ship")
        app = TsshopApp(db_path=db, settings=settings, clock=clock, sync_interval=0.2)
        async with app.run_test(size=(120, 30)) as pilot:
            screen, orders = parts(app)
            await until(pilot, lambda: len(orders.rows) > 2)
            cancelled = await cancel_under_cursor(pilot)
            await until(pilot, lambda: app.store.get(cancelled).pending_action is None)
            assert [(kind, target) for kind, target, _ in fake.applied] == [("cancel", cancelled)]
            assert app.store.get(cancelled).status is OrderStatus.CANCELLED

            fake.refuse_next("cancel", REFUSAL)
            await until(pilot, lambda: orders.cursor_row is not None and orders.cursor_row.id != cancelled)
            refused = await cancel_under_cursor(pilot)
            await until(pilot, lambda: app.store.get(refused).remote_error == REFUSAL)
            assert len(fake.applied) == 1
            await until(pilot, lambda: row_lines(orders).get(refused, "")[:2] == " !")  # rolled back: to ship again
            await pilot.press("g", *["j"] * [row.id for row in orders.rows].index(refused), "enter")
            await pilot.pause()
            assert f"TikTok refused: {REFUSAL}" in screen_text(app.screen, "#detail-summary")


async def test_a_sync_that_fails_says_so_tries_again_and_recovers(two_shops, monkeypatch):
    from tsshop_tui.io.tiktok import sync

    calls, mended = [], []

    def follow(store, credentials, clock, sleep, interval, stop, *, on_pass):
        calls.append(interval)
        if not mended:
            raise RuntimeError("database is locked")
        on_pass({})
        stop.wait()

    monkeypatch.setattr(sync, "follow", follow)
    app = TsshopApp(db_path=two_shops, settings=Settings(refresh_seconds=300.0), clock=FixedClock(NOW),
                    sync_interval=0.2)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: "Sync ! sync failed: database is locked" in header_line(app))
        await until(pilot, lambda: len(calls) >= 3)  # tried again each interval
        assert [n.message for n in app._notifications] == ["database is locked"]  # said once
        await pilot.press("T")
        await until(pilot, lambda: "sync failed: database is locked" in screen_text(app.screen, "#shops-about"))
        mended.append(True)
        await until(pilot, lambda: "syncs with TikTok" in screen_text(app.screen, "#shops-about"))
        await pilot.press("escape")
        await until(pilot, lambda: "sync failed" not in header_line(app))
    assert not app.syncing


async def test_help_explains_the_marks_and_tiktoks_reason_only_with_tiktok_shops(two_shops, tmp_path):
    for path, shown in ((two_shops, True), (build_shop(tmp_path / "local.db"), False)):
        app = sync_app(path)
        async with app.run_test(size=(120, 60)) as pilot:
            await pilot.press("question_mark")
            await pilot.pause()
            body = " ".join(" ".join(widget_text(static).split()) for static in app.screen.query("#help-body Static"))
            assert ("before an order: a change made here waits for TikTok" in body) is shown
            assert ("Action needed says 'TikTok refused'" in body) is shown
            assert ("Shops and sync — Each TikTok shop" in body) is shown


def test_the_header_puts_the_worst_shop_first_and_says_each_state_in_words():
    from tsshop_tui.domain.shops import TokenState
    from tsshop_tui.ui.sync import header_forms, shop_syncs

    def shop(name, **state):
        return IN_STEP.model_copy(update={"id": name, "name": name, **state})

    def ago(seconds: int):
        return NOW - timedelta(seconds=seconds)

    shops = [
        shop("Fine", last_sync_at=ago(8)),
        shop("Older", last_sync_at=ago(40)),
        shop("Expiring", token_state=TokenState.EXPIRING, last_sync_at=ago(5)),
        shop("Behind", last_sync_at=ago(900)),
        shop("New", last_sync_at=None),
        shop("Failing", last_error="TikTok kept failing", last_sync_at=ago(30)),
        shop("Gone", token_state=TokenState.REVOKED, last_error="revoked", last_sync_at=ago(30)),
        shop("Late", token_state=TokenState.EXPIRED, last_error="expired", last_sync_at=ago(30)),
        EXPIRED.model_copy(update={"api_base": ""}),  # a local shop is never in the header
    ]
    forms = header_forms(shop_syncs(shops, NOW), failure="database is locked")
    assert ["".join(text for text, _ in form) for form in forms] == [
        "Sync ! sync failed: database is locked · ! Gone authorisation revoked · ! Late token expired · "
        "! Failing sync failing · ! New not synced yet · ! Behind 15m behind · ! Expiring token expiring · ✓ 40s",
        "Sync ! sync failed: database is locked · ! Gone authorisation revoked · ! Late token expired · "
        "! Failing sync failing · ! New not synced yet · ! Behind 15m behind · ! Expiring token expiring",
        "! sync failed: database is locked · ! Gone authorisation revoked · ! Late token expired · "
        "! Failing sync failing · ! New not synced yet · ! Behind 15m behind · ! Expiring token expiring",
    ]
    assert [kind for _, kind in forms[0] if kind][:4] == ["error", "error", "error", "error"]
    assert [kind for _, kind in forms[0] if kind][-3:] == ["warn", "warn", "ok"]
    assert header_forms(shop_syncs(shops[:2], NOW)) == ((("Sync ", ""), ("✓ 40s", "ok")),)
    assert header_forms(shop_syncs(shops[-1:], NOW)) == ()
