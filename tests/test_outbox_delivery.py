"""The outbox sender against the TikTok double: each change reaches TikTok once, even when the sender
dies between sending and recording the answer; TikTok's refusal rolls the order back with its own
words; outages are tried again later, never in a hot loop; a lost authorisation stops only its shop."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tsshop_tui.cli import main
from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.model import OrderStatus, RequestType
from tsshop_tui.domain.rules import Reason, action_items
from tsshop_tui.domain.shops import OutboxState, TokenState
from tsshop_tui.fake_tiktok import FakeTikTok, Faults
from tsshop_tui.io.credentials import CredentialStore
from tsshop_tui.io.tiktok.sender import RETRY_BASE, RETRY_CAP, DeliveryReport, backoff, deliver
from tsshop_tui.io.tiktok.sync import SessionOptions, ShopBusy, open_session
from tsshop_tui.store import Store

START = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=10)
"""The double's time: a little behind the machine's, so the sync's 'now' is never behind TikTok's, and
buyer requests are still open to an answer here."""
NO_WAIT = SessionOptions(timeout=2.0, sleep=lambda seconds: None)
TRACKING = "1Z999AA10123456784"
OTHER_TRACKING = "9400111899223197428490"
SECOND = timedelta(seconds=1)
PAID_REASON = "seller_cancel_paid_reason_address_not_deliver"
REJECT_REASON = "seller_reject_apply_buyer_agreed_to_keep"
ACTIONS = ("cancel_order", "ship_package", "approve_cancellation", "reject_cancellation", "approve_return",
           "reject_return")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def connect(fake: FakeTikTok, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`tsshop shop add` of every shop of the double's account, with its first sync."""
    monkeypatch.setenv("TSSHOP_APP_SECRET", fake.app_secret)
    codes = [arg for code in fake.auth_codes.values() for arg in ("--auth-code", code)]
    code, _, err = run("shop", "add", "--db", str(db), "--api-base", fake.url, "--auth-base", fake.url,
                       "--app-key", fake.app_key, *codes)
    assert code == 0, err


def secrets_of(fake: FakeTikTok) -> list[str]:
    """The app secret and every token the credentials file holds."""
    store = CredentialStore()
    found = [fake.app_secret]
    for shop_id in fake.auth_codes:
        tokens = store.tokens(shop_id)
        if tokens is not None:
            found += [tokens.access_token.get_secret_value(), tokens.refresh_token.get_secret_value()]
    return found


def orders_in(fake: FakeTikTok, shop_id: str, status: OrderStatus) -> list[str]:
    return sorted(i for i, order in fake.snapshot()[shop_id].items() if order["status"] == status.value)


def pending_request(fake: FakeTikTok, shop_id: str, kind: RequestType, *, skip: int = 0) -> tuple[str, str]:
    """(order id, TikTok's request id) of a buyer request still waiting for the seller."""
    found = sorted(
        (order_id, external)
        for order_id, order in fake.snapshot()[shop_id].items()
        for external, type_, status in order["requests"]
        if type_ == kind.value and status == "PENDING"
    )
    return found[skip]


@pytest.fixture
def creds(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "secret" / "credentials.json"
    monkeypatch.setenv("TSSHOP_CREDENTIALS", str(path))
    return path


@pytest.fixture
def fake() -> Iterator[FakeTikTok]:
    with FakeTikTok(seed=2, shops=2, orders=160, clock=FixedClock(START)) as double:
        yield double


@pytest.fixture
def db(tmp_path, fake, creds, monkeypatch) -> Path:
    path = tmp_path / "shop.db"
    connect(fake, path, monkeypatch)
    return path


@pytest.fixture
def shop_ids(fake) -> list[str]:
    return sorted(fake.auth_codes)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(timezone.utc).replace(microsecond=0))


def send(db: Path, shop_id: str, clock: FixedClock, wrap: Any = None) -> DeliveryReport:
    """One delivery pass of *shop_id*'s outbox (the session wrapped by *wrap*, when given)."""
    with Store(db, clock=clock, actor="ana") as store:
        shop = store.shop(shop_id)
        assert shop is not None
        with open_session(store, CredentialStore(), shop, clock, NO_WAIT) as session:
            return deliver(store, wrap(session) if wrap else session, rng=random.Random(1))


def outbox(db: Path, shop_id: str | None = None) -> list[Any]:
    with Store(db, read_only=True) as store:
        return [item for state in OutboxState for item in store.outbox(state=state, shop_id=shop_id)]


