"""The outbox sender: tells TikTok of the changes made here, each exactly once.

Each outbox row goes with its own idempotency key. A row is claimed (SENDING) before it is sent and
marked done only once TikTok has answered, so a sender killed in between leaves it SENDING: the next
sender sends it again with the same key, and TikTok applies it once. TikTok's refusal rolls the order
back with TikTok's own message; a rate limit or outage is tried again later (exponential backoff with
jitter); an authorisation TikTok no longer accepts stops this shop's sending until it is fixed. The
session holds the shop's lease, so one tsshop at a time sends for a shop.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from ...domain.shops import OutboxItem, OutboxKind, Shop
from ...store import Store
from .client import DETAIL_BATCH_MAX, ApiError, TikTokClient, TransientError

RETRY_BASE = timedelta(seconds=15)
RETRY_CAP = timedelta(minutes=30)
AUTH_RETRY = timedelta(minutes=10)
SHIPPING = (OutboxKind.SHIP, OutboxKind.CORRECT_TRACKING)


class Session(Protocol):
    """What the sender needs of a shop's session (io.tiktok.sync.ShopSession)."""

    shop: Shop

    def call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call a TikTokClient method, its token renewed when due or expired; ShopStopped (the shop
        marked) when the authorisation cannot be used."""


@dataclass
class DeliveryReport:
    """What one delivery pass did: rows TikTok applied, refused, and ones left to try again."""

    done: int = 0
    refused: int = 0
    retried: int = 0
    stopped: str | None = None
    """The reason this shop's sending stopped (its authorisation), None when it did not."""

    def line(self) -> str:
        if self == DeliveryReport():
            return "nothing due"
        parts = [f"{self.done:,} delivered", f"{self.refused:,} refused", f"{self.retried:,} to retry"]
        if self.stopped:
            parts.append(f"stopped: {self.stopped}")
        return ", ".join(parts)


class NotSendable(Exception):
    """The row cannot go to TikTok as it stands (no package, no such carrier): refused with this message."""


def deliver(store: Store, session: Session, *, limit: int = 50, rng: random.Random | None = None) -> DeliveryReport:
    """Send up to *limit* due outbox rows of the session's shop and record each answer."""
    from .sync import ShopBusy, ShopStopped  # sync imports this module, so not at the top

    rng = rng or random.Random()
    report = DeliveryReport()
    items = store.claim_outbox(session.shop.id, limit)
    sender = _Sender(session, items)
    for index, item in enumerate(items):
        try:
            sender.send(item)
        except ShopStopped as error:  # the session has marked the shop
            _release(store, items[index:], str(error), store.clock.now() + AUTH_RETRY, report)
            break
        except ShopBusy as error:  # this pass stalled, lost the shop's lease: its holder sends them now
            _release(store, items[index:], str(error), store.clock.now(), report)
            break
        except (ApiError, NotSendable) as error:
            store.outbox_refused(item.id, _message(error))
            report.refused += 1
        except TransientError as error:
            store.outbox_retry(item.id, str(error), store.clock.now() + backoff(item.attempts, rng))
            report.retried += 1
        else:
            store.outbox_done(item.id)
            report.done += 1
    return report


def backoff(attempts: int, rng: random.Random) -> timedelta:
    """The wait before a row's next try after *attempts* tries: doubling from RETRY_BASE up to
    RETRY_CAP, each wait between half and all of that (jitter spreads the rows of an outage)."""
    ceiling = min(RETRY_CAP, RETRY_BASE * 2 ** min(max(attempts - 1, 0), 20))
    return ceiling * rng.uniform(0.5, 1.0)


def _release(store: Store, items: list[OutboxItem], why: str, at: datetime, report: DeliveryReport) -> None:
    """The shop cannot be sent for by this pass: put the claimed rows back, due *at*."""
    for item in items:
        store.outbox_retry(item.id, why, at)
    report.retried += len(items)
    report.stopped = why


def _message(error: Exception) -> str:
    """TikTok's own words for a refusal (or ours for a row that could not be sent)."""
    if isinstance(error, ApiError):
        return error.message or f"error {error.code}"
    return str(error)


