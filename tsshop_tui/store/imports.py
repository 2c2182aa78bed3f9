"""Bulk writes: importing orders (idempotent upserts) and loading a freshly built demo shop."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..domain.clock import to_epoch
from ..domain.model import Note, Order, OrderStatus
from . import schema
from .db import StoreBase
from .rows import LINE_COLUMNS, line_row, order_row

# How far along its life an order is; an export never moves an order backwards.
_PROGRESS = {
    OrderStatus.UNPAID: 0,
    OrderStatus.ON_HOLD: 1,
    OrderStatus.AWAITING_SHIPMENT: 2,
    OrderStatus.PARTIALLY_SHIPPING: 3,
    OrderStatus.AWAITING_COLLECTION: 4,
    OrderStatus.IN_TRANSIT: 5,
    OrderStatus.DELIVERED: 6,
    OrderStatus.COMPLETED: 7,
    OrderStatus.CANCELLED: 8,
}
# Columns an import owns; notes, requests and the version are the shop's own and are kept.
_KEPT = {
    "version", "flag", "note", "cancel_request_due", "return_request_due", "has_return",
    "shop_id", "pending_action", "remote_error",
}
_LINE_SQL_COLUMNS = ("order_id", "position", *LINE_COLUMNS)


@dataclass
class UpsertResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    older: list[str] = field(default_factory=list)


def _differs(old: Any, new: Any) -> bool:
    """A real change: an empty text and a missing one are the same (a CSV cannot tell them apart)."""
    if isinstance(old, str) or isinstance(new, str):
        return (old or None) != (new or None)
    return old != new


def _blanks(new: Any, old: Any) -> bool:
    """An export that leaves empty what the store knows: older or thinner, not newer."""
    return new in (None, "") and old not in (None, "")


class ImportMixin(StoreBase):
    def upsert_orders(self, orders: Sequence[Order], *, source: str, own_notes: bool = False) -> UpsertResult:
        """Insert new orders and update changed ones, all in one short transaction.

        An order identical to the stored one is left alone (re-importing changes nothing); an
        order whose status is behind the stored one is an older export and is left alone too.
        A stored order's notes are the shop's own and are kept.

        *own_notes*: the orders come from one of tsshop's own exports, whose Seller Note and
        Seller Flag hold each order's current comment (else the marketplace's seller note) and
        flag, read as the order's one note (``seller_center.ExportReader``). A stored order then
        keeps its seller note, and when the file's flag or comment differs from what an export of
        it says, a note is added as ``add_note`` adds one (a blank comment keeps the current one;
        history ``'note'`` with the source). A new order gets the file's note as its first note,
        by this store's actor, now.
        """
        result = UpsertResult()
        with self.transaction() as conn:
            for order in orders:
                self._upsert_one(conn, order, source, result, own_notes)
        return result

    def _upsert_one(
        self, conn: sqlite3.Connection, order: Order, source: str, result: UpsertResult, own_notes: bool
    ) -> None:
        new = order_row(order)
        new_lines = [line_row(order.id, i, line) for i, line in enumerate(order.line_items)]
        cur = conn.execute("SELECT * FROM orders WHERE id = ?", (order.id,))
        names = [d[0] for d in cur.description]
        found = cur.fetchone()
        if found is None:
            if own_notes:
                order = order.model_copy(update={"notes": [
                    n.model_copy(update={"author": self.actor, "created_at": self.clock.now()}) for n in order.notes
                ]})
            self._insert_order(conn, new, new_lines)
            self._insert_children(conn, order)
            self.record(conn, order.id, "imported", {}, {"status": order.status.value, "source": source})
            result.created.append(order.id)
            return
        old = dict(zip(names, found, strict=True))
        if _PROGRESS[order.status] < _PROGRESS[OrderStatus(old["status"])]:
            result.older.append(order.id)
            return
        same_status = new["status"] == old["status"]
        kept = _KEPT | {"seller_note"} if own_notes else _KEPT
        changed = {
            k: v
            for k, v in new.items()
            if k not in kept and _differs(old.get(k), v) and not (same_status and _blanks(v, old.get(k)))
        }
        old_lines = [
            dict(zip(_LINE_SQL_COLUMNS, row, strict=True))
            for row in conn.execute(
                f"SELECT {', '.join(_LINE_SQL_COLUMNS)} FROM line_items WHERE order_id = ? ORDER BY position",
                (order.id,),
            )
        ]
        lines_changed = len(old_lines) != len(new_lines) or any(
            _differs(a.get(k), b.get(k)) for a, b in zip(old_lines, new_lines, strict=True) for k in b
        )
        noted = own_notes and self._import_note(conn, order.id, old, order.current_note, source)
        if not changed and not lines_changed:
            (result.updated if noted else result.unchanged).append(order.id)
            return
        if changed:
            assignments = ", ".join(f"{k} = :{k}" for k in changed)
            conn.execute(
                f"UPDATE orders SET {assignments}, version = version + 1 WHERE id = :id",
                {**changed, "id": order.id},
            )
        else:
            conn.execute("UPDATE orders SET version = version + 1 WHERE id = ?", (order.id,))
        if lines_changed:
            conn.execute("DELETE FROM line_items WHERE order_id = ?", (order.id,))
            self._insert_lines(conn, new_lines)
            changed_after = {**changed, "line_items": len(new_lines)}
            changed_before = {k: old.get(k) for k in changed} | {"line_items": len(old_lines)}
        else:
            changed_after = changed
            changed_before = {k: old.get(k) for k in changed}
        self.record(conn, order.id, "import-update", changed_before, {**changed_after, "source": source})
        result.updated.append(order.id)

    def _import_note(
        self, conn: sqlite3.Connection, order_id: str, old: dict[str, Any], note: Note | None, source: str
    ) -> bool:
        """Add the file's note to a stored order unless an export of it says the same; whether added.

        *old* is the order's row as read before this import changed it.
        """
        flag = note.flag.value if note is not None and note.flag is not None else None
        text = note.text.strip() if note is not None else ""
        exported = (old["note"] or old["seller_note"] or "").strip()
        new_comment = text if text and text != exported else None
        if flag == old["flag"] and new_comment is None:
            return False
        comment = new_comment if new_comment is not None else old["note"] or ""
        version = conn.execute(
            "UPDATE orders SET flag = ?, note = ?, version = version + 1 WHERE id = ? RETURNING version",
            (flag, comment or None, order_id),
        ).fetchone()[0]
        now = self.now_epoch()
        conn.execute(
            "INSERT INTO notes (order_id, flag, text, author, created_at) VALUES (?, ?, ?, ?, ?)",
            (order_id, flag, comment, self.actor, now),
        )
        self.record(
            conn, order_id, "note", {"flag": old["flag"], "note": old["note"], "version": version - 1},
            {"flag": flag, "note": comment or None, "version": version, "source": source}, at=now,
        )
        return True

    @staticmethod
    def _insert_order(conn: sqlite3.Connection, row: dict[str, Any], lines: list[dict[str, Any]]) -> None:
        columns = ", ".join(row)
        marks = ", ".join(f":{k}" for k in row)
        conn.execute(f"INSERT INTO orders ({columns}) VALUES ({marks})", row)
        ImportMixin._insert_lines(conn, lines)

    @staticmethod
    def _insert_children(conn: sqlite3.Connection, order: Order) -> None:
        """A new order's own notes (oldest first, so the newest gets the highest id) and requests."""
        conn.executemany(
            "INSERT INTO notes (order_id, flag, text, author, created_at) VALUES (?, ?, ?, ?, ?)",
            [
                (order.id, n.flag.value if n.flag else None, n.text, n.author, to_epoch(n.created_at))
                for n in reversed(order.notes)
            ],
        )
        conn.executemany(
            "INSERT INTO requests (order_id, type, status, reason, created_at, respond_by, resolved_at,"
            " resolved_by, reject_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (order.id, r.type.value, r.status.value, r.reason, to_epoch(r.created_at),
                 to_epoch(r.respond_by), to_epoch(r.resolved_at), r.resolved_by, r.reject_reason)
                for r in order.requests
            ],
        )

    @staticmethod
    def _insert_lines(conn: sqlite3.Connection, lines: list[dict[str, Any]]) -> None:
        if not lines:
            return
        columns = ", ".join(_LINE_SQL_COLUMNS)
        marks = ", ".join(f":{k}" for k in _LINE_SQL_COLUMNS)
        conn.executemany(f"INSERT INTO line_items ({columns}) VALUES ({marks})", lines)


def bulk_load(store: StoreBase, tables: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> None:
    """Load a new, empty database fast: tables first, indexes and triggers after.

    *tables* yields (table, columns, rows) in foreign-key order; rows may be a generator.
    Refuses a database that already holds orders.
    """
    conn = store.conn
    if conn.execute("SELECT count(*) FROM orders").fetchone()[0]:
        raise ValueError(f"{store.path} already holds orders")
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    try:
        conn.execute("BEGIN IMMEDIATE")
        for kind, name in conn.execute(
            "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'index') AND sql IS NOT NULL"
        ).fetchall():
            conn.execute(f"DROP {kind.upper()} {name}")
        conn.execute("PRAGMA user_version = 0")
        for table, columns, rows in tables:
            marks = ", ".join("?" * len(columns))
            conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        schema.finish_bulk_load(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
