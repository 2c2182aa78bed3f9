"""Streaming reads for exports and printing: CSV lines formatted by SQLite, IDs, pick totals.

An export of a million orders cannot afford a pydantic ``Order`` per order. Here a batch of order
IDs at a time is read and formatted by SQLite itself into the CSV lines of the Seller Center
layout (``io.seller_center.export_rows`` + ``csv.writer`` is the reference; a test holds the two
byte for byte equal). The order's columns are formatted once per order and the SKU line's once per
line, then joined into one line per SKU line. Memory stays flat: one batch at a time. The SQL of
each column follows from its declaration (``domain.columns``: field, kind, order or line); the few
computed columns have named rules here (``_COMPUTED``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from calendar import monthrange
from functools import lru_cache
from operator import itemgetter
from typing import Any

from ..domain.catalog import SELLER_CENTER_FULFILMENT, SELLER_CENTER_ORDER_TYPE, SELLER_CENTER_STATUS
from ..domain.columns import COLUMNS, Column, Kind, Level
from ..domain.model import Initiator, OrderStatus, RequestStatus, RequestType
from ..domain.query import Filters, Sort
from .db import StoreBase
from .reads import Cursor, tab_sort
from .schema import FAR_FUTURE

S = OrderStatus

_STATUS_TEXT = SELLER_CENTER_STATUS
_ORDER_TYPE_TEXT = SELLER_CENTER_ORDER_TYPE
_SHIPPED = (S.IN_TRANSIT, S.DELIVERED, S.COMPLETED)

NEUTRALISE_FUNCTION = "tsshop_neutralise"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _case(column: str, mapping: dict[str, str], default: str = "''") -> str:
    whens = " ".join(f"WHEN {_quote(key)} THEN {_quote(value)}" for key, value in mapping.items())
    return f"CASE {column} {whens} ELSE {default} END"


def _text(expression: str) -> str:
    """NULL as empty text."""
    return f"coalesce({expression}, '')"


def _money(cents: str) -> str:
    """Minor units as '38.40' (two decimals, no symbol), NULL as ''.

    printf's %.2f of cents/100.0 is exact below 10^13 cents (a test checks it against Decimal);
    beyond that the slower integer formatting takes over.
    """
    return (
        f"CASE WHEN {cents} IS NULL THEN '' WHEN abs({cents}) < 10000000000000 "
        f"THEN printf('%.2f', ({cents}) / 100.0) ELSE printf('%s%d.%02d', "
        f"CASE WHEN {cents} < 0 THEN '-' ELSE '' END, abs({cents}) / 100, abs({cents}) % 100) END"
    )


# Times are the costliest cells (ten per row): strftime() and printf() take ~1 µs each. Two
# calendars bound as BLOB parameters turn each into two O(1) byte slices: :dates holds
# 'MM/DD/YYYY' for every day from 1970 to 2079, :tod ' h:MM:SS AM' (padded to 12 bytes) for every
# second of a day. Times outside the calendar fall back to strftime/printf. A test checks both
# against seller_center.format_time.
CALENDAR_DAYS = 40_000
_TOD_WIDTH = 12


@lru_cache(maxsize=1)
def calendar_params() -> dict[str, bytes]:
    """The :dates and :tod parameters of queries that format times."""
    # Made of month lengths and joins, not a strftime per day (that took a quarter second).
    dates = "".join(
        f"{month:02d}/{day:02d}/{year}"
        for year in range(1970, 1971 + CALENDAR_DAYS // 365)
        for month in range(1, 13)
        for day in range(1, monthrange(year, month)[1] + 1)
    )
    seconds = [f":{second:02d}" for second in range(60)]
    tod = "".join(
        f"{minute}{second} {half}".ljust(_TOD_WIDTH)
        for half in ("AM", "PM")
        for hour in (12, *range(1, 12))
        for minute in [f" {hour}:{m:02d}" for m in range(60)]
        for second in seconds
    )
    return {"dates": dates[: CALENDAR_DAYS * 10].encode(), "tod": tod.encode()}


def _time(epoch: str) -> str:
    """Epoch seconds as '11/25/2026 9:30:33 PM' in UTC (seller_center.format_time), NULL as ''."""
    hour = f"CAST(strftime('%H', {epoch}, 'unixepoch') AS INTEGER)"
    return (
        f"CASE WHEN {epoch} IS NULL THEN '' "
        f"WHEN {epoch} >= 0 AND {epoch} < {CALENDAR_DAYS * 86_400} THEN CAST("
        f"substr(:dates, ({epoch}) / 86400 * 10 + 1, 10) || "
        f"rtrim(substr(:tod, ({epoch}) % 86400 * {_TOD_WIDTH} + 1, {_TOD_WIDTH})) AS TEXT) "
        f"ELSE printf('%s %d:%s %s', strftime('%m/%d/%Y', {epoch}, 'unixepoch'), ({hour} + 11) % 12 + 1, "
        f"strftime('%M:%S', {epoch}, 'unixepoch'), CASE WHEN {hour} >= 12 THEN 'PM' ELSE 'AM' END) END"
    )


# The cells that may need an apostrophe start with = + - @ tab CR (or an apostrophe, when the
# text already looks neutralised). All of them sort in [tab, '0') or ['=', 'A') byte-wise: two
# cheap comparisons let nearly every cell pass in C, and only those few go to the exact check
# in Python (the neutralise function). NULL and '' compare false, so they never do.
def _starts_risky(expression: str) -> str:
    # Ordered so that text starting with a letter (the common case) fails after two comparisons.
    return (
        f"(({expression}) < '0' AND ({expression}) >= char(9)"
        f" OR ({expression}) < 'A' AND ({expression}) >= '=')"
    )


def _text_column(column: str) -> tuple[str, str]:
    return _text(column), _starts_risky(column)


def _money_column(cents: str) -> tuple[str, str]:
    return _money(cents), f"{cents} < 0"


_SAFE = None


def _shipped_time() -> str:
    shipped = ", ".join(_quote(s.value) for s in _SHIPPED)
    return f"CASE WHEN o.status IN ({shipped}) THEN {_time('o.rts_time')} ELSE '' END"


# Columns formatted by a rule of their own (domain.columns.COMPUTED has the same rules); the
# others follow from their field and kind (_column_sql). Each: (SQL expression over orders o or
# line_items l, the condition under which the cell may need neutralising, or None when it never
# can). Only those rare cells leave SQLite for the exact check in Python, so the common case stays
# in C.
_COMPUTED: dict[str, tuple[str, str | None]] = {
    "Order Status": (_case("o.status", {s.value: t[0] for s, t in _STATUS_TEXT.items()}), _SAFE),
    "Order Substatus": (_case("o.status", {s.value: t[1] for s, t in _STATUS_TEXT.items()}), _SAFE),
    "Cancelation/Return Type": (
        "CASE WHEN o.status = 'CANCELLED' THEN 'Cancel' WHEN o.has_return THEN 'Return/Refund' ELSE '' END",
        _SAFE,
    ),
    "Normal or Pre-order": (_case("o.order_type", {t.value: x for t, x in _ORDER_TYPE_TEXT.items()}), _SAFE),
    "SKU Subtotal Before Discount": _money_column("l.original_price * l.quantity"),
    "SKU Subtotal After Discount": _money_column("l.sale_price * l.quantity"),
    "Shipped Time": (_shipped_time(), _SAFE),
    "Cancel By": (_case("o.cancellation_initiator", {i.value: i.value.title() for i in Initiator}), _SAFE),
    "Fulfillment Type": (
        _case("o.shipping_type", {t.value: x for t, x in SELLER_CENTER_FULFILMENT.items()}),
        _SAFE,
    ),
    # The current comment, else the marketplace's seller note.
    "Seller Note": _text_column("coalesce(nullif(o.note, ''), o.seller_note)"),
    "Sample Order": ("CASE WHEN o.is_sample_order THEN 'Yes' ELSE 'No' END", _SAFE),
}


# The newest buyer request of each kind, joined to its order (alias -> request type). The order
# query builds each from the batch's requests once (the order index finds them), not per cell.
_REQUEST_JOINS = {"rc": RequestType.CANCELLATION, "rr": RequestType.RETURN_REFUND}


def _request_join(alias: str, kind: RequestType) -> str:
    """LEFT JOIN of the newest request of *kind* (the highest id) of each order of the batch."""
    return (
        f"LEFT JOIN (SELECT order_id, status, created_at, respond_by, reason, max(id) FROM requests "
        f"WHERE order_id IN (SELECT value FROM json_each(:ids)) AND type = {_quote(kind.value)} "
        f"GROUP BY order_id) AS {alias} ON {alias}.order_id = o.id"
    )


def _request_columns(label: str, alias: str) -> dict[str, tuple[str, str | None]]:
    """The newest buyer request of a kind (joined as *alias*): status, requested and respond-by
    times, reason; all empty where the order has none."""
    status = _case(f"{alias}.status", {s.value: s.value.title() for s in RequestStatus})
    return {
        f"{label} Request": (status, _SAFE),
        f"{label} Requested Time": (_time(f"{alias}.created_at"), _SAFE),
        f"{label} Respond By": (_time(f"{alias}.respond_by"), _SAFE),
        f"{label} Request Reason": _text_column(f"{alias}.reason"),
    }


_COMPUTED.update(_request_columns("Cancellation", "rc"))
_COMPUTED.update(_request_columns("Return", "rr"))


def _column_sql(column: Column) -> tuple[str, str | None]:
    """The SQL of one export column: its rule, its constant, or its field (a column of orders o or
    line_items l named like it) formatted as its kind."""
    if column.header in _COMPUTED:
        return _COMPUTED[column.header]
    if column.constant is not None:
        return _quote(column.constant), _SAFE
    if column.field is None:
        raise LookupError(f"export column {column.header!r} has no field, constant or SQL rule")
    stored = f"{'l' if column.level is Level.LINE else 'o'}.{column.field}"
    if column.kind is Kind.MONEY:
        return _money_column(stored)
    if column.kind is Kind.INT:
        return f"CAST({stored} AS TEXT)", f"{stored} < 0"
    if column.kind is Kind.TIME:
        return _time(stored), _SAFE
    if column.kind is Kind.CODE:  # digits or a word of a fixed set: never a formula, never quoted
        return _text(stored), _SAFE
    return _text_column(stored)


# Column header -> (SQL expression, when the cell may need neutralising), for every export column.
SELLER_CENTER_SQL: dict[str, tuple[str, str | None]] = {c.header: _column_sql(c) for c in COLUMNS}


def _select(expression: str, risk: str | None) -> str:
    if risk is None:
        return expression
    if risk.endswith("< 0"):  # a negative number: neutralised, it is an apostrophe before its '-'
        return f"CASE WHEN {risk} THEN '''' || {expression} ELSE {expression} END"
    return f"CASE WHEN {risk} THEN {NEUTRALISE_FUNCTION}({expression}) ELSE {expression} END"


# The sort key of a page row as the keyset cursor holds it (ReadsMixin.sort_value, in SQL).
_SORT_KEY = {
    Sort.SHIP_BY: f"coalesce(rts_sla_time, {FAR_FUTURE})",
    Sort.CREATED: "create_time",
    Sort.TOTAL: "total_amount",
    Sort.DEADLINE: f"coalesce(action_key, {FAR_FUTURE})",
}

# A CSV field (excel dialect, QUOTE_MINIMAL, as Python's csv writes it) is quoted when it holds a
# comma, a double quote, CR or LF. Neutralising only adds a leading apostrophe, so the raw text
# tells. Money, times, codes and constants never hold any of them.
_NEEDS_QUOTES = "'*[,\"\r\n]*'"
# The columns of the SKU line; every other column belongs to the order and repeats on its lines.
_LINE_HEADERS = frozenset(c.header for c in COLUMNS if c.level is Level.LINE)
# "Tracking ID" is the line's own tracking number where it has one, else the order's.
_TRACKING = "Tracking ID"


def _csv_field(column: str, expression: str | None = None, risk: str | None = None) -> str:
    """The CSV text of one cell: neutralised where it could start a formula, quoted where needed."""
    if expression is None:
        expression, risk = SELLER_CENTER_SQL[column]
    cell = _select(expression, risk)
    if risk is None or risk.endswith("< 0"):  # codes, constants, times, money, quantities
        return cell
    return (
        f"CASE WHEN {expression} GLOB {_NEEDS_QUOTES} "
        f"THEN '\"' || replace({cell}, '\"', '\"\"') || '\"' ELSE {cell} END"
    )


def _value(column: str, expression: str | None = None, risk: str | None = None) -> str:
    """The typed value of one cell, NULL where the CSV cell is empty: money as its text (never
    neutralised), a quantity as an integer, a time the order has a field for as its epoch seconds,
    anything else as the CSV's text unquoted (neutralised)."""
    if expression is None:
        expression, risk = SELLER_CENTER_SQL[column]
    declared = _DECLARED.get(column)
    if declared is not None and declared.kind is Kind.MONEY:
        return f"nullif({expression}, '')"
    if declared is not None and declared.kind is Kind.INT:
        return f"CAST(nullif({expression}, '') AS INTEGER)"
    if declared is not None and declared.kind is Kind.TIME and declared.field is not None:
        return f"CASE WHEN ({expression}) = '' THEN NULL ELSE o.{declared.field} END"
    return f"nullif({_select(expression, risk)}, '')"


