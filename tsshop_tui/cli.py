"""The command line: the command centre's operations for scripts, cron and checks.

Exit codes: 0 ok, 1 partial (some rows or IDs failed, reported), 2 bad usage or bad input.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import os
import shutil
import sqlite3
import sys
import tempfile
import textwrap
from collections.abc import Callable, Sequence
from contextlib import redirect_stdout
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn, TextIO

from pydantic import ValidationError

from .config import ConfigError, Settings, load_settings, resolve_db
from .domain.catalog import (
    CANCEL_REASONS, CANCEL_REASONS_BY_CODE, CARRIERS, ORDER_ACTIONS, ORDER_ACTIONS_BY_ID, STATUS_WORDS, TAB_IDS,
    TABS_BY_ID,
)
from .domain.clock import Clock, FixedClock, SystemClock
from .domain.metrics import MAX_DAYS
from .domain.model import Flag, Order, RequestType
from .domain.query import FILTER_FIELDS, CliOption, Filters, SearchTooLong, parse_ids
from .domain.rules import (
    REASON_LABELS, RuleError, action_items, auto_cancel_time, canonical_carrier, countdown, ship_by_words,
    tracking_problem,
)
from .domain.text import visible
from .store import KEEP, BulkOutcome, BulkResult, Store, StoreError, pending_upgrade
from .store.db import check_writable, database_problem, write_problem
from .store.schema import SCHEMA_VERSION

EXIT_OK, EXIT_PARTIAL, EXIT_BAD_INPUT = 0, 1, 2


class UsageError(Exception):
    """Bad usage or bad input: reported on stderr with exit code 2."""


@dataclass
class Context:
    args: argparse.Namespace
    settings: Settings
    clock: Clock
    out: TextIO
    err: TextIO

    @property
    def db_path(self) -> Path:
        return resolve_db(getattr(self.args, "db", None), self.settings)

    @property
    def read_only(self) -> bool:
        """This terminal may not change the shop (--read-only, or read_only in the config)."""
        return bool(getattr(self.args, "read_only", False)) or self.settings.read_only

    def check_writable(self, command: str) -> None:
        """A read-only terminal runs no command that writes: one line, and nothing opened or touched."""
        if self.read_only:
            why = "--read-only was given" if getattr(self.args, "read_only", False) else "read_only is set in the config"
            raise UsageError(
                f"this terminal is read-only ({why}): '{command}' writes the database, so it did not run;"
                " nothing was changed"
            )

    def upgrade(self) -> None:
        """Bring a database made by an older tsshop up to this one's schema, saying so first, since
        it takes a while on a big shop. A read-only terminal leaves it be (its open says why)."""
        version = pending_upgrade(self.db_path)
        if version is None or self.read_only:
            return
        print(
            f"Upgrading {self.db_path} from schema {version} to {SCHEMA_VERSION}, once"
            " (about 11 s per million orders) ...",
            file=self.err,
            flush=True,
        )
        Store(self.db_path, clock=self.clock, actor=self.settings.operator, create=False).close()

    def store(self, *, read_only: bool = False) -> Store:
        """The shop database, which must already exist (built by 'demo' or 'import')."""
        self.upgrade()
        return Store(
            self.db_path,
            clock=self.clock,
            read_only=read_only,
            actor=self.settings.operator,
            create=False,
        )

    def print(self, text: str = "") -> None:
        print(text, file=self.out)


# Arguments are checked where they come in: a value out of range is a one-line refusal (exit 2),
# never an overflow or a traceback further down.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)  # dates and --now
MAX_DEMO_ORDERS = 2_000_000
MAX_SEARCH_LIMIT = 100_000
MIN_SIMULATE_RATE, MAX_SIMULATE_RATE = 0.001, 1_000  # events per second
MAX_SIMULATE_SECONDS, MAX_SIMULATE_EVENTS = 86_400, 10_000_000


class ArgumentParser(argparse.ArgumentParser):
    """argparse whose refusals are one line on the command's error stream (UsageError, exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _shown(text: str) -> str:
    """*text* with bytes that are not UTF-8 (argv's surrogate escapes) shown as \\xff."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "backslashreplace")
    return visible(raw.decode("utf-8", "backslashreplace"))


def _text_arg(text: str) -> str:
    """Text that may be stored or searched for: it has to be UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError(f"not UTF-8 text: '{_shown(text)}'") from None
    return text


def _int_arg(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: '{_shown(text)}'") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value:,} is out of range: give {low:,} to {high:,}")
        return value

    return parse


def _number_arg(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: '{_shown(text)}'") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"'{_shown(text)}' is not a finite number")
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"'{_shown(text)}' is out of range: give {low:,g} to {high:,g}")
        return value

    return parse


def _import_file(text: str) -> Path:
    path = Path(text)
    try:
        if path.is_dir():
            raise argparse.ArgumentTypeError(f"{_shown(text)} is a directory: give the export files in it")
        if not path.is_file():
            raise argparse.ArgumentTypeError(f"{_shown(text)}: no such file")
    except OSError as error:
        raise argparse.ArgumentTypeError(f"{_shown(text)}: {error.strerror or error}") from None
    return path


