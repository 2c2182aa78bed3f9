"""The TikTok Shop client against the API double (and, for exact HTTP behaviour, httpx's mock
transport): paging, retries with bounded jittered backoff and Retry-After, token expiry and
revocation as AuthError, and no secret in any error, repr or log line."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterator
from datetime import datetime, timezone

import httpx
import pytest
from pydantic import SecretStr

from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.fake_tiktok import FakeTikTok, Faults
from tsshop_tui.io.tiktok import ApiError, AuthError, Credentials, Page, TikTokClient, TransientError
from tsshop_tui.io.tiktok.client import BACKOFF_BASE, BACKOFF_CAP

START = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
SECRET = "app-secret-never-shown"
TOKEN = "access-token-never-shown"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def fake(clock: FixedClock) -> Iterator[FakeTikTok]:
    with FakeTikTok(seed=7, shops=2, orders=260, clock=clock) as double:
        yield double


def connect(fake: FakeTikTok, clock: FixedClock, *, sleeps: list[float] | None = None, timeout: float = 5.0,
            retries: int = 5) -> TikTokClient:
    """A client authorised for the double's first shop (token exchange and shop list done)."""
    client = TikTokClient(
        api_base=fake.url, auth_base=fake.url, credentials=Credentials(fake.app_key, SecretStr(fake.app_secret)),
        http=httpx.Client(timeout=timeout), sleep=(sleeps.append if sleeps is not None else lambda _: None),
        clock=clock, retries=retries, rng=random.Random(3),
    )
    client.get_token(next(iter(fake.auth_codes.values())))
    client.shop_cipher = client.authorized_shops()[0]["cipher"]
    return client


def every_order(client: TikTokClient, fake: FakeTikTok, page_size: int = 50) -> tuple[list[dict], int]:
    """All orders of the shop, page by page; and the number of pages."""
    items: list[dict] = []
    token: str | None = None
    pages = 0
    while True:
        page: Page = client.search_orders(update_time_ge=0, update_time_lt=fake.now() + 1, page_token=token,
                                          page_size=page_size)
        items += page.items
        pages += 1
        token = page.next_page_token
        if token is None:
            return items, pages


def first_shop(fake: FakeTikTok) -> dict[str, dict]:
    return next(iter(fake.snapshot().values()))