_DECLARED = {c.header: c for c in COLUMNS}


def _segment(fields: list[str]) -> str:
    if len(fields) == 1:
        return f"coalesce({fields[0]}, '')"
    return f"printf('{','.join(['%s'] * len(fields))}', {', '.join(fields)})"


@dataclass(frozen=True)
class _Plan:
    """How to make the rows of a column layout: two queries and how to join their parts.

    The order query gives (id, order segments..., order tracking); the line query gives
    (order id, line segments..., own tracking or NULL). A CSV segment is a run of neighbouring
    columns of one kind, already joined with commas; a typed plan's segment is one cell's value.
    *pick* picks the parts of a row, in layout order, from order segments + line segments +
    (tracking,).
    """

    order_sql: str
    line_sql: str
    pick: Callable[[tuple[Any, ...]], tuple[str, ...]]
    no_line: tuple[str | None, ...]  # the line segments of an order without lines
    tracking: bool  # the layout has the Tracking ID column


@lru_cache(maxsize=8)
def _plan(columns: tuple[str, ...], typed: bool = False) -> _Plan:
    unknown = [c for c in columns if c not in SELLER_CENTER_SQL]
    if unknown:
        raise KeyError(f"no SQL for export columns: {', '.join(unknown)}")
    runs: list[tuple[str, list[str]]] = []  # ("o" | "l" | "t", columns)
    for column in columns:
        kind = "t" if column == _TRACKING else "l" if column in _LINE_HEADERS else "o"
        if runs and runs[-1][0] == kind and kind != "t" and not typed:
            runs[-1][1].append(column)
        else:
            runs.append((kind, [column]))
    cell = _value if typed else _csv_field
    segment = (lambda fields: fields[0]) if typed else _segment
    order_segments = [segment([cell(c) for c in cols]) for kind, cols in runs if kind == "o"]
    line_segments = [segment([cell(c) for c in cols]) for kind, cols in runs if kind == "l"]
    tracking = any(kind == "t" for kind, _ in runs)
    order_tracking = [segment([cell(_TRACKING)])] if tracking else []
    own = cell(_TRACKING, _text("l.tracking_number"), _starts_risky("l.tracking_number"))
    line_tracking = [f"CASE WHEN coalesce(l.tracking_number, '') = '' THEN NULL ELSE {own} END"] if tracking else []
    order_sql_text = " ".join(order_segments)
    joins = " ".join(_request_join(a, kind) for a, kind in _REQUEST_JOINS.items() if f"{a}." in order_sql_text)
    order_sql = (
        f"SELECT o.id, {', '.join(order_segments + order_tracking) or 'NULL'} "
        f"FROM json_each(:ids) AS e JOIN orders o ON o.id = e.value {joins} ORDER BY e.key"
    )
    line_sql = (
        f"SELECT l.order_id, {', '.join(line_segments + line_tracking) or 'NULL'} "
        "FROM line_items l WHERE l.order_id IN (SELECT value FROM json_each(:ids)) "
        "ORDER BY l.order_id, l.position"
    )
    # Parts of a line: order segments, then line segments, then the chosen tracking cell.
    n_order, n_line = len(order_segments), len(line_segments)
    indexes: list[int] = []
    seen = {"o": 0, "l": 0}
    for kind, _cols in runs:
        if kind == "t":
            indexes.append(n_order + n_line)
        else:
            indexes.append(seen[kind] + (0 if kind == "o" else n_order))
            seen[kind] += 1
    pick = itemgetter(*indexes) if len(indexes) > 1 else (lambda parts: (parts[indexes[0]],))
    no_line = tuple((None if typed else ",".join([""] * len(cols))) for kind, cols in runs if kind == "l")
    return _Plan(order_sql, line_sql, pick, no_line + ((None,) if tracking else ()), tracking)


