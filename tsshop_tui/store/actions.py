"""Working the orders: notes, cancel, answer buyer requests, ship, pay, print records, bulk.

Every method is ONE short write transaction that

* reads the order inside the transaction (``BEGIN IMMEDIATE``: no other terminal writes meanwhile),
* refuses a stale view: with ``expected_version`` (the version the user's view showed) an order that
  changed since raises :class:`OrderChangedError` (a :class:`~.db.StaleError`) and changes nothing;
  ``None`` skips the check (scripts, the CLI),
* refuses what the rules forbid with :class:`~tsshop_tui.domain.rules.RuleError`, whose message names
  the order, its status in the screen's words and why ("order 577… is in transit: cancel is only
  possible before shipping"),
* applies the change with ``UPDATE … WHERE id = ? AND version = ?`` and bumps ``orders.version``,
* keeps the denormalised columns the list and Action needed SQL read (status, flag, note,
  tracking_number, cancel_request_due, return_request_due, has_return) right; the tab counts follow
  by trigger,
* appends one history event (who = ``self.actor``, when = ``self.clock``, what, before, after; before
  and after carry the version) in the same transaction,
* for an order of a remote shop, queues a change TikTok has to make (cancel, ship, correct tracking,
  an answer to a buyer) in its outbox in the same transaction, marks the order waiting for it
  (``pending_action``) and leaves its update_time to TikTok (see ``_to_tiktok`` and store.outbox).

Notes are the exception to the version check: a note depends on neither the status nor the version,
so it takes no ``expected_version`` and is never refused for a stale view.

A read-only store raises :class:`~.db.ReadOnlyError` before touching anything. Bulk work runs each
order in its own short transaction and reports each order's outcome as it commits
(:class:`BulkOutcome` to ``on_each``, all of them in :class:`BulkResult`).

Bulk jobs are resumable: given a job id, every history event a bulk run writes carries
``"job": <id>`` in its ``after`` JSON, and an order that already has an event of that job is not
changed again (``"skipped"``, "already done by this job"). The check reads the order's own history
through ``ix_history_order (order_id, id)``: one index probe per order, a handful of rows each, so
a re-run over 50k IDs costs 50k probes, not a scan of the history.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Final, Literal, TypeVar

from ..domain.catalog import BUYER_CANCEL_REASON, CANCEL_REASONS, Action
from ..domain.clock import from_epoch, to_epoch
from ..domain.model import (
    AfterSalesRequest,
    Flag,
    Initiator,
    Note,
    Order,
    OrderStatus,
    RequestStatus,
    RequestType,
)
from ..domain.rules import (
    ANSWER_WITHIN,
    AUTO_CANCEL_WITHIN,
    COLLECT_WITHIN,
    SHIP_WITHIN,
    RuleError,
    cancel_reason_for,
    canonical_carrier,
    check_allowed,
    check_request_allowed,
    status_words,
    tracking_problem,
)
from ..domain.shops import OutboxKind
from .db import StaleError, StoreBase
from .rows import (
    LINE_COLUMNS,
    line_from_row,
    order_from_row,
    request_from_row,
    to_cents,
)

T = TypeVar("T")

MAX_NOTE_LENGTH = 2000
ADDRESS_FIELDS = (
    "recipient_name",
    "recipient_phone",
    "address_detail",
    "address_extra",
    "city",
    "state",
    "zipcode",
    "country",
)
# What record_printed() accepts, and the history action it writes for each.
PRINTED_ACTIONS = {"picking list": "picking list printed", "label": "label printed"}
_REQUEST_WORDS = {RequestType.CANCELLATION: "buyer cancellation", RequestType.RETURN_REFUND: "return/refund"}
_ANSWER_ACTION = {RequestType.CANCELLATION: Action.ANSWER_CANCELLATION, RequestType.RETURN_REFUND: Action.ANSWER_RETURN}
_DUE_COLUMN = {RequestType.CANCELLATION: "cancel_request_due", RequestType.RETURN_REFUND: "return_request_due"}


class _Keep(Enum):
    KEEP = "KEEP"

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = _Keep.KEEP
"""``add_note(flag=KEEP)``: keep the order's current flag (the default)."""

JobOutcome = Literal["done", "skipped", "refused"]
ALREADY_DONE = "already done by this job"


class OrderNotFoundError(RuleError):
    """The order ID is not in this shop."""


class AlreadyDoneError(RuleError):
    """The order already has a history event of this bulk job: it is not changed again."""