class _Sender:
    """Sends a pass's rows one by one through the session. What a shipment needs besides its own
    call is asked once a pass: each delivery option's carriers, and the delivery options of the
    orders to ship, 50 orders a call."""

    def __init__(self, session: Session, items: list[OutboxItem]) -> None:
        self.call = session.call
        self.providers: dict[str, list[dict[str, Any]]] = {}
        self.options: dict[str, str] = {}
        self.to_ship = [item.order_id for item in items if item.kind in SHIPPING]

    def send(self, item: OutboxItem) -> None:
        payload, key, call = item.payload, item.idempotency_key, self.call
        kind = item.kind
        if kind is OutboxKind.CANCEL:
            call(TikTokClient.cancel_order, item.order_id, str(payload.get("cancel_reason") or ""), key)
        elif kind in SHIPPING:
            self.ship(item)
        elif kind is OutboxKind.APPROVE_CANCELLATION:
            call(TikTokClient.approve_cancellation, _request_id(item), key)
        elif kind is OutboxKind.REJECT_CANCELLATION:
            call(TikTokClient.reject_cancellation, _request_id(item), str(payload.get("reject_reason") or ""), key)
        elif kind is OutboxKind.APPROVE_RETURN:
            call(TikTokClient.approve_return, _request_id(item), key)
        elif kind is OutboxKind.REJECT_RETURN:
            call(TikTokClient.reject_return, _request_id(item), str(payload.get("reject_reason") or ""), key)
        else:
            raise NotSendable(f"not sent: tsshop cannot send a {kind} to TikTok")

    def ship(self, item: OutboxItem) -> None:
        """Ship the order's package with its tracking number and the carrier's id at TikTok."""
        tracking = str(item.payload.get("tracking_number") or "")
        carrier = str(item.payload.get("shipping_provider") or "")
        package_id = str(item.payload.get("package_id") or "")
        package: dict[str, Any] = {}
        if not package_id:
            packages = self.call(TikTokClient.search_packages, item.order_id)
            if not packages:
                raise NotSendable(f"not sent: TikTok has no package for order {item.order_id} to ship")
            package = packages[0]
            package_id = str(package.get("id") or "")
        option = str(package.get("delivery_option_id") or "") or self.delivery_option(item.order_id)
        provider_id = self.provider_id(option, carrier)
        self.call(TikTokClient.ship_package, package_id, tracking, provider_id, item.idempotency_key)

    def delivery_option(self, order_id: str) -> str:
        """The order's delivery option at TikTok (asked with those of the pass's next orders to ship)."""
        if order_id not in self.options:
            batch = [order_id, *(i for i in self.to_ship if i != order_id and i not in self.options)]
            for data in self.call(TikTokClient.order_details, batch[:DETAIL_BATCH_MAX]):
                self.options[str(data.get("id") or "")] = str(data.get("delivery_option_id") or "")
        option = self.options.get(order_id, "")
        if not option:
            raise NotSendable(f"not sent: TikTok gives no delivery option for order {order_id}")
        return option

    def provider_id(self, option: str, carrier: str) -> str:
        """The id TikTok gives *carrier* (matched by name, any case) among the option's carriers."""
        if option not in self.providers:
            self.providers[option] = self.call(TikTokClient.shipping_providers, option)
        providers = self.providers[option]
        wanted = _name_key(carrier)
        for provider in providers:
            if _name_key(str(provider.get("name") or "")) == wanted:
                return str(provider.get("id") or "")
        names = ", ".join(str(p.get("name") or "") for p in providers) or "none"
        raise NotSendable(
            f"not sent: TikTok lists no carrier called {carrier!r} for this order's delivery option"
            f" (it has: {names})"
        )


def _request_id(item: OutboxItem) -> str:
    """The buyer request's id at TikTok (its cancel_id or return_id)."""
    external = str(item.payload.get("request_external_id") or "")
    if not external:
        raise NotSendable("not sent: TikTok does not know this buyer request (it has no TikTok id)")
    return external


def _name_key(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalnum())
