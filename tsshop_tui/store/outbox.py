"""The outbox: changes made here that TikTok has to make too, sent one at a time per order.

A change and its outbox row are written in one transaction (store.actions). A sender claims due rows
(SENDING), sends each with its idempotency key and records the answer: done, retry later, or refused
(the order is rolled back to what the change's history event kept in ``before.restore``). A row left
SENDING by a sender that died is claimed again and sent with the same key, so TikTok applies it once.
After an answer the order is queued for a fetch: TikTok's own copy of it comes in with the next sync.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from ..domain.clock import from_epoch, to_epoch
from ..domain.shops import OutboxItem, OutboxKind, OutboxState
from .db import StoreBase, StoreError
from .remote import request_marks

_COLUMNS = tuple(OutboxItem.model_fields)
_OPEN = (OutboxState.PENDING.value, OutboxState.SENDING.value)
# The columns a refused change is rolled back on (the rest of before.restore: requests and lines).
_RESTORED = (
    "status", "rts_time", "cancel_time", "cancel_reason", "cancellation_initiator", "tracking_number",
    "shipping_provider", "refund_amount",
)


def _item(row: tuple[Any, ...]) -> OutboxItem:
    data = dict(zip(_COLUMNS, row, strict=True))
    data["payload"] = json.loads(data["payload"])
    data["next_attempt_at"] = from_epoch(data["next_attempt_at"])
    data["created_at"] = from_epoch(data["created_at"])
    return OutboxItem.model_validate(data)


class OutboxMixin(StoreBase):
    def outbox(
        self, state: OutboxState | None = None, shop_id: str | None = None, limit: int = 100,
        *, newest_first: bool = False,
    ) -> list[OutboxItem]:
        """Outbox rows, oldest first (or the newest *limit*, newest first), of one state and shop if given."""
        terms, params = [], []
        if state is not None:
            terms.append("state = ?")
            params.append(OutboxState(state).value)
        if shop_id is not None:
            terms.append("shop_id = ?")
            params.append(shop_id)
        where = f"WHERE {' AND '.join(terms)}" if terms else ""
        return [
            _item(row)
            for row in self.conn.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM outbox {where} ORDER BY id{' DESC' if newest_first else ''} LIMIT ?",
                (*params, limit),
            )
        ]

    def outbox_waiting(self, shop_id: str) -> int:
        """How many of the shop's changes TikTok has not confirmed yet (waiting or being sent)."""
        return self.conn.execute(
            "SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending') AND shop_id = ?", (shop_id,)
        ).fetchone()[0]

    def claim_outbox(self, shop_id: str, limit: int = 50) -> list[OutboxItem]:
        """Take up to *limit* rows of the shop to send, oldest first: those due (PENDING whose next
        attempt time has come) and those a sender left SENDING (it died before recording TikTok's
        answer). Each becomes SENDING with one more attempt. An order's rows go one at a time: a row
        waits while an older row of its order is open."""
        now = self.now_epoch()
        with self.transaction() as conn:
            ids = [
                item_id for (item_id,) in conn.execute(
                    """
                    SELECT o.id FROM outbox o
                     WHERE o.shop_id = :shop
                       AND (o.state = 'sending' OR (o.state = 'pending' AND coalesce(o.next_attempt_at, 0) <= :now))
                       AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.order_id = o.order_id AND e.id < o.id
                                        AND e.state IN ('pending', 'sending'))
                     ORDER BY o.id LIMIT :limit
                    """,
                    {"shop": shop_id, "now": now, "limit": limit},
                )
            ]
            conn.executemany(
                "UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE id = ?", [(i,) for i in ids]
            )
            marks = ", ".join("?" * len(ids))
            sql = f"SELECT {', '.join(_COLUMNS)} FROM outbox WHERE id IN ({marks}) ORDER BY id"
            return [_item(row) for row in conn.execute(sql, ids)]

    def outbox_done(self, item_id: int) -> None:
        """TikTok made the change: the row is DONE and the order waits for its next open row, if any."""
        with self.transaction() as conn:
            item = self._open_item(conn, item_id)
            if item is None:
                return
            conn.execute("UPDATE outbox SET state = 'done', last_error = NULL WHERE id = ?", (item_id,))
            self._after_answer(conn, item)

    def outbox_retry(self, item_id: int, error: str, next_attempt_at: datetime) -> None:
        """TikTok could not be asked now: the row is PENDING again, due at *next_attempt_at*."""
        with self.transaction() as conn:
            if self._open_item(conn, item_id) is None:
                return
            conn.execute(
                "UPDATE outbox SET state = 'pending', last_error = ?, next_attempt_at = ? WHERE id = ?",
                (error, to_epoch(next_attempt_at), item_id),
            )

    def outbox_refused(self, item_id: int, message: str) -> None:
        """TikTok refused the change with *message*: the row is REFUSED, and so are the order's later
        open rows (they build on it); the order is rolled back to what it was before the change
        (status, cancel fields, tracking, refund, its requests' answers and its lines' tracking), shows
        the message (``remote_error``, Action needed "TikTok refused") and gets history 'tiktok-refused'."""
        with self.transaction() as conn:
            item = self._open_item(conn, item_id)
            if item is None:
                return
            conn.execute("UPDATE outbox SET state = 'refused', last_error = ? WHERE id = ?", (message, item_id))
            conn.execute(
                "UPDATE outbox SET state = 'refused', last_error = ? WHERE order_id = ? AND id > ?"
                " AND state IN ('pending', 'sending')",
                (f"not sent: TikTok refused the {item.kind.value} before it ({message})", item.order_id, item_id),
            )
            current = conn.execute("SELECT status, version FROM orders WHERE id = ?", (item.order_id,)).fetchone()
            if current is None:
                return
            restore = self._restore_of(conn, item.history_id)
            changes = {name: restore[name] for name in _RESTORED if name in restore}
            for request_id, status, resolved_at, resolved_by, reject_reason in restore.get("requests", []):
                conn.execute(
                    "UPDATE requests SET status = ?, resolved_at = ?, resolved_by = ?, reject_reason = ? WHERE id = ?",
                    (status, resolved_at, resolved_by, reject_reason, request_id),
                )
            conn.executemany(
                "UPDATE line_items SET tracking_number = ? WHERE id = ?",
                [(tracking, line_id) for line_id, tracking in restore.get("lines", [])],
            )
            changes.update(request_marks(conn, item.order_id))
            changes.update(pending_action=None, remote_error=message)
            version = conn.execute(
                f"UPDATE orders SET {''.join(f'{k} = :{k}, ' for k in changes)}version = version + 1"
                " WHERE id = :id RETURNING version",
                {**changes, "id": item.order_id},
            ).fetchone()[0]
            self.record(
                conn, item.order_id, "tiktok-refused", {"status": current[0], "version": current[1]},
                {"message": message, "undone": item.kind.value, "status": changes.get("status", current[0]),
                 "version": version},
            )
            self._queue_fetch(conn, item)

    # Shared ---------------------------------------------------------------------------------

    @staticmethod
    def _open_item(conn: sqlite3.Connection, item_id: int) -> OutboxItem | None:
        """The row if it still waits for an answer (None once answered: an answer is recorded once)."""
        row = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM outbox WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            raise StoreError(f"no outbox row {item_id}")
        item = _item(row)
        return item if item.state.value in _OPEN else None

    def _after_answer(self, conn: sqlite3.Connection, item: OutboxItem) -> None:
        """The order waits for its next open row's change, or for nothing; TikTok's copy is fetched."""
        following = conn.execute(
            "SELECT kind FROM outbox WHERE order_id = ? AND state IN ('pending', 'sending') ORDER BY id LIMIT 1",
            (item.order_id,),
        ).fetchone()
        conn.execute(
            "UPDATE orders SET pending_action = ? WHERE id = ?",
            (OutboxKind(following[0]).value if following else None, item.order_id),
        )
        self._queue_fetch(conn, item)

    def _queue_fetch(self, conn: sqlite3.Connection, item: OutboxItem) -> None:
        conn.execute(
            "INSERT OR IGNORE INTO fetch_queue (shop_id, order_id, queued_at) VALUES (?, ?, ?)",
            (item.shop_id, item.order_id, self.now_epoch()),
        )

    @staticmethod
    def _restore_of(conn: sqlite3.Connection, history_id: int | None) -> dict[str, Any]:
        row = conn.execute(
            "SELECT json_extract(before, '$.restore') FROM history WHERE id = ?", (history_id,)
        ).fetchone()
        return json.loads(row[0]) if row and row[0] else {}
