"""The TikTok Shop API double keeps its contract: every call's signature and token checked, actions
applied once per idempotency key, refusals in TikTok's words, a status machine that only moves
forward and is the same for the same seed, signed webhooks, and a CLI that stops cleanly."""

from __future__ import annotations

import io
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from tsshop_tui.cli import main
from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.fake_tiktok import FakeTikTok
from tsshop_tui.io.tiktok import ApiError, Credentials, TikTokClient, sign, webhook_signature

START = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parent.parent
# The lifecycle order of statuses; CANCELLED can come from any status before shipping.
RANK = {"UNPAID": 0, "ON_HOLD": 1, "AWAITING_SHIPMENT": 2, "AWAITING_COLLECTION": 3, "IN_TRANSIT": 4,
        "DELIVERED": 5, "COMPLETED": 6}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def fake(clock: FixedClock) -> Iterator[FakeTikTok]:
    with FakeTikTok(seed=3, shops=2, orders=240, clock=clock) as double:
        yield double


def connect(fake: FakeTikTok, clock: FixedClock, shop: int = 0) -> TikTokClient:
    client = TikTokClient(api_base=fake.url, auth_base=fake.url, credentials=Credentials(fake.app_key,
                          SecretStr(fake.app_secret)), sleep=lambda _: None, clock=clock, rng=random.Random(1))
    client.get_token(list(fake.auth_codes.values())[shop])
    client.shop_cipher = client.authorized_shops()[0]["cipher"]
    return client


def orders_in(fake: FakeTikTok, status: str, shop: int = 0) -> list[str]:
    return [i for i, o in list(fake.snapshot().values())[shop].items() if o["status"] == status]


def raw_search(fake: FakeTikTok, client: TikTokClient, **change: str) -> httpx.Response:
    """An order search signed by hand, with query values changed after signing."""
    path = "/order/202309/orders/search"
    body = b'{"update_time_ge":0}'
    query = {"app_key": fake.app_key, "timestamp": "1", "shop_cipher": client.shop_cipher, "page_size": "50"}
    query["sign"] = sign(fake.app_secret, path, query, body)
    token = client.credentials.access_token
    assert token is not None
    return httpx.post(fake.url + path, params={**query, **change}, content=body,
                      headers={"x-tts-access-token": token.get_secret_value()})


def test_every_call_is_signature_checked(fake: FakeTikTok, clock: FixedClock) -> None:
    client = connect(fake, clock)
    assert raw_search(fake, client).json()["code"] == 0
    tampered = raw_search(fake, client, page_size="49")
    assert (tampered.status_code, tampered.json()["code"]) == (401, 106001)
    assert raw_search(fake, client, sign="0" * 64).json()["code"] == 106001
    other_shop = raw_search(fake, client, shop_cipher=connect(fake, clock, shop=1).shop_cipher)
    assert other_shop.json()["code"] in (106001, 106011)


def test_unknown_token_and_oversized_pages_are_refused(fake: FakeTikTok, clock: FixedClock) -> None:
    client = connect(fake, clock)
    client.credentials.access_token = SecretStr("TTP_made_up")
    with pytest.raises(ApiError) as unknown:
        client.authorized_shops()
    assert unknown.value.code == 105001
    client = connect(fake, clock)
    with pytest.raises(ValueError):
        client.search_orders(update_time_ge=0, update_time_lt=1, page_token=None, page_size=51)
    too_big = raw_search(fake, client, page_size="51")
    assert too_big.json()["code"] in (106001, 36009001)  # signed with 50: the sign fails first


def test_an_action_applies_once_per_idempotency_key(fake: FakeTikTok, clock: FixedClock) -> None:
    client = connect(fake, clock)
    order_id = orders_in(fake, "AWAITING_SHIPMENT")[0]
    first = client.cancel_order(order_id, "seller_cancel_reason_out_of_stock", "cancel:a:1")
    again = client.cancel_order(order_id, "seller_cancel_reason_out_of_stock", "cancel:a:1")
    assert first == again
    assert fake.applied == [("cancel", order_id, "cancel:a:1")]
    with pytest.raises(ApiError, match="no longer be cancelled"):
        client.cancel_order(order_id, "seller_cancel_reason_out_of_stock", "cancel:a:2")
    with pytest.raises(ApiError, match="already used for another request"):
        client.cancel_order(orders_in(fake, "AWAITING_SHIPMENT")[0], "seller_cancel_reason_wrong_price", "cancel:a:1")
    assert len(fake.applied) == 1


