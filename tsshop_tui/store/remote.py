"""What the sync with TikTok writes: orders and buyer requests as TikTok has them, the cursor of each
stream in the same transaction, the fetch queue of orders webhooks named, webhook deliveries seen."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain.clock import to_epoch
from ..domain.model import Order, RequestStatus, RequestType
from .db import StoreBase, StoreError
from .imports import _KEPT, UpsertResult, _differs
from .rows import LINE_COLUMNS, from_cents, line_row, order_row

SOURCE = "tiktok"
# What a change made here (its outbox row not done yet) set: a copy from TikTok that does not know of
# the change yet leaves these, and the lines, as they are.
_PENDING_KEPT = {
    "status", "rts_time", "cancel_time", "cancel_reason", "cancellation_initiator",
    "tracking_number", "shipping_provider", "refund_amount",
}
_LINE_SQL_COLUMNS = ("order_id", "shop_id", "position", *LINE_COLUMNS)
_DUE_COLUMN = {RequestType.CANCELLATION: "cancel_request_due", RequestType.RETURN_REFUND: "return_request_due"}


@dataclass(frozen=True)
class SyncCursor:
    """Where a stream's pull stands: the update-time window being read, the next page in it (None
    when the window is done) and the update time up to which everything is in."""

    window_ge: int
    window_lt: int
    page_token: str | None
    watermark: int


@dataclass(frozen=True)
class RemoteRequest:
    """A buyer's cancellation or return request as TikTok has it, known by TikTok's id."""

    external_id: str
    order_id: str
    type: RequestType
    status: RequestStatus
    reason: str
    created_at: datetime
    respond_by: datetime
    resolved_at: datetime | None = None
    reject_reason: str | None = None
    update_time: datetime | None = None


class RemoteMixin(StoreBase):
    # Pull -----------------------------------------------------------------------------------

    def get_cursor(self, shop_id: str, stream: str) -> SyncCursor | None:
        row = self.conn.execute(
            "SELECT window_ge, window_lt, page_token, watermark FROM sync_cursors WHERE shop_id = ? AND stream = ?",
            (shop_id, stream),
        ).fetchone()
        return SyncCursor(*row) if row else None

    def upsert_remote(
        self,
        shop_id: str,
        orders: Sequence[Order],
        *,
        cursor: tuple[str, SyncCursor] | None = None,
        requests: Sequence[RemoteRequest] = (),
    ) -> UpsertResult:
        """Write orders and buyer requests of *shop_id* as TikTok sent them, and the stream's *cursor*
        (stream, cursor), in one transaction.

        A new order is inserted; a stored one takes TikTok's fields when the copy is not older
        (its update_time is not before the stored one; an older copy goes to ``result.older``). A
        copy identical to what is stored changes nothing (``unchanged``: no version bump, no
        history), so a page read twice is harmless. The shop's own notes and flag stay; a change
        bumps the version and writes history ``'synced'`` (source tiktok). While a change made here
        waits for TikTok (``pending_action``), the order keeps its status, tracking, cancel and
        refund fields and its lines. A copy whose status moved clears TikTok's last refusal.

        Requests are matched by TikTok's id; an answered one never goes back to pending, one
        answered here and not yet sent keeps its answer; the orders' request deadlines and return
        mark follow. A request of an order not stored is skipped.
        """
        result = UpsertResult()
        with self.transaction() as conn:
            if conn.execute("SELECT 1 FROM shops WHERE id = ?", (shop_id,)).fetchone() is None:
                raise StoreError(f"no shop {shop_id!r}")
            for order in orders:
                self._upsert_remote_order(conn, shop_id, order, result)
            touched = {
                order_id for request in requests
                if (order_id := self._upsert_remote_request(conn, shop_id, request)) is not None
            }
            for order_id in sorted(touched):
                self._request_marks(conn, order_id)
            if cursor is not None:
                stream, at = cursor
                conn.execute(
                    "INSERT OR REPLACE INTO sync_cursors (shop_id, stream, window_ge, window_lt, page_token, watermark)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (shop_id, stream, at.window_ge, at.window_lt, at.page_token, at.watermark),
                )
        return result

    def _upsert_remote_order(
        self, conn: sqlite3.Connection, shop_id: str, order: Order, result: UpsertResult
    ) -> None:
        new = {**order_row(order), "shop_id": shop_id}
        new_lines = [{**line_row(order.id, i, line), "shop_id": shop_id} for i, line in enumerate(order.line_items)]
        cur = conn.execute("SELECT * FROM orders WHERE id = ?", (order.id,))
        found = cur.fetchone()
        if found is None:
            conn.execute(
                f"INSERT INTO orders ({', '.join(new)}) VALUES ({', '.join(':' + k for k in new)})", new
            )
            _insert_lines(conn, new_lines)
            self.record(conn, order.id, "synced", {}, {"status": new["status"], "source": SOURCE})
            result.created.append(order.id)
            return
        old = dict(zip([d[0] for d in cur.description], found, strict=True))
        if old["shop_id"] != shop_id:
            raise StoreError(f"order {order.id} is already in shop {old['shop_id']!r}, not {shop_id!r}")
        if (new["update_time"] or new["create_time"]) < (old["update_time"] or old["create_time"]):
            result.older.append(order.id)
            return
        pending = old["pending_action"] is not None
        kept = _KEPT | _PENDING_KEPT if pending else _KEPT
        changed = {k: v for k, v in new.items() if k not in kept and _differs(old.get(k), v)}
        lines_changed = not pending and self._lines_differ(conn, order.id, new_lines)
        if not changed and not lines_changed:
            result.unchanged.append(order.id)
            return
        if "status" in changed and old["remote_error"] is not None:
            changed["remote_error"] = None
        before = {k: old[k] for k in changed}
        version = conn.execute(
            f"UPDATE orders SET {''.join(f'{k} = :{k}, ' for k in changed)}version = version + 1"
            " WHERE id = :id RETURNING version",
            {**changed, "id": order.id},
        ).fetchone()[0]
        after = dict(changed)
        if lines_changed:
            conn.execute("DELETE FROM line_items WHERE order_id = ?", (order.id,))
            _insert_lines(conn, new_lines)
            after["line_items"] = len(new_lines)
        self.record(
            conn, order.id, "synced", {**before, "version": version - 1},
            {**after, "source": SOURCE, "version": version},
        )
        result.updated.append(order.id)

    @staticmethod
    def _lines_differ(conn: sqlite3.Connection, order_id: str, new_lines: list[dict[str, Any]]) -> bool:
        old_lines = conn.execute(
            f"SELECT {', '.join(_LINE_SQL_COLUMNS)} FROM line_items WHERE order_id = ? ORDER BY position", (order_id,)
        ).fetchall()
        return len(old_lines) != len(new_lines) or any(
            _differs(a, b[k]) for old, b in zip(old_lines, new_lines, strict=True)
            for a, k in zip(old, _LINE_SQL_COLUMNS, strict=True)
        )

    def _upsert_remote_request(self, conn: sqlite3.Connection, shop_id: str, request: RemoteRequest) -> str | None:
        """Write one request; the order ID when something changed (None when nothing did)."""
        owner = conn.execute("SELECT shop_id, pending_action FROM orders WHERE id = ?", (request.order_id,)).fetchone()
        if owner is None or owner[0] != shop_id:
            return None
        values = {
            "order_id": request.order_id, "shop_id": shop_id, "external_id": request.external_id,
            "type": request.type.value, "status": request.status.value, "reason": request.reason,
            "created_at": to_epoch(request.created_at), "respond_by": to_epoch(request.respond_by),
            "resolved_at": to_epoch(request.resolved_at), "reject_reason": request.reject_reason,
        }
        cur = conn.execute(
            f"SELECT id, {', '.join(values)} FROM requests WHERE shop_id = ? AND external_id = ?",
            (shop_id, request.external_id),
        )
        found = cur.fetchone()
        if found is None:
            cur = conn.execute(
                f"INSERT INTO requests ({', '.join(values)}) VALUES ({', '.join(':' + k for k in values)})", values
            )
            self.record(conn, request.order_id, "synced", {}, self._request_event(request, values))
            return request.order_id
        old = dict(zip([d[0] for d in cur.description], found, strict=True))
        pending = RequestStatus.PENDING.value
        if (old["status"] != pending and values["status"] == pending) or (
            owner[1] is not None and old["status"] != values["status"]
        ):
            values.update(status=old["status"], resolved_at=old["resolved_at"], reject_reason=old["reject_reason"])
        changed = {k: v for k, v in values.items() if _differs(old[k], v)}
        if not changed:
            return None
        conn.execute(
            f"UPDATE requests SET {', '.join(f'{k} = :{k}' for k in changed)} WHERE id = :id",
            {**changed, "id": old["id"]},
        )
        self.record(
            conn, request.order_id, "synced", {"request_status": old["status"]}, self._request_event(request, values)
        )
        return request.order_id

    @staticmethod
    def _request_event(request: RemoteRequest, values: dict[str, Any]) -> dict[str, Any]:
        return {
            "request": request.external_id, "type": values["type"], "request_status": values["status"],
            "source": SOURCE,
        }

    @staticmethod
    def _request_marks(conn: sqlite3.Connection, order_id: str) -> None:
        """Set the order's request deadlines and return mark from its requests; bump its version."""
        marks = request_marks(conn, order_id)
        conn.execute(
            f"UPDATE orders SET {', '.join(f'{k} = :{k}' for k in marks)}, version = version + 1 WHERE id = :id",
            {**marks, "id": order_id},
        )

    # Webhooks -------------------------------------------------------------------------------

    def queue_fetch(self, shop_id: str, order_ids: Iterable[str]) -> int:
        """Queue orders for a detail fetch (a webhook named them); how many were not queued yet."""
        now = self.now_epoch()
        with self.transaction() as conn:
            return sum(
                conn.execute(
                    "INSERT OR IGNORE INTO fetch_queue (shop_id, order_id, queued_at) VALUES (?, ?, ?)",
                    (shop_id, order_id, now),
                ).rowcount
                for order_id in dict.fromkeys(order_ids)
            )

    def take_fetch_queue(self, shop_id: str, limit: int = 50) -> list[str]:
        """Up to *limit* queued orders of the shop, oldest first, taken off the queue."""
        with self.transaction() as conn:
            ids = [
                order_id for (order_id,) in conn.execute(
                    "SELECT order_id FROM fetch_queue WHERE shop_id = ? ORDER BY queued_at, order_id LIMIT ?",
                    (shop_id, limit),
                )
            ]
            conn.executemany(
                "DELETE FROM fetch_queue WHERE shop_id = ? AND order_id = ?", [(shop_id, i) for i in ids]
            )
        return ids

    def seen_delivery(self, digest: str) -> bool:
        """Whether this webhook delivery came before; it is recorded as seen otherwise."""
        with self.transaction() as conn:
            return conn.execute(
                "INSERT OR IGNORE INTO webhook_deliveries (digest, received_at) VALUES (?, ?)",
                (digest, self.now_epoch()),
            ).rowcount == 0

    # Comparing with TikTok ------------------------------------------------------------------

    def remote_state(self, shop_id: str) -> dict[str, dict[str, Any]]:
        """The shop's orders as TikTok should have them, in the shape of the API double's snapshot:
        {order id: {status, update_time (epoch), tracking_number, shipping_provider, cancel_reason
        (None when blank), lines: [(sku_id, quantity, sale price as '12.50')] by SKU,
        requests: [(TikTok's id, type, status)] sorted}}."""
        state: dict[str, dict[str, Any]] = {}
        for oid, status, updated, tracking, provider, reason in self.conn.execute(
            "SELECT id, status, update_time, tracking_number, shipping_provider, cancel_reason FROM orders"
            " WHERE shop_id = ?",
            (shop_id,),
        ):
            state[oid] = {
                "status": status, "update_time": updated, "tracking_number": tracking or None,
                "shipping_provider": provider or None, "cancel_reason": reason or None, "lines": [], "requests": [],
            }
        lines: dict[str, dict[str, list[Any]]] = {}
        for oid, sku, quantity, price in self.conn.execute(
            "SELECT order_id, sku_id, quantity, sale_price FROM line_items WHERE shop_id = ?", (shop_id,)
        ):
            by_sku = lines.setdefault(oid, {})
            by_sku.setdefault(sku, [sku, 0, str(from_cents(price))])[1] += quantity
        for oid, by_sku in lines.items():
            if oid in state:
                state[oid]["lines"] = [tuple(by_sku[sku]) for sku in sorted(by_sku)]
        for oid, external, kind, status in self.conn.execute(
            "SELECT order_id, external_id, type, status FROM requests WHERE shop_id = ? AND external_id IS NOT NULL"
            " ORDER BY external_id",
            (shop_id,),
        ):
            if oid in state:
                state[oid]["requests"].append((external, kind, status))
        for order in state.values():
            order["requests"].sort()
        return state


def request_marks(conn: sqlite3.Connection, order_id: str) -> dict[str, Any]:
    """The order's columns its requests decide: the respond-by of its first pending request of each
    kind, and whether it has a return."""
    marks: dict[str, Any] = {}
    for kind, column in _DUE_COLUMN.items():
        row = conn.execute(
            "SELECT respond_by FROM requests WHERE order_id = ? AND type = ? AND status = ? ORDER BY id LIMIT 1",
            (order_id, kind.value, RequestStatus.PENDING.value),
        ).fetchone()
        marks[column] = row[0] if row else None
    marks["has_return"] = int(conn.execute(
        "SELECT EXISTS (SELECT 1 FROM requests WHERE order_id = ? AND type = ?)",
        (order_id, RequestType.RETURN_REFUND.value),
    ).fetchone()[0])
    return marks


_INSERT_LINE = (
    f"INSERT INTO line_items ({', '.join(_LINE_SQL_COLUMNS)}) VALUES ({', '.join(':' + k for k in _LINE_SQL_COLUMNS)})"
)


def _insert_lines(conn: sqlite3.Connection, lines: list[dict[str, Any]]) -> None:
    conn.executemany(_INSERT_LINE, lines)