class OrderChangedError(StaleError):
    """The order changed in another terminal since the user's view was drawn; nothing was changed.

    Carries what the UI needs to refresh and explain: the order ID, the version the view showed,
    the version and status now, and who made the latest change and when.
    """

    def __init__(
        self,
        order_id: str,
        expected_version: int | None,
        version: int,
        status: OrderStatus,
        by: str | None,
        at: datetime | None,
        what: str | None,
    ) -> None:
        self.order_id = order_id
        self.expected_version = expected_version
        self.version = version
        self.status = status
        self.by = by
        self.at = at
        self.what = what
        latest = ""
        if by is not None and at is not None:
            latest = f" after {what!r} by {by} at {at:%Y-%m-%d %H:%M:%S} UTC"
        super().__init__(
            f"order {order_id} changed in another terminal (now {status_words(status)}{latest}); "
            "your view was out of date and has to be refreshed — nothing was changed"
        )


@dataclass(frozen=True)
class BulkOutcome:
    """One order's outcome in a bulk run, reported right after its own transaction."""

    order_id: str
    state: JobOutcome
    reason: str = ""


@dataclass
class BulkResult:
    """What a bulk action did: the orders changed, the orders a re-run of the same job skipped
    (already done), and each refused order with the reason why."""

    succeeded: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def all_ok(self) -> bool:
        return not self.refused

    @property
    def nothing_done(self) -> bool:
        return not self.succeeded


def cancel_reason_codes(*, unpaid: bool) -> list[str]:
    """The cancel reason codes a seller may use on an unpaid or a paid order."""
    return [r.code for r in CANCEL_REASONS if r.for_unpaid == unpaid]


def _package(order: Order, tracking: str, carrier: str) -> str:
    """The carrier's catalog name, once the tracking number is usable (RuleError naming the order if not)."""
    problem = tracking_problem(tracking)
    if problem is not None:
        raise RuleError(f"order {order.id}: {problem}")
    return canonical_carrier(carrier)