def test_ship_then_correct_tracking_each_once(fake: FakeTikTok, clock: FixedClock) -> None:
    client = connect(fake, clock)
    order_id = orders_in(fake, "AWAITING_SHIPMENT")[0]
    (package,) = client.search_packages(order_id)
    delivery_option = client.order_details([order_id])[0]["delivery_option_id"]
    ups = next(p for p in client.shipping_providers(delivery_option) if p["name"] == "UPS")
    for _ in range(2):
        client.ship_package(package["id"], "1Z999AA10123456784", ups["id"], "ship:1")
    client.ship_package(package["id"], "1Z999AA10123456799", ups["id"], "fix:1")
    assert fake.applied == [("ship", package["id"], "ship:1"), ("correct-tracking", package["id"], "fix:1")]
    state = list(fake.snapshot().values())[0][order_id]
    assert (state["status"], state["tracking_number"], state["shipping_provider"]) == (
        "AWAITING_COLLECTION", "1Z999AA10123456799", "UPS")
    with pytest.raises(ApiError, match="tracking number is invalid"):
        client.ship_package(package["id"], "x", ups["id"], "fix:2")


def test_refuse_next_refuses_once_in_tiktoks_words(fake: FakeTikTok, clock: FixedClock) -> None:
    client = connect(fake, clock)
    fake.refuse_next("cancel", "This order cannot be cancelled: it is part of a combined shipment")
    order_id = orders_in(fake, "AWAITING_SHIPMENT")[0]
    with pytest.raises(ApiError, match="part of a combined shipment"):
        client.cancel_order(order_id, "seller_cancel_reason_out_of_stock", "cancel:r:1")
    assert fake.applied == []
    client.cancel_order(order_id, "seller_cancel_reason_out_of_stock", "cancel:r:1")
    assert fake.applied == [("cancel", order_id, "cancel:r:1")]


def test_buyer_requests_are_answered_once(fake: FakeTikTok, clock: FixedClock) -> None:
    fake.advance(3 * 3600)
    client = connect(fake, clock)
    found = client.search_cancellations(update_time_ge=0, update_time_lt=fake.now() + 1, page_token=None)
    returns = client.search_returns(update_time_ge=0, update_time_lt=fake.now() + 1, page_token=None)
    pending = [c for c in found.items if c["cancel_status"] == "CANCELLATION_REQUEST_PENDING"]
    pending_returns = [r for r in returns.items if r["return_status"] == "RETURN_OR_REFUND_REQUEST_PENDING"]
    assert pending and pending_returns
    cancel, back = pending[0], pending_returns[0]
    client.approve_cancellation(cancel["cancel_id"], "a:1")
    client.approve_cancellation(cancel["cancel_id"], "a:1")
    client.reject_return(back["return_id"], "seller_reject_apply_no_return_received", "r:1")
    with pytest.raises(ApiError, match="already"):
        client.reject_return(back["return_id"], "seller_reject_apply_no_return_received", "r:2")
    assert fake.applied == [("approve-cancellation", cancel["cancel_id"], "a:1"),
                            ("reject-return", back["return_id"], "r:1")]
    shop = list(fake.snapshot().values())[0]
    assert shop[cancel["order_id"]]["status"] == "CANCELLED"
    assert (back["return_id"], "RETURN_REFUND", "REJECTED") in shop[back["order_id"]]["requests"]


