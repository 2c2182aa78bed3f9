"""Pull: each TikTok shop's orders and buyer requests into the store, resumable page by page.

Three streams per shop — orders, cancellations, returns — are each searched by ``update_time`` window
``[ge, lt)``, oldest update first, 50 a page. Each page (with the details of its orders, fetched 50 at
a time) is written in one transaction together with the stream's cursor (the window and the next
page's token), so a sync killed at any moment starts again at the first page it had not written: no
gap, and a page written twice changes nothing (an older copy never replaces a newer one). A finished
window's end is the stream's watermark; the next window starts ``OVERLAP`` seconds before it, for
clocks that disagree and updates that land while a window is read.

A shop whose authorisation fails (expired, revoked, a signature TikTok refuses) is marked and stops;
the other shops go on.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from ...domain.clock import Clock, from_epoch, to_epoch
from ...domain.model import Order, RequestType
from ...domain.shops import Shop, TokenState
from ...store import RemoteRequest, Store, SyncCursor
from ..credentials import CredentialsError, CredentialStore, ShopTokens
from .client import (
    DEFAULT_TIMEOUT, DETAIL_BATCH_MAX, PAGE_SIZE_MAX, ApiError, AuthError, Credentials, Page, TikTokClient,
    TransientError,
)
from .mapping import MappingError, order_from_api, request_from_api
from .sender import deliver

log = logging.getLogger("tsshop.sync")

OVERLAP = 120
"""Seconds each window reaches back before the last one's end."""
REFRESH_AHEAD = timedelta(hours=1)
"""An access token this close to expiry is renewed before the next call."""
EXPIRING_AHEAD = timedelta(days=7)
"""A refresh token this close to expiry: the seller has to authorise again soon (token_state expiring)."""
MAX_REPEATS = 5
"""The same page token answered this many times in a row: TikTok's paging is stuck; give up for now."""
FOLLOW_INTERVAL = 10.0
QUEUE_POLL = 1.0
"""While following, how often the fetch queue (the orders webhooks named) is looked at between passes."""

REVOKED_CODES = frozenset({105005})
EXPIRED_CODES = frozenset({105000, 105001, 105002, 105003})
BAD_SIGN_CODE = 106001

ORDERS, CANCELLATIONS, RETURNS = "orders", "cancellations", "returns"
STREAMS = (ORDERS, CANCELLATIONS, RETURNS)
REQUEST_KINDS = {CANCELLATIONS: RequestType.CANCELLATION, RETURNS: RequestType.RETURN_REFUND}
AGAIN = "authorise the shop again and run 'tsshop shop add'"


class ShopStopped(Exception):
    """This shop's sync stopped (its authorisation, its credentials); the message says why, no secrets."""


class ShopBusy(Exception):
    """Another tsshop syncs this shop now (it holds the shop's lease): nothing wrong, left to it."""


LEASE_SECONDS = 300
"""How long a shop's lease lasts unless renewed; a session renews it every third of that while it calls."""
HOLDER = f"{socket.gethostname()} pid {os.getpid()}"
"""Who this process is, in the shops' leases."""


def _dead(holder: str) -> bool:
    """*holder* is a process of this machine that has ended (killed, say): its lease is free at once."""
    host, _, pid = holder.rpartition(" pid ")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def take_lease(store: Store, shop: Shop) -> None:
    """Hold the shop's lease (ShopBusy when another live tsshop holds it)."""
    holder = store.take_lease(shop.id, HOLDER, LEASE_SECONDS)
    if holder is not None and _dead(holder):
        holder = store.take_lease(shop.id, HOLDER, LEASE_SECONDS, dead=holder)
    if holder is not None:
        raise ShopBusy(f"another tsshop ({holder}) is syncing this shop now; it sends its changes too")


@dataclass
class SyncReport:
    """What one sync pass of a shop did."""

    orders: int = 0
    requests: int = 0
    pages: int = 0
    requests_made: int = 0
    seconds: float = 0.0
    bad: list[str] = field(default_factory=list)
    stopped: bool = False

    def line(self) -> str:
        text = (
            f"{_count(self.orders, 'order')}, {_count(self.requests, 'buyer request')} in"
            f" {_count(self.pages, 'page')}, {_count(self.requests_made, 'call')} to TikTok, {self.seconds:.1f} s"
        )
        if self.bad:
            text += f"; {len(self.bad)} left out: " + "; ".join(self.bad[:3]) + ("; ..." if len(self.bad) > 3 else "")
        if self.stopped:
            text += " (stopped before the end; the next sync goes on from there)"
        return text