class ActionsMixin(StoreBase):
    """The changing actions on orders. See the module docstring for the contract all of them keep."""

    # The bulk job of the run in progress (apply_bulk); the change being written is StoreBase._change_job.
    _bulk_job: str | None = None

    # The shared machinery ------------------------------------------------------------------

    @staticmethod
    def _done_by_job(conn: sqlite3.Connection, order_id: str, job: str) -> bool:
        """Whether the order already has a history event of *job* (one probe of ix_history_order)."""
        return conn.execute(
            "SELECT 1 FROM history WHERE order_id = ? AND json_extract(after, '$.job') = ? LIMIT 1",
            (order_id, job),
        ).fetchone() is not None

    def _load(self, conn: sqlite3.Connection, order_id: str) -> Order:
        """The order with its lines and requests (not notes or history), read in the transaction."""
        cur = conn.execute("SELECT * FROM orders WHERE id = ?", (order_id,))
        found = cur.fetchone()
        if found is None:
            raise OrderNotFoundError(f"no order {order_id!r} in this shop")
        row = dict(zip([d[0] for d in cur.description], found, strict=True))
        lines = [
            line_from_row(dict(zip(LINE_COLUMNS, values, strict=True)))
            for values in conn.execute(
                f"SELECT {', '.join(LINE_COLUMNS)} FROM line_items WHERE order_id = ? ORDER BY position",
                (order_id,),
            )
        ]
        requests = self._requests(conn, order_id)
        return order_from_row(row, line_items=lines, requests=requests)

    @staticmethod
    def _requests(conn: sqlite3.Connection, order_id: str) -> list[AfterSalesRequest]:
        cur = conn.execute("SELECT * FROM requests WHERE order_id = ? ORDER BY id", (order_id,))
        names = [d[0] for d in cur.description]
        return [request_from_row(dict(zip(names, values, strict=True))) for values in cur]

    def _stale(self, conn: sqlite3.Connection, order_id: str, expected: int | None) -> OrderChangedError:
        """The error for a stale view, re-reading what the order is now and its latest change."""
        version, status = conn.execute(
            "SELECT version, status FROM orders WHERE id = ?", (order_id,)
        ).fetchone()
        latest = conn.execute(
            "SELECT actor, at, action FROM history WHERE order_id = ? ORDER BY id DESC LIMIT 1", (order_id,)
        ).fetchone()
        by, at, what = latest if latest else (None, None, None)
        return OrderChangedError(order_id, expected, version, OrderStatus(status), by, from_epoch(at), what)

    def _begin_change(self, conn: sqlite3.Connection, order_id: str, expected_version: int | None) -> Order:
        order = self._load(conn, order_id)
        if expected_version is not None and order.version != expected_version:
            raise self._stale(conn, order_id, expected_version)
        return order

    def _update_order(self, conn: sqlite3.Connection, order: Order, changes: Mapping[str, Any]) -> int:
        """Apply *changes* to the order if it is still at the version read; bump it. The new version.

        An order of a remote shop keeps TikTok's update_time: TikTok's own copy of the change sets it."""
        if "update_time" in changes and self._remote(conn, order.shop_id):
            changes = {k: v for k, v in changes.items() if k != "update_time"}
        assignments = "".join(f"{column} = :{column}, " for column in changes)
        cur = conn.execute(
            f"UPDATE orders SET {assignments}version = version + 1 WHERE id = :id AND version = :version",
            {**changes, "id": order.id, "version": order.version},
        )
        if cur.rowcount != 1:
            raise self._stale(conn, order.id, order.version)
        return order.version + 1

    def _change(
        self,
        order_id: str,
        expected_version: int | None,
        apply: Callable[[sqlite3.Connection, Order, int], T],
        job: str | None = None,
    ) -> T:
        """Run *apply(conn, order, now)* in one transaction on a fresh, version-checked order.

        With a job (given, or the bulk run's), an order the job already changed raises
        :class:`AlreadyDoneError` and the history events written carry the job.
        """
        order_id = order_id.strip()
        job = job if job is not None else self._bulk_job
        with self.transaction() as conn:
            order = self._begin_change(conn, order_id, expected_version)
            if job is not None and self._done_by_job(conn, order.id, job):
                raise AlreadyDoneError(f"order {order.id}: {ALREADY_DONE} ({job})")
            self._change_job = job
            try:
                return apply(conn, order, self.now_epoch())
            finally:
                self._change_job = None

    def _fresh(self, conn: sqlite3.Connection, order_id: str) -> Order:
        """The whole order as this transaction leaves it (lines, notes, requests, history)."""
        order = self.get(order_id)
        return order if order is not None else self._load(conn, order_id)

    @staticmethod
    def _remote(conn: sqlite3.Connection, shop_id: str) -> bool:
        """Whether the shop's orders go back to TikTok."""
        row = conn.execute("SELECT api_base FROM shops WHERE id = ?", (shop_id,)).fetchone()
        return bool(row and row[0])

    def _to_tiktok(self, conn: sqlite3.Connection, order: Order, kind: OutboxKind, payload: dict[str, Any]) -> None:
        """For an order of a remote shop, inside the change's transaction: queue the change for TikTok
        (an outbox row keyed by the change's history event) and mark the order waiting for it. The
        event's ``before`` gains ``restore``: what undoes the change if TikTok refuses it."""
        if not self._remote(conn, order.shop_id):
            return
        history_id = conn.execute("SELECT max(id) FROM history WHERE order_id = ?", (order.id,)).fetchone()[0]
        line_ids = [i for (i,) in conn.execute(
            "SELECT id FROM line_items WHERE order_id = ? ORDER BY position", (order.id,)
        )]
        restore = {
            "status": order.status.value,
            "rts_time": to_epoch(order.rts_time),
            "cancel_time": to_epoch(order.cancel_time),
            "cancel_reason": order.cancel_reason,
            "cancellation_initiator": order.cancellation_initiator.value if order.cancellation_initiator else None,
            "tracking_number": order.tracking_number,
            "shipping_provider": order.shipping_provider,
            "refund_amount": to_cents(order.refund_amount),
            "requests": [
                [r.id, r.status.value, to_epoch(r.resolved_at), r.resolved_by, r.reject_reason]
                for r in order.requests
            ],
            "lines": [[i, line.tracking_number] for i, line in zip(line_ids, order.line_items, strict=True)],
        }
        conn.execute(
            "UPDATE history SET before = json_set(before, '$.restore', json(?)) WHERE id = ?",
            (json.dumps(restore), history_id),
        )
        now = self.now_epoch()
        conn.execute(
            "INSERT INTO outbox (shop_id, order_id, kind, payload, idempotency_key, state, attempts,"
            " next_attempt_at, created_at, history_id) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)",
            (order.shop_id, order.id, kind.value, json.dumps(payload), f"{kind.value}:{order.id}:{history_id}",
             now, now, history_id),
        )
        conn.execute(
            "UPDATE orders SET pending_action = ?, remote_error = NULL WHERE id = ?", (kind.value, order.id)
        )

    @staticmethod
    def _package_id(order: Order) -> str | None:
        return next((line.package_id for line in order.line_items if line.package_id), None)

    # Notes ---------------------------------------------------------------------------------

    def add_note(
        self,
        order_id: str,
        *,
        flag: Flag | str | None | _Keep = KEEP,
        text: str | None = None,
        job: str | None = None,
    ) -> Note:
        """Add a note to the order: change its flag, its comment, or both; the other is kept.

        ``flag=KEEP`` (the default) keeps the current flag, ``flag=None`` clears it, a Flag sets
        it. *text* None or blank keeps the current comment; other text replaces it. The note
        must change something: no flag and no text is refused. Notes are append-only and each
        holds the result (the flag and comment current after it), so the newest note is always
        the order's current note and flag; ``orders.flag``/``orders.note`` hold the same, and
        the history event ``'note'`` has both before and after.

        A note depends on neither the status nor the version: it is allowed on every order,
        cancelled included, and never refused for a stale view. *job*: see the module docstring.
        """
        wanted = flag if flag is KEEP or flag is None else Flag(flag)
        comment = (text or "").strip()

        def apply(conn: sqlite3.Connection, order: Order, now: int) -> Note:
            check_allowed(order, Action.NOTE)
            if wanted is KEEP and not comment:
                raise RuleError(f"order {order.id}: a note needs text or a flag")
            if len(comment) > MAX_NOTE_LENGTH:
                raise RuleError(
                    f"order {order.id}: a note holds at most {MAX_NOTE_LENGTH} characters, not {len(comment)}"
                )
            old_flag, old_note = conn.execute(
                "SELECT flag, note FROM orders WHERE id = ?", (order.id,)
            ).fetchone()
            new_flag = (Flag(old_flag) if old_flag else None) if wanted is KEEP else wanted
            new_text = comment or old_note or ""
            after = {"flag": new_flag.value if new_flag else None, "note": new_text or None}
            version = self._update_order(conn, order, after)
            cur = conn.execute(
                "INSERT INTO notes (order_id, shop_id, flag, text, author, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (order.id, order.shop_id, after["flag"], new_text, self.actor, now),
            )
            self.record(
                conn, order.id, "note",
                {"flag": old_flag, "note": old_note, "version": order.version},
                {**after, "version": version}, at=now,
            )
            return Note(
                id=cur.lastrowid, order_id=order.id, flag=new_flag, text=new_text, author=self.actor,
                created_at=from_epoch(now),
            )

        return self._change(order_id, None, apply, job)

    # Cancel --------------------------------------------------------------------------------

    def cancel(self, order_id: str, *, reason_code: str, expected_version: int | None = None) -> Order:
        """Cancel the order as the seller, before shipping only, with a TikTok cancel reason code.

        Unpaid orders take the ``seller_cancel_unpaid_reason_*`` codes, paid ones the others
        (see :func:`cancel_reason_codes`). A pending buyer cancellation request is resolved
        (approved) by the cancel. History action ``'cancel'`` (after says whether it is seller fault).
        """
        reason_code = reason_code.strip()

        def apply(conn: sqlite3.Connection, order: Order, now: int) -> Order:
            check_allowed(order, Action.CANCEL)
            try:
                reason = cancel_reason_for(order, reason_code)
            except RuleError as error:
                unpaid = order.status is OrderStatus.UNPAID
                codes = ", ".join(cancel_reason_codes(unpaid=unpaid))
                kind = "unpaid" if unpaid else "paid"
                raise RuleError(f"{error}; reasons for {kind} orders: {codes}") from None
            self._cancel(conn, order, now, reason.code, Initiator.SELLER, action="cancel",
                         extra={"seller_fault": reason.seller_fault})
            self._to_tiktok(conn, order, OutboxKind.CANCEL, {"cancel_reason": reason.code})
            return self._fresh(conn, order.id)

        return self._change(order_id, expected_version, apply)

    def _cancel(
        self,
        conn: sqlite3.Connection,
        order: Order,
        now: int,
        reason: str,
        initiator: Initiator,
        *,
        action: str,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        changes = {
            "status": OrderStatus.CANCELLED.value,
            "cancel_time": now,
            "update_time": now,
            "cancel_reason": reason,
            "cancellation_initiator": initiator.value,
            "cancel_request_due": None,
        }
        version = self._update_order(conn, order, changes)
        resolved = conn.execute(
            "UPDATE requests SET status = ?, resolved_at = ?, resolved_by = ? "
            "WHERE order_id = ? AND type = ? AND status = ?",
            (RequestStatus.APPROVED.value, now, self.actor, order.id,
             RequestType.CANCELLATION.value, RequestStatus.PENDING.value),
        ).rowcount
        after: dict[str, Any] = {
            "status": OrderStatus.CANCELLED.value,
            "cancel_reason": reason,
            "cancellation_initiator": initiator.value,
            **(extra or {}),
            "version": version,
        }
        if resolved:
            after["cancellation_request"] = RequestStatus.APPROVED.value
        self.record(conn, order.id, action, {"status": order.status.value, "version": order.version}, after, at=now)

    # Buyer requests ------------------------------------------------------------------------

    def answer_request(
        self,
        order_id: str,
        kind: RequestType,
        *,
        approve: bool,
        reject_reason: str | None = None,
        expected_version: int | None = None,
    ) -> Order:
        """Approve or reject the order's pending buyer request of *kind*, before its deadline.

        Refused when there is no such request, it was already answered, its respond-by deadline
        passed, or (rejecting) *reject_reason* is empty. Approving a buyer cancellation cancels
        the order (reason ``catalog.BUYER_CANCEL_REASON``, initiator BUYER: not seller fault);
        approving a return refunds the order total. History actions ``'approve-cancellation'``,
        ``'reject-cancellation'``, ``'approve-return'``, ``'reject-return'``.
        """
        kind = RequestType(kind)
        reject_reason = (reject_reason or "").strip() or None
        words = _REQUEST_WORDS[kind]

        def apply(conn: sqlite3.Connection, order: Order, now: int) -> Order:
            where = f"order {order.id} is {status_words(order.status)}"
            of_kind = [r for r in order.requests if r.type is kind]
            if not of_kind:
                raise RuleError(f"{where}: it has no {words} request")
            pending = order.pending_request(kind)
            if pending is None:
                last = of_kind[-1]
                by = f" by {last.resolved_by}" if last.resolved_by else ""
                raise RuleError(
                    f"{where}: its {words} request was already answered ({last.status.value.lower()}{by})"
                )
            check_allowed(order, _ANSWER_ACTION[kind])
            if from_epoch(now) > pending.respond_by:
                raise RuleError(
                    f"{where}: the deadline to answer its {words} request passed at "
                    f"{pending.respond_by:%Y-%m-%d %H:%M} UTC"
                )
            if not approve and not reject_reason:
                raise RuleError(f"{where}: rejecting a {words} request needs a reason")
            status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
            conn.execute(
                "UPDATE requests SET status = ?, resolved_at = ?, resolved_by = ?, reject_reason = ? "
                "WHERE id = ? AND status = ?",
                (status.value, now, self.actor, None if approve else reject_reason, pending.id,
                 RequestStatus.PENDING.value),
            )
            noun = "cancellation" if kind is RequestType.CANCELLATION else "return"
            action = f"{'approve' if approve else 'reject'}-{noun}"
            external = conn.execute("SELECT external_id FROM requests WHERE id = ?", (pending.id,)).fetchone()[0]
            payload = {"request_external_id": external} | ({} if approve else {"reject_reason": reject_reason})
            if kind is RequestType.CANCELLATION and approve:
                self._cancel(conn, order, now, BUYER_CANCEL_REASON, Initiator.BUYER, action=action,
                             extra={"request": pending.id, "seller_fault": False})
                self._to_tiktok(conn, order, OutboxKind(action), payload)
                return self._fresh(conn, order.id)
            changes: dict[str, Any] = {_DUE_COLUMN[kind]: self._next_due(conn, order.id, kind)}
            before: dict[str, Any] = {"request": pending.id, "request_status": RequestStatus.PENDING.value}
            after: dict[str, Any] = {"request": pending.id, "request_status": status.value}
            if approve:  # a return: refund the whole order (kept simple)
                changes["refund_amount"] = to_cents(order.total_amount)
                changes["update_time"] = now
                before["refund_amount"] = str(order.refund_amount)
                after["refund_amount"] = str(order.total_amount)
            else:
                after["reject_reason"] = reject_reason
            version = self._update_order(conn, order, changes)
            self.record(conn, order.id, action, {**before, "version": order.version},
                        {**after, "version": version}, at=now)
            self._to_tiktok(conn, order, OutboxKind(action), payload)
            return self._fresh(conn, order.id)

        return self._change(order_id, expected_version, apply)

    @staticmethod
    def _next_due(conn: sqlite3.Connection, order_id: str, kind: RequestType) -> int | None:
        """The respond-by of the order's pending request of *kind* (after an update), if any."""
        row = conn.execute(
            "SELECT respond_by FROM requests WHERE order_id = ? AND type = ? AND status = ? ORDER BY id LIMIT 1",
            (order_id, kind.value, RequestStatus.PENDING.value),
        ).fetchone()
        return row[0] if row else None

    def add_request(
        self,
        order_id: str,
        kind: RequestType,
        *,
        reason: str,
        respond_within: timedelta | None = None,
        expected_version: int | None = None,
    ) -> AfterSalesRequest:
        """A buyer opens a cancellation or return/refund request (the simulator, importers, tests).

        Cancellation requests are for unshipped orders, return requests for shipped ones
        (rules.check_request_allowed); one pending request of a kind at a time. It is to be answered
        within *respond_within*, by default the marketplace's time for its kind (rules.ANSWER_WITHIN).
        History action ``'request'``.
        """
        kind = RequestType(kind)
        words = _REQUEST_WORDS[kind]
        within = ANSWER_WITHIN[kind] if respond_within is None else respond_within

        def apply(conn: sqlite3.Connection, order: Order, now: int) -> AfterSalesRequest:
            check_request_allowed(order, kind)
            if order.pending_request(kind) is not None:
                where = f"order {order.id} is {status_words(order.status)}"
                raise RuleError(f"{where}: it already has a pending {words} request")
            respond_by = now + int(within.total_seconds())
            cur = conn.execute(
                "INSERT INTO requests (order_id, shop_id, type, status, reason, created_at, respond_by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (order.id, order.shop_id, kind.value, RequestStatus.PENDING.value, reason, now, respond_by),
            )
            changes: dict[str, Any] = {_DUE_COLUMN[kind]: respond_by}
            if kind is RequestType.RETURN_REFUND:
                changes["has_return"] = 1
            version = self._update_order(conn, order, changes)
            self.record(
                conn, order.id, "request", {"version": order.version},
                {"request": cur.lastrowid, "type": kind.value, "reason": reason,
                 "respond_by": from_epoch(respond_by).isoformat(), "version": version},
                at=now,
            )
            return AfterSalesRequest(
                id=cur.lastrowid, order_id=order.id, type=kind, reason=reason,
                created_at=from_epoch(now), respond_by=from_epoch(respond_by),
            )

        return self._change(order_id, expected_version, apply)

    # Ship and pay --------------------------------------------------------------------------

    def ship(
        self, order_id: str, *, tracking_number: str, carrier: str, expected_version: int | None = None
    ) -> Order:
        """Mark the order shipped (ready to ship) with a tracking number and carrier.

        Only orders to ship (AWAITING_SHIPMENT, PARTIALLY_SHIPPING); the tracking number must be
        usable (rules.is_valid_tracking; else the refusal says why) and the carrier one of
        catalog.CARRIERS (any case). The order goes to AWAITING_COLLECTION with rts_time = now;
        its line items without tracking take the tracking number. History action ``'ship'``
        (after says whether it shipped late, past its ship-by time).
        """
        tracking = (tracking_number or "").strip()

        def apply(conn: sqlite3.Connection, order: Order, now: int) -> Order:
            check_allowed(order, Action.SHIP)
            provider = _package(order, tracking, carrier)
            changes = {
                "status": OrderStatus.AWAITING_COLLECTION.value,
                "rts_time": now,
                "update_time": now,
                "tracking_number": tracking,
                "shipping_provider": provider,
            }
            version = self._update_order(conn, order, changes)
            if order.status is OrderStatus.PARTIALLY_SHIPPING:  # the shipped lines keep theirs
                conn.execute(
                    "UPDATE line_items SET tracking_number = ? WHERE order_id = ?"
                    " AND (tracking_number IS NULL OR tracking_number = '')",
                    (tracking, order.id),
                )
            else:
                conn.execute("UPDATE line_items SET tracking_number = ? WHERE order_id = ?", (tracking, order.id))
            late = order.rts_sla_time is not None and from_epoch(now) > order.rts_sla_time
            self.record(
                conn, order.id, "ship",
                {"status": order.status.value, "tracking_number": order.tracking_number,
                 "shipping_provider": order.shipping_provider, "version": order.version},
                {"status": OrderStatus.AWAITING_COLLECTION.value, "tracking_number": tracking,
                 "shipping_provider": provider, "late": late, "version": version},
                at=now,
            )
            self._to_tiktok(conn, order, OutboxKind.SHIP, {
                "tracking_number": tracking, "shipping_provider": provider, "package_id": self._package_id(order),
            })
            return self._fresh(conn, order.id)

        return self._change(order_id, expected_version, apply)

    def tracking_in_use(self, tracking_number: str, *, exclude: Iterable[str] = ()) -> list[str]:
        """The IDs of the orders (not in *exclude*) whose order or a line item already carries
        *tracking_number*, in ID order; none for a blank number.

        Shipping with a number already in use is for the UI and CLI to warn about, not a refusal
        (one package may really hold several orders). Two index probes (ix_orders_tracking,
        ix_lines_tracking).
        """
        tracking = (tracking_number or "").strip()
        if not tracking:
            return []
        skip = {order_id.strip() for order_id in exclude}
        found = self.conn.execute(
            "SELECT id FROM orders WHERE tracking_number = ?"
            " UNION SELECT order_id FROM line_items WHERE tracking_number = ? ORDER BY 1",
            (tracking, tracking),
        ).fetchall()
        return [order_id for (order_id,) in found if order_id not in skip]

    def correct_tracking(
        self, order_id: str, *, tracking_number: str, carrier: str, expected_version: int | None = None
    ) -> Order:
        """Replace the tracking number and carrier of a shipped order that is not delivered yet.

        For orders awaiting collection or in transit (the abnormal packages: shipped without a
        usable tracking number), with the same checks as :meth:`ship`: a usable tracking number
        and a known carrier. The order's line items that carried the old number (or none) take
        the new one; lines shipped in another package keep theirs. Refused when nothing would
        change. History action ``'correct-tracking'``.
        """
        tracking = (tracking_number or "").strip()

        def apply(conn: sqlite3.Connection, order: Order, now: int) -> Order:
            check_allowed(order, Action.CORRECT_TRACKING)
            provider = _package(order, tracking, carrier)
            if (order.tracking_number, order.shipping_provider) == (tracking, provider):
                raise RuleError(f"order {order.id} already has tracking number {tracking!r} with {provider}")
            version = self._update_order(
                conn, order, {"tracking_number": tracking, "shipping_provider": provider, "update_time": now}
            )
            conn.execute(
                "UPDATE line_items SET tracking_number = ? WHERE order_id = ?"
                " AND (tracking_number IS NULL OR tracking_number = '' OR tracking_number = ?)",
                (tracking, order.id, order.tracking_number or ""),
            )
            self.record(
                conn, order.id, "correct-tracking",
                {"tracking_number": order.tracking_number, "shipping_provider": order.shipping_provider,
                 "version": order.version},
                {"tracking_number": tracking, "shipping_provider": provider, "version": version},
                at=now,
            )
            self._to_tiktok(conn, order, OutboxKind.CORRECT_TRACKING, {
                "tracking_number": tracking, "shipping_provider": provider, "package_id": self._package_id(order),
            })
            return self._fresh(conn, order.id)

        return self._change(order_id, expected_version, apply)

    def pay(
        self,
        order_id: str,
        *,
        address: Mapping[str, str] | None = None,
        expected_version: int | None = None,
    ) -> Order:
        """The buyer paid an UNPAID order: it goes to AWAITING_SHIPMENT and its SLAs start.

        paid_time = now, ship-by now + SHIP_WITHIN, collect-by now + COLLECT_WITHIN, auto-cancel
        now + AUTO_CANCEL_WITHIN. *address* (keys of ADDRESS_FIELDS) fills the recipient address,
        which the marketplace reveals on payment. History action ``'pay'``.
        """
        address = dict(address or {})
        unknown = set(address) - set(ADDRESS_FIELDS)
        if unknown:
            raise ValueError(f"not address fields: {', '.join(sorted(unknown))}")

        def apply(conn: sqlite3.Connection, order: Order, now: int) -> Order:
            if order.status is not OrderStatus.UNPAID:
                raise RuleError(
                    f"order {order.id} is {status_words(order.status)}: only an unpaid order can be paid"
                )
            changes: dict[str, Any] = {
                "status": OrderStatus.AWAITING_SHIPMENT.value,
                "paid_time": now,
                "update_time": now,
                "rts_sla_time": now + int(SHIP_WITHIN.total_seconds()),
                "tts_sla_time": now + int(COLLECT_WITHIN.total_seconds()),
                "shipping_due_time": now + int(AUTO_CANCEL_WITHIN.total_seconds()),
                **address,
            }
            version = self._update_order(conn, order, changes)
            self.record(
                conn, order.id, "pay", {"status": order.status.value, "version": order.version},
                {"status": OrderStatus.AWAITING_SHIPMENT.value,
                 "rts_sla_time": from_epoch(changes["rts_sla_time"]).isoformat(), "version": version},
                at=now,
            )
            return self._fresh(conn, order.id)

        return self._change(order_id, expected_version, apply)

    # Printing ------------------------------------------------------------------------------

    def record_printed(self, order_ids: Iterable[str], what: str) -> list[str]:
        """Record that a picking list or labels were printed for these orders, in one transaction.

        *what* is ``'picking list'`` or ``'label'``; each order gets a history event
        ``'picking list printed'`` / ``'label printed'``. Printing changes nothing on the order, so
        its version stays (a view drawn before printing is not made stale). Returns the IDs
        recorded; IDs not in the shop are skipped.
        """
        if what not in PRINTED_ACTIONS:
            raise ValueError(f"what was printed must be one of {', '.join(PRINTED_ACTIONS)}, not {what!r}")
        action = PRINTED_ACTIONS[what]
        recorded: list[str] = []
        with self.transaction() as conn:
            now = self.now_epoch()
            for order_id in dict.fromkeys(i.strip() for i in order_ids):
                row = conn.execute("SELECT status FROM orders WHERE id = ?", (order_id,)).fetchone()
                if row is None:
                    continue
                self.record(conn, order_id, action, {}, {"status": row[0]}, at=now)
                recorded.append(order_id)
        return recorded

    # Bulk ----------------------------------------------------------------------------------

    def apply_bulk(
        self,
        order_ids: Iterable[str],
        fn: Callable[[str], object],
        *,
        job: str | None = None,
        on_each: Callable[[BulkOutcome], None] | None = None,
    ) -> BulkResult:
        """Run *fn(order_id)* for each order, each in its own short transaction.

        A refusal (RuleError, including unknown IDs, or StaleError) is reported per order and
        the rest go on; any other error (read-only store, a broken database) stops the run.
        *on_each*, if given, gets each order's :class:`BulkOutcome` right after its transaction
        commits (or is refused or skipped), so a killed run has reported everything it committed.
        With a *job* id, the store's changes made by *fn* carry the job in their history and an
        order the job already changed is skipped (see the module docstring).
        """
        result = BulkResult()
        self._bulk_job = job
        try:
            for order_id in dict.fromkeys(i.strip() for i in order_ids):
                try:
                    fn(order_id)
                except AlreadyDoneError:
                    result.skipped.append(order_id)
                    outcome = BulkOutcome(order_id, "skipped", ALREADY_DONE)
                except (RuleError, StaleError) as error:
                    result.refused.append((order_id, str(error)))
                    outcome = BulkOutcome(order_id, "refused", str(error))
                else:
                    result.succeeded.append(order_id)
                    outcome = BulkOutcome(order_id, "done")
                if on_each is not None:
                    on_each(outcome)
        finally:
            self._bulk_job = None
        return result

    @staticmethod
    def _expected(versions: Mapping[str, int] | None, order_id: str) -> int | None:
        return versions.get(order_id) if versions is not None else None

    def add_note_many(
        self,
        order_ids: Iterable[str],
        *,
        flag: Flag | str | None | _Keep = KEEP,
        text: str | None = None,
        job: str | None = None,
        on_each: Callable[[BulkOutcome], None] | None = None,
    ) -> BulkResult:
        """add_note on each order (no versions: a note is never refused for a stale view)."""
        return self.apply_bulk(
            order_ids, lambda oid: self.add_note(oid, flag=flag, text=text), job=job, on_each=on_each
        )

    def cancel_many(
        self,
        order_ids: Iterable[str],
        *,
        reason_code: str,
        expected_versions: Mapping[str, int] | None = None,
        job: str | None = None,
        on_each: Callable[[BulkOutcome], None] | None = None,
    ) -> BulkResult:
        """cancel on each order (each its own transaction)."""
        return self.apply_bulk(order_ids, lambda oid: self.cancel(
            oid, reason_code=reason_code, expected_version=self._expected(expected_versions, oid)),
            job=job, on_each=on_each)

    def ship_many(
        self,
        order_ids: Iterable[str],
        *,
        tracking_number: str,
        carrier: str,
        expected_versions: Mapping[str, int] | None = None,
        job: str | None = None,
        on_each: Callable[[BulkOutcome], None] | None = None,
    ) -> BulkResult:
        """ship each order with the same tracking number (one package) and carrier."""
        return self.apply_bulk(order_ids, lambda oid: self.ship(
            oid, tracking_number=tracking_number, carrier=carrier,
            expected_version=self._expected(expected_versions, oid)), job=job, on_each=on_each)

    def answer_request_many(
        self,
        order_ids: Iterable[str],
        kind: RequestType,
        *,
        approve: bool,
        reject_reason: str | None = None,
        expected_versions: Mapping[str, int] | None = None,
        job: str | None = None,
        on_each: Callable[[BulkOutcome], None] | None = None,
    ) -> BulkResult:
        """answer_request on each order."""
        return self.apply_bulk(order_ids, lambda oid: self.answer_request(
            oid, kind, approve=approve, reject_reason=reject_reason,
            expected_version=self._expected(expected_versions, oid)), job=job, on_each=on_each)


__all__ = [
    "ADDRESS_FIELDS",
    "ALREADY_DONE",
    "KEEP",
    "ActionsMixin",
    "AlreadyDoneError",
    "BulkOutcome",
    "BulkResult",
    "OrderChangedError",
    "OrderNotFoundError",
    "PRINTED_ACTIONS",
    "cancel_reason_codes",
]