def test_status_machine_moves_forward_and_is_the_same_for_the_same_seed() -> None:
    """Two doubles with one seed, advanced by the same total in different steps, agree exactly; no
    order ever goes back in its lifecycle or in update_time; new orders keep arriving."""
    one, two, other = (FakeTikTok(seed=seed, shops=2, orders=150, clock=FixedClock(START), new_order_every=600)
                       for seed in (9, 9, 10))
    before = one.snapshot()
    for _ in range(12):
        one.advance(3 * 3600)
        after = one.snapshot()
        for shop_id, orders in before.items():
            for order_id, old in orders.items():
                new = after[shop_id][order_id]
                assert new["update_time"] >= old["update_time"]
                if new["status"] != "CANCELLED":
                    assert old["status"] != "CANCELLED"
                    assert RANK[new["status"]] >= RANK[old["status"]]
        before = after
    two.advance(36 * 3600)
    assert one.snapshot() == two.snapshot()
    assert one.snapshot() != other.snapshot()
    assert sum(len(orders) for orders in one.snapshot().values()) > 150 + 2 * 36 * 3  # about 6 an hour a shop
    statuses = {o["status"] for orders in one.snapshot().values() for o in orders.values()}
    assert {"UNPAID", "AWAITING_SHIPMENT", "IN_TRANSIT", "DELIVERED", "CANCELLED"} <= statuses


def test_orders_look_like_tiktoks(fake: FakeTikTok, clock: FixedClock) -> None:
    """Per-unit line items (a unit per element), decimal-string money that adds up, an address."""
    client = connect(fake, clock)
    orders = client.search_orders(update_time_ge=0, update_time_lt=fake.now() + 1, page_token=None).items
    multi = next(o for o in orders if len({u["sku_id"] for u in o["line_items"]}) < len(o["line_items"]))
    units = multi["line_items"]
    assert len({u["id"] for u in units}) == len(units)
    payment = multi["payment"]
    assert sum(float(u["sale_price"]) for u in units) == pytest.approx(float(payment["sub_total"]))
    assert float(payment["total_amount"]) == pytest.approx(
        float(payment["sub_total"]) + float(payment["shipping_fee"]) + float(payment["tax"]))
    assert multi["recipient_address"]["district_info"][1]["address_level"] == "L1"
    assert any(o.get("creator_username") for o in orders)


class _Inbox(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.headers["Authorization"], body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def test_webhooks_are_signed_and_name_the_changed_orders(fake: FakeTikTok) -> None:
    inbox = ThreadingHTTPServer(("127.0.0.1", 0), _Inbox)
    threading.Thread(target=inbox.serve_forever, daemon=True).start()
    _Inbox.received = []
    try:
        fake.webhook_url = f"http://127.0.0.1:{inbox.server_address[1]}/hook"
        fake.advance(900)
    finally:
        inbox.shutdown()
        inbox.server_close()
    assert _Inbox.received
    for signature, body in _Inbox.received:
        assert signature == webhook_signature(fake.app_key, fake.app_secret, body)
    events = [json.loads(body) for _, body in _Inbox.received]
    assert {e["type"] for e in events} <= {1, 11, 12}
    shops = fake.snapshot()
    for event in events:
        assert event["data"]["order_id"] in shops[event["shop_id"]]


def test_the_cli_prints_its_account_and_stops_cleanly_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", "from tsshop_tui.cli import run; run()", "fake-tiktok", "--orders", "20",
         "--seed", "4", "--shops", "2"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines = [process.stdout.readline() for _ in range(4)]
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert lines[0].startswith("TikTok Shop API double") and "http://127.0.0.1:" in lines[0]
    assert lines[1].startswith("app_key=") and " app_secret=" in lines[1]
    assert [line.split()[0].split("=")[0] for line in lines[2:]] == ["auth_code", "auth_code"]


def test_the_cli_says_in_one_line_when_it_cannot_listen() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        out, err = io.StringIO(), io.StringIO()
        code = main(["fake-tiktok", "--port", str(taken.getsockname()[1]), "--orders", "5"], out=out, err=err)
    assert code == 2
    assert err.getvalue().startswith("tsshop: cannot listen on 127.0.0.1:") and err.getvalue().count("\n") == 1
    bad = io.StringIO()
    assert main(["fake-tiktok", "--webhook-url", "ftp://x"], out=io.StringIO(), err=bad) == 2
