"""Working the orders from the screen: each dialog, each refusal, bulk results, stale views, read-only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.model import Flag, OrderStatus
from tsshop_tui.domain.rules import duration
from tsshop_tui.store import BulkResult, Store
from tsshop_tui.ui.modals.answer import AnswerModal
from tsshop_tui.ui.modals.cancel import CancelModal
from tsshop_tui.ui.modals.confirm import ConfirmModal
from tsshop_tui.ui.modals.filters import FilterModal
from tsshop_tui.ui.modals.note import NoteModal
from tsshop_tui.ui.modals.result import ResultModal
from tsshop_tui.ui.modals.search import SearchModal
from tsshop_tui.ui.modals.ship import ShipModal
from tsshop_tui.ui.screens.main import MainScreen
from tsshop_tui.ui.widgets.order_list import OrderList

from .factories import NOW
from .ui_shop import make_app

OVERDUE = "577000000000000002"  # first row of To ship
IN_TRANSIT = "577000000000000011"
WITH_CANCEL_REQUEST = "577000000000000005"


def stored(db, order_id):
    with Store(db, clock=FixedClock(NOW)) as store:
        return store.get(order_id)


def notices(app):
    return [str(n.message) for n in app._notifications]


def section(app, selector):
    """What a detail section shows, as plain text."""
    content = app.screen.query_one(selector).content
    return "".join(segment.text for segment in app.console.render(content))


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
        await pilot.press(*"fragile", "down", "down", "down", "enter")  # keep -> no flag -> red -> orange
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
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, NoteModal)
        assert "Type a comment or change the flag" in str(pilot.app.screen.query_one("#note-error").render())


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
        assert f"order {IN_TRANSIT} is in transit: cancel is only possible before shipping" in notices(pilot.app)


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
        assert "is in transit" in result.refused[0][1]
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
        assert isinstance(pilot.app.screen, ConfirmModal)  # a paid order: approving refunds it
        await pilot.press("y")
        await pilot.pause()
        order = stored(shop_db, WITH_CANCEL_REQUEST)
        assert order.status is OrderStatus.CANCELLED and order.cancellation_initiator.value == "BUYER"


async def test_rejecting_needs_a_reason(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await go_to(pilot, WITH_CANCEL_REQUEST)
        await pilot.press("a")
        await pilot.pause()
        modal = pilot.app.screen
        await pilot.press("right")  # Approve -> Reject
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
        await pilot.press("x", "down", "down", "enter", "y")  # address not deliverable
        await pilot.pause()
        result = pilot.app.screen
        assert isinstance(result, ResultModal)
        assert "changed in another terminal" in result.refused[0][1]
        order = stored(shop_db, OVERDUE)
        assert order.status is OrderStatus.AWAITING_SHIPMENT
        await pilot.press("escape")
        await pilot.pause()
        row = pilot.app.screen.query_one(OrderList).cursor_row
        assert row.flag is Flag.RED and row.version == order.version


async def test_detail_screen_has_the_same_actions(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"from detail", "enter")
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


# Issue 10.2: a refusal keeps what was typed; a note is never refused for a stale view -------------

SECOND = "577000000000000004"  # to ship, no flag
RED_FLAGGED = "577000000000000001"  # red: "Fragile - double box"
BLUE_FLAGGED = "577000000000000003"  # blue: "Gift wrap, no invoice in parcel"
DELIVERED_WITH_RETURN = "577000000000000013"
ABNORMAL = IN_TRANSIT  # in transit with tracking "N/A"
UNPAID = "577000000000000008"
USED_TRACKING = "9400111899223344556677"  # order 577000000000000010 carries it


async def tag(pilot, *order_ids):
    screen = pilot.app.screen
    screen.set_search(list(order_ids))
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.press(*["space"] * len(order_ids))
    assert set(screen.query_one(OrderList).tagged) == set(order_ids)


async def test_a_note_on_tagged_orders_changed_underneath_is_not_refused(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await tag(pilot, OVERDUE, SECOND)
        with Store(shop_db, clock=FixedClock(NOW), actor="ana") as other:
            other.ship(OVERDUE, tracking_number="TT5550001112", carrier="UPS")
            other.add_note(SECOND, flag=Flag.GREEN, text="packed")
        await pilot.press("n", *"check the label", "enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, MainScreen)
        assert "Note: 2 orders done" in notices(pilot.app)
        assert stored(shop_db, OVERDUE).current_note.text == "check the label"
        second = stored(shop_db, SECOND)
        assert second.current_note.text == "check the label" and second.flag is Flag.GREEN


async def refused_ship(pilot, shop_db):
    """Tag two orders, change both in another terminal, ship them: both refused, the input kept."""
    await tag(pilot, OVERDUE, SECOND)
    with Store(shop_db, clock=FixedClock(NOW), actor="ana") as other:
        for order_id in (OVERDUE, SECOND):
            other.add_note(order_id, flag=Flag.YELLOW, text="checked by ana")
    await pilot.press("m")
    await pilot.pause()
    modal = pilot.app.screen
    assert isinstance(modal, ShipModal)
    await pilot.press(*"TT0000000001", "tab", *"TT0000000002", "enter")
    await pilot.pause()
    result = pilot.app.screen
    assert isinstance(result, ResultModal)
    assert len(result.refused) == 2 and "your view was out of date" in result.refused[0][1]
    return result


async def test_a_refused_ship_is_retried_after_refreshing_with_what_was_typed(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await refused_ship(pilot, shop_db)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(pilot.app.screen, MainScreen)
        assert stored(shop_db, OVERDUE).tracking_number == "TT0000000001"
        assert stored(shop_db, SECOND).tracking_number == "TT0000000002"
        assert stored(shop_db, SECOND).status is OrderStatus.AWAITING_COLLECTION
        assert not pilot.app.screen.query_one(OrderList).tagged


async def test_edit_after_a_refusal_reopens_the_dialog_with_the_typed_input(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await refused_ship(pilot, shop_db)
        await pilot.press("e")
        await pilot.pause()
        modal = pilot.app.screen
        assert isinstance(modal, ShipModal)
        assert modal.query_one(f"#t-{OVERDUE}").value == "TT0000000001"
        assert modal.query_one(f"#t-{SECOND}").value == "TT0000000002"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert stored(shop_db, OVERDUE).status is OrderStatus.AWAITING_COLLECTION


async def test_a_refused_retry_is_offered_again_and_rules_are_checked_again(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await refused_ship(pilot, shop_db)
        with Store(shop_db, clock=FixedClock(NOW), actor="ana") as other:
            other.cancel(SECOND, reason_code="seller_cancel_paid_reason_address_not_deliver")
        await pilot.press("r")
        await pilot.pause()
        result = pilot.app.screen
        assert isinstance(result, ResultModal)
        assert result.succeeded == [OVERDUE]
        assert result.refused == [(SECOND, f"order {SECOND} is cancelled: a cancelled order cannot be shipped")]


# Issue 10.3 and 10.4: the note dialog ----------------------------------------------------------


async def test_a_flag_only_change_keeps_the_comment_and_the_dialog_shows_what_is_kept(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await go_to(pilot, BLUE_FLAGGED)
        await pilot.press("n")
        await pilot.pause()
        now = str(pilot.app.screen.query_one("#note-now").render())
        assert "blue" in now and "Gift wrap, no invoice in parcel" in now
        await pilot.press(*["down"] * 5, "enter")  # keep -> no flag -> red -> orange -> yellow -> green
        await pilot.pause()
        order = stored(shop_db, BLUE_FLAGGED)
        assert order.flag is Flag.GREEN
        assert order.current_note.text == "Gift wrap, no invoice in parcel"


async def test_the_note_dialog_passes_only_what_changes(shop_db, monkeypatch):
    """No text when the comment is left empty, no flag when it is left on keep (the store keeps them)."""
    calls = []

    def add_note_many(self, order_ids, **kw):
        calls.append((order_ids, kw))
        return BulkResult(succeeded=order_ids)

    monkeypatch.setattr(Store, "add_note_many", add_note_many)
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "up", "enter")  # up from keep wraps to purple
        await pilot.pause()
        await pilot.press("n", *"fragile", "enter")
        await pilot.pause()
        assert calls == [([OVERDUE], {"flag": Flag.PURPLE, "text": None}), ([OVERDUE], {"text": "fragile"})]


async def test_typing_in_the_note_dialog_goes_to_the_comment_and_the_hint_says_the_keys(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await pilot.press("n", *"fragile")
        await pilot.pause()
        modal = pilot.app.screen
        assert modal.query_one("#note-text").value == "fragile"
        hint = str(modal.query_one(".hint").render())
        assert "↑ ↓ change the flag" in hint and "enter or ctrl+s saves" in hint
        await pilot.press("down", "down")  # keep -> no flag -> red
        assert modal.query_one("#note-flag").value is Flag.RED
        await pilot.press("tab", "right")  # on the flags themselves the arrows change the choice too
        assert modal.query_one("#note-flag").value is Flag.ORANGE
        await pilot.press("enter")
        await pilot.pause()
        order = stored(shop_db, OVERDUE)
        assert order.flag is Flag.ORANGE and order.current_note.text == "fragile"


async def open_dialog(pilot, keys):
    for key in keys:
        await pilot.press(key)
        await pilot.pause()
    return pilot.app.screen


@pytest.mark.parametrize(
    ("keys", "dialog", "filled"),
    [
        (["n"], NoteModal, lambda m: setattr(m.query_one("#note-text"), "value", "x")),
        (["m"], ShipModal, lambda m: setattr(m.query_one(f"#t-{OVERDUE}"), "value", "TT0000000009")),
        (["x"], CancelModal, lambda m: None),
        (["f"], FilterModal, lambda m: setattr(m.query_one("#creator"), "value", "anna.styles")),
        (["slash"], SearchModal, lambda m: None),
    ],
)
async def test_every_dialog_submits_with_ctrl_s_and_its_hint_says_so(shop_db, keys, dialog, filled):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        modal = await open_dialog(pilot, keys)
        assert isinstance(modal, dialog)
        assert "ctrl+s" in " ".join(str(h.render()) for h in modal.query(".hint"))
        filled(modal)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert pilot.app.screen is not modal


async def test_the_answer_dialog_submits_with_enter_from_the_choice(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await go_to(pilot, WITH_CANCEL_REQUEST)
        await pilot.press("a")
        await pilot.pause()
        assert "enter or ctrl+s answers" in str(pilot.app.screen.query_one(".hint").render())
        await pilot.press("right", "enter")  # Reject, no reason: asks for one
        await pilot.pause()
        modal = pilot.app.screen
        assert "needs a reason" in str(modal.query_one("#answer-error").render())
        await pilot.press(*"already packed", "enter")
        await pilot.pause()
        assert stored(shop_db, WITH_CANCEL_REQUEST).requests[0].status.value == "REJECTED"


async def test_a_click_picks_a_choice(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await go_to(pilot, WITH_CANCEL_REQUEST)
        await pilot.press("a")
        await pilot.pause()
        await pilot.click("#decision", offset=(11, 0))  # " Approve " takes cells 0-8, " Reject " follows
        assert pilot.app.screen.query_one("#decision").value is False


# Issue 10.7: money-moving answers are confirmed, with the amount -------------------------------


async def test_approving_a_refund_asks_first_with_the_amount(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await go_to(pilot, DELIVERED_WITH_RETURN)
        total = stored(shop_db, DELIVERED_WITH_RETURN).total_amount
        await pilot.press("a", "tab", "enter")  # the walk from the issue: Approve was preselected
        await pilot.pause()
        confirm = pilot.app.screen
        assert isinstance(confirm, ConfirmModal)
        body = str(confirm.query_one("#confirm-body").render())
        assert f"${total}" in body and "refunds the buyer" in body
        await pilot.press("n")
        await pilot.pause()
        assert stored(shop_db, DELIVERED_WITH_RETURN).requests[0].status.value == "PENDING"
        await pilot.press("a", "enter", "y")
        await pilot.pause()
        assert stored(shop_db, DELIVERED_WITH_RETURN).requests[0].status.value == "APPROVED"


# Issue 10.8: ship safety -----------------------------------------------------------------------


async def test_a_tracking_number_already_used_is_warned_about_and_enter_again_ships(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await pilot.press("m", *USED_TRACKING, "enter")
        await pilot.pause()
        modal = pilot.app.screen
        assert isinstance(modal, ShipModal)
        warning = str(modal.query_one("#ship-error").render())
        assert f"{USED_TRACKING} is already the tracking number of 577000000000000010" in warning
        assert "enter again ships anyway" in warning
        assert stored(shop_db, OVERDUE).status is OrderStatus.AWAITING_SHIPMENT
        await pilot.press("enter")
        await pilot.pause()
        assert stored(shop_db, OVERDUE).tracking_number == USED_TRACKING


async def test_one_tracking_number_for_two_tagged_orders_is_refused_keeping_the_input(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await tag(pilot, OVERDUE, SECOND)
        await pilot.press("m", *"TT0000000001", "tab", *"TT0000000001", "enter", "enter")
        await pilot.pause()
        modal = pilot.app.screen
        assert isinstance(modal, ShipModal)
        assert "have the same tracking number 'TT0000000001'" in str(modal.query_one("#ship-error").render())
        assert modal.query_one(f"#t-{SECOND}").value == "TT0000000001"
        assert stored(shop_db, OVERDUE).status is OrderStatus.AWAITING_SHIPMENT


async def test_a_red_flags_note_is_shown_before_shipping(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await go_to(pilot, RED_FLAGGED)
        await pilot.press("m")
        await pilot.pause()
        confirm = pilot.app.screen
        assert isinstance(confirm, ConfirmModal)
        body = str(confirm.query_one("#confirm-body").render())
        assert "hold until verified" in body and "Fragile - double box" in body
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ShipModal)


# Issue 10.9: abnormal packages can be fixed ----------------------------------------------------


async def test_m_on_an_abnormal_order_corrects_its_tracking_number(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await go_to(pilot, ABNORMAL)
        await pilot.press("m")
        await pilot.pause()
        modal = pilot.app.screen
        assert isinstance(modal, ShipModal) and modal.correct
        assert "tracking number 'N/A' is not usable" in str(modal.query_one("#ship-now").render())
        assert modal.query_one("#carrier").value == "UPS"
        await pilot.press(*"1Z999AA10123456799", "enter")
        await pilot.pause()
        order = stored(shop_db, ABNORMAL)
        assert order.status is OrderStatus.IN_TRANSIT
        assert order.tracking_number == "1Z999AA10123456799" and order.history[-1].action == "correct-tracking"


async def test_the_detail_screen_says_what_is_abnormal(shop_db):
    async with make_app(shop_db).run_test(size=(100, 40)) as pilot:
        await go_to(pilot, ABNORMAL)
        await pilot.press("enter")
        await pilot.pause()
        summary = section(pilot.app, "#detail-summary")
        assert "Abnormal: tracking number 'N/A' is not usable: it has 3 characters" in summary
        assert "m corrects the tracking number" in summary


# Issue 10.10: words ----------------------------------------------------------------------------


async def test_cancelling_an_unpaid_order_talks_of_no_refund_and_no_sfcr(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await go_to(pilot, UNPAID)
        await pilot.press("x")
        await pilot.pause()
        reasons = pilot.app.screen
        assert isinstance(reasons, CancelModal)
        assert "SFCR" not in " ".join(str(o.prompt) for o in reasons.query_one("#reasons").options)
        await pilot.press("enter")  # Out of stock (unpaid)
        await pilot.pause()
        body = str(pilot.app.screen.query_one("#confirm-body").render())
        assert "SFCR (7 days)" not in body and "refunded:" not in body
        assert "Unpaid orders are not refunded (nothing was paid) and do not count in SFCR." in body


async def test_cancelling_a_paid_order_shows_the_refund(shop_db):
    async with make_app(shop_db).run_test(size=(80, 24)) as pilot:
        await pilot.press("x", "down", "down", "enter")
        await pilot.pause()
        body = str(pilot.app.screen.query_one("#confirm-body").render())
        assert f"The buyer is told and refunded:\n  {OVERDUE}  ${stored(shop_db, OVERDUE).total_amount}" in body


async def test_detail_says_tiktok_and_no_minus_on_zero_discounts(shop_db):
    async with make_app(shop_db).run_test(size=(100, 40)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        summary = section(pilot.app, "#detail-summary")
        assert "discounts 0.00)" in summary and "-0.00" not in summary
        assert "shipped by the seller" in summary or "shipped by TikTok" in summary


async def test_detail_history_says_statuses_in_the_screens_words(shop_db):
    with Store(shop_db, clock=FixedClock(NOW), actor="ana") as other:
        other.ship(OVERDUE, tracking_number="TT5550001112", carrier="UPS")
    async with make_app(shop_db).run_test(size=(120, 36)) as pilot:
        await go_to(pilot, OVERDUE)
        await pilot.press("enter")
        await pilot.pause()
        history = section(pilot.app, "#detail-history")
        assert '"status": "Awaiting collection"' in history and "AWAITING_COLLECTION" not in history


async def test_detail_of_a_shipped_order_says_how_it_shipped_not_an_overdue_countdown(shop_db):
    """Issue 10.10: a shipped order's ship-by is history ('shipped 3h 00m late'), never 'Xh ago'."""
    late = NOW + timedelta(hours=3)
    with Store(shop_db, clock=FixedClock(late), actor="ana") as other:
        other.ship(OVERDUE, tracking_number="TT5550001112", carrier="UPS")
        due = other.get(OVERDUE).rts_sla_time
    async with make_app(shop_db).run_test(size=(120, 36)) as pilot:
        await go_to(pilot, OVERDUE)
        await pilot.press("enter")
        await pilot.pause()
        ship_by = next(line for line in section(pilot.app, "#detail-summary").splitlines() if "Ship by" in line)
        assert "ago" not in ship_by
        assert f"shipped {duration(int((late - due).total_seconds()))} late" in ship_by