def test_paging_reads_every_order_once_oldest_update_first(fake: FakeTikTok, clock: FixedClock) -> None:
    client = connect(fake, clock)
    items, pages = every_order(client, fake)
    expected = first_shop(fake)
    assert sorted(o["id"] for o in items) == sorted(expected)
    assert pages == -(-len(expected) // 50)
    assert [o["update_time"] for o in items] == sorted(o["update_time"] for o in items)
    assert client.request_count == 2 + pages  # token, shops, one per page
    details = client.order_details([o["id"] for o in items[:50]])
    assert [d["id"] for d in details] == [o["id"] for o in items[:50]]
    with pytest.raises(ValueError, match="at most 50"):
        client.order_details([o["id"] for o in items[:51]])


def test_faults_are_retried_and_paging_still_sees_every_order(fake: FakeTikTok, clock: FixedClock) -> None:
    """20% of requests fail (429 with Retry-After, 5xx, duplicate and out-of-order pages): every
    order still arrives; the client slept between retries, never longer than the cap."""
    sleeps: list[float] = []
    client = connect(fake, clock, sleeps=sleeps)
    fake.faults = Faults(rate=0.2, kinds=("429", "500", "duplicate_page", "out_of_order"), seed=5)
    items, _ = every_order(client, fake, page_size=10)
    assert {o["id"] for o in items} == set(first_shop(fake))
    assert sleeps and all(0 <= s <= BACKOFF_CAP for s in sleeps)
    assert 1.0 in sleeps  # the double's Retry-After
    assert client.request_count > 2 + len(sleeps)


def test_a_timed_out_action_is_retried_and_applied_once(fake: FakeTikTok, clock: FixedClock) -> None:
    """The double applies the cancel, then answers too late; the client's retry with the same
    idempotency key gets the same success and TikTok applies it only once."""
    sleeps: list[float] = []
    client = connect(fake, clock, sleeps=sleeps, timeout=0.2)
    order_id = next(i for i, o in first_shop(fake).items() if o["status"] == "AWAITING_SHIPMENT")
    fake.faults = Faults(timeout_delay=0.4)
    fake.fail_next("timeout")
    reply = client.cancel_order(order_id, "seller_cancel_reason_out_of_stock", "cancel:1:10")
    assert reply["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE"
    assert len(sleeps) == 1
    assert fake.applied == [("cancel", order_id, "cancel:1:10")]
    assert first_shop(fake)[order_id]["status"] == "CANCELLED"


def mock_client(handler: Callable[[httpx.Request], httpx.Response], clock: FixedClock, sleeps: list[float],
                retries: int = 5, **credentials: SecretStr) -> TikTokClient:
    return TikTokClient(
        api_base="http://tiktok.test", auth_base="http://auth.tiktok.test",
        credentials=Credentials("key1", SecretStr(SECRET), access_token=SecretStr(TOKEN), **credentials),
        shop_cipher="ROW_c1", http=httpx.Client(transport=httpx.MockTransport(handler)), sleep=sleeps.append,
        clock=clock, retries=retries, rng=random.Random(11),
    )


def test_backoff_is_exponential_full_jitter_and_bounded(clock: FixedClock) -> None:
    """A server that always answers 503: `retries` sleeps, each within [0, min(cap, 0.5 * 2**n)],
    then TransientError; never a hot loop, never endless."""
    sleeps: list[float] = []
    client = mock_client(lambda request: httpx.Response(503), clock, sleeps, retries=8)
    with pytest.raises(TransientError, match="HTTP 503 after 9 attempts"):
        client.search_orders(update_time_ge=0, update_time_lt=10, page_token=None)
    assert client.request_count == 9
    assert len(sleeps) == 8
    for attempt, slept in enumerate(sleeps):
        assert 0 <= slept <= min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)
    assert max(sleeps[5:]) > BACKOFF_BASE * 2**2  # it really backs off


def test_retry_after_is_honoured_then_the_call_succeeds(clock: FixedClock) -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(500),
                    httpx.Response(200, json={"code": 0, "message": "Success", "data": {"orders": []}})])
    sleeps: list[float] = []
    client = mock_client(lambda request: next(answers), clock, sleeps)
    assert client.search_orders(update_time_ge=0, update_time_lt=10, page_token=None) == Page([], None, 0)
    assert sleeps[0] == 7.0
    assert 0 <= sleeps[1] <= BACKOFF_BASE * 2
    assert client.request_count == 3


def test_requests_are_signed_with_a_fresh_timestamp_and_the_token_header(clock: FixedClock) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"code": 0, "data": {"shops": []}})

    client = mock_client(handler, clock, [])
    client.authorized_shops()
    client.search_returns(update_time_ge=5, update_time_lt=9, page_token="abc")
    shops, returns = seen
    assert "shop_cipher" not in shops.url.params  # not on /authorization
    assert returns.url.params["shop_cipher"] == "ROW_c1"
    assert returns.url.params["page_token"] == "abc"
    assert returns.url.params["timestamp"] == str(int(START.timestamp()))
    assert returns.headers["x-tts-access-token"] == TOKEN
    assert TOKEN not in str(returns.url) and SECRET not in str(returns.url)
    assert returns.content == b'{"update_time_ge":5,"update_time_lt":9}'


def test_an_expired_token_is_an_auth_error_until_refreshed(fake: FakeTikTok, clock: FixedClock) -> None:
    client = connect(fake, clock)
    fake.expire_tokens()
    with pytest.raises(AuthError) as expired:
        client.search_orders(update_time_ge=0, update_time_lt=fake.now(), page_token=None)
    assert expired.value.code == 105002
    reply = client.refresh()
    assert reply.access_expires_at > fake.now()
    assert client.search_orders(update_time_ge=0, update_time_lt=fake.now(), page_token=None).items


