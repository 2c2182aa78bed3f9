"""Working the orders from the screen: each dialog, each refusal, bulk results, stale views, read-only."""

from __future__ import annotations

import pytest

from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.model import Flag, OrderStatus
from tsshop_tui.store import Store
from tsshop_tui.ui.modals.answer import AnswerModal
from tsshop_tui.ui.modals.cancel import CancelModal
from tsshop_tui.ui.modals.confirm import ConfirmModal
from tsshop_tui.ui.modals.note import NoteModal
from tsshop_tui.ui.modals.result import ResultModal
from tsshop_tui.ui.modals.ship import ShipModal
from tsshop_tui.ui.screens.main import MainScreen
from tsshop_tui.ui.widgets.order_list import OrderList

from .factories import NOW
from .ui_shop import build_shop, make_app

OVERDUE = "577000000000000002"  # first row of To ship
IN_TRANSIT = "577000000000000011"
WITH_CANCEL_REQUEST = "577000000000000005"


@pytest.fixture
def shop_db(tmp_path):
    return build_shop(tmp_path / "shop.db")


def stored(db, order_id):
    with Store(db, clock=FixedClock(NOW)) as store:
        return store.get(order_id)


def notices(app):
    return [str(n.message) for n in app._notifications]


async def go_to(pilot, order_id):
    screen = pilot.app.screen
    screen.set_search([order_id])
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    assert screen.query_one(OrderList).cursor_row.id == order_id


