"""FakeTikTok: an HTTP double of the TikTok Shop Open API (202309) on 127.0.0.1, for tests, the
benchmark and demos. It checks every signature and token, serves the test account's shops, orders,
buyer requests, packages and carriers, applies seller actions once per idempotency key, posts signed
webhooks, and misbehaves on request (Faults, refuse_next, expire_tokens, revoke)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import random
import re
import threading
import time
import urllib.request
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..domain.clock import Clock, SystemClock, to_epoch
from ..domain.model import RequestType
from .world import DAY, REJECT_REASONS, Refusal, ShopState, World

log = logging.getLogger("tsshop.fake_tiktok")

FAULT_KINDS = ("429", "500", "timeout", "duplicate_page", "out_of_order")
PAGE_FAULTS = frozenset({"duplicate_page", "out_of_order"})
PAGE_SIZE_MAX = 50
DETAIL_IDS_MAX = 50
WEBHOOK_TIMEOUT = 2.0
POLL_INTERVAL = 0.05  # how soon stop() is noticed
UNSIGNED = frozenset({"sign", "access_token"})


@dataclass
class Faults:
    """How often (rate, a fraction of requests) and how (kinds) the double misbehaves; seeded.
    A timeout applies the request, then waits timeout_delay seconds before answering."""

    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    seed: int = 0
    timeout_delay: float = 1.0


@dataclass
class _Grant:
    shop_id: str
    kind: str  # "access" or "refresh"
    expires_at: int


@dataclass
class _Answer:
    status: int
    content: bytes
    headers: Mapping[str, str]
    delay: float = 0.0


class _Failure(Exception):
    def __init__(self, http_status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.http_status, self.code, self.message = http_status, code, message


def _signature(app_secret: str, path: str, query: Mapping[str, str], body: bytes) -> str:
    """TikTok's request signature, written here independently of the client's."""
    text = app_secret + path + "".join(k + query[k] for k in sorted(query) if k not in UNSIGNED)
    key = app_secret.encode()
    return hmac.new(key, text.encode() + body + key, hashlib.sha256).hexdigest()


class FakeTikTok:
    """The TikTok Shop API double: a test account with several shops, served over HTTP."""

    def __init__(
        self,
        *,
        seed: int = 1,
        shops: int = 2,
        orders: int = 200,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Faults | None = None,
        webhook_url: str | None = None,
        new_order_every: float = 30.0,
        access_ttl: int = 7 * DAY,
        refresh_ttl: int = 30 * DAY,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self._offset = 0.0
        self.host, self.port = host, port
        self._faults = faults or Faults()
        self._fault_rng = random.Random(self._faults.seed)
        self.webhook_url = webhook_url
        self.access_ttl, self.refresh_ttl = access_ttl, refresh_ttl
        self._lock = threading.RLock()
        self.world = World(seed=seed, shops=shops, orders=orders, start=self.now(), new_order_every=new_order_every)
        secret = hashlib.blake2b(f"fake-tiktok/{seed}".encode(), digest_size=32).hexdigest()
        self.app_key = "6f" + secret[:12]
        self.app_secret = secret[32:]
        self.auth_codes = {
            shop_id: f"ROW_FAKE_{secret[12:20]}{shop.index:02d}" for shop_id, shop in self.world.shops.items()
        }
        self._grants: dict[str, _Grant] = {}
        self._revoked: set[str] = set()
        self._token_serial = 0
        self._idempotent: dict[str, tuple[str, Any]] = {}
        self.applied: list[tuple[str, str, str]] = []
        self._refusals: dict[str, deque[str]] = {}
        self._forced: deque[str] = deque()
        self._webhook_rng = random.Random(f"{seed}/webhooks")
        self.webhook_failures = 0
        self._notifications = 0
        self.requests_served = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life ------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL of both the API and the auth host."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> str:
        """Listen (port 0 takes a free one) and serve in a background thread; the URL."""
        self._server = ThreadingHTTPServer((self.host, self.port), _handler_for(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(POLL_INTERVAL,), name="fake-tiktok",
                                        daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> FakeTikTok:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- time and control ------------------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        """How the double misbehaves; setting it restarts its seeded sequence."""
        return self._faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        with self._lock:
            self._faults = faults
            self._fault_rng = random.Random(faults.seed)

    def now(self) -> int:
        return int(to_epoch(self.clock.now()) or 0) + int(self._offset)

    def advance(self, seconds: float) -> None:
        """Move time on (the clock itself when it can be advanced) and run the status machine."""
        move = getattr(self.clock, "advance", None)
        with self._lock:
            if callable(move):
                move(timedelta(seconds=seconds))
            else:
                self._offset += seconds
        self.tick()

    def tick(self) -> None:
        """Run the status machine up to now and deliver the webhooks of what changed."""
        with self._lock:
            self.world.run_until(self.now())
        self._deliver_webhooks()

    def snapshot(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Per shop, per order, the canonical state (the shape of Store.remote_state)."""
        with self._lock:
            return self.world.snapshot()

    def refuse_next(self, kind: str, message: str) -> None:
        """The next action of this kind (an outbox kind, e.g. 'ship') is refused with this message."""
        with self._lock:
            self._refusals.setdefault(kind, deque()).append(message)

    def fail_next(self, kind: str, times: int = 1) -> None:
        """The next *times* requests (searches, for the page faults) misbehave this way, whatever the rate."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {', '.join(FAULT_KINDS)}")
        with self._lock:
            self._forced.extend([kind] * times)

    def expire_tokens(self, shop_id: str | None = None) -> None:
        """Every access token (of one shop, or all) expires now; refresh tokens still work."""
        with self._lock:
            for grant in self._grants.values():
                if grant.kind == "access" and shop_id in (None, grant.shop_id):
                    grant.expires_at = self.now() - 1

    def revoke(self, shop_id: str) -> None:
        """The seller withdraws the authorisation: every token of the shop stops working."""
        with self._lock:
            self._revoked.add(shop_id)

    # -- requests --------------------------------------------------------------------------------

    def answer(self, method: str, path: str, query: dict[str, str], body: bytes, token: str) -> _Answer:
        """The reply to one HTTP request (what the handler writes), serialised under the lock."""
        with self._lock:
            status, payload, headers, delay = self._answer(method, path, query, body, token)
            return _Answer(status, json.dumps(payload).encode(), headers, delay)

    def _answer(self, method: str, path: str, query: dict[str, str], body: bytes, token: str
                ) -> tuple[int, dict[str, Any], Mapping[str, str], float]:
        self.requests_served += 1
        request_id = f"FAKE{self.requests_served:016d}"
        self.world.run_until(self.now())
        fault = self._fault(path)
        if fault in ("429", "500"):
            status = 429 if fault == "429" else self._fault_rng.choice((500, 503))
            message = "Too many requests" if status == 429 else "Internal error, please retry"
            headers = {"Retry-After": "1"} if status == 429 else {}
            return status, {"code": status, "message": message, "request_id": request_id}, headers, 0.0
        try:
            data = self._route(method, path, query, body, token, fault)
        except _Failure as failure:
            payload = {"code": failure.code, "message": failure.message, "request_id": request_id}
            return failure.http_status, payload, {}, 0.0
        except Refusal as refusal:
            return 200, {"code": refusal.code, "message": refusal.message, "request_id": request_id}, {}, 0.0
        delay = self.faults.timeout_delay if fault == "timeout" else 0.0
        return 200, {"code": 0, "message": "Success", "request_id": request_id, "data": data}, {}, delay

    def _fault(self, path: str) -> str | None:
        searching = path.endswith("/search")
        for kind in self._forced:
            if searching or kind not in PAGE_FAULTS:
                self._forced.remove(kind)
                return kind
        faults = self.faults
        if not faults.rate or self._fault_rng.random() >= faults.rate:
            return None
        kind = self._fault_rng.choice(faults.kinds)
        if kind in PAGE_FAULTS and not searching:
            return None
        return kind

    def _route(self, method: str, path: str, query: dict[str, str], body: bytes, token: str, fault: str | None
               ) -> dict[str, Any]:
        if path in ("/api/v2/token/get", "/api/v2/token/refresh") and method == "GET":
            return self._token(path.rsplit("/", 1)[1], query)
        for route_method, pattern, handler, needs_cipher in _ROUTES:
            match = pattern.fullmatch(path)
            if match and route_method == method:
                shop = self._check(path, query, body, token, needs_cipher)
                request = _json_body(body)
                return handler(self, shop, match.groups(), query, request, fault)
        raise _Failure(404, 40400, f"No API at {method} {path}")

    def _check(self, path: str, query: dict[str, str], body: bytes, token: str, needs_cipher: bool) -> ShopState:
        """Signature, then token, then shop cipher; the shop the token belongs to."""
        if query.get("app_key") != self.app_key:
            raise _Failure(401, 106002, "The app_key is not valid")
        if not query.get("timestamp", "").isdigit():
            raise _Failure(400, 106004, "The timestamp is missing or not a number")
        expected = _signature(self.app_secret, path, query, body)
        if not hmac.compare_digest(expected, query.get("sign", "")):
            raise _Failure(401, 106001, "Invalid signature")
        grant = self._grants.get(token)
        if grant is None or grant.kind != "access":
            raise _Failure(401, 105001, "Invalid access token")
        if grant.shop_id in self._revoked:
            raise _Failure(401, 105005, "The seller has deauthorized this app")
        if grant.expires_at <= self.now():
            raise _Failure(401, 105002, "Access token is expired, please refresh it")
        shop = self.world.shops[grant.shop_id]
        if needs_cipher and query.get("shop_cipher") != shop.cipher:
            raise _Failure(400, 106011, "The shop_cipher is missing or does not belong to this token")
        return shop

    def _token(self, endpoint: str, query: dict[str, str]) -> dict[str, Any]:
        if query.get("app_key") != self.app_key or not hmac.compare_digest(
                query.get("app_secret", "").encode(), self.app_secret.encode()):
            raise _Failure(401, 36004001, "The app_key or app_secret is not valid")
        if endpoint == "get":
            code = query.get("auth_code", "")
            shop_id = next(
                (s for s, known in self.auth_codes.items() if hmac.compare_digest(known.encode(), code.encode())), None)
            if shop_id is None or query.get("grant_type") != "authorized_code":
                raise _Failure(400, 36004004, "The auth_code is not valid")
            self._revoked.discard(shop_id)
            refresh = self._issue(shop_id, "refresh", self.refresh_ttl)
        else:
            refresh = query.get("refresh_token", "")
            grant = self._grants.get(refresh)
            if grant is None or grant.kind != "refresh" or query.get("grant_type") != "refresh_token":
                raise _Failure(401, 105001, "Invalid refresh token")
            if grant.shop_id in self._revoked:
                raise _Failure(401, 105005, "The seller has deauthorized this app")
            if grant.expires_at <= self.now():
                raise _Failure(401, 105002, "Refresh token is expired, authorise the shop again")
            shop_id = grant.shop_id
        access = self._issue(shop_id, "access", self.access_ttl)
        shop = self.world.shops[shop_id]
        return {
            "access_token": access, "access_token_expire_in": self._grants[access].expires_at,
            "refresh_token": refresh, "refresh_token_expire_in": self._grants[refresh].expires_at,
            "open_id": "open" + shop.cipher[4:16], "seller_name": shop.name, "seller_base_region": shop.region,
            "user_type": 0,
            "granted_scopes": ["seller.order.info", "seller.fulfillment.basic", "seller.return_refund.basic"],
        }

    def _issue(self, shop_id: str, kind: str, ttl: int) -> str:
        self._token_serial += 1
        digest = hashlib.blake2b(f"{self.app_secret}/{kind}/{self._token_serial}".encode(), digest_size=24).hexdigest()
        token = ("TTP_" if kind == "access" else "TTR_") + digest
        self._grants[token] = _Grant(shop_id, kind, self.now() + ttl)
        return token

    # -- seller actions, once per idempotency key ----------------------------------------------------

    def _act(self, key: str, target: str, kind_of: Callable[[], str], apply: Callable[[], dict[str, Any]]
             ) -> dict[str, Any]:
        if key and key in self._idempotent:
            done_target, reply = self._idempotent[key]
            if done_target != target:
                raise Refusal(21000009, "This idempotency_key was already used for another request")
            return reply
        kind = kind_of()
        refusals = self._refusals.get(kind)
        if refusals:
            raise Refusal(21000010, refusals.popleft())
        reply = apply()
        self.applied.append((kind, target, key))
        if key:
            self._idempotent[key] = (target, reply)
        return reply

    # -- webhooks --------------------------------------------------------------------------------

    def _deliver_webhooks(self) -> None:
        """POST each change to webhook_url, signed; now and then twice, or swapped with the next."""
        with self._lock:
            changes, self.world.changes = self.world.changes, []
            url = self.webhook_url
            if not url:
                return
            bodies: list[bytes] = []
            for shop_id, kind, data in changes:
                self._notifications += 1
                body = json.dumps({"type": int(kind), "tts_notification_id": str(self._notifications),
                                   "shop_id": shop_id, "timestamp": self.now(), "data": data}).encode()
                bodies.append(body)
                if self._webhook_rng.random() < 0.1:
                    bodies.append(body)
            for i in range(len(bodies) - 1):
                if self._webhook_rng.random() < 0.1:
                    bodies[i], bodies[i + 1] = bodies[i + 1], bodies[i]
        for body in bodies:
            signature = hmac.new(self.app_secret.encode(), self.app_key.encode() + body, hashlib.sha256).hexdigest()
            request = urllib.request.Request(
                url, data=body, method="POST", headers={"Content-Type": "application/json", "Authorization": signature})
            try:
                with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT):
                    pass
            except (OSError, ValueError) as error:  # refused, timed out, or not a usable URL
                with self._lock:
                    self.webhook_failures += 1
                log.info("webhook to %s not delivered: %s", url, error)


# -- endpoints ---------------------------------------------------------------------------------------

_Endpoint = Callable[[FakeTikTok, ShopState, tuple[str, ...], dict[str, str], dict[str, Any], str | None], dict[str, Any]]


def _json_body(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        parsed = json.loads(body)
    except ValueError:
        raise _Failure(400, 36009002, "The request body is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise _Failure(400, 36009002, "The request body is not a JSON object")
    return parsed


def _page_size(query: dict[str, str]) -> int:
    size = query.get("page_size", "")
    if not size.isdigit() or not 1 <= int(size) <= PAGE_SIZE_MAX:
        raise _Failure(400, 36009001, f"page_size must be a number from 1 to {PAGE_SIZE_MAX}")
    return int(size)


def _window(request: dict[str, Any]) -> tuple[int, int]:
    try:
        ge = int(request.get("update_time_ge", 0))
        lt = int(request.get("update_time_lt", 2**40))
    except (TypeError, ValueError):
        raise _Failure(400, 36009001, "update_time_ge and update_time_lt must be Unix times") from None
    return ge, lt


def _cursor(query: dict[str, str]) -> tuple[int, str] | None:
    token = query.get("page_token", "")
    if not token:
        return None
    try:
        time_, key = base64.urlsafe_b64decode(token.encode()).decode().split(":", 1)
        return int(time_), key
    except ValueError:
        raise _Failure(400, 36009001, "The page_token is not valid") from None


def _token_of(key: tuple[int, str] | None) -> str:
    return base64.urlsafe_b64encode(f"{key[0]}:{key[1]}".encode()).decode() if key else ""


def _page(fake: FakeTikTok, items: list[dict[str, Any]], last: tuple[int, str] | None, total: int,
          query: dict[str, str], fault: str | None, name: str) -> dict[str, Any]:
    rendered = [{k: v for k, v in item.items() if not k.startswith("_")} for item in items]
    next_token = _token_of(last)
    if fault == "duplicate_page" and query.get("page_token"):
        next_token = query["page_token"]  # the client is sent this same page again
    if fault == "out_of_order":
        fake._fault_rng.shuffle(rendered)
    return {name: rendered, "next_page_token": next_token, "total_count": total}


def _shops(fake: FakeTikTok, shop: ShopState, groups: tuple[str, ...], query: dict[str, str],
           request: dict[str, Any], fault: str | None) -> dict[str, Any]:
    return {"shops": [shop.public()]}


def _search_orders(fake: FakeTikTok, shop: ShopState, groups: tuple[str, ...], query: dict[str, str],
                   request: dict[str, Any], fault: str | None) -> dict[str, Any]:
    ge, lt = _window(request)
    items, last, total = fake.world.search_orders(shop, ge, lt, _cursor(query), _page_size(query))
    return _page(fake, items, last, total, query, fault, "orders")


def _search_requests(fake: FakeTikTok, shop: ShopState, groups: tuple[str, ...], query: dict[str, str],
                     request: dict[str, Any], fault: str | None) -> dict[str, Any]:
    kind = RequestType.CANCELLATION if groups[0] == "cancellations" else RequestType.RETURN_REFUND
    ge, lt = _window(request)
    items, last, total = fake.world.search_requests(shop, kind, ge, lt, _cursor(query), _page_size(query))
    return _page(fake, items, last, total, query, fault, groups[0] if groups[0] == "cancellations" else "return_orders")


def _order_details(fake: FakeTikTok, shop: ShopState, groups: tuple[str, ...], query: dict[str, str],
                   request: dict[str, Any], fault: str | None) -> dict[str, Any]:
    ids = [i for i in query.get("ids", "").split(",") if i]
    if not 1 <= len(ids) <= DETAIL_IDS_MAX:
        raise _Failure(400, 36009001, f"ids must list 1 to {DETAIL_IDS_MAX} order ids")
    found = [shop.orders[i] for i in ids if i in shop.orders]
    return {"orders": found}


def _seller_cancel(fake: FakeTikTok, shop: ShopState, groups: tuple[str, ...], query: dict[str, str],
                   request: dict[str, Any], fault: str | None) -> dict[str, Any]:
    order_id = str(request.get("order_id", ""))
    reason = str(request.get("cancel_reason", ""))
    return fake._act(str(request.get("idempotency_key", "")), order_id, lambda: "cancel",
                     lambda: fake.world.seller_cancel(shop, order_id, reason))


def _decide(fake: FakeTikTok, shop: ShopState, groups: tuple[str, ...], query: dict[str, str],
            request: dict[str, Any], fault: str | None) -> dict[str, Any]:
    kinds, external_id, verdict = groups
    kind = RequestType.CANCELLATION if kinds == "cancellations" else RequestType.RETURN_REFUND
    action = f"{verdict}-{'cancellation' if kinds == 'cancellations' else 'return'}"
    key = str(request.get("idempotency_key") or query.get("idempotency_key", ""))
    reason = str(request.get("reject_reason", ""))
    return fake._act(key, external_id, lambda: action,
                     lambda: fake.world.answer(shop, kind, external_id, verdict == "approve", reason))


def _reject_reasons(fake: FakeTikTok, shop: ShopState, groups: tuple[str, ...], query: dict[str, str],
                    request: dict[str, Any], fault: str | None) -> dict[str, Any]:
    return {"reasons": [{"name": code, "text": text} for code, text in REJECT_REASONS]}


def _search_packages(fake: FakeTikTok, shop: ShopState, groups: tuple[str, ...], query: dict[str, str],
                     request: dict[str, Any], fault: str | None) -> dict[str, Any]:
    order = shop.orders.get(str(request.get("order_id", "")))
    packages = [fake.world.package(shop, order)] if order is not None and order["packages"] else []
    return {"packages": packages, "next_page_token": "", "total_count": len(packages)}


def _package(fake: FakeTikTok, shop: ShopState, groups: tuple[str, ...], query: dict[str, str],
             request: dict[str, Any], fault: str | None) -> dict[str, Any]:
    return fake.world.package(shop, fake.world.order_of_package(shop, groups[0]))


def _ship(fake: FakeTikTok, shop: ShopState, groups: tuple[str, ...], query: dict[str, str],
          request: dict[str, Any], fault: str | None) -> dict[str, Any]:
    package_id = groups[0]
    shipment = request.get("self_shipment") or {}
    tracking = str(shipment.get("tracking_number", ""))
    provider_id = str(shipment.get("shipping_provider_id", ""))
    return fake._act(str(request.get("idempotency_key", "")), package_id,
                     lambda: fake.world.ship_kind(shop, package_id, tracking, provider_id),
                     lambda: fake.world.ship(shop, package_id, tracking, provider_id))


def _providers(fake: FakeTikTok, shop: ShopState, groups: tuple[str, ...], query: dict[str, str],
               request: dict[str, Any], fault: str | None) -> dict[str, Any]:
    if groups[0] != shop.delivery_option_id:
        raise Refusal(21011004, f"Delivery option {groups[0]} does not exist")
    return {"shipping_providers": [dict(p) for p in fake.world.providers]}


_ID = r"([0-9A-Za-z_]+)"
_ROUTES: tuple[tuple[str, re.Pattern[str], _Endpoint, bool], ...] = tuple(
    (method, re.compile(pattern), handler, cipher)
    for method, pattern, handler, cipher in (
        ("GET", r"/authorization/202309/shops", _shops, False),
        ("POST", r"/order/202309/orders/search", _search_orders, True),
        ("GET", r"/order/202309/orders", _order_details, True),
        ("POST", r"/return_refund/202309/(cancellations|returns)/search", _search_requests, True),
        ("POST", r"/return_refund/202309/cancellations", _seller_cancel, True),
        ("POST", rf"/return_refund/202309/(cancellations|returns)/{_ID}/(approve|reject)", _decide, True),
        ("GET", r"/return_refund/202309/reject_reasons", _reject_reasons, True),
        ("POST", r"/fulfillment/202309/packages/search", _search_packages, True),
        ("GET", rf"/fulfillment/202309/packages/{_ID}", _package, True),
        ("POST", rf"/fulfillment/202309/packages/{_ID}/ship", _ship, True),
        ("GET", rf"/logistics/202309/delivery_options/{_ID}/shipping_providers", _providers, True),
    )
)


def _handler_for(fake: FakeTikTok) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart
        server_version = "FakeTikTok/202309"

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            answer = fake.answer(method, parts.path, query, body, self.headers.get("x-tts-access-token", ""))
            if answer.delay:
                time.sleep(answer.delay)
            content = answer.content
            try:
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            fake._deliver_webhooks()

        def log_message(self, format: str, *args: Any) -> None:
            """Only the method and path (a token call's query holds the app secret)."""
            log.debug("%s %s", self.command, urlsplit(self.path).path)

    return _Handler