def _count(number: int, word: str) -> str:
    return f"{number:,} {word}" + ("" if number == 1 else "s")


@dataclass(frozen=True)
class SessionOptions:
    """How sessions talk to TikTok: the request timeout, the retries and the wait between them."""

    timeout: float = DEFAULT_TIMEOUT
    retries: int = 5
    sleep: Callable[[float], None] = time.sleep


class ShopSession:
    """One shop's client, with its tokens kept fresh: renewed ahead of expiry (and saved for every shop
    of the same authorisation), the shop marked expired or revoked when TikTok will not have them."""

    def __init__(
        self, store: Store, credentials: CredentialStore, shop: Shop, clock: Clock,
        options: SessionOptions = SessionOptions(),
    ) -> None:
        self.store = store
        self.credentials = credentials
        self.shop = shop
        self.clock = clock
        app = credentials.app(shop.app_key)
        tokens = credentials.tokens(shop.id)
        if app is None or tokens is None:
            raise CredentialsError(f"no credentials for this shop in {credentials.path}; {AGAIN}")
        self._tokens = tokens
        self._renewed = False
        self._leased_at = time.monotonic()
        self._http = httpx.Client(timeout=options.timeout)
        self._client = TikTokClient(
            api_base=shop.api_base,
            auth_base=shop.auth_base,
            credentials=Credentials(
                app_key=app.app_key, app_secret=app.app_secret, access_token=tokens.access_token,
                refresh_token=tokens.refresh_token, access_expires_at=tokens.access_expires_at,
                refresh_expires_at=tokens.refresh_expires_at,
            ),
            shop_cipher=shop.cipher,
            http=self._http,
            sleep=options.sleep,
            clock=clock,
            retries=options.retries,
        )

    def __repr__(self) -> str:
        return f"ShopSession({self.shop.id!r})"

    def __enter__(self) -> ShopSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def request_count(self) -> int:
        return self._client.request_count

    @property
    def client(self) -> TikTokClient:
        """The client, its access token renewed first when it is due (AuthError, the shop marked, when
        TikTok will not renew it)."""
        try:
            return self._fresh_client()
        except AuthError as error:
            self.auth_failed(error)
            raise

    def call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call a client method; an access token TikTok calls expired is renewed once and the call tried
        again; ShopStopped (the shop marked) when the authorisation cannot be used; ShopBusy when the
        shop's lease was lost (this process stalled longer than it lasts) and another tsshop took it."""
        if time.monotonic() - self._leased_at > LEASE_SECONDS / 3:
            take_lease(self.store, self.shop)
            self._leased_at = time.monotonic()
        try:
            client = self._fresh_client()
            try:
                return method(client, *args, **kwargs)
            except AuthError as error:
                if error.code not in EXPIRED_CODES:
                    raise
                self._refresh()
                return method(client, *args, **kwargs)
        except AuthError as error:
            raise ShopStopped(self.auth_failed(error)) from None

    def _fresh_client(self) -> TikTokClient:
        """The client, its access token renewed once per session when it is due within REFRESH_AHEAD."""
        due = self._tokens.access_expires_at - to_epoch(self.clock.now()) <= REFRESH_AHEAD.total_seconds()
        if due and not self._renewed:
            self._refresh()
        return self._client

    def auth_failed(self, error: AuthError) -> str:
        """Mark the shop for an authorisation TikTok refused; the plain message (no secrets)."""
        if error.code in REVOKED_CODES:
            state, message = TokenState.REVOKED, f"TikTok says the authorisation was revoked ({error}); {AGAIN}"
        elif error.code == BAD_SIGN_CODE:
            state = None
            message = (
                f"TikTok refused the signature ({error}): the app secret kept for app key {self.shop.app_key}"
                " is not this app's; run 'tsshop shop add' with the right one"
            )
        else:
            state, message = TokenState.EXPIRED, f"the authorisation has expired ({error}); {AGAIN}"
        if state is None:
            self.store.set_shop_state(self.shop.id, last_error=message)
        else:
            self.store.set_shop_state(self.shop.id, token_state=state, last_error=message)
        log.warning("shop %s: %s", self.shop.id, message)
        return message

    def _refresh(self) -> None:
        """Renew the access token, unless another process did meanwhile (the file is read again under
        its lock); save and mark the shop."""
        with self.credentials.locked():
            stored = self.credentials.tokens(self.shop.id)
            now = to_epoch(self.clock.now())
            if stored is not None and stored.access_token != self._tokens.access_token and (
                stored.access_expires_at - now > REFRESH_AHEAD.total_seconds()
            ):
                self._use(stored)
                return
            if self._tokens.refresh_expires_at <= now:
                raise AuthError(105002, "the refresh token has expired")
            try:
                reply = self._client.refresh()
            except AuthError:
                raise
            except ApiError as error:  # any refusal to renew: the authorisation, not the call, is at fault
                raise AuthError(error.code, error.message, error.request_id) from None
            renewed = ShopTokens(
                app_key=self.shop.app_key,
                access_token=reply.access_token,
                access_expires_at=reply.access_expires_at,
                refresh_token=reply.refresh_token,
                refresh_expires_at=reply.refresh_expires_at,
            )
            self.credentials.save_tokens(self.shop.id, renewed)
        self._use(renewed)

    def _use(self, tokens: ShopTokens) -> None:
        self._tokens = tokens
        self._renewed = True
        creds = self._client.credentials
        creds.access_token, creds.refresh_token = tokens.access_token, tokens.refresh_token
        creds.access_expires_at, creds.refresh_expires_at = tokens.access_expires_at, tokens.refresh_expires_at
        self.store.set_shop_state(
            self.shop.id, token_state=token_state(tokens.refresh_expires_at, self.clock.now()),
            token_expires_at=from_epoch(tokens.refresh_expires_at),
        )