async def test_n_adds_a_flagged_note(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(pilot.app.screen, NoteModal)
        await pilot.press("right", "right", "enter", "tab", *"fragile", "enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, MainScreen)
        order = stored(shop_db, OVERDUE)
        assert order.flag is Flag.ORANGE and order.current_note.text == "fragile"
        assert order.history[-1].action == "note"
        row = pilot.app.screen.query_one(OrderList).cursor_row
        assert row.id == OVERDUE and row.flag is Flag.ORANGE


async def test_a_note_needs_a_flag_or_a_comment(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("tab", "enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, NoteModal)
        assert "Pick a flag" in str(pilot.app.screen.query_one("#note-error").render())


async def test_x_with_a_seller_fault_reason_shows_sfcr_before_confirming(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(pilot.app.screen, CancelModal)
        await pilot.press("enter")  # Out of stock: seller fault
        await pilot.pause()
        confirm = pilot.app.screen
        assert isinstance(confirm, ConfirmModal)
        body = str(confirm.query_one("#confirm-body").render())
        assert "SFCR (7 days) now" in body and "→" in body
        await pilot.press("y")
        await pilot.pause()
        order = stored(shop_db, OVERDUE)
        assert order.status is OrderStatus.CANCELLED
        assert order.cancel_reason == "seller_cancel_reason_out_of_stock"


async def test_x_then_n_changes_nothing(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await pilot.press("x", "down", "down", "enter")
        await pilot.pause()
        assert "SFCR" not in str(pilot.app.screen.query_one("#confirm-body").render())
        await pilot.press("n")
        await pilot.pause()
        assert stored(shop_db, OVERDUE).status is OrderStatus.AWAITING_SHIPMENT


async def test_cancelling_a_shipped_order_is_refused_with_the_reason(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await go_to(pilot, IN_TRANSIT)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(pilot.app.screen, MainScreen)
        assert f"order {IN_TRANSIT} is IN_TRANSIT: cancel is only possible before shipping" in notices(pilot.app)


async def test_bulk_cancel_reports_each_refusal(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        screen = pilot.app.screen
        screen.set_search([OVERDUE, "577000000000000001", IN_TRANSIT])
        await pilot.pause()
        await pilot.press("space", "space", "space")
        assert len(screen.query_one(OrderList).tagged) == 3
        await pilot.press("x", "down", "down", "enter", "y")
        await pilot.pause()
        result = pilot.app.screen
        assert isinstance(result, ResultModal)
        assert sorted(result.succeeded) == sorted([OVERDUE, "577000000000000001"])
        assert [oid for oid, _ in result.refused] == [IN_TRANSIT]
        assert "IN_TRANSIT" in result.refused[0][1]
        await pilot.press("escape")
        await pilot.pause()
        assert len(screen.query_one(OrderList).tagged) == 1


async def test_m_ships_with_a_valid_tracking_number_only(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await pilot.press("m")
        await pilot.pause()
        modal = pilot.app.screen
        assert isinstance(modal, ShipModal)
        await pilot.press(*"N/A", "enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ShipModal)
        assert "a usable one has 8 to 40" in str(modal.query_one("#ship-error").render())
        modal.query_one(f"#t-{OVERDUE}").value = "9400111899223344550001"
        await pilot.press("enter")
        await pilot.pause()
        order = stored(shop_db, OVERDUE)
        assert order.status is OrderStatus.AWAITING_COLLECTION
        assert order.tracking_number == "9400111899223344550001" and order.shipping_provider == "USPS"


async def test_a_answers_a_buyer_cancellation_request(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await go_to(pilot, WITH_CANCEL_REQUEST)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(pilot.app.screen, AnswerModal)
        pilot.app.screen.query_one("#save").press()
        await pilot.pause()
        order = stored(shop_db, WITH_CANCEL_REQUEST)
        assert order.status is OrderStatus.CANCELLED and order.cancellation_initiator.value == "BUYER"


async def test_rejecting_needs_a_reason(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await go_to(pilot, WITH_CANCEL_REQUEST)
        await pilot.press("a")
        await pilot.pause()
        modal = pilot.app.screen
        modal.query_one("#reject").value = True
        await pilot.pause()
        modal.query_one("#save").press()
        await pilot.pause()
        assert "needs a reason" in str(modal.query_one("#answer-error").render())
        modal.query_one("#reject-reason").value = "already packed"
        modal.query_one("#save").press()
        await pilot.pause()
        order = stored(shop_db, WITH_CANCEL_REQUEST)
        assert order.status is OrderStatus.AWAITING_SHIPMENT
        assert order.requests[0].status.value == "REJECTED"


async def test_no_pending_request_says_so(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(pilot.app.screen, MainScreen)
        assert any("No pending buyer request" in n for n in notices(pilot.app))


async def test_a_change_on_a_stale_view_is_refused_and_the_view_refreshes(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        with Store(shop_db, clock=FixedClock(NOW), actor="ana") as other:
            other.add_note(OVERDUE, flag=Flag.RED, text="from the other terminal")
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("tab", *"mine", "enter")
        await pilot.pause()
        assert any("changed in another terminal" in n for n in notices(pilot.app))
        order = stored(shop_db, OVERDUE)
        assert [n.text for n in order.notes] == ["from the other terminal"]
        row = pilot.app.screen.query_one(OrderList).cursor_row
        assert row.flag is Flag.RED and row.version == order.version


async def test_detail_screen_has_the_same_actions(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("tab", *"from detail", "enter")
        await pilot.pause()
        assert stored(shop_db, OVERDUE).current_note.text == "from detail"
        assert pilot.app.screen.order.current_note.text == "from detail"


async def test_read_only_has_no_changing_keys_or_commands(shop_db):
    async with make_app(shop_db, read_only=True).run_test(size=(80, 24)) as pilot:
        screen = pilot.app.screen
        for key in ("n", "x", "m", "a"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(pilot.app.screen, MainScreen)
        titles = {c.title for c in pilot.app.get_system_commands(screen)}
        assert "Add note / flag" not in titles and "Cancel orders" not in titles
        footer_keys = {b.binding.key for b in screen.active_bindings.values() if b.enabled}
        assert "n" not in footer_keys and "x" not in footer_keys


def test_note_dialog_snapshot(snap_compare, shop_db):
    assert snap_compare(make_app(shop_db), press=["n"], terminal_size=(80, 24))


def test_cancel_reasons_snapshot(snap_compare, shop_db):
    assert snap_compare(make_app(shop_db), press=["x"], terminal_size=(80, 24))


def test_seller_fault_confirmation_snapshot(snap_compare, shop_db):
    assert snap_compare(make_app(shop_db), press=["x", "enter"], terminal_size=(80, 24))


def test_ship_dialog_refusing_a_bad_tracking_number_snapshot(snap_compare, shop_db):
    assert snap_compare(make_app(shop_db), press=["m", "N", "slash", "A", "enter"], terminal_size=(80, 24))


def test_answer_dialog_snapshot(snap_compare, shop_db):
    async def open_answer(pilot):
        await go_to(pilot, WITH_CANCEL_REQUEST)
        await pilot.press("a")
        await pilot.pause()

    assert snap_compare(make_app(shop_db), run_before=open_answer, terminal_size=(80, 24))


def test_refused_cancel_message_snapshot(snap_compare, shop_db):
    async def refuse(pilot):
        await go_to(pilot, IN_TRANSIT)
        await pilot.press("x")
        await pilot.pause()

    assert snap_compare(make_app(shop_db), run_before=refuse, terminal_size=(80, 24))


def test_bulk_result_snapshot(snap_compare, shop_db):
    async def bulk(pilot):
        pilot.app.screen.set_search([OVERDUE, "577000000000000001", IN_TRANSIT])
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("space", "space", "space", "x", "down", "down", "enter", "y")
        await pilot.pause()

    assert snap_compare(make_app(shop_db), run_before=bulk, terminal_size=(80, 24))
