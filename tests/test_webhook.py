"""`tsshop webhook serve`: signed deliveries queue their orders once; anything unsigned is a 401."""

from __future__ import annotations

import io
import json

import httpx
import pytest

from tsshop_tui.domain.shops import Shop, TokenState
from tsshop_tui.io.credentials import CredentialStore
from tsshop_tui.io.tiktok.signing import webhook_signature
from tsshop_tui.io.tiktok.webhook import WebhookServer
from tsshop_tui.store import Store

APP_KEY, SECRET = "6fabc", "webhook-secret-5521"
SHOP = "7494726673700000001"


@pytest.fixture
def served(tmp_path, clock):
    db = tmp_path / "shop.db"
    with Store(db, clock=clock) as store:
        store.save_shop(Shop(id=SHOP, name="Glow & Co", app_key=APP_KEY, api_base="http://127.0.0.1:9",
                             token_state=TokenState.OK))
    credentials = CredentialStore(tmp_path / "credentials.json")
    credentials.save_app(APP_KEY, SECRET, "http://127.0.0.1:9", "http://127.0.0.1:9")
    with WebhookServer(db, credentials, clock=clock) as server:
        server.start()
        yield server, db


def event(kind: int, shop: str = SHOP, **data) -> bytes:
    payload = {"type": kind, "tts_notification_id": "1", "shop_id": shop, "timestamp": 1, "data": data}
    return json.dumps(payload).encode()


def post(server, body: bytes, signature: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json"} | ({"Authorization": signature} if signature is not None else {})
    return httpx.post(server.url, content=body, headers=headers, timeout=5)


def queued(db, clock) -> list[str]:
    with Store(db, clock=clock) as store:
        return store.take_fetch_queue(SHOP, 50)


def test_it_listens_on_the_loopback_only_by_default(served):
    server, _ = served
    assert server.url.startswith("http://127.0.0.1:")


def test_a_signed_order_event_queues_the_order_once(served, clock):
    server, db = served
    body = event(1, order_id="576000000000000001", order_status="AWAITING_SHIPMENT", update_time=1)
    first = post(server, body, webhook_signature(APP_KEY, SECRET, body))
    again = post(server, body, webhook_signature(APP_KEY, SECRET, body))
    assert first.status_code == again.status_code == 200
    assert again.json()["message"] == "duplicate"
    assert queued(db, clock) == ["576000000000000001"]
    returns = event(12, order_id="576000000000000002", return_id="42", return_status="PENDING")
    assert post(server, returns, webhook_signature(APP_KEY, SECRET, returns)).status_code == 200
    assert queued(db, clock) == ["576000000000000002"]


@pytest.mark.parametrize("signature", [None, "", "0" * 64, webhook_signature(APP_KEY, "another-secret", b"x")])
def test_a_delivery_without_the_apps_signature_is_a_401_and_changes_nothing(served, clock, signature):
    server, db = served
    body = event(1, order_id="576000000000000001")
    reply = post(server, body, signature)
    assert reply.status_code == 401 and SECRET not in reply.text
    assert queued(db, clock) == []


def test_a_body_changed_after_signing_is_a_401(served, clock):
    server, db = served
    body = event(1, order_id="576000000000000001")
    signature = webhook_signature(APP_KEY, SECRET, body)
    assert post(server, body.replace(b"0001", b"0002"), signature).status_code == 401
    assert queued(db, clock) == []


def test_a_deauthorisation_marks_the_shop_revoked_and_says_what_to_do(served, clock):
    server, db = served
    body = event(6)
    assert post(server, body, webhook_signature(APP_KEY, SECRET, body)).status_code == 200
    with Store(db, clock=clock) as store:
        shop = store.shop(SHOP)
    assert shop.token_state is TokenState.REVOKED and "tsshop shop add" in shop.last_error


def test_an_expiring_authorisation_is_marked(served, clock):
    server, db = served
    body = event(7, expire_time=2)
    assert post(server, body, webhook_signature(APP_KEY, SECRET, body)).status_code == 200
    with Store(db, clock=clock) as store:
        assert store.shop(SHOP).token_state is TokenState.EXPIRING


def test_events_of_a_shop_not_here_are_answered_and_dropped(served, clock):
    server, db = served
    body = event(1, shop="999", order_id="576000000000000001")
    assert post(server, body, webhook_signature(APP_KEY, SECRET, body)).status_code == 200
    assert queued(db, clock) == []


def test_the_doubles_webhooks_bring_each_changed_order_in_without_a_poll(tmp_path, monkeypatch):
    """TikTok's own deliveries (some twice, some swapped): the orders they name are fetched at once."""
    from datetime import datetime, timedelta, timezone

    from tsshop_tui.cli import main
    from tsshop_tui.domain.clock import FixedClock
    from tsshop_tui.fake_tiktok import FakeTikTok
    from tsshop_tui.io.tiktok.sync import fetch_queued, open_session

    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=1)
    clock = FixedClock(start)
    db = tmp_path / "shop.db"
    monkeypatch.setenv("TSSHOP_CREDENTIALS", str(tmp_path / "credentials.json"))
    with FakeTikTok(seed=31, shops=2, orders=100, clock=clock) as fake:
        monkeypatch.setenv("TSSHOP_APP_SECRET", fake.app_secret)
        codes = [arg for code in fake.auth_codes.values() for arg in ("--auth-code", code)]
        assert main(["shop", "add", "--db", str(db), "--api-base", fake.url, "--auth-base", fake.url, "--app-key",
                     fake.app_key, *codes, "--now", start.isoformat()], out=io.StringIO(), err=io.StringIO()) == 0
        with WebhookServer(db, CredentialStore(), clock=clock) as server:
            server.start()
            fake.webhook_url = server.url
            fake.advance(900)
        snapshot = fake.snapshot()
        with Store(db, clock=clock) as store:
            fetched = 0
            for shop in store.shops():
                if shop.remote:
                    with open_session(store, CredentialStore(), shop, clock) as session:
                        fetched += fetch_queued(store, session)
            assert fetched > 0 and store.take_fetch_queue(SHOP, 50) == []
            for shop_id, orders in snapshot.items():
                ours = store.remote_state(shop_id)
                for order_id, theirs in orders.items():
                    assert order_id in ours, "a new order named by a webhook"
                    assert (ours[order_id]["status"], ours[order_id]["update_time"]) == (
                        theirs["status"], theirs["update_time"])