class DiesAfterSending:
    """A session whose process dies (SystemExit) the moment TikTok has answered an action: the answer
    is never recorded, as with a kill -9 between send and acknowledgement."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.shop = session.shop

    def call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        answer = self.session.call(method, *args, **kwargs)
        if method.__name__ in ACTIONS:
            raise SystemExit("killed after TikTok answered")
        return answer


def test_every_kind_of_change_reaches_tiktok_once_and_is_done(db, fake, shop_ids, clock):
    shop = shop_ids[0]
    to_cancel, to_ship = orders_in(fake, shop, OrderStatus.AWAITING_SHIPMENT)[:2]
    to_correct = orders_in(fake, shop, OrderStatus.IN_TRANSIT)[0]
    cancelled_order, cancellation = pending_request(fake, shop, RequestType.CANCELLATION)
    returned_order, return_id = pending_request(fake, shop, RequestType.RETURN_REFUND)
    changed = (to_cancel, to_ship, to_correct, cancelled_order, returned_order)
    with Store(db, clock=clock, actor="ana") as store:
        store.cancel(to_cancel, reason_code=PAID_REASON)
        store.ship(to_ship, tracking_number=TRACKING, carrier="USPS")
        store.correct_tracking(to_correct, tracking_number=OTHER_TRACKING, carrier="DHL eCommerce")
        store.answer_request(cancelled_order, RequestType.CANCELLATION, approve=True)
        store.answer_request(returned_order, RequestType.RETURN_REFUND, approve=False, reject_reason=REJECT_REASON)
        assert [store.get(i).pending_action for i in changed] == [
            "cancel", "ship", "correct-tracking", "approve-cancellation", "reject-return"]

    report = send(db, shop, clock)

    assert (report.done, report.refused, report.retried, report.stopped) == (5, 0, 0, None)
    assert sorted(fake.applied) == sorted([
        ("cancel", to_cancel, _key(db, to_cancel)), ("ship", _package(fake, shop, to_ship), _key(db, to_ship)),
        ("correct-tracking", _package(fake, shop, to_correct), _key(db, to_correct)),
        ("approve-cancellation", cancellation, _key(db, cancelled_order)),
        ("reject-return", return_id, _key(db, returned_order)),
    ])
    state = fake.snapshot()[shop]
    assert state[to_cancel]["status"] == "CANCELLED"
    assert (state[to_ship]["tracking_number"], state[to_ship]["shipping_provider"]) == (TRACKING, "USPS")
    assert (state[to_correct]["tracking_number"], state[to_correct]["shipping_provider"]) == (
        OTHER_TRACKING, "DHL eCommerce")
    assert (cancellation, "CANCELLATION", "APPROVED") in state[cancelled_order]["requests"]
    assert (return_id, "RETURN_REFUND", "REJECTED") in state[returned_order]["requests"]
    assert {item.state for item in outbox(db)} == {OutboxState.DONE}
    with Store(db, read_only=True) as store:
        assert all(store.get(i).pending_action is None for i in changed)
    assert send(db, shop, clock) == DeliveryReport()  # nothing left: nothing sent again
    assert len(fake.applied) == 5


def _key(db: Path, order_id: str) -> str:
    (item,) = [item for item in outbox(db) if item.order_id == order_id]
    return item.idempotency_key


def _package(fake: FakeTikTok, shop_id: str, order_id: str) -> str:
    return fake.world.shops[shop_id].orders[order_id]["packages"][0]["id"]


def test_a_sender_that_dies_after_tiktok_answered_leaves_the_row_sending_and_the_next_one_applies_it_once(
    db, fake, shop_ids, clock,
):
    shop = shop_ids[0]
    to_ship = orders_in(fake, shop, OrderStatus.AWAITING_SHIPMENT)[0]
    with Store(db, clock=clock, actor="ana") as store:
        store.ship(to_ship, tracking_number=TRACKING, carrier="UPS")

    with pytest.raises(SystemExit):
        send(db, shop, clock, wrap=DiesAfterSending)

    (row,) = outbox(db, shop)
    assert (row.state, row.attempts) == (OutboxState.SENDING, 1)
    assert [kind for kind, _, _ in fake.applied] == ["ship"]
    report = send(db, shop, clock)
    assert report.done == 1
    (row,) = outbox(db, shop)
    assert (row.state, row.attempts) == (OutboxState.DONE, 2)
    assert fake.applied == [("ship", _package(fake, shop, to_ship), row.idempotency_key)]  # once, same key
    assert fake.snapshot()[shop][to_ship]["tracking_number"] == TRACKING


def test_a_refused_cancel_rolls_the_order_back_with_tiktoks_own_message(db, fake, shop_ids, clock):
    shop = shop_ids[0]
    order_id = orders_in(fake, shop, OrderStatus.AWAITING_SHIPMENT)[0]
    message = "The order is being packed by the warehouse and can no longer be cancelled"
    fake.refuse_next("cancel", message)
    with Store(db, clock=clock, actor="ana") as store:
        store.cancel(order_id, reason_code=PAID_REASON)
        assert store.get(order_id).status is OrderStatus.CANCELLED

    report = send(db, shop, clock)

    assert (report.done, report.refused) == (0, 1)
    assert fake.applied == []
    assert fake.snapshot()[shop][order_id]["status"] == "AWAITING_SHIPMENT"
    with Store(db, read_only=True) as store:
        order = store.get(order_id)
    assert order.status is OrderStatus.AWAITING_SHIPMENT
    assert (order.pending_action, order.remote_error) == (None, message)
    assert any(event.action == "tiktok-refused" for event in order.history)
    assert Reason.REFUSED_BY_TIKTOK in {item.reason for item in action_items(order, clock.now())}
    (row,) = outbox(db, shop)
    assert (row.state, row.last_error) == (OutboxState.REFUSED, message)


def test_a_ship_with_a_carrier_tiktok_does_not_offer_is_refused_naming_the_carriers_it_has(
    db, fake, shop_ids, clock,
):
    shop = shop_ids[0]
    order_id = orders_in(fake, shop, OrderStatus.AWAITING_SHIPMENT)[0]
    fake.world.providers = [p for p in fake.world.providers if p["name"] != "OnTrac"]
    with Store(db, clock=clock, actor="ana") as store:
        store.ship(order_id, tracking_number=TRACKING, carrier="OnTrac")

    assert send(db, shop, clock).refused == 1

    with Store(db, read_only=True) as store:
        order = store.get(order_id)
    assert order.status is OrderStatus.AWAITING_SHIPMENT and not order.tracking_number
    assert "no carrier called 'OnTrac'" in order.remote_error and "USPS" in order.remote_error
    assert fake.applied == []


def test_an_outage_is_tried_again_later_with_growing_jittered_waits_never_in_a_hot_loop(
    db, fake, shop_ids, clock,
):
    shop = shop_ids[0]
    order_id = orders_in(fake, shop, OrderStatus.AWAITING_SHIPMENT)[0]
    with Store(db, clock=clock, actor="ana") as store:
        store.cancel(order_id, reason_code=PAID_REASON)
    fake.faults = Faults(rate=1.0, kinds=("500",), seed=3)
    served = fake.requests_served

    assert send(db, shop, clock).retried == 1
    assert fake.requests_served - served == NO_WAIT.retries + 1  # the client's own bounded retries
    (row,) = outbox(db, shop)
    first_wait = row.next_attempt_at - clock.now()
    assert row.state is OutboxState.PENDING and "HTTP 5" in row.last_error
    assert RETRY_BASE / 2 - SECOND <= first_wait <= RETRY_BASE  # kept to the second

    served = fake.requests_served
    assert send(db, shop, clock) == DeliveryReport()  # not due yet: nothing is sent
    assert fake.requests_served == served

    clock.advance(first_wait)
    assert send(db, shop, clock).retried == 1
    (row,) = outbox(db, shop)
    assert RETRY_BASE - SECOND <= row.next_attempt_at - clock.now() <= 2 * RETRY_BASE

    fake.faults = Faults()
    clock.advance(2 * RETRY_BASE)
    assert send(db, shop, clock).done == 1
    assert [(kind, target) for kind, target, _ in fake.applied] == [("cancel", order_id)]
    with Store(db, read_only=True) as store:
        assert store.get(order_id).pending_action is None


def test_the_wait_between_tries_doubles_up_to_its_cap_with_jitter():
    rng = random.Random(5)
    waits = [backoff(attempt, rng) for attempt in range(1, 40)]
    assert all(RETRY_BASE / 2 <= wait <= RETRY_CAP for wait in waits)
    assert waits[0] <= RETRY_BASE and waits[-1] >= RETRY_CAP / 2
    assert len({round(wait.total_seconds(), 3) for wait in waits[-10:]}) == 10  # jittered, not in lockstep


def test_a_revoked_shop_stops_sending_and_keeps_its_changes_while_the_other_shop_goes_on(
    db, fake, shop_ids, clock,
):
    revoked, other = shop_ids
    orders = {shop: orders_in(fake, shop, OrderStatus.AWAITING_SHIPMENT)[0] for shop in shop_ids}
    with Store(db, clock=clock, actor="ana") as store:
        for order_id in orders.values():
            store.cancel(order_id, reason_code=PAID_REASON)
    fake.revoke(revoked)

    stopped = send(db, revoked, clock)
    going = send(db, other, clock)

    assert stopped.stopped and "revoked" in stopped.stopped and stopped.retried == 1
    assert going.done == 1
    assert [target for _, target, _ in fake.applied] == [orders[other]]
    (row,) = outbox(db, revoked)
    assert row.state is OutboxState.PENDING and row.next_attempt_at > clock.now()
    with Store(db, read_only=True) as store:
        shop = store.shop(revoked)
        assert shop.token_state is TokenState.REVOKED and "revoked" in shop.last_error
        assert store.get(orders[revoked]).pending_action == "cancel"  # kept, to go once it is authorised again
        assert store.shop(other).token_state is TokenState.OK
    raw = db.read_bytes()
    for secret in secrets_of(fake):
        assert secret not in (stopped.stopped or "") and secret.encode() not in raw



def test_an_access_token_tiktok_calls_expired_is_renewed_and_the_change_still_goes(db, fake, shop_ids, clock):
    shop = shop_ids[0]
    order_id = orders_in(fake, shop, OrderStatus.AWAITING_SHIPMENT)[0]
    with Store(db, clock=clock, actor="ana") as store:
        store.cancel(order_id, reason_code=PAID_REASON)
    fake.expire_tokens(shop)

    report = send(db, shop, clock)

    assert (report.done, report.stopped) == (1, None)
    assert [(kind, target) for kind, target, _ in fake.applied] == [("cancel", order_id)]
    with Store(db, read_only=True) as store:
        assert store.shop(shop).token_state is TokenState.OK and store.shop(shop).last_error is None


def test_shipping_many_orders_in_one_pass_asks_for_carriers_and_delivery_options_once(db, fake, shop_ids, clock):
    shop = shop_ids[0]
    orders = orders_in(fake, shop, OrderStatus.AWAITING_SHIPMENT)[:6]
    with Store(db, clock=clock, actor="ana") as store:
        for number, order_id in enumerate(orders):
            store.ship(order_id, tracking_number=f"1Z999AA1{number:010d}", carrier="UPS")
    served = fake.requests_served

    assert send(db, shop, clock).done == 6

    assert fake.requests_served - served == 6 + 2  # the shipments, one order detail call, one carrier list
    assert {fake.snapshot()[shop][order_id]["shipping_provider"] for order_id in orders} == {"UPS"}


def test_with_faults_on_every_kind_of_request_each_change_is_applied_exactly_once(db, fake, shop_ids, clock):
    shop = shop_ids[0]
    orders = orders_in(fake, shop, OrderStatus.AWAITING_SHIPMENT)[:10]
    with Store(db, clock=clock, actor="ana") as store:
        for number, order_id in enumerate(orders):
            if number % 2:
                store.cancel(order_id, reason_code=PAID_REASON)
            else:
                store.ship(order_id, tracking_number=f"1Z999AA1{number:010d}", carrier="FedEx")
    fake.faults = Faults(rate=0.4, kinds=("429", "500", "timeout"), seed=21, timeout_delay=0.3)  # applied, late
    flaky = SessionOptions(timeout=0.15, retries=2, sleep=lambda seconds: None)

    for _ in range(30):
        with Store(db, clock=clock, actor="ana") as store:
            with open_session(store, CredentialStore(), store.shop(shop), clock, flaky) as session:
                deliver(store, session, rng=random.Random(2))
        if all(item.state is OutboxState.DONE for item in outbox(db, shop)):
            break
        clock.advance(RETRY_CAP)

    assert {item.state for item in outbox(db, shop)} == {OutboxState.DONE}
    assert sorted(target for kind, target, _ in fake.applied if kind == "cancel") == orders[1::2]
    assert len(fake.applied) == len(orders) and len({key for _, _, key in fake.applied}) == len(orders)


def test_a_pass_that_lost_the_shops_lease_puts_its_rows_back_due_at_once_for_the_holder(db, fake, shop_ids, clock):
    shop = shop_ids[0]
    orders = orders_in(fake, shop, OrderStatus.AWAITING_SHIPMENT)[:2]
    with Store(db, clock=clock, actor="ana") as store:
        for order_id in orders:
            store.cancel(order_id, reason_code=PAID_REASON)

    class LosesItsLease(DiesAfterSending):
        def call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
            raise ShopBusy("another tsshop (elsewhere pid 7) is syncing this shop now; it sends its changes too")

    report = send(db, shop, clock, wrap=LosesItsLease)

    assert report.retried == 2 and "another tsshop" in report.stopped
    assert fake.applied == []
    rows = outbox(db, shop)
    assert {(row.state, row.next_attempt_at) for row in rows} == {(OutboxState.PENDING, clock.now())}
    assert send(db, shop, clock).done == 2  # the holder (here: the next pass) sends them at once