def token_state(refresh_expires_at: int, now: datetime) -> TokenState:
    """OK, or EXPIRING when the seller has to authorise again within a week."""
    left = refresh_expires_at - to_epoch(now)
    return TokenState.EXPIRING if left <= EXPIRING_AHEAD.total_seconds() else TokenState.OK


@contextmanager
def open_session(
    store: Store, credentials: CredentialStore, shop: Shop, clock: Clock, options: SessionOptions = SessionOptions()
) -> Iterator[ShopSession]:
    """A shop's session, holding its lease (one tsshop at a time pulls and sends for a shop), closed and
    the lease given back after use; CredentialsError when its credentials are missing or unreadable,
    ShopBusy when another tsshop holds the lease."""
    session = ShopSession(store, credentials, shop, clock, options)
    try:
        take_lease(store, shop)
    except BaseException:
        session.close()
        raise
    try:
        yield session
    finally:
        session.close()
        store.release_lease(shop.id, HOLDER)


# Pulling ---------------------------------------------------------------------------------------


def sync_shop(
    store: Store,
    session: ShopSession,
    *,
    clock: Clock,
    since: datetime | None = None,
    stop: threading.Event | None = None,
) -> SyncReport:
    """One sync pass of the session's shop: every stream from its cursor (or from *since*) up to now.

    The shop's last_attempt_at is set first; last_sync_at (the moment the pass read up to) and a
    cleared last_error when every stream got there. ShopStopped for an authorisation TikTok refused,
    TransientError when TikTok kept failing; the pages written so far stay written either way.
    """
    started = time.monotonic()
    shop_id = session.shop.id
    first = session.request_count
    now = clock.now()
    store.set_shop_state(shop_id, last_attempt_at=now)
    report = SyncReport()
    puller = _Puller(store, session, report, to_epoch(now) + 1, stop)  # windows end after this second
    for stream in STREAMS:
        if not puller.pull(stream, None if since is None else to_epoch(since)):
            report.stopped = True
            break
    report.requests_made = session.request_count - first
    report.seconds = time.monotonic() - started
    if not report.stopped:
        unread = f"{len(report.bad)} records TikTok sent could not be read: {report.bad[0]}" if report.bad else None
        store.set_shop_state(shop_id, last_sync_at=now, last_error=unread)
    return report