def _csv_plan(columns: tuple[str, ...]) -> _Plan:
    """The plan of CSV lines of a column layout; KeyError naming the columns without SQL."""
    return _plan(columns)


def _csv_batch(conn: sqlite3.Connection, plan: _Plan, order_ids: Sequence[str]) -> tuple[int, list[str]]:
    """(orders found, CSV lines) of one batch, in the order of *order_ids*, lines by position."""
    found, rows = _batch(conn, plan, order_ids)
    return found, [",".join(parts) + "\r\n" for parts in rows]


def _batch(conn: sqlite3.Connection, plan: _Plan, order_ids: Sequence[str]) -> tuple[int, list[tuple[Any, ...]]]:
    """(orders found, the parts of each row) of one batch, in the order of *order_ids*, lines by
    position."""
    params = {"ids": json.dumps(list(dict.fromkeys(order_ids))), **calendar_params()}
    lines_of: dict[str, list[tuple[Any, ...]]] = {}
    for row in conn.execute(plan.line_sql, params):
        lines_of.setdefault(row[0], []).append(row[1:])
    pick, no_line = plan.pick, (plan.no_line,)
    out: list[tuple[Any, ...]] = []
    found = 0
    for row in conn.execute(plan.order_sql, params):
        found += 1
        lines = lines_of.get(row[0]) or no_line
        if plan.tracking:
            head, order_tracking = row[1:-1], row[-1]
            for line in lines:
                own = line[-1]
                out.append(pick(head + line[:-1] + (order_tracking if own is None else own,)))
        else:
            head = row[1:]
            out.extend(pick(head + line) for line in lines)
    return found, out