def _parse_now(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO date-time: '{_shown(text)}'") from error
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    if not FIRST_DAY <= moment.date() <= LAST_DAY:
        raise argparse.ArgumentTypeError(f"'{_shown(text)}' is out of range: give {FIRST_DAY} to {LAST_DAY}")
    return moment


def dumps(data: Any) -> str:
    """JSON that keeps marketplace text exact yet can never drive a terminal (C1 controls escaped)."""
    text = json.dumps(data, ensure_ascii=False, indent=2, default=_json_default)
    return "".join(f"\\u{ord(c):04x}" if 0x80 <= ord(c) <= 0x9F else c for c in text)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def order_json(order: Order, now: datetime) -> dict[str, Any]:
    data = order.model_dump(mode="json")
    data["action_needed"] = [
        {"reason": item.reason.value, "deadline": item.deadline.isoformat() if item.deadline else None}
        for item in action_items(order, now)
    ]
    return data


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


# Commands ---------------------------------------------------------------------------------


def cmd_tui(ctx: Context) -> int:
    from .ui.app import TsshopApp

    # A database that cannot be written here (read-only file, folder or mount) still opens, to watch.
    read_only = ctx.read_only or bool(write_problem(ctx.db_path))
    ctx.store(read_only=read_only).close()
    TsshopApp(db_path=ctx.db_path, settings=ctx.settings, clock=ctx.clock, read_only=read_only).run()
    return EXIT_OK


def cmd_demo(ctx: Context) -> int:
    from .io.demo import build_demo

    args = ctx.args
    ctx.check_writable("demo")
    now = ctx.clock.now()
    try:
        summary = build_demo(ctx.db_path, orders=args.orders, seed=args.seed, now=now, force=args.force)
    except FileExistsError as error:
        raise UsageError(str(error)) from error
    except OSError as error:
        raise UsageError(
            f"cannot build a demo shop at {ctx.db_path}: {error.strerror or error} (nothing was changed)"
        ) from error
    ctx.print(
        f"Built demo shop at {ctx.db_path}: {summary.orders} orders, {summary.line_items} lines, "
        f"{summary.notes} notes, {summary.requests} buyer requests in {summary.seconds:.1f} s"
    )
    return EXIT_OK


class _StoreOnFirstWrite:
    """The shop for an import, opened (made, or upgraded) when the first orders are written: files
    the format check refuses leave the database as it was, a new one not even created."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store: Store | None = None

    def upsert_orders(self, orders: Sequence[Order], *, source: str, own_notes: bool = False) -> Any:
        if self.store is None:
            self.ctx.upgrade()
            self.store = Store(self.ctx.db_path, clock=self.ctx.clock, actor=self.ctx.settings.operator)
        return self.store.upsert_orders(orders, source=source, own_notes=own_notes)

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


def cmd_import(ctx: Context) -> int:
    from .io.importer import import_files
    from .io.seller_center import ExportFormatError

    ctx.check_writable("import")
    paths: list[Path] = ctx.args.files  # checked by the parser: files, not folders
    check_writable(ctx.db_path)
    store = _StoreOnFirstWrite(ctx)
    try:
        report = import_files(store, paths)
    except ExportFormatError as error:
        raise UsageError(f"{error} (nothing was imported)") from error
    finally:
        store.close()
    for line in report.lines():
        ctx.print(visible(line))
    return report.exit_code


def cmd_counts(ctx: Context) -> int:
    with ctx.store(read_only=True) as store:
        counts = store.counts()
    if ctx.args.json:
        ctx.print(dumps(counts))
        return EXIT_OK
    width = max(len(TABS_BY_ID[t].label) for t in TAB_IDS)
    for tab in TAB_IDS:
        ctx.print(f"{TABS_BY_ID[tab].label:<{width}}  {counts[tab]:>9,}")
    return EXIT_OK


def _stdin_text(stdin: TextIO) -> str:
    """All of standard input, which has to be UTF-8 text (UsageError saying so otherwise)."""
    try:
        return _text_arg(stdin.read())
    except (UnicodeDecodeError, argparse.ArgumentTypeError):
        raise UsageError("standard input is not UTF-8 text (nothing was changed)") from None


def _read_ids(values: Sequence[str], stdin: TextIO) -> list[str]:
    chunks = [_stdin_text(stdin) if value == "-" else value for value in values]
    try:
        ids = parse_ids(chunks)
    except SearchTooLong as error:
        raise UsageError(str(error)) from error
    if not ids:
        raise UsageError("no IDs given")
    return ids


def cmd_search(ctx: Context) -> int:
    ids = _read_ids(ctx.args.ids, sys.stdin)
    with ctx.store(read_only=True) as store:
        result = store.search(ids, limit=ctx.args.limit)
        now = ctx.clock.now()
        if ctx.args.json:
            orders = store.get_many(row.id for row in result.rows)
            ctx.print(
                dumps(
                    {
                        "ids": ids,
                        "matched_orders": result.counts,
                        "not_found": result.not_found,
                        "total": result.total,
                        "orders": [order_json(order, now) for order in orders],
                    }
                )
            )
        else:
            for row in result.rows:
                ctx.print(
                    f"{row.id}  {row.status.value:<19} ship by {countdown(row.rts_sla_time, now) or '—':<11} "
                    f"{row.currency} {row.total_amount:>9}  {visible(row.buyer_username)}"
                )
            found = len(ids) - len(result.not_found)
            shown = f" (first {len(result.rows):,} shown)" if len(result.rows) < result.total else ""
            ctx.print(f"{result.total:,} orders{shown} matched {found} of {len(ids)} IDs")
            if result.not_found:
                ctx.print("Matched nothing: " + visible(", ".join(result.not_found)))
    return EXIT_PARTIAL if result.not_found else EXIT_OK


def cmd_show(ctx: Context) -> int:
    with ctx.store(read_only=True) as store:
        order = store.get(ctx.args.id.strip())
    if order is None:
        raise UsageError(f"no order {ctx.args.id!r} in {ctx.db_path}")
    now = ctx.clock.now()
    if ctx.args.json:
        ctx.print(dumps(order_json(order, now)))
        return EXIT_OK
    for line in describe_order(order, now):
        ctx.print(line)
    return EXIT_OK


def _minus(amount: Decimal) -> str:
    """A discount as taken off the total: '-3.00', and '0.00' with no sign when there is none."""
    return f"-{amount}" if amount else f"{amount}"


def _shown_before(before: dict[str, Any]) -> dict[str, Any]:
    """A history event's before as `show` prints it: without the undo record a change for TikTok keeps
    (``restore``: what rolls it back if TikTok refuses it; `show --json` keeps it)."""
    return {key: value for key, value in before.items() if key != "restore"}


def describe_order(order: Order, now: datetime) -> list[str]:
    """A plain-text account of one order; marketplace text made visible, never interpreted."""
    lines = [
        f"Order {order.id}  {STATUS_WORDS[order.status]} ({order.status.value})",
        f"  created {_when(order.create_time)}   paid {_when(order.paid_time)}",
        f"  ship by {_when(order.rts_sla_time)} ({ship_by_words(order, now)[0] or '—'})"
        f"   auto-cancel {_when(auto_cancel_time(order))}",
        f"  shipped {_when(order.rts_time)}   delivered {_when(order.delivery_time)}"
        f"   cancelled {_when(order.cancel_time)}",
        f"  total {order.currency} {order.total_amount}  (subtotal {order.sub_total}, shipping "
        f"{order.shipping_fee}, tax {order.tax}, discounts {_minus(order.seller_discount + order.platform_discount)})",
        f"  buyer {visible(order.buyer_username)}: {visible(order.buyer_message) or '—'}",
        f"  ship to {visible(order.recipient_name) or '—'}, {visible(order.address_detail) or ''} "
        f"{visible(order.city) or ''} {visible(order.state) or ''} {visible(order.zipcode) or ''}".rstrip(),
        f"  tracking {visible(order.tracking_number) or '—'} {visible(order.shipping_provider) or ''}".rstrip(),
        f"  creator {('@' + visible(order.creator_username)) if order.creator_username else '—'}"
        f"  {order.content_type.value if order.content_type else ''}  campaign {visible(order.campaign) or '—'}",
    ]
    if order.pending_action:
        lines.append(f"  Waiting for TikTok: {order.pending_action} (sent by 'tsshop outbox --send' or the sync)")
    if order.remote_error:
        lines.append(f"  TikTok refused: {visible(order.remote_error)}")
    if order.cancel_reason:
        initiator = order.cancellation_initiator.value if order.cancellation_initiator else "?"
        lines.append(f"  cancel reason {visible(order.cancel_reason)} (by {initiator})")
    items = action_items(order, now)
    if items:
        lines.append(
            "  action needed: "
            + "; ".join(
                f"{REASON_LABELS[i.reason]} {countdown(i.deadline, now)}".rstrip() for i in items
            )
        )
    lines.append("Lines:")
    for line in order.line_items:
        lines.append(
            f"  {line.quantity} x {visible(line.product_name)} [{visible(line.sku_name)}]"
            f"  SKU {line.sku_id} / {visible(line.seller_sku)}  product {line.product_id}  @ {line.sale_price}"
        )
    lines.append("Notes (newest first):")
    for note in order.notes or []:
        flag = note.flag.value if note.flag else "no flag"
        lines.append(f"  {_when(note.created_at)}  {visible(note.author)}  [{flag}] {visible(note.text)}")
    if not order.notes:
        lines.append("  —")
    if order.requests:
        lines.append("Buyer requests:")
        for request in order.requests:
            lines.append(
                f"  {request.type.value} {request.status.value}  reason {visible(request.reason) or '—'}"
                f"  respond by {_when(request.respond_by)}"
            )
    lines.append("History:")
    for event in order.history:
        lines.append(
            f"  {_when(event.at)}  {visible(event.actor)}  {event.action}  "
            f"{visible(json.dumps(_shown_before(event.before), ensure_ascii=False))} -> "
            f"{visible(json.dumps(event.after, ensure_ascii=False))}"
        )
    if not order.history:
        lines.append("  —")
    return lines


# Working the orders -----------------------------------------------------------------------


def _action_ids(ctx: Context) -> list[str]:
    """Order IDs from the arguments ('-' reads stdin), separated by spaces, commas or new lines."""
    chunks = [_stdin_text(sys.stdin) if value == "-" else value for value in ctx.args.ids]
    ids = list(dict.fromkeys(t for c in chunks for t in c.replace(",", " ").replace(";", " ").split()))
    if not ids:
        raise UsageError("no order IDs given")
    return ids


JOB_HELP = textwrap.fill(
    "Each order's result is printed as it is committed, so a killed run has said how far it got. A run is a "
    "job, its id printed first: the same operator, command, options and set of orders make the same id, and "
    "running the job again skips the orders it already changed ('already done by this job'). --job NAME "
    "names a job yourself: a new name applies the same change again.",
    width=78,
)

Work = Callable[[Store, list[str], str, Callable[[BulkOutcome], None]], BulkResult]


def job_id(actor: str, command: str, params: dict[str, Any], ids: Sequence[str]) -> str:
    """The id of a bulk job: a digest of who runs which command with which options on which orders."""
    key = json.dumps([actor, command, params, sorted(set(ids))], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def _run_bulk(
    ctx: Context, command: str, params: dict[str, Any], done: Callable[[str], str], work: Work,
    ids: list[str] | None = None,
) -> int:
    """Run *work* on the orders of the arguments (or *ids*) as one job, reporting each order as it commits.

    stdout: 'job ID: N orders', then per order 'ORDER: what was done' or 'ORDER: skipped, already done
    by this job', flushed one by one; refusals go to stderr as they happen, a summary at the end.
    Exit 0 when no order was refused, 1 when some were, 2 when some were and none was changed.
    """
    ctx.check_writable(command)
    ids = ids if ids is not None else _action_ids(ctx)
    with ctx.store() as store:
        job = ctx.args.job or job_id(store.actor, command, params, ids)
        print(f"job {visible(job)}: {len(ids):,} order{'' if len(ids) == 1 else 's'}", file=ctx.out, flush=True)

        def report(outcome: BulkOutcome) -> None:
            if outcome.state == "done":
                print(f"{outcome.order_id}: {done(outcome.order_id)}", file=ctx.out, flush=True)
            elif outcome.state == "skipped":
                print(f"{outcome.order_id}: skipped, {visible(outcome.reason)}", file=ctx.out, flush=True)
            else:
                print(f"tsshop: refused: {visible(outcome.reason)}", file=ctx.err, flush=True)

        result = work(store, ids, job, report)
    if result.refused or result.skipped:
        parts = [f"{len(result.succeeded):,} of {len(ids):,} orders changed"]
        if result.skipped:
            parts.append(f"{len(result.skipped):,} already done by this job")
        if result.refused:
            parts.append(f"{len(result.refused):,} refused and left unchanged")
        print("tsshop: " + "; ".join(parts), file=ctx.err)
    if not result.refused:
        return EXIT_OK
    return EXIT_PARTIAL if result.succeeded else EXIT_BAD_INPUT


def _job_arg(text: str) -> str:
    name = _text_arg(text).strip()
    if not 1 <= len(name) <= 100:
        raise argparse.ArgumentTypeError("a job name has 1 to 100 characters")
    return name


def _flag_arg(text: str) -> Flag | None:
    if text.strip().lower() == "none":
        return None
    try:
        return Flag(text.strip().lower())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"no flag {text!r}; flags are: {', '.join(f.value for f in Flag)}, none"
        ) from None


def cmd_note(ctx: Context) -> int:
    """A note-like action (note, or one declared with its note's start): a note changes what it is
    given: no --flag keeps the flag, no --text keeps the comment."""
    flag = ctx.args.flag
    text = ctx.args.text if (ctx.args.text or "").strip() else None
    if flag is KEEP and text is None:
        raise UsageError("a note needs --text, --flag or both (nothing was changed)")
    flag_word = "cleared" if flag is None else "kept" if flag is KEEP else flag.value
    if text is None:
        done = f"flag {flag_word} (comment kept)"
    else:
        done = f"note added (flag {flag_word})"
    params = {"flag": "keep" if flag is KEEP else (flag.value if flag else "none"), "text": text}
    return _run_bulk(
        ctx, ctx.args.note_command, params, lambda _order: done,
        lambda store, ids, job, on_each: store.add_note_many(ids, flag=flag, text=text, job=job, on_each=on_each),
    )


def _cancel_reasons_help() -> str:
    lines = ["cancel reasons (seller fault counts towards SFCR):"]
    for unpaid, title in ((False, "paid orders"), (True, "unpaid orders")):
        lines.append(f"  {title}:")
        for reason in CANCEL_REASONS:
            if reason.for_unpaid == unpaid:
                fault = "  (seller fault)" if reason.seller_fault else ""
                lines.append(f"    {reason.code}  {reason.label}{fault}")
    return "\n".join(lines)


def cmd_cancel(ctx: Context) -> int:
    code = ctx.args.reason.strip()
    reason = CANCEL_REASONS_BY_CODE.get(code)
    if reason is None:
        raise UsageError(
            f"unknown cancel reason {code!r}; valid codes: {', '.join(r.code for r in CANCEL_REASONS)}"
        )
    if reason.seller_fault:
        print(f"tsshop: warning: {reason.label.lower()} is seller fault and counts towards SFCR", file=ctx.err)
    return _run_bulk(
        ctx, "cancel", {"reason": code}, lambda _order: f"cancelled ({code})",
        lambda store, ids, job, on_each: store.cancel_many(ids, reason_code=code, job=job, on_each=on_each),
    )


def cmd_ship(ctx: Context) -> int:
    """Ship each order with its own tracking number; a number another order already has is a warning."""
    try:
        carrier = canonical_carrier(ctx.args.carrier)
    except RuleError as error:
        raise UsageError(f"{visible(str(error))} (nothing was shipped)") from error
    tracking = _tracking_numbers(ctx)

    def work(store: Store, ids: list[str], job: str, on_each: Callable[[BulkOutcome], None]) -> BulkResult:
        for number in dict.fromkeys(tracking.values()):
            others = store.tracking_in_use(number, exclude=ids)
            if others:
                listed = ", ".join(others[:5]) + (f" and {len(others) - 5:,} more" if len(others) > 5 else "")
                print(f"tsshop: warning: tracking number {visible(number)} is already used by {listed}",
                      file=ctx.err, flush=True)
        return store.apply_bulk(
            ids, lambda order_id: store.ship(order_id, tracking_number=tracking[order_id], carrier=carrier),
            job=job, on_each=on_each,
        )

    return _run_bulk(
        ctx, "ship", {"carrier": carrier, "tracking": tracking},
        lambda order_id: f"shipped with {carrier} {tracking[order_id]}", work, ids=list(tracking),
    )


def _tracking_numbers(ctx: Context) -> dict[str, str]:
    """Order ID -> tracking number, from ID=TRACKING or --tracking (UsageError, nothing shipped, if wrong).

    A tracking number is one package: one number for two orders of the run is refused.
    """
    given = (ctx.args.tracking or "").strip()
    numbers: dict[str, str] = {}
    for token in _action_ids(ctx):
        order_id, _, own = (part.strip() for part in token.partition("="))
        number = own or given
        if not order_id:
            raise UsageError(f"'{visible(token)}': no order ID before '=' (nothing was shipped)")
        if not number:
            raise UsageError(f"order {visible(order_id)} has no tracking number: give {visible(order_id)}=TRACKING "
                             "or --tracking T (nothing was shipped)")
        if numbers.get(order_id, number) != number:
            raise UsageError(f"order {visible(order_id)} is given two tracking numbers (nothing was shipped)")
        problem = tracking_problem(number)
        if problem is not None:
            raise UsageError(f"{visible(problem)} (nothing was shipped)")
        numbers[order_id] = number
    orders_of: dict[str, list[str]] = {}
    for order_id, number in numbers.items():
        orders_of.setdefault(number, []).append(order_id)
    for number, orders in orders_of.items():
        if len(orders) > 1:
            raise UsageError(
                f"tracking number {visible(number)} is given to {len(orders):,} orders ({visible(', '.join(orders[:5]))}"
                f"{', …' if len(orders) > 5 else ''}): a tracking number is one package, so give each order its "
                "own as ID=TRACKING (nothing was shipped)"
            )
    return numbers


_REQUEST_KINDS = {"cancellation": RequestType.CANCELLATION, "return": RequestType.RETURN_REFUND}


def cmd_request(ctx: Context) -> int:
    args = ctx.args
    approve = args.answer == "approve"
    reason = (args.reason or "").strip()
    if not approve and not reason:
        raise UsageError("rejecting a buyer request needs --reason (nothing was changed)")
    kind = _REQUEST_KINDS[args.type]
    done = f"{args.type} request {'approved' if approve else 'rejected'}"
    return _run_bulk(
        ctx, "request", {"answer": args.answer, "type": args.type, "reason": reason or None}, lambda _order: done,
        lambda store, ids, job, on_each: store.answer_request_many(
            ids, kind, approve=approve, reject_reason=reason or None, job=job, on_each=on_each),
    )


def cmd_simulate(ctx: Context) -> int:
    from .io.simulate import simulate

    args = ctx.args
    if args.seconds == 0 and args.count is None:
        raise UsageError("--seconds 0 needs --count K (that many events, as fast as possible)")
    ctx.check_writable("simulate")
    events = args.count if args.count is not None else round(args.rate * args.seconds)
    ctx.upgrade()
    with Store(ctx.db_path, clock=ctx.clock, actor="simulator", create=False) as store:
        summary = simulate(store, rate=args.rate, events=events, pace=args.seconds != 0, seed=args.seed)
    ctx.print(summary.line())
    return EXIT_OK


def _add_action_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """The changing commands: note, cancel, ship, request, simulate."""
    writes = argparse.ArgumentParser(add_help=False)
    writes.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                        help="refuse every change (as the config's read_only does)")
    jobs = argparse.ArgumentParser(add_help=False)
    jobs.add_argument("--job", type=_job_arg, default=None, metavar="NAME",
                      help="the job's id (default: made from operator, command, options and orders)")
    ids_help = "order IDs (several for bulk; '-' reads them from stdin)"

    def changing(action_id: str, **kwargs: Any) -> argparse.ArgumentParser:
        """The subcommand of a declared order action (domain.catalog.ORDER_ACTIONS), with its help."""
        action = ORDER_ACTIONS_BY_ID[action_id]
        return sub.add_parser(action.command, parents=[common, writes, jobs], help=action.command_help, **kwargs)

    for action in ORDER_ACTIONS:
        if action.note is None:
            continue
        start = action.note
        note = changing(
            action.id, description=textwrap.fill(action.command_about, width=78) + "\n\n" + JOB_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        note.add_argument("ids", nargs="+", type=_text_arg, metavar="ID", help=ids_help)
        note.add_argument("--flag", type=_flag_arg, default=KEEP if start.flag is None else start.flag,
                          metavar="COLOUR", help=f"{', '.join(f.value for f in Flag)}, or none to clear the flag "
                          f"(default: {'keep it' if start.flag is None else start.flag.value})")
        note.add_argument("--text", type=_text_arg, default=start.text, help="the comment (default: "
                          + ("keep the current one)" if start.text is None else f"{start.text!r})".replace("%", "%%")))
        note.set_defaults(handler=cmd_note, note_command=action.command)

    cancel = changing(
        "cancel", description=JOB_HELP,
        epilog=_cancel_reasons_help(), formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cancel.add_argument("ids", nargs="+", type=_text_arg, metavar="ID", help=ids_help)
    cancel.add_argument("--reason", required=True, type=_text_arg, metavar="CODE",
                        help="a cancel reason code (listed below)")
    cancel.set_defaults(handler=cmd_cancel)

    ship = changing(
        "ship", description=textwrap.fill(
            "Each order is one package with its own tracking number: give ID=TRACKING for each order, or one "
            "ID and --tracking. One number for two orders is refused; a number another order already has is "
            "a warning.", width=78,
        ) + "\n\n" + JOB_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ship.add_argument("ids", nargs="+", type=_text_arg, metavar="ID[=TRACKING]",
                      help="order IDs, each with its tracking number; '-' reads them from stdin")
    ship.add_argument("--tracking", type=_text_arg, metavar="T",
                      help="the tracking number of the one order given without one: 8-40 letters and digits")
    ship.add_argument("--carrier", required=True, type=_text_arg, metavar="C", help=f"one of: {', '.join(CARRIERS)}")
    ship.set_defaults(handler=cmd_ship)

    request = changing("answer", description=JOB_HELP)
    request.add_argument("answer", choices=("approve", "reject"))
    request.add_argument("ids", nargs="+", type=_text_arg, metavar="ID", help=ids_help)
    request.add_argument("--type", required=True, choices=tuple(_REQUEST_KINDS))
    request.add_argument("--reason", type=_text_arg, help="why a request is rejected (needed to reject)")
    request.set_defaults(handler=cmd_request)

    sim = sub.add_parser("simulate", parents=[common, writes],
                         help="feed the database campaign traffic (new orders, payments, shipments, requests)")
    sim.add_argument("--rate", type=_number_arg(MIN_SIMULATE_RATE, MAX_SIMULATE_RATE), default=5.0, metavar="N",
                     help=f"events per second, {MIN_SIMULATE_RATE:g} to {MAX_SIMULATE_RATE:,} (default 5)")
    sim.add_argument("--seconds", type=_number_arg(0, MAX_SIMULATE_SECONDS), default=10.0, metavar="S",
                     help=f"how long to run, at most {MAX_SIMULATE_SECONDS:,} (a day; default 10); "
                     "0 with --count: no pacing")
    sim.add_argument("--count", type=_int_arg(0, MAX_SIMULATE_EVENTS), default=None, metavar="K",
                     help=f"exactly K events, at most {MAX_SIMULATE_EVENTS:,}")
    sim.add_argument("--seed", type=int, default=None, help="make the traffic repeatable")
    sim.set_defaults(handler=cmd_simulate)


# Seller health ------------------------------------------------------------------------------


def _score_json(score: Any, name: str) -> dict[str, Any]:
    data = score.model_dump(mode="json")
    return {name: data.pop(name), **data}


def cmd_metrics(ctx: Context) -> int:
    """Seller health (SFCR, LDR, VTR, return rate) and the top creators and products of the window."""
    from .domain.metrics import METRICS_BY_KEY, percent

    days = ctx.args.days
    now = ctx.clock.now()
    ctx.clock = FixedClock(now)  # one moment for every figure
    with ctx.store(read_only=True) as store:
        figures = store.metrics(days)
        creators = store.creator_scorecard(days, limit=5)
        products = store.product_scorecard(days, limit=5)
    if ctx.args.json:
        data: dict[str, Any] = {"now": now.isoformat(), "days": days}
        for m in figures:
            data[m.key.value] = m.model_dump(mode="json", exclude={"key"})
        data["top_creators"] = [_score_json(s, "creator") for s in creators]
        data["top_products"] = [_score_json(s, "product_id") for s in products]
        ctx.print(dumps(data))
        return EXIT_OK
    ctx.print(f"Seller health · orders created in the last {days} days to {_when(now)} (samples excluded)")
    for m in figures:
        ratio = f"{m.numerator:,} / {m.denominator:,} {METRICS_BY_KEY[m.key].denominator}"
        ctx.print(f"  {m.short:<8}{m.value_text:>7}  target {m.target_text:<8}{m.state.value.upper():<9}{ratio}")
    ctx.print("Top creators by GMV")
    for c in creators:
        ctx.print(
            f"  @{visible(c.creator):<20} {c.orders:>7,} orders {c.gmv:>12,}  cancelled {percent(c.cancellation_rate)}"
            f"  seller-fault {c.seller_fault_cancellations}  returns {percent(c.return_rate)}  late {c.late_shipments}"
        )
    if not creators:
        ctx.print("  —")
    ctx.print("Top products by GMV")
    for p in products:
        ctx.print(
            f"  {visible(p.product_id)}  {visible(p.product_name)[:28]:<28} {p.orders:>7,} orders {p.units:>7,} units"
            f" {p.gmv:>12,}  cancelled {percent(p.cancellation_rate)}  returns {percent(p.return_rate)}"
        )
    if not products:
        ctx.print("  —")
    return EXIT_OK


# Export and print -----------------------------------------------------------------------------


def _tab_arg(text: str) -> str:
    tab = text.strip().lower()
    if tab not in TAB_IDS:
        raise argparse.ArgumentTypeError(f"unknown tab {text!r}; tabs are: {', '.join(TAB_IDS)}")
    return tab


def _date_arg(text: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date like 2026-11-26: '{_shown(text)}'") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise argparse.ArgumentTypeError(f"{day} is out of range: give {FIRST_DAY} to {LAST_DAY}")
    return day


def _choice_arg(kind: type[Any], label: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return kind(text.strip().lower() if kind is Flag else text.strip().upper().replace("-", "_"))
        except ValueError:
            names = ", ".join(m.value.lower() if kind is not Flag else m.value for m in kind)
            raise argparse.ArgumentTypeError(f"no {label} {text!r}; {label}s are: {names}") from None

    return parse


def _username_arg(text: str) -> str | None:
    return _text_arg(text).lstrip("@") or None


# The parser of each kind of value a filter's CLI option takes (domain.query.CliOption.arg).
_FILTER_ARGS: dict[str, Callable[[str], Any]] = {
    "int": int, "text": _text_arg, "username": _username_arg, "date": _date_arg, "ids": _text_arg, "search": _text_arg,
}


def _add_filter_option(group: Any, name: str, cli: CliOption) -> None:
    if cli.arg is None and len(cli.flags) == 2:
        pair = group.add_mutually_exclusive_group()
        for flag, const, text in zip(cli.flags, (True, False), cli.helps, strict=True):
            pair.add_argument(flag, dest=name, action="store_const", const=const, default=None, help=text)
    elif cli.arg is None:
        group.add_argument(*cli.flags, dest=name, action="store_true", help=cli.helps[0])
    else:
        parse = _choice_arg(*cli.arg) if isinstance(cli.arg, tuple) else _FILTER_ARGS[cli.arg]
        group.add_argument(*cli.flags, dest=name, type=parse, default=None, metavar=cli.metavar, help=cli.helps[0],
                           **({"nargs": "+"} if cli.arg in ("ids", "search") else {}))


def _add_scope_options(parser: argparse.ArgumentParser, default_tab: str) -> None:
    """Which orders: a tab, or IDs, narrowed by the same filters as the command centre's."""
    groups = {"scope": parser.add_argument_group("which orders")}
    groups["scope"].add_argument("--tab", type=_tab_arg, default=None, metavar="T",
                                 help=f"a tab id (default {default_tab}; 'all' with --ids): {', '.join(TAB_IDS)}")
    groups["filters"] = parser.add_argument_group("filters (as the command centre's f)")
    options = [(name, spec.cli) for name, spec in FILTER_FIELDS.items() if spec.cli is not None]
    for group in groups:  # in the order help and usage have always listed them: which orders first
        for name, cli in options:
            if cli.group == group:
                _add_filter_option(groups[group], name, cli)


def _filter_value(name: str, cli: CliOption, value: Any, stdin: TextIO | None) -> Any:
    """The Filters value of an option as parsed; UsageError if it cannot be one."""
    if value is None:
        return None
    if cli.arg == "ids":
        chunks = [_stdin_text(stdin or sys.stdin) if chunk == "-" else chunk for chunk in value]
        ids = list(dict.fromkeys(t for c in chunks for t in c.replace(",", " ").replace(";", " ").split()))
        if not ids:
            raise UsageError(f"{cli.flags[0]} given without any order ID")
        return tuple(ids)
    if cli.arg == "search":
        try:
            return tuple(parse_ids(value))
        except SearchTooLong as error:
            raise UsageError(str(error)) from error
    return value


def filters_from_args(args: argparse.Namespace, stdin: TextIO | None = None) -> Filters:
    """The Filters that the scope and filter options of export and print describe (UsageError if wrong)."""
    data = {
        name: _filter_value(name, spec.cli, getattr(args, name), stdin)
        for name, spec in FILTER_FIELDS.items() if spec.cli is not None
    }
    if data["created_from"] and data["created_to"] and data["created_from"] > data["created_to"]:
        raise UsageError("--created-from is after --created-to")
    try:
        return Filters(**data)
    except ValidationError as error:
        first = error.errors()[0]
        name = "--" + str(first["loc"][0]).replace("_", "-") if first.get("loc") else "a filter"
        raise UsageError(f"{name}: {first['msg']}") from error


def _scope(ctx: Context, default_tab: str) -> tuple[str, Filters]:
    filters = filters_from_args(ctx.args)
    tab = ctx.args.tab or ("all" if filters.ids is not None or filters.search is not None else default_tab)
    return tab, filters


def _missing_ids(ctx: Context, filters: Filters, found: set[str]) -> int:
    """Report the --ids that are not in the scope; how many."""
    if filters.ids is None:
        return 0
    missing = [i for i in filters.ids if i not in found]
    if missing:
        print(f"tsshop: not in this shop or scope: {visible(', '.join(missing))}", file=ctx.err)
    return len(missing)


def cmd_export(ctx: Context) -> int:
    """Export to a file, or with -o - to standard output (then the summary goes to stderr)."""
    from .io.export import ExportError, default_file_name, format_for

    args = ctx.args
    tab, filters = _scope(ctx, "all")
    to_stdout = args.output == "-"
    try:
        fmt = format_for(args.output or "", args.format or ("csv" if to_stdout else None))
    except ExportError:
        raise UsageError("give --format csv|xlsx|json or -o FILE ending in .csv, .xlsx or .json") from None
    found: set[str] = set()
    if to_stdout:
        _check_stdout(ctx.out, fmt)
        with tempfile.TemporaryDirectory(prefix="tsshop-export-") as folder:
            result = _export(ctx, tab, filters, Path(folder, f"export.{fmt}"), fmt, found)
            _copy_out(result.path, ctx.out)
        print(replace(result, path=Path("standard output")).summary(), file=ctx.err)
    else:
        path = Path(args.output) if args.output else Path(default_file_name("", tab, ctx.clock.now(), f".{fmt}"))
        ctx.print(_export(ctx, tab, filters, path, fmt, found).summary())
    return EXIT_PARTIAL if _missing_ids(ctx, filters, found) else EXIT_OK


def _export(ctx: Context, tab: str, filters: Filters, path: Path, fmt: str, found: set[str]) -> Any:
    """The export of *tab* narrowed by *filters* written to *path*; the --ids found added to *found*."""
    from .io.export import ExportError, export_orders

    with ctx.store(read_only=True) as store:
        ids = store.export_ids(tab, filters=filters)
        if filters.ids is not None:
            ids = _noting(ids, found)
        try:
            return export_orders(store, ids, path, fmt)
        except ExportError as error:
            raise UsageError(f"{error}") from error
        except OSError as error:
            raise UsageError(f"cannot write {path}: {error.strerror or error} (nothing was written)") from error


def _check_stdout(out: TextIO, fmt: str) -> None:
    """CSV and XLSX keep marketplace text exactly, escape characters too: never onto a terminal."""
    if fmt != "json" and out.isatty():
        raise UsageError(
            f"{fmt.upper()} keeps marketplace text exactly, terminal escapes too: send it to a file or a "
            "program (-o - | ...), or export JSON (nothing was written)"
        )
    if fmt == "xlsx" and not hasattr(out, "buffer"):
        raise UsageError("this output takes text only: give -o FILE.xlsx (nothing was written)")


def _copy_out(path: Path, out: TextIO) -> None:
    """A finished export onto *out*, byte for byte where it takes bytes (CSV keeps its BOM and CRLF)."""
    out.flush()
    with path.open("rb") as handle:
        binary = getattr(out, "buffer", None)
        if binary is None:
            shutil.copyfileobj(io.TextIOWrapper(handle, encoding="utf-8", newline=""), out)
        else:
            shutil.copyfileobj(handle, binary)
            binary.flush()


def _noting(ids: Any, found: set[str]) -> Any:
    for order_id in ids:
        found.add(order_id)
        yield order_id


def cmd_print(ctx: Context) -> int:
    from .io.export import ExportError, default_file_name
    from .io.printing import labels, picking_list, send_to_printer

    args = ctx.args
    picking = args.what == "picking-list"
    tab, filters = _scope(ctx, "to-ship" if picking else "awaiting-collection")
    path = Path(args.output) if args.output else Path(
        default_file_name(args.what, tab, ctx.clock.now(), ".pdf")
    )
    with ctx.store(read_only=ctx.read_only) as store:
        ids = list(store.export_ids(tab, filters=filters))
        missing = _missing_ids(ctx, filters, set(ids))
        if not ids:
            raise UsageError(f"no orders in {tab} with these filters: nothing to print (nothing was written)")
        try:
            if picking:
                result = picking_list(store, ids, path, pagesize=args.page_size)
                ctx.print(
                    f"Picking list of {result.orders:,} orders ({result.units:,} units of {result.skus:,} SKUs, "
                    f"{result.pages} pages) written to {result.path}"
                )
                skipped: list[tuple[str, str]] = []
                made: Path | None = result.path
            else:
                labelled = labels(store, ids, path)
                skipped, made = labelled.skipped, labelled.path
                for order_id, reason in skipped:
                    print(f"tsshop: no label for {order_id}: {visible(reason)}", file=ctx.err)
                if made is None:
                    raise UsageError(f"none of the {len(ids)} orders can have a label (nothing was written)")
                printed = len(labelled.printed)
                ctx.print(f"{printed:,} label{'' if printed == 1 else 's'} written to {made}"
                          + (f"; {len(skipped):,} orders skipped" if skipped else ""))
                result = labelled  # type: ignore[assignment]
        except (ExportError, ValueError) as error:
            raise UsageError(str(error)) from error
        except OSError as error:
            raise UsageError(f"cannot write {path}: {error.strerror or error} (nothing was written)") from error
    if result.history_error:
        print(f"tsshop: {result.history_error}", file=ctx.err)
    if args.send:
        ctx.print(send_to_printer(made, ctx.settings.printer))
    return EXIT_PARTIAL if skipped or missing else EXIT_OK


def _page_size_arg(text: str) -> str:
    return {"a4": "A4", "letter": "Letter"}.get(text.strip().lower(), text)


def _add_output_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """export and print (domain.catalog.ORDER_ACTIONS): the same scope and filter options as each other."""
    export_action, print_action = ORDER_ACTIONS_BY_ID["export"], ORDER_ACTIONS_BY_ID["print"]
    export = sub.add_parser(
        export_action.command, parents=[common], help=export_action.command_help,
        description=export_action.command_about,
    )
    _add_scope_options(export, "all")
    export.add_argument("--format", choices=("csv", "xlsx", "json"), default=None,
                        help="default: from the file name")
    export.add_argument("-o", "--output", default=None, metavar="FILE",
                        help="default: tsshop-TAB-YYYYMMDD-HHMM.FORMAT in the current folder; '-' writes to "
                        "standard output (CSV unless --format; the summary then goes to stderr)")
    export.set_defaults(handler=cmd_export)

    printing = sub.add_parser(
        print_action.command, parents=[common], help=print_action.command_help,
        description=print_action.command_about,
    )
    printing.add_argument("what", choices=("picking-list", "labels"))
    _add_scope_options(printing, "to-ship (picking list) / awaiting-collection (labels)")
    printing.add_argument("--page-size", choices=("A4", "Letter"), default="A4", type=_page_size_arg,
                          help="paper of a picking list (labels are always 4x6 inch); default A4")
    printing.add_argument("-o", "--output", default=None, metavar="FILE.pdf",
                          help="default: tsshop-WHAT-TAB-YYYYMMDD-HHMM.pdf in the current folder")
    printing.add_argument("--send", action="store_true",
                          help="send the PDF to the printer of the config (printer = NAME) with lp")
    printing.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                          help="make the PDF without recording the printing in the history")
    printing.set_defaults(handler=cmd_print)


# Parser -----------------------------------------------------------------------------------


def _common(*, suppress: bool) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    default = argparse.SUPPRESS if suppress else None
    common.add_argument("--db", default=default, help="the shop database (else TSSHOP_DB, config, user data dir)")
    common.add_argument(
        "--now", type=_parse_now, default=default, metavar="ISO",
        help="take this moment as now (reproducible demos, checks and replays)",
    )
    return common


# The commands whose parsers are all a command line naming one of them needs (see _named_command):
# the others' parsers import the fake TikTok, sync and outbox modules, which these never use.
BASIC_COMMANDS = frozenset({"demo", "import", "counts", "search", "show", "metrics"})


def _named_command(argv: Sequence[str]) -> str | None:
    """The command *argv* names after the main options, when plain without parsing (no --help or
    abbreviated option before it), else None."""
    tokens = iter(argv)
    for token in tokens:
        if token in ("--db", "--now"):
            next(tokens, None)
        elif token != "--read-only" and not token.startswith(("--db=", "--now=")):
            return None if token.startswith("-") else token
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command; for one of BASIC_COMMANDS, only the basic commands' parsers."""
    parser = ArgumentParser(
        prog="tsshop",
        description="TikTok Shop order command centre. Without a command it opens the terminal UI.",
        parents=[_common(suppress=False)],
    )
    parser.add_argument("--read-only", action="store_true", help="open the command centre read-only")
    parser.set_defaults(handler=cmd_tui)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    common = _common(suppress=True)

    demo = sub.add_parser("demo", parents=[common], help="build a believable demo shop")
    demo.add_argument("--orders", type=_int_arg(1, MAX_DEMO_ORDERS), default=5000, metavar="N",
                      help=f"how many orders: 1 to {MAX_DEMO_ORDERS:,} (default 5000)")
    demo.add_argument("--seed", type=int, default=1,
                      help="random seed: the same seed and --now build the same shop (default 1)")
    demo.add_argument("--force", action="store_true", help="replace an existing database")
    demo.set_defaults(handler=cmd_demo)

    imp = sub.add_parser("import", parents=[common], help="import Seller Center order exports (.csv, .xlsx)")
    imp.add_argument("files", nargs="+", type=_import_file, metavar="FILE")
    imp.set_defaults(handler=cmd_import)

    counts = sub.add_parser("counts", parents=[common], help="orders per tab")
    counts.add_argument("--json", action="store_true")
    counts.set_defaults(handler=cmd_counts)

    search = sub.add_parser("search", parents=[common], help="bulk search up to 100 IDs of any kind")
    search.add_argument("ids", nargs="+", type=_text_arg, metavar="ID",
                        help="order, tracking, product, SKU IDs; '-' reads stdin")
    search.add_argument("--json", action="store_true")
    search.add_argument("--limit", type=_int_arg(1, MAX_SEARCH_LIMIT), default=500, metavar="N",
                        help=f"show at most this many orders: 1 to {MAX_SEARCH_LIMIT:,} (default 500)")
    search.set_defaults(handler=cmd_search)

    show = sub.add_parser("show", parents=[common], help="one order: lines, notes, history")
    show.add_argument("id", type=_text_arg)
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_show)
    metrics = sub.add_parser("metrics", parents=[common], help="seller health: SFCR, LDR, VTR, return rate; top creators, products")
    metrics.add_argument("--days", type=_int_arg(1, MAX_DAYS), default=7, metavar="N",
                         help=f"the window: orders created in the last N days, 1 to {MAX_DAYS} (default 7)")
    metrics.add_argument("--json", action="store_true")
    metrics.set_defaults(handler=cmd_metrics)
    if command in BASIC_COMMANDS:
        return parser
    from .fake_tiktok.command import add_fake_tiktok_parser  # it imports the whole double

    add_fake_tiktok_parser(sub)
    _add_output_parsers(sub, common)
    _add_action_parsers(sub, common)
    from .cli_outbox import add_outbox_parser  # it imports this module, so not at the top

    add_outbox_parser(sub, common)
    from .cli_sync import add_sync_parsers  # it imports this module, so not at the top

    add_sync_parsers(sub, common)
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser(_named_command(sys.argv[1:] if argv is None else argv))
    try:
        with redirect_stdout(out):  # --help
            args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_BAD_INPUT if exit_.code else EXIT_OK
    except UsageError as error:
        print(f"tsshop: {error}", file=err)
        return EXIT_BAD_INPUT
    handler: Callable[[Context], int] = args.handler
    ctx: Context | None = None
    try:
        settings = load_settings()
        clock: Clock = FixedClock(args.now) if args.now else SystemClock()
        ctx = Context(args, settings, clock, out, err)
        return handler(ctx)
    except (UsageError, ConfigError, StoreError) as error:
        message = str(error)
    except sqlite3.Error as error:  # found by a query, not at the open: a damaged page, a full disk
        message = str(database_problem(ctx.db_path if ctx else Path("the database"), error))
    print(f"tsshop: {_shown(message)}", file=err)
    return EXIT_BAD_INPUT


def run() -> None:
    """The tsshop command: main() on the process's streams.

    A reader that stops early (``tsshop counts | head -3``) ends the command quietly with exit
    code 1 (partial), as the Python documentation recommends for SIGPIPE: the rest of the output
    goes to devnull instead of a BrokenPipeError. A file name that is not UTF-8 is printed with
    \\x escapes, as Python does on stderr, instead of failing.
    """
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_PARTIAL
    sys.exit(code)


if __name__ == "__main__":
    run()