# Issue 11.9 and 11.10: the detail screen -------------------------------------------------------


async def test_a_bidi_override_is_shown_not_obeyed_in_the_detail_screen(shop_db):
    with Store(shop_db, clock=FixedClock(NOW), actor="ana") as other:
        other.add_note(OVERDUE, flag=None, text="paid\u202egnp.exe")
    async with make_app(shop_db).run_test(size=(100, 40)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        notes = section(pilot.app, "#detail-notes")
        assert "paid\\u202egnp.exe" in notes and "\u202e" not in notes


async def test_the_detail_screen_follows_the_database_and_keeps_its_scroll(shop_db):
    async with make_app(shop_db, refresh_seconds=0.2).run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = pilot.app.screen
        await pilot.press("j", "j", "j")
        await pilot.pause()
        scrolled = screen.query_one("#detail-body").scroll_y
        assert scrolled == 3
        with Store(shop_db, clock=FixedClock(NOW), actor="ana") as other:
            other.add_note(OVERDUE, flag=Flag.BLUE, text="from another terminal")
        await pilot.pause(0.6)
        assert screen.order.current_note.text == "from another terminal"
        assert "from another terminal" in section(pilot.app, "#detail-notes")
        assert screen.query_one("#detail-body").scroll_y == scrolled


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


def test_refund_confirmation_snapshot(snap_compare, shop_db):
    async def approve(pilot):
        await go_to(pilot, DELIVERED_WITH_RETURN)
        await pilot.press("a", "enter")
        await pilot.pause()

    assert snap_compare(make_app(shop_db), run_before=approve, terminal_size=(80, 24))


def test_correct_tracking_dialog_snapshot(snap_compare, shop_db):
    async def correct(pilot):
        await go_to(pilot, ABNORMAL)
        await pilot.press("m")
        await pilot.pause()

    assert snap_compare(make_app(shop_db), run_before=correct, terminal_size=(80, 24))


def test_red_flag_before_shipping_snapshot(snap_compare, shop_db):
    async def ship_red(pilot):
        await go_to(pilot, RED_FLAGGED)
        await pilot.press("m")
        await pilot.pause()

    assert snap_compare(make_app(shop_db), run_before=ship_red, terminal_size=(80, 24))


def test_flagged_order_note_dialog_snapshot(snap_compare, shop_db):
    async def note_blue(pilot):
        await go_to(pilot, BLUE_FLAGGED)
        await pilot.press("n", *"second box")
        await pilot.pause()

    assert snap_compare(make_app(shop_db), run_before=note_blue, terminal_size=(80, 24))


def test_refused_bulk_ship_with_retry_and_edit_snapshot(snap_compare, shop_db):
    async def refused(pilot):
        await refused_ship(pilot, shop_db)

    assert snap_compare(make_app(shop_db), run_before=refused, terminal_size=(80, 24))
