"""How each TikTok shop's sync stands, in the words the header and the Shops screen use."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from ..domain.rules import duration
from ..domain.shops import Shop, TokenState
from ..domain.text import visible

STALE_SECONDS = 300  # no successful sync for this long reads as falling behind


class Health(IntEnum):
    """A shop's sync, worst first."""

    REVOKED = 0
    EXPIRED = 1
    FAILING = 2
    NOT_YET = 3
    BEHIND = 4
    EXPIRING = 5
    OK = 6


@dataclass(frozen=True)
class ShopSync:
    """One remote shop's sync: how it stands, in a few words (its last error is on the shop), and
    seconds since its last successful sync."""

    shop: Shop
    health: Health
    words: str
    lag: int | None

    @property
    def trouble(self) -> bool:
        """Something the seller has to act on (reconnect, a failing sync), not just a wait."""
        return self.health <= Health.FAILING


def lag_text(seconds: int) -> str:
    """'12s', '4m', '2h 05m': how long ago the last successful sync ended."""
    return f"{seconds}s" if seconds < 60 else duration(seconds)


def shop_sync(shop: Shop, now: datetime) -> ShopSync:
    """How *shop*'s sync stands at *now*."""
    lag = max(int((now - shop.last_sync_at).total_seconds()), 0) if shop.last_sync_at else None
    if shop.token_state is TokenState.REVOKED:
        return ShopSync(shop, Health.REVOKED, "authorisation revoked", lag)
    if shop.token_state is TokenState.EXPIRED:
        return ShopSync(shop, Health.EXPIRED, "token expired", lag)
    if shop.last_error:
        return ShopSync(shop, Health.FAILING, "sync failing", lag)
    if lag is None:
        return ShopSync(shop, Health.NOT_YET, "not synced yet", lag)
    if lag >= STALE_SECONDS:
        return ShopSync(shop, Health.BEHIND, f"{lag_text(lag)} behind", lag)
    if shop.token_state is TokenState.EXPIRING:
        return ShopSync(shop, Health.EXPIRING, "token expiring", lag)
    return ShopSync(shop, Health.OK, lag_text(lag), lag)


def shop_syncs(shops: Sequence[Shop], now: datetime) -> list[ShopSync]:
    """The remote shops' sync, worst first (the oldest sync first among equals)."""
    syncs = [shop_sync(shop, now) for shop in shops if shop.remote]
    return sorted(syncs, key=lambda s: (s.health, -(s.lag or 0), s.shop.name))


Parts = tuple[tuple[str, str], ...]  # (text, kind): kind 'ok', 'warn', 'error' or '' for plain


def header_forms(syncs: Sequence[ShopSync], failure: str | None = None) -> tuple[Parts, ...]:
    """The header's sync state, most complete first, for the header to show the first that fits:
    'Sync ✓ 12s' when every shop is in step (the lag of the oldest); else the shops in trouble by
    name, worst first, and the lag of those in step ('Sync ! ShopB token expired · ✓ 12s'), then
    without the lag, then without 'Sync'; a *failure* of this terminal's sync first. Nothing when
    there is no TikTok shop."""
    if not syncs:
        return ()
    troubles: list[tuple[str, str]] = [(f"! sync failed: {failure}", "error")] if failure else []
    troubles += [(f"! {visible(sync.shop.name)} {sync.words}", "error" if sync.trouble else "warn")
                 for sync in syncs if sync.health is not Health.OK]
    lags = [sync.lag for sync in syncs if sync.health is Health.OK and sync.lag is not None]
    in_step = ("✓ " + lag_text(max(lags)), "ok") if lags else None
    label = ("Sync ", "")
    if not troubles:
        return ((label, in_step),) if in_step else ()
    listed = _joined(troubles)
    forms = [(label, *listed), listed]
    if in_step:
        forms.insert(0, (label, *_joined([*troubles, in_step])))
    return tuple(forms)


def _joined(parts: list[tuple[str, str]]) -> Parts:
    joined: list[tuple[str, str]] = []
    for part in parts:
        if joined:
            joined.append((" · ", ""))
        joined.append(part)
    return tuple(joined)
