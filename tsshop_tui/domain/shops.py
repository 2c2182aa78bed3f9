"""Shops and the outbox of changes waiting for TikTok: plain data, no secrets."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from .model import _Model

LOCAL_SHOP = "local"
"""The id of the shop every imported or demo order belongs to."""


class TokenState(StrEnum):
    """How a shop's authorisation stands; LOCAL for a shop that never talks to TikTok."""

    LOCAL = "local"
    OK = "ok"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    REVOKED = "revoked"


class Shop(_Model):
    """One shop: a row of the shops table. Its secrets live in the credentials file, never here."""

    id: str
    name: str
    region: str = ""
    cipher: str = ""
    seller_type: str = ""
    app_key: str = Field("", description="Which app's credentials sign its calls (the key is not a secret).")
    api_base: str = Field("", description="'' for a local shop; e.g. https://open-api.tiktokglobalshop.com")
    auth_base: str = ""
    token_state: TokenState = TokenState.LOCAL
    token_expires_at: datetime | None = None
    last_sync_at: datetime | None = Field(None, description="The end of the last completed sync pass.")
    last_attempt_at: datetime | None = None
    last_error: str | None = Field(None, description="Plain words, never a secret.")

    @property
    def remote(self) -> bool:
        """Whether its orders come from and go back to TikTok."""
        return self.api_base != ""


class OutboxKind(StrEnum):
    """A change made here that TikTok has to be told of."""

    CANCEL = "cancel"
    SHIP = "ship"
    APPROVE_CANCELLATION = "approve-cancellation"
    REJECT_CANCELLATION = "reject-cancellation"
    APPROVE_RETURN = "approve-return"
    REJECT_RETURN = "reject-return"
    CORRECT_TRACKING = "correct-tracking"


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    DONE = "done"
    REFUSED = "refused"


class OutboxItem(_Model):
    """One change waiting for (or answered by) TikTok, sent with its idempotency key."""

    id: int
    shop_id: str
    order_id: str
    kind: OutboxKind
    payload: dict[str, Any]
    idempotency_key: str
    state: OutboxState
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    history_id: int | None
