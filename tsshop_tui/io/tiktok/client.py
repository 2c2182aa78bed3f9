"""A thin TikTok Shop Open API client (version 202309) on httpx: signs each request, retries what is
worth retrying with bounded, jittered backoff, and classifies every failure. No secret ever reaches
an exception, a repr or a log line."""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr

from ...domain.clock import Clock, to_epoch
from .signing import sign

log = logging.getLogger("tsshop.tiktok")


class _NoQueryInHttpxLog(logging.Filter):
    """httpx logs each request's URL at INFO; the token calls carry the app secret in the query, so
    the URLs it logs lose their query."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(a.copy_with(query=None) if isinstance(a, httpx.URL) else a for a in record.args)
        return True


logging.getLogger("httpx").addFilter(_NoQueryInHttpxLog())

BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
PAGE_SIZE_MAX = 50
DETAIL_BATCH_MAX = 50
DEFAULT_TIMEOUT = 20.0

AUTH_CODES = frozenset({105000, 105001, 105002, 105003, 105005, 106001})
"""TikTok's codes for an expired, invalid or revoked token and a bad signature: that shop stops."""
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
UNSIGNED_PREFIXES = ("/api/v2/token/",)
NO_CIPHER_PREFIXES = ("/authorization/", "/seller/", "/api/v2/token/")


class ApiError(Exception):
    """TikTok answered and refused: its code, its own message and the request id. No secrets."""

    def __init__(self, code: int, message: str, request_id: str = "") -> None:
        super().__init__(f"TikTok error {code}: {message}" + (f" (request {request_id})" if request_id else ""))
        self.code = code
        self.message = message
        self.request_id = request_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, request_id={self.request_id!r})"


class AuthError(ApiError):
    """The authorisation is not usable (expired, invalid or revoked token, bad signature)."""


class TransientError(Exception):
    """Rate limits, server errors or timeouts that outlasted every retry."""


@dataclass
class Credentials:
    """An app's key and secret and, once authorised, one shop's tokens (expiry times in epoch seconds)."""

    app_key: str
    app_secret: SecretStr
    access_token: SecretStr | None = None
    refresh_token: SecretStr | None = None
    access_expires_at: int | None = None
    refresh_expires_at: int | None = None


@dataclass(frozen=True)
class TokenReply:
    """What TikTok answers to a token exchange or refresh."""

    access_token: SecretStr
    access_expires_at: int
    refresh_token: SecretStr
    refresh_expires_at: int
    open_id: str = ""
    seller_base_region: str = ""


@dataclass(frozen=True)
class Page:
    """One page of a search: its items, the token of the next page (None on the last) and the total."""

    items: list[dict[str, Any]]
    next_page_token: str | None
    total_count: int = 0


@dataclass
class _Reply:
    status: int
    headers: Mapping[str, str]
    payload: dict[str, Any] | None