def test_sync_follow_with_a_webhook_port_fetches_what_webhooks_name_at_once_until_ctrl_c(tmp_path, monkeypatch):
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    from datetime import datetime, timedelta, timezone

    from tsshop_tui.cli import main
    from tsshop_tui.domain.clock import FixedClock
    from tsshop_tui.fake_tiktok import FakeTikTok

    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=1)
    db, credentials = tmp_path / "shop.db", tmp_path / "credentials.json"
    monkeypatch.setenv("TSSHOP_CREDENTIALS", str(credentials))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with FakeTikTok(seed=32, shops=1, orders=50, clock=FixedClock(start)) as fake:
        monkeypatch.setenv("TSSHOP_APP_SECRET", fake.app_secret)
        code = next(iter(fake.auth_codes.values()))
        assert main(["shop", "add", "--db", str(db), "--api-base", fake.url, "--auth-base", fake.url, "--app-key",
                     fake.app_key, "--auth-code", code], out=io.StringIO(), err=io.StringIO()) == 0
        env = {**os.environ, "TSSHOP_CREDENTIALS": str(credentials)}
        env.pop("TSSHOP_APP_SECRET")
        follow = subprocess.Popen(
            [sys.executable, "-m", "tsshop_tui.cli", "sync", "--db", str(db), "--follow", "--interval", "600",
             "--webhook-port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 15
            while "to TikTok" not in (follow.stderr.readline() or "") and time.monotonic() < deadline:
                pass  # the first pass is over: the next is ten minutes away
            fake.webhook_url = f"http://127.0.0.1:{port}/"
            fake.advance(1800)  # a day behind the sync's clock, and no poll for 10 minutes: the webhooks bring them
            assert fake.webhook_failures == 0
            shop_id = next(iter(fake.auth_codes))
            expected = {k: (v["status"], v["update_time"]) for k, v in fake.snapshot()[shop_id].items()}
            while time.monotonic() < deadline:
                with Store(db, read_only=True) as store:
                    got = {k: (v["status"], v["update_time"]) for k, v in store.remote_state(shop_id).items()}
                if got == expected:
                    break
                time.sleep(0.2)
            assert got == expected
        finally:
            follow.send_signal(signal.SIGINT)
            out, err = follow.communicate(timeout=20)
        assert follow.returncode == 0 and "Traceback" not in err and fake.app_secret not in out + err