@dataclass(frozen=True)
class PickTotal:
    """How much of one SKU to pick from one warehouse, over a set of orders."""

    warehouse: str
    sku_id: str  # the (lowest) SKU ID of the lines totalled
    seller_sku: str  # the seller SKU, or the SKU ID where the lines have none
    product_name: str
    sku_name: str
    quantity: int
    orders: int


class ExportMixin(StoreBase):
    _neutralise_registered: Callable[[str], str] | None = None

    def _register_neutralise(self, neutralise: Callable[[str], str]) -> None:
        if self._neutralise_registered is not neutralise:
            self.conn.create_function(NEUTRALISE_FUNCTION, 1, neutralise, deterministic=True)
            self._neutralise_registered = neutralise

    def seller_center_csv(
        self, order_ids: Sequence[str], columns: Sequence[str], neutralise: Callable[[str], str]
    ) -> tuple[int, list[str]]:
        """(orders found, their CSV lines) for one batch of order IDs, formatted by SQLite.

        Each line is what ``csv.writer`` writes (CRLF-terminated) for one row of
        ``io.seller_center.export_rows``: one per SKU line, an order without lines as one line;
        orders in the order asked, lines by position. Cells that could start a spreadsheet
        formula go through *neutralise*; free text is quoted where it must be. Raises KeyError
        naming a column this store cannot write.
        """
        self._register_neutralise(neutralise)
        return _csv_batch(self.conn, _csv_plan(tuple(columns)), order_ids)

    def seller_center_values(
        self, order_ids: Sequence[str], columns: Sequence[str], neutralise: Callable[[str], str]
    ) -> tuple[int, list[tuple[Any, ...]]]:
        """(orders found, their rows of typed values) for one batch of order IDs: the rows of
        :meth:`seller_center_csv`, each cell None where the CSV's is empty, else money as its
        text ('38.40'), a quantity as int, a time the order has a field for as epoch seconds (UTC),
        and the rest as the CSV's text (neutralised, unquoted). Raises KeyError naming a column
        this store cannot write.
        """
        self._register_neutralise(neutralise)
        return _batch(self.conn, _plan(tuple(columns), typed=True), order_ids)

    def export_ids(
        self,
        tab: str,
        *,
        filters: Filters | None = None,
        sort: Sort | None = None,
        descending: bool = False,
        batch: int = 5000,
    ) -> Iterator[str]:
        """Every order ID of a tab, as ``iter_ids`` gives them, without building list rows.

        The same keyset pages (the same SQL as :meth:`page`), of which only the ID and sort key
        reach Python: fast enough for a million orders, and flat in memory.
        """
        sort = tab_sort(tab, sort)
        filters = filters or Filters()
        after: Cursor | None = None
        while True:
            sql, params = self._page_sql(tab, filters, sort, descending, after, batch)
            rows = self.conn.execute(f"SELECT id, {_SORT_KEY[sort]} FROM ({sql})", params).fetchall()
            yield from (order_id for order_id, _key in rows)
            if len(rows) < batch:
                return
            last_id, last_key = rows[-1]
            after = Cursor(last_key, last_id)

    def pick_totals(self, order_ids: Sequence[str]) -> list[PickTotal]:
        """What to pick for these orders: quantity per warehouse and seller SKU (the SKU ID where a
        line has no seller SKU), product and variation; in warehouse and SKU order."""
        totals: dict[tuple[str, str, str, str], list[Any]] = {}
        for start in range(0, len(order_ids), 500):
            batch = json.dumps(list(dict.fromkeys(order_ids[start : start + 500])))
            for warehouse, sku, name, variation, sku_id, quantity, orders in self.conn.execute(
                """
                SELECT coalesce(nullif(o.warehouse_name, ''), o.warehouse_id, ''),
                       coalesce(nullif(l.seller_sku, ''), l.sku_id), l.product_name, l.sku_name,
                       min(l.sku_id), sum(l.quantity), count(DISTINCT o.id)
                  FROM json_each(:ids) AS e
                  JOIN orders o ON o.id = e.value
                  JOIN line_items l ON l.order_id = o.id
                 GROUP BY 1, 2, 3, 4
                """,
                {"ids": batch},
            ):
                entry = totals.setdefault((warehouse, sku, name, variation), [sku_id, 0, 0])
                entry[0] = min(entry[0], sku_id)
                entry[1] += quantity
                entry[2] += orders
        return sorted(
            (
                PickTotal(warehouse, sku_id, sku, name, variation, quantity, orders)
                for (warehouse, sku, name, variation), (sku_id, quantity, orders) in totals.items()
            ),
            key=lambda t: (t.warehouse, t.seller_sku, t.product_name, t.sku_name),
        )