def test_a_revoked_shop_and_a_wrong_secret_are_auth_errors(fake: FakeTikTok, clock: FixedClock) -> None:
    client = connect(fake, clock)
    shop_id = next(iter(fake.auth_codes))
    fake.revoke(shop_id)
    with pytest.raises(AuthError) as revoked:
        client.authorized_shops()
    assert revoked.value.code == 105005
    with pytest.raises(AuthError):
        client.refresh()
    client.get_token(fake.auth_codes[shop_id])  # the seller authorises again
    client.credentials.app_secret = SecretStr("not-the-secret")
    with pytest.raises(AuthError, match="Invalid signature") as bad_sign:
        client.authorized_shops()
    assert bad_sign.value.code == 106001


def test_a_refused_action_is_an_api_error_with_tiktoks_message(fake: FakeTikTok, clock: FixedClock) -> None:
    client = connect(fake, clock)
    order_id = next(i for i, o in first_shop(fake).items() if o["status"] == "DELIVERED")
    with pytest.raises(ApiError, match="can no longer be cancelled") as refused:
        client.cancel_order(order_id, "seller_cancel_reason_out_of_stock", "cancel:x:1")
    assert not isinstance(refused.value, AuthError)
    assert refused.value.request_id.startswith("FAKE")
    assert fake.applied == []


def test_no_secret_in_any_error_repr_or_log(clock: FixedClock, caplog: pytest.LogCaptureFixture) -> None:
    """Every kind of failure, provoked with secrets in play (app secret, access and refresh tokens,
    auth code, and a server that echoes them back): none appears in str, repr, the exception chain,
    or any log record of ours or httpx's."""
    refresh = "refresh-token-never-shown"
    code = "auth-code-never-shown"
    secrets = (SECRET, TOKEN, refresh, code)

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if b"timeout" in request.content:
            raise httpx.ReadTimeout("timed out", request=request)
        if b"connect" in request.content:
            raise httpx.ConnectError(f"refused {request.url}", request=request)
        if path.startswith("/api/v2/token/"):
            return httpx.Response(400, json={"code": 36004004, "message": f"bad code {request.url.params}"})
        echo = f"token {request.headers.get('x-tts-access-token')} secret {SECRET}"
        if path == "/order/202309/orders/search":
            return httpx.Response(401, json={"code": 105002, "message": echo, "request_id": echo})
        if path == "/return_refund/202309/cancellations":
            return httpx.Response(200, json={"code": 21001002, "message": echo})
        return httpx.Response(502, text=echo)

    caplog.set_level(logging.DEBUG)
    client = mock_client(handler, clock, [], retries=2, refresh_token=SecretStr(refresh))
    failures: list[Exception] = []
    calls: list[Callable[[], object]] = [
        lambda: client.get_token(code),
        client.refresh,
        lambda: client.search_orders(update_time_ge=0, update_time_lt=1, page_token=None),
        lambda: client.cancel_order("1", "x", "k"),
        lambda: client.shipping_providers("7"),
        lambda: client.search_packages("timeout"),
        lambda: client.search_packages("connect"),
    ]
    for call in calls:
        with pytest.raises((ApiError, TransientError)) as caught:
            call()
        failures.append(caught.value)
    assert [type(f).__name__ for f in failures] == [
        "ApiError", "ApiError", "AuthError", "ApiError", "TransientError", "TransientError", "TransientError"]
    texts = [str(f) for f in failures] + [repr(f) for f in failures]
    texts += [repr(f.__cause__) + repr(f.__context__) for f in failures]
    texts += [record.getMessage() for record in caplog.records]
    texts += [repr(client), repr(client.credentials)]
    assert any(record.name == "httpx" for record in caplog.records)
    for text in texts:
        for secret in secrets:
            assert secret not in text, text