class _Puller:
    def __init__(self, store: Store, session: ShopSession, report: SyncReport, now: int,
                 stop: threading.Event | None) -> None:
        self.store, self.session, self.report, self.now, self.stop = store, session, report, now, stop

    def pull(self, stream: str, since: int | None) -> bool:
        """Read the stream up to now; False when told to stop first."""
        cursor = self.store.get_cursor(self.session.shop.id, stream)
        if since is not None:
            window = (since, self.now, None, since)
        elif cursor is not None and cursor.page_token:
            window = (cursor.window_ge, cursor.window_lt, cursor.page_token, cursor.watermark)
        elif cursor is not None:
            window = (max(cursor.watermark - OVERLAP, 0), self.now, None, cursor.watermark)
        else:
            window = (0, self.now, None, 0)
        while True:
            ge, lt, token, watermark = window
            if ge < lt and not self._window(stream, ge, lt, token, watermark):
                return False
            if lt >= self.now:
                return True
            window = (max(lt - OVERLAP, 0), self.now, None, lt)

    def _window(self, stream: str, ge: int, lt: int, token: str | None, watermark: int) -> bool:
        client_search = {
            ORDERS: TikTokClient.search_orders,
            CANCELLATIONS: TikTokClient.search_cancellations,
            RETURNS: TikTokClient.search_returns,
        }[stream]
        repeats = 0
        while True:
            if self.stop is not None and self.stop.is_set():
                return False
            page: Page = self.session.call(
                client_search, update_time_ge=ge, update_time_lt=lt, page_token=token, page_size=PAGE_SIZE_MAX
            )
            following = page.next_page_token
            repeats = repeats + 1 if following is not None and following == token else 0
            if repeats >= MAX_REPEATS:
                raise TransientError(f"TikTok's {stream} search keeps answering the same page")
            if stream == ORDERS:
                orders, requests = self._orders(_unique(str(item.get("id", "")) for item in page.items)), []
            else:
                requests = self._requests(REQUEST_KINDS[stream], page.items)
                known = {order.id for order in self.store.get_many(r.order_id for r in requests)}
                orders = self._orders(_unique(r.order_id for r in requests if r.order_id not in known))
            done = following is None
            cursor = SyncCursor(
                window_ge=ge, window_lt=lt, page_token=following, watermark=lt if done else watermark
            )
            self.store.upsert_remote(self.session.shop.id, orders, cursor=(stream, cursor), requests=requests)
            self.report.pages += 1
            self.report.orders += len(orders)
            self.report.requests += len(requests)
            if done:
                return True
            token = following

    def _orders(self, ids: Sequence[str]) -> list[Order]:
        return fetch_orders(self.session, ids, self.report.bad)

    def _requests(self, kind: RequestType, items: Sequence[dict[str, Any]]) -> list[RemoteRequest]:
        requests: dict[str, RemoteRequest] = {}
        for item in items:
            try:
                request = request_from_api(kind, item)
            except MappingError as error:
                self.report.bad.append(str(error))
                continue
            known = requests.get(request.external_id)
            if known is None or request.update_time >= known.update_time:
                requests[request.external_id] = request
        return list(requests.values())


def fetch_orders(session: ShopSession, ids: Sequence[str], bad: list[str]) -> list[Order]:
    """The details of *ids*, 50 a call; an order TikTok sent that cannot be read goes to *bad*."""
    orders: dict[str, Order] = {}
    for start in range(0, len(ids), DETAIL_BATCH_MAX):
        batch = list(ids[start:start + DETAIL_BATCH_MAX])
        for data in session.call(TikTokClient.order_details, batch):
            try:
                order = order_from_api(session.shop.id, data)
            except MappingError as error:
                bad.append(str(error))
                continue
            known = orders.get(order.id)
            if known is None or (order.update_time or order.create_time) >= (known.update_time or known.create_time):
                orders[order.id] = order
    return list(orders.values())


def fetch_queued(store: Store, session: ShopSession) -> int:
    """Fetch the orders webhooks named (the fetch queue), 50 at a time; how many were written."""
    written = 0
    bad: list[str] = []
    while ids := store.take_fetch_queue(session.shop.id, DETAIL_BATCH_MAX):
        orders = fetch_orders(session, ids, bad)
        store.upsert_remote(session.shop.id, orders)
        written += len(orders)
    return written


def _unique(ids: Iterator[str] | Sequence[str]) -> list[str]:
    return list(dict.fromkeys(i for i in ids if i))


# Every shop ------------------------------------------------------------------------------------

SyncOutcome = SyncReport | str


def remote_shops(store: Store, shop: str | None = None) -> list[Shop]:
    return [s for s in store.shops() if s.remote and (shop is None or s.id == shop)]


