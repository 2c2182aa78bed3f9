"""Shops: the shops table (no secrets in it), their sync state, removing a shop whole."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain.clock import from_epoch, to_epoch
from ..domain.shops import LOCAL_SHOP, Shop, TokenState
from .actions import KEEP, _Keep
from .db import StoreBase, StoreError

_TIMES = ("token_expires_at", "last_sync_at", "last_attempt_at")
_COLUMNS = tuple(Shop.model_fields)


def _shop_from_row(row: tuple[Any, ...]) -> Shop:
    data = dict(zip(_COLUMNS, row, strict=True))
    for name in _TIMES:
        data[name] = from_epoch(data[name])
    return Shop.model_validate(data)


def _shop_row(shop: Shop) -> dict[str, Any]:
    row = shop.model_dump()
    for name in _TIMES:
        row[name] = to_epoch(row[name])
    row["token_state"] = shop.token_state.value
    return row


class ShopsMixin(StoreBase):
    def shops(self) -> list[Shop]:
        """Every shop: the local one first, then by name."""
        return [
            _shop_from_row(row)
            for row in self.conn.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM shops ORDER BY id != ?, name COLLATE NOCASE, id", (LOCAL_SHOP,)
            )
        ]

    def shop(self, shop_id: str) -> Shop | None:
        row = self.conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM shops WHERE id = ?", (shop_id,)).fetchone()
        return _shop_from_row(row) if row else None

    def save_shop(self, shop: Shop) -> None:
        """Add the shop, or replace what is known of it (by id)."""
        row = _shop_row(shop)
        updates = ", ".join(f"{name} = excluded.{name}" for name in _COLUMNS if name != "id")
        with self.transaction() as conn:
            conn.execute(
                f"INSERT INTO shops ({', '.join(_COLUMNS)}, created_at)"
                f" VALUES ({', '.join(':' + name for name in _COLUMNS)}, :created_at)"
                f" ON CONFLICT (id) DO UPDATE SET {updates}",
                {**row, "created_at": self.now_epoch()},
            )

    def set_shop_state(
        self,
        shop_id: str,
        *,
        token_state: TokenState | _Keep = KEEP,
        token_expires_at: datetime | None | _Keep = KEEP,
        last_error: str | None | _Keep = KEEP,
        last_sync_at: datetime | None | _Keep = KEEP,
        last_attempt_at: datetime | None | _Keep = KEEP,
    ) -> None:
        """Change only the given parts of a shop's sync state; StoreError for an unknown shop."""
        given = {
            "token_state": token_state,
            "token_expires_at": token_expires_at,
            "last_error": last_error,
            "last_sync_at": last_sync_at,
            "last_attempt_at": last_attempt_at,
        }
        changes = {name: value for name, value in given.items() if value is not KEEP}
        for name in _TIMES:
            if name in changes:
                changes[name] = to_epoch(changes[name])
        if "token_state" in changes:
            changes["token_state"] = TokenState(changes["token_state"]).value
        with self.transaction() as conn:
            assignments = ", ".join(f"{name} = :{name}" for name in changes) or "id = id"
            if conn.execute(f"UPDATE shops SET {assignments} WHERE id = :id", {**changes, "id": shop_id}).rowcount != 1:
                raise StoreError(f"no shop {shop_id!r}")

    def remove_shop(self, shop_id: str) -> int:
        """Delete the shop and everything of it (orders with their lines, notes, requests and
        history, its cursors, fetch queue, outbox and lease) in one transaction; the number of orders
        removed. The local shop is refused (StoreError), as is an unknown one."""
        if shop_id == LOCAL_SHOP:
            raise StoreError("the local shop holds the imported and demo orders: it cannot be removed")
        with self.transaction() as conn:
            if conn.execute("SELECT 1 FROM shops WHERE id = ?", (shop_id,)).fetchone() is None:
                raise StoreError(f"no shop {shop_id!r}")
            removed = conn.execute("DELETE FROM orders WHERE shop_id = ?", (shop_id,)).rowcount
            for table in ("history", "sync_cursors", "fetch_queue", "outbox", "sync_leases", "shops"):
                column = "id" if table == "shops" else "shop_id"
                conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (shop_id,))
        return removed

    def take_lease(self, shop_id: str, holder: str, seconds: float, *, dead: str | None = None) -> str | None:
        """Hold the right to sync and send the shop's outbox for *seconds* from now, so two terminals
        (or a terminal and ``tsshop sync --follow``) never pull or send for one shop at once.

        None when *holder* has it now (taken, or renewed: its holder takes it again before it
        ends); else who holds it. A lease its holder let run out is free, and so is one held by
        *dead* (a holder the caller knows has died)."""
        now = self.now_epoch()
        with self.transaction() as conn:
            taken = conn.execute(
                "INSERT INTO sync_leases (shop_id, holder, expires_at) VALUES (:shop, :holder, :until)"
                " ON CONFLICT (shop_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at"
                " WHERE sync_leases.holder IN (excluded.holder, :dead) OR sync_leases.expires_at <= :now",
                {"shop": shop_id, "holder": holder, "until": now + max(1, round(seconds)), "now": now, "dead": dead},
            ).rowcount
            if taken:
                return None
            return conn.execute("SELECT holder FROM sync_leases WHERE shop_id = ?", (shop_id,)).fetchone()[0]

    def release_lease(self, shop_id: str, holder: str) -> None:
        """Give the shop's lease back (only its holder can)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM sync_leases WHERE shop_id = ? AND holder = ?", (shop_id, holder))
