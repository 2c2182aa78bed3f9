"""`tsshop outbox`: cancels, shipments and answers made with the CLI on a TikTok shop's orders reach
the double exactly once each — also when `tsshop outbox --send` is killed (-9) between sending and
recording the answer — and a refusal shows TikTok's words on the order and in Action needed."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.model import OrderStatus, RequestType
from tsshop_tui.domain.shops import OutboxState
from tsshop_tui.fake_tiktok import FakeTikTok
from tsshop_tui.store import Store

from .test_outbox_delivery import (
    PAID_REASON, REJECT_REASON, START, TRACKING, connect, orders_in, outbox, pending_request, run, secrets_of,
)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def fake() -> Iterator[FakeTikTok]:
    with FakeTikTok(seed=2, shops=2, orders=160, clock=FixedClock(START)) as double:
        yield double


@pytest.fixture
def db(tmp_path, fake, monkeypatch) -> Path:
    monkeypatch.setenv("TSSHOP_CREDENTIALS", str(tmp_path / "secret" / "credentials.json"))
    path = tmp_path / "shop.db"
    connect(fake, path, monkeypatch)
    return path


@pytest.fixture
def shop(fake) -> str:
    return sorted(fake.auth_codes)[0]


def changes_through_the_cli(db: Path, fake: FakeTikTok, shop: str) -> dict[str, str]:
    """A cancel, a shipment, an approved cancellation and a rejected return made with the CLI:
    order id by outbox kind."""
    to_cancel, to_ship = orders_in(fake, shop, OrderStatus.AWAITING_SHIPMENT)[:2]
    cancelled, _ = pending_request(fake, shop, RequestType.CANCELLATION)
    returned, _ = pending_request(fake, shop, RequestType.RETURN_REFUND)
    for argv in (
        ("cancel", to_cancel, "--reason", PAID_REASON),
        ("ship", f"{to_ship}={TRACKING}", "--carrier", "FedEx"),
        ("request", "approve", cancelled, "--type", "cancellation"),
        ("request", "reject", returned, "--type", "return", "--reason", REJECT_REASON),
    ):
        code, _, err = run(*argv, "--db", str(db))
        assert code == 0, err
    return {"cancel": to_cancel, "ship": to_ship, "approve-cancellation": cancelled, "reject-return": returned}


def answers_late(fake: FakeTikTok, seconds: float) -> None:
    """The double applies a new seller action at once but answers it only *seconds* later (an action
    it had applied already, sent again with the same key, is answered at once)."""
    answer = fake.answer

    def late(method: str, path: str, query: dict[str, str], body: bytes, token: str) -> Any:
        applied = len(fake.applied)
        reply = answer(method, path, query, body, token)
        return dataclasses.replace(reply, delay=seconds) if len(fake.applied) > applied else reply

    fake.answer = late  # type: ignore[method-assign]


def kill_when_applied(db: Path, fake: FakeTikTok, count: int) -> None:
    """Run `tsshop outbox --send` and kill -9 it once the double has applied *count* actions."""
    sender = subprocess.Popen(
        [sys.executable, "-m", "tsshop_tui.cli", "outbox", "--send", "--db", str(db)],
        cwd=REPO, env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while len(fake.applied) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(fake.applied) == count, "the sender did not reach TikTok"
        sender.send_signal(signal.SIGKILL)
        assert sender.wait(10) == -signal.SIGKILL
    finally:
        sender.kill()
        sender.wait()


def test_cancel_ship_and_answers_made_with_the_cli_wait_as_pending_then_reach_tiktok_once_each(db, fake, shop):
    made = changes_through_the_cli(db, fake, shop)

    code, listed, _ = run("outbox", "--db", str(db))
    assert code == 0
    for kind, order_id in made.items():
        assert any(order_id in line and kind in line and "pending" in line for line in listed.splitlines())
    code, shown, _ = run("show", made["cancel"], "--db", str(db))
    assert "Waiting for TikTok" in shown
    assert '  cancel  {"status": "AWAITING_SHIPMENT", "version": 1} -> {"status": "CANCELLED"' in shown
    code, as_json, _ = run("show", made["cancel"], "--db", str(db), "--json")
    assert "restore" in as_json  # the undo record, for those who read the whole history

    code, out, err = run("outbox", "--send", "--db", str(db))
    assert code == 0, err
    assert "Glow & Co: 4 delivered, 0 refused, 0 to retry" in out and "Cloud Nine Goods: nothing due" in out
    assert "Nothing waiting for TikTok." in out
    assert sorted((kind, key.split(":")[1]) for kind, _, key in fake.applied) == sorted(made.items())
    assert len({key for _, _, key in fake.applied}) == 4
    assert run("outbox", "--send", "--db", str(db))[0] == 0  # a second send finds nothing to do
    assert len(fake.applied) == 4
    state = fake.snapshot()[shop]
    assert state[made["cancel"]]["status"] == "CANCELLED"
    assert state[made["ship"]]["tracking_number"] == TRACKING
    for text in (listed, out, err, shown):
        for secret in secrets_of(fake):
            assert secret not in text


def test_kill_9_between_send_and_answer_three_times_loses_nothing_and_applies_each_change_once(db, fake, shop):
    made = changes_through_the_cli(db, fake, shop)
    answers_late(fake, 30.0)
    for kill in range(1, 4):
        kill_when_applied(db, fake, kill)
        key = fake.applied[-1][2]
        rows = {item.idempotency_key: item for item in outbox(db, shop)}
        assert rows[key].state is OutboxState.SENDING  # TikTok has it; the database does not know yet
    del fake.answer  # answers on time again

    code, listed, _ = run("outbox", "--db", str(db))
    assert "sending" in listed
    killed = list(fake.applied)
    code, out, err = run("outbox", "--send", "--db", str(db))
    assert code == 0, err

    assert fake.applied[:3] == killed  # those sent before a kill were sent again and not applied again
    assert sorted(kind for kind, _, _ in fake.applied) == sorted(made)  # every change, each once
    assert len({key for _, _, key in fake.applied}) == len(made)
    assert {item.state for item in outbox(db, shop)} == {OutboxState.DONE}
    with Store(db, read_only=True) as store:
        assert all(store.get(order_id).pending_action is None for order_id in made.values())


def test_a_refused_cancel_is_rolled_back_and_shows_tiktoks_message_in_show_and_action_needed(db, fake, shop):
    order_id = orders_in(fake, shop, OrderStatus.AWAITING_SHIPMENT)[0]
    message = "Order is in the [bold]packing[/] stage and cannot be cancelled"
    fake.refuse_next("cancel", message)
    assert run("cancel", order_id, "--reason", PAID_REASON, "--db", str(db))[0] == 0

    code, out, err = run("outbox", "--send", "--db", str(db))

    assert code == 1
    assert "0 delivered, 1 refused" in out
    assert message in out and "refused" in out
    code, shown, _ = run("show", order_id, "--db", str(db))
    assert "AWAITING_SHIPMENT" in shown.splitlines()[0]
    assert f"TikTok refused: {message}" in shown
    assert "TikTok refused" in shown.split("action needed:")[1].splitlines()[0]
    data = json.loads(run("show", order_id, "--json", "--db", str(db))[1])
    assert data["remote_error"] == message and data["pending_action"] is None
    assert "refused-by-tiktok" in {item["reason"] for item in data["action_needed"]}
    assert fake.applied == [] and fake.snapshot()[shop][order_id]["status"] == "AWAITING_SHIPMENT"


def test_outbox_json_shop_filter_and_refusals_of_bad_use(db, fake, shop):
    other = sorted(fake.auth_codes)[1]
    order_id = orders_in(fake, shop, OrderStatus.AWAITING_SHIPMENT)[0]
    assert run("cancel", order_id, "--reason", PAID_REASON, "--db", str(db))[0] == 0

    rows = json.loads(run("outbox", "--json", "--db", str(db))[1])
    assert [(r["order_id"], r["kind"], r["state"], r["attempts"]) for r in rows] == [
        (order_id, "cancel", "pending", 0)]
    assert rows[0]["idempotency_key"].startswith(f"cancel:{order_id}:")
    assert json.loads(run("outbox", "--json", "--shop", other, "--db", str(db))[1]) == []

    code, out, err = run("outbox", "--shop", "nope", "--db", str(db))
    assert code == 2 and out == "" and err.count("\n") == 1 and "no TikTok shop 'nope'" in err
    code, out, err = run("outbox", "--send", "--read-only", "--db", str(db))
    assert code == 2 and "read-only" in err and "Traceback" not in err
    assert outbox(db)[0].state is OutboxState.PENDING


def test_a_revoked_shop_says_so_and_keeps_its_changes_while_the_other_shop_sends(db, fake, shop):
    other = sorted(fake.auth_codes)[1]
    mine, theirs = (orders_in(fake, s, OrderStatus.AWAITING_SHIPMENT)[0] for s in (shop, other))
    assert run("cancel", mine, theirs, "--reason", PAID_REASON, "--db", str(db))[0] == 0
    fake.revoke(shop)

    first = run("outbox", "--send", "--db", str(db))
    second = run("outbox", "--send", "--db", str(db))

    assert first[0] == 1 and "Glow & Co: 0 delivered, 0 refused, 1 to retry, stopped: " in first[1]
    assert "Cloud Nine Goods: 1 delivered" in first[1]
    assert second[0] == 1 and "tsshop: Glow & Co: nothing sent: " in second[2] and "revoked" in second[2]
    assert [target for _, target, _ in fake.applied] == [theirs]
    assert any(mine in line and "pending" in line and "revoked" in line for line in second[1].splitlines())
    for text in (*first[1:], *second[1:]):
        for secret in secrets_of(fake):
            assert secret not in text


def test_while_another_tsshop_holds_the_shop_outbox_send_leaves_its_changes_to_it(db, fake, shop):
    order_id = orders_in(fake, shop, OrderStatus.AWAITING_SHIPMENT)[0]
    assert run("cancel", order_id, "--reason", PAID_REASON, "--db", str(db))[0] == 0
    with Store(db) as store:
        assert store.take_lease(shop, "warehouse-pc pid 4242", 300) is None

    code, out, err = run("outbox", "--send", "--shop", shop, "--db", str(db))

    assert code == 1 and "another tsshop (warehouse-pc pid 4242) is syncing this shop now" in err
    assert fake.applied == [] and outbox(db, shop)[0].state is OutboxState.PENDING