def sync_all(
    store: Store,
    credentials: CredentialStore,
    clock: Clock,
    shop: str | None = None,
    since: datetime | None = None,
    *,
    options: SessionOptions = SessionOptions(),
    stop: threading.Event | None = None,
    on_shop: Callable[[Shop, SyncOutcome], None] | None = None,
) -> dict[str, SyncOutcome]:
    """Sync every remote shop (or the one named): its SyncReport, or why it stopped, by shop id.
    A shop that fails does not keep the others from syncing."""
    outcomes: dict[str, SyncOutcome] = {}
    for each in remote_shops(store, shop):
        if stop is not None and stop.is_set():
            break
        outcome = sync_one(store, credentials, each, clock, since=since, options=options, stop=stop)
        outcomes[each.id] = outcome
        if on_shop is not None:
            on_shop(each, outcome)
    return outcomes


def sync_one(
    store: Store, credentials: CredentialStore, shop: Shop, clock: Clock, *, since: datetime | None = None,
    options: SessionOptions = SessionOptions(), stop: threading.Event | None = None, send: bool = False,
) -> SyncOutcome:
    """One shop's pass — with *send*, the outbox sent and the orders webhooks named fetched first — its
    failures turned into the shop's last_error and a message. A shop whose authorisation is known to
    be gone is left alone until it is added again."""
    if shop.token_state in (TokenState.EXPIRED, TokenState.REVOKED):
        return shop.last_error or f"the authorisation is {shop.token_state.value}; {AGAIN}"
    try:
        with open_session(store, credentials, shop, clock, options) as session:
            if send:
                deliver(store, session)
                fetch_queued(store, session)
            return sync_shop(store, session, clock=clock, since=since, stop=stop)
    except ShopBusy as error:
        return str(error)
    except (ShopStopped, CredentialsError) as error:
        message = str(error)
    except AuthError as error:  # the sender met it and marked the shop
        return str(error)
    except TransientError as error:
        message = f"TikTok kept failing ({error}); the next sync goes on from the last page written"
    except ApiError as error:
        message = f"TikTok refused the sync: {error}"
    store.set_shop_state(shop.id, last_error=message)
    log.warning("shop %s: %s", shop.id, message)
    return message


def follow(
    store: Store,
    credentials: CredentialStore,
    clock: Clock,
    sleep: Callable[[float], None] = time.sleep,
    interval: float = FOLLOW_INTERVAL,
    stop: threading.Event | None = None,
    *,
    shop: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    on_pass: Callable[[dict[str, SyncOutcome]], None] | None = None,
) -> None:
    """Keep every remote shop (or the one named) in step until *stop* is set: send the outbox, fetch
    the orders webhooks named, pull; then wait *interval* seconds (fetching what webhooks name
    meanwhile, within a second) and do it again. *sleep* is the wait between a request's retries."""
    stop = stop or threading.Event()
    options = SessionOptions(timeout=timeout, sleep=sleep)
    while not stop.is_set():
        outcomes: dict[str, SyncOutcome] = {}
        for each in remote_shops(store, shop):
            if stop.is_set():
                break
            outcomes[each.id] = sync_one(store, credentials, each, clock, options=options, stop=stop, send=True)
        if on_pass is not None:
            on_pass(outcomes)
        _wait_fetching(store, credentials, clock, options, stop, interval, shop)


def _wait_fetching(
    store: Store, credentials: CredentialStore, clock: Clock, options: SessionOptions, stop: threading.Event,
    interval: float, shop: str | None,
) -> None:
    """Wait *interval* seconds (or until stopped), fetching at once the orders webhooks queue meanwhile."""
    end = time.monotonic() + interval
    while not stop.wait(max(0.0, min(QUEUE_POLL, end - time.monotonic()))) and time.monotonic() < end:
        for each in remote_shops(store, shop):
            if each.token_state in (TokenState.EXPIRED, TokenState.REVOKED):
                continue
            ids = store.take_fetch_queue(each.id, DETAIL_BATCH_MAX)
            if not ids:
                continue
            try:
                with open_session(store, credentials, each, clock, options) as session:
                    store.upsert_remote(each.id, fetch_orders(session, ids, []))
                    fetch_queued(store, session)
            except (ShopStopped, ShopBusy, CredentialsError, TransientError, ApiError) as error:
                store.queue_fetch(each.id, ids)  # tried again on the next pass
                log.warning("shop %s: queued orders not fetched: %s", each.id, error)
