"""`tsshop webhook serve`: TikTok's webhook deliveries, checked and turned into work for the sync.

A delivery is taken only when its ``Authorization`` header is the signature of one of the apps in the
credentials file (401 otherwise) and only once (a repeated delivery is answered and dropped). The
orders it names go to the fetch queue, which ``tsshop sync --follow`` fetches at once; a
deauthorisation marks the shop revoked, an "authorisation expiring" event marks it expiring.
Polling remains the safety net: a delivery lost here is picked up by the next window.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

from ...domain.clock import Clock, SystemClock
from ...domain.shops import TokenState
from ...store import Store
from ..credentials import CredentialsError, CredentialStore
from .signing import same_signature, webhook_signature

log = logging.getLogger("tsshop.webhook")

MAX_BODY = 1 << 20
ORDER_EVENTS = frozenset({1, 4, 11, 12})
"""Order status change, package update, cancellation status change, return status change."""
DEAUTHORISED, AUTH_EXPIRING = 6, 7
REQUEST_TIMEOUT = 10.0


class WebhookServer:
    """An HTTP server for TikTok's webhooks on *host*:*port* (port 0: any free one), serving in a
    thread of its own with its own Store on *store_path*."""

    def __init__(
        self, store_path: Path | str, credentials: CredentialStore, host: str = "127.0.0.1", port: int = 0,
        *, clock: Clock | None = None,
    ) -> None:
        self.store_path = Path(store_path)
        self.credentials = credentials
        self.clock = clock or SystemClock()
        self._http = _Server((host, port), _Handler)
        self._http.owner = self
        self._thread: threading.Thread | None = None
        self.store: Store | None = None

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> str:
        """Serve in a background thread; the URL."""
        self._thread = threading.Thread(target=self._serve, name="tsshop-webhooks", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._thread is not None:
            self._http.shutdown()
            self._thread.join()
            self._thread = None
        self._http.server_close()

    def __enter__(self) -> WebhookServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self) -> None:
        self.store = Store(self.store_path, clock=self.clock, actor="tiktok-webhook", create=False)
        try:
            self._http.serve_forever(poll_interval=0.2)
        finally:
            self.store.close()
            self.store = None

    def handle(self, body: bytes, authorization: str) -> tuple[int, str]:
        """One delivery: its HTTP status and a word on what was done."""
        app_key = self._signed_by(body, authorization)
        if app_key is None:
            return 401, "bad or missing signature"
        digest = hashlib.sha256(body).hexdigest()
        store = self.store
        assert store is not None
        try:
            event = json.loads(body)
            kind = int(event.get("type"))
            shop_id = str(event.get("shop_id") or "")
            data = event.get("data") or {}
        except (ValueError, TypeError, AttributeError):
            return 400, "not a TikTok webhook event"
        shop = store.shop(shop_id)
        if shop is None or shop.app_key != app_key:
            return 200, "not a shop of ours"
        if store.seen_delivery(digest):
            return 200, "duplicate"
        if kind in ORDER_EVENTS and isinstance(data, dict) and data.get("order_id"):
            store.queue_fetch(shop.id, [str(data["order_id"])])
            return 200, "queued"
        if kind == DEAUTHORISED:
            store.set_shop_state(
                shop.id, token_state=TokenState.REVOKED,
                last_error="the seller removed tsshop's authorisation (TikTok's deauthorisation event);"
                " authorise the shop again and run 'tsshop shop add'",
            )
            log.warning("shop %s: deauthorised", shop.id)
            return 200, "revoked"
        if kind == AUTH_EXPIRING:
            store.set_shop_state(shop.id, token_state=TokenState.EXPIRING)
            return 200, "expiring"
        return 200, "ignored"

    def _signed_by(self, body: bytes, authorization: str) -> str | None:
        """The key of the app whose secret signed *body*, or None."""
        if not authorization:
            return None
        try:
            apps = self.credentials.apps()
        except CredentialsError as error:
            log.error("%s", error)
            return None
        for app in apps:
            expected = webhook_signature(app.app_key, app.app_secret.get_secret_value(), body)
            if same_signature(expected, authorization):
                return app.app_key
        return None


class _Server(HTTPServer):
    owner: WebhookServer


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = REQUEST_TIMEOUT

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self._answer(413 if length > MAX_BODY else 400, "bad length")
            return
        body = self.rfile.read(length)
        status, word = self.server.owner.handle(body, self.headers.get("Authorization") or "")
        self._answer(status, word)

    def _answer(self, status: int, word: str) -> None:
        reply = json.dumps({"code": 0 if status == 200 else status, "message": word}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)