class TikTokClient:
    """One app's client for one shop (its cipher and tokens)."""

    def __init__(
        self,
        *,
        api_base: str,
        auth_base: str,
        credentials: Credentials,
        shop_cipher: str = "",
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Clock,
        retries: int = 5,
        rng: random.Random | None = None,
    ) -> None:
        self.api_base = api_base.rstrip("/")
        self.auth_base = auth_base.rstrip("/")
        self.credentials = credentials
        self.shop_cipher = shop_cipher
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client(timeout=DEFAULT_TIMEOUT)
        self._sleep = sleep
        self._clock = clock
        self._retries = retries
        self._rng = rng if rng is not None else random.Random()
        self.request_count = 0

    def __repr__(self) -> str:
        return f"TikTokClient(api_base={self.api_base!r}, app_key={self.credentials.app_key!r}, secrets hidden)"

    def close(self) -> None:
        """Close the HTTP connection pool if this client made it."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> TikTokClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- authorisation ---------------------------------------------------------------------------

    def get_token(self, auth_code: str) -> TokenReply:
        """Exchange the auth code of the authorisation link for this shop's tokens (and keep them)."""
        return self._token("get", {"auth_code": auth_code, "grant_type": "authorized_code"}, auth_code)

    def refresh(self) -> TokenReply:
        """A new access token (and refresh token) from the refresh token (and keep them)."""
        if self.credentials.refresh_token is None:
            raise AuthError(105002, "no refresh token; authorise the shop again")
        token = self.credentials.refresh_token.get_secret_value()
        return self._token("refresh", {"refresh_token": token, "grant_type": "refresh_token"}, token)

    def authorized_shops(self) -> list[dict[str, Any]]:
        """The shops this authorisation covers: id, name, cipher, region, seller_type."""
        return list(self._call("GET", "/authorization/202309/shops").get("shops") or [])

    # -- orders ----------------------------------------------------------------------------------

    def search_orders(
        self, *, update_time_ge: int, update_time_lt: int, page_token: str | None, page_size: int = PAGE_SIZE_MAX
    ) -> Page:
        """Orders updated in [ge, lt), oldest update first, one page."""
        data = self._search("/order/202309/orders/search", update_time_ge, update_time_lt, page_token, page_size)
        return _page(data, "orders")

    def order_details(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """The full detail of up to 50 orders."""
        if not ids:
            return []
        if len(ids) > DETAIL_BATCH_MAX:
            raise ValueError(f"at most {DETAIL_BATCH_MAX} order ids per detail call, not {len(ids)}")
        return list(self._call("GET", "/order/202309/orders", query={"ids": ",".join(ids)}).get("orders") or [])

    # -- after-sales -----------------------------------------------------------------------------

    def search_cancellations(
        self, *, update_time_ge: int, update_time_lt: int, page_token: str | None, page_size: int = PAGE_SIZE_MAX
    ) -> Page:
        """Cancellation requests updated in [ge, lt), one page."""
        path = "/return_refund/202309/cancellations/search"
        return _page(self._search(path, update_time_ge, update_time_lt, page_token, page_size), "cancellations")

    def search_returns(
        self, *, update_time_ge: int, update_time_lt: int, page_token: str | None, page_size: int = PAGE_SIZE_MAX
    ) -> Page:
        """Return requests updated in [ge, lt), one page."""
        path = "/return_refund/202309/returns/search"
        return _page(self._search(path, update_time_ge, update_time_lt, page_token, page_size), "return_orders")

    def cancel_order(self, order_id: str, cancel_reason: str, idempotency_key: str) -> dict[str, Any]:
        """The seller cancels an order."""
        body = {"order_id": order_id, "cancel_reason": cancel_reason, "idempotency_key": idempotency_key}
        return self._call("POST", "/return_refund/202309/cancellations", body=body)

    def approve_cancellation(self, cancel_id: str, idempotency_key: str) -> dict[str, Any]:
        """Accept a buyer's cancellation request."""
        return self._decide("cancellations", cancel_id, "approve", idempotency_key)

    def reject_cancellation(self, cancel_id: str, reject_reason: str, idempotency_key: str) -> dict[str, Any]:
        """Refuse a buyer's cancellation request, with one of TikTok's reject reasons."""
        return self._decide("cancellations", cancel_id, "reject", idempotency_key, reject_reason)

    def approve_return(self, return_id: str, idempotency_key: str) -> dict[str, Any]:
        """Accept a buyer's return request."""
        return self._decide("returns", return_id, "approve", idempotency_key)

    def reject_return(self, return_id: str, reject_reason: str, idempotency_key: str) -> dict[str, Any]:
        """Refuse a buyer's return request, with one of TikTok's reject reasons."""
        return self._decide("returns", return_id, "reject", idempotency_key, reject_reason)

    # -- fulfilment ------------------------------------------------------------------------------

    def search_packages(self, order_id: str) -> list[dict[str, Any]]:
        """The packages of one order."""
        data = self._call(
            "POST", "/fulfillment/202309/packages/search", query={"page_size": str(PAGE_SIZE_MAX)},
            body={"order_id": order_id},
        )
        return list(data.get("packages") or [])

    def ship_package(
        self, package_id: str, tracking_number: str, shipping_provider_id: str, idempotency_key: str
    ) -> dict[str, Any]:
        """Mark a package shipped by the seller's own carrier, with its tracking number."""
        body = {
            "handover_method": "DROP_OFF",
            "self_shipment": {"tracking_number": tracking_number, "shipping_provider_id": shipping_provider_id},
            "idempotency_key": idempotency_key,
        }
        return self._call("POST", f"/fulfillment/202309/packages/{package_id}/ship", body=body)

    def shipping_providers(self, delivery_option_id: str) -> list[dict[str, Any]]:
        """The carriers of a delivery option: id, name."""
        path = f"/logistics/202309/delivery_options/{delivery_option_id}/shipping_providers"
        return list(self._call("GET", path).get("shipping_providers") or [])

    # -- plumbing --------------------------------------------------------------------------------

    def _search(self, path: str, ge: int, lt: int, page_token: str | None, page_size: int) -> dict[str, Any]:
        if not 1 <= page_size <= PAGE_SIZE_MAX:
            raise ValueError(f"page_size must be 1 to {PAGE_SIZE_MAX}, not {page_size}")
        query = {"page_size": str(page_size), "sort_field": "update_time", "sort_order": "ASC"}
        if page_token:
            query["page_token"] = page_token
        return self._call("POST", path, query=query, body={"update_time_ge": ge, "update_time_lt": lt})

    def _decide(
        self, kind: str, request_id: str, verdict: str, idempotency_key: str, reject_reason: str | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"idempotency_key": idempotency_key}
        if reject_reason is not None:
            body["reject_reason"] = reject_reason
        path = f"/return_refund/202309/{kind}/{request_id}/{verdict}"
        return self._call("POST", path, query={"idempotency_key": idempotency_key}, body=body)

    def _token(self, endpoint: str, params: dict[str, str], *secrets: str) -> TokenReply:
        query = {"app_key": self.credentials.app_key, "app_secret": self._secret(), **params}
        data = self._call("GET", f"/api/v2/token/{endpoint}", query=query, base=self.auth_base, extra_secrets=secrets)
        try:
            reply = TokenReply(
                access_token=SecretStr(str(data["access_token"])),
                access_expires_at=int(data["access_token_expire_in"]),
                refresh_token=SecretStr(str(data["refresh_token"])),
                refresh_expires_at=int(data["refresh_token_expire_in"]),
                open_id=str(data.get("open_id") or ""),
                seller_base_region=str(data.get("seller_base_region") or ""),
            )
        except (KeyError, TypeError, ValueError):
            raise ApiError(-1, "the token reply lacks its tokens or expiry times") from None
        self.credentials.access_token = reply.access_token
        self.credentials.refresh_token = reply.refresh_token
        self.credentials.access_expires_at = reply.access_expires_at
        self.credentials.refresh_expires_at = reply.refresh_expires_at
        return reply

    def _secret(self) -> str:
        return self.credentials.app_secret.get_secret_value()

    def _secrets(self, extra: Sequence[str]) -> list[str]:
        creds = self.credentials
        tokens = [t.get_secret_value() for t in (creds.access_token, creds.refresh_token) if t is not None]
        return [s for s in (self._secret(), *tokens, *extra) if s]

    def _call(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        base: str | None = None,
        extra_secrets: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Send one API call (retrying as needed) and return its `data`; raise a classified error."""
        content = json.dumps(body, separators=(",", ":")).encode() if body is not None else b""
        reply = self._send(method, base or self.api_base, path, dict(query or {}), content)
        payload = reply.payload
        secrets = self._secrets(extra_secrets)
        if payload is None or not isinstance(payload.get("code"), int):
            error_class = AuthError if reply.status in (401, 403) else ApiError
            raise error_class(reply.status, f"HTTP {reply.status} with no TikTok reply")
        code = payload["code"]
        if code != 0 or reply.status >= 400:
            message = _scrub(str(payload.get("message") or ""), secrets)
            request_id = _scrub(str(payload.get("request_id") or ""), secrets)
            error_class = AuthError if code in AUTH_CODES or reply.status == 401 else ApiError
            raise error_class(code or reply.status, message, request_id)
        data = payload.get("data")
        return data if isinstance(data, dict) else {}

    def _send(self, method: str, base: str, path: str, query: dict[str, str], content: bytes) -> _Reply:
        headers = {"content-type": "application/json"} if content else {}
        for attempt in range(self._retries + 1):
            params = self._signed(path, query, content, headers)
            self.request_count += 1
            try:
                response = self._http.request(method, base + path, params=params, content=content, headers=headers)
            except httpx.TimeoutException:
                problem, wait = "timed out", None
            except httpx.TransportError:
                problem, wait = "could not connect", None
            else:
                if response.status_code not in RETRY_STATUSES:
                    log.debug("%s %s -> %s", method, path, response.status_code)
                    return _Reply(response.status_code, response.headers, _json(response))
                problem = f"HTTP {response.status_code}"
                wait = _retry_after(response.headers.get("retry-after"))
            if attempt == self._retries:
                break
            delay = wait if wait is not None else self._backoff(attempt)
            log.info("%s %s: %s; retry %d of %d in %.1fs", method, path, problem, attempt + 1, self._retries, delay)
            self._sleep(delay)
        raise TransientError(f"{method} {path}: {problem} after {self._retries + 1} attempts")

    def _signed(self, path: str, query: dict[str, str], content: bytes, headers: dict[str, str]) -> dict[str, str]:
        """The query with app_key, timestamp, shop_cipher and sign (fresh for each attempt); the token header."""
        if path.startswith(UNSIGNED_PREFIXES):
            return query
        params = {**query, "app_key": self.credentials.app_key, "timestamp": str(to_epoch(self._clock.now()))}
        if self.shop_cipher and not path.startswith(NO_CIPHER_PREFIXES):
            params["shop_cipher"] = self.shop_cipher
        params["sign"] = sign(self._secret(), path, params, content)
        if self.credentials.access_token is not None:
            headers["x-tts-access-token"] = self.credentials.access_token.get_secret_value()
        return params

    def _backoff(self, attempt: int) -> float:
        """Full jitter: a uniform wait up to base * 2**attempt, capped."""
        return self._rng.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt))


def _page(data: dict[str, Any], key: str) -> Page:
    token = data.get("next_page_token") or None
    return Page(list(data.get(key) or []), str(token) if token else None, int(data.get("total_count") or 0))


def _json(response: httpx.Response) -> dict[str, Any] | None:
    try:
        payload = response.json()
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (capped), or None when absent or not a number of seconds."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return min(max(seconds, 0.0), BACKOFF_CAP) if seconds == seconds else None


def _scrub(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text
