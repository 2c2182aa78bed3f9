"""TikTok Seller Center order exports (.csv, .xlsx): reading them into orders, writing them back.

One row per SKU line; the rows of an order share its ``Order ID`` and repeat its order-level
columns. Reading copes with the quirks of real files (byte-order mark, a row of column
descriptions, trailing tabs after IDs and timestamps, US 12-hour times, money with ``$``/``USD``
and thousands separators, both "Canceled" and "Cancelled"). A row that cannot be read is reported
(file, line, reason) and its whole order is left out; a file that is not an export at all raises
:class:`ExportFormatError` and yields nothing.

Marketplace text is data: it is kept exactly as in the file. Writing neutralises spreadsheet
formulas with a leading apostrophe, and reading removes exactly that apostrophe again, so our own
exports read back to identical text. A worksheet cannot hold most control characters and turns a
carriage return into a line feed: in .xlsx text they are written with the workbook format's own
``_xHHHH_`` escapes (as Excel does), which reading undoes (:func:`xlsx_escape`, :func:`xlsx_unescape`).

Every column is declared once, in ``domain.columns``: its header and aliases, order or line, kind
and field, and the value of each computed one. What reading and writing need follows from that
table; the computed columns tsshop reads back are named rules here (``_order_fields`` and
``_line_fields``).

Our own exports add columns after the Seller Center layout (OPTIONAL_COLUMNS). Among them "Seller
Flag": with it, "Seller Note" and "Seller Flag" are the order's current comment and flag in tsshop
(the marketplace's seller note where the order has no comment), and reading makes them the order's
one note (``ParsedExport.own_notes``; the order's seller_note is then left empty). Without it,
"Seller Note" is the marketplace's seller note, as Seller Center writes it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from ..domain.model import (
    ContentType,
    Flag,
    Initiator,
    LineItem,
    Order,
    OrderStatus,
    OrderType,
    RequestStatus,
    RequestType,
    ShippingType,
)
from ..domain.columns import (
    COLUMNS,
    EXPORT_COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    SELLER_CENTER_COLUMNS,
    Kind,
    Level,
    format_money,
    format_time,
    writer,
)
from ..domain.text import visible

__all__ = [
    "EXPORT_COLUMNS",
    "NOTE_AUTHOR",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "SELLER_CENTER_COLUMNS",
    "BadRow",
    "ExportFormatError",
    "ExportReader",
    "ParsedExport",
    "export_rows",
    "format_money",
    "format_time",
    "neutralise",
    "read_export",
    "unneutralise",
    "write_csv",
    "write_export",
    "xlsx_escape",
    "xlsx_unescape",
]

S = OrderStatus
CENT = Decimal("0.01")

# The export's columns are declared in domain.columns; what reading and writing need is derived here.
_TEXTUAL = (Kind.TEXT, Kind.ID)

# Field key -> header names it may appear under (the first is the one we write).
_HEADERS: dict[str, tuple[str, ...]] = {c.key: c.headers for c in COLUMNS if c.key is not None}
# Buyer requests in tsshop's own exports: (kind, status, requested, respond-by, reason) field keys.
_REQUEST_KEYS = (
    (RequestType.CANCELLATION, "cancel_request", "cancel_requested", "cancel_respond_by", "cancel_request_reason"),
    (RequestType.RETURN_REFUND, "return_request", "return_requested", "return_respond_by", "return_request_reason"),
)
_REQUIRED_KEYS = tuple(c.key for c in COLUMNS if c.required and c.key is not None)

# Identifier-like columns: the trailing tab/space quirk is stripped (free text is kept exactly).
_ID_KEYS = frozenset(c.key for c in COLUMNS if c.kind in (Kind.ID, Kind.CODE) and c.key is not None)
_TIME_KEYS = tuple(c.key for c in COLUMNS if c.kind is Kind.TIME and c.key is not None)
# Columns of the SKU line (everything else belongs to the order and repeats on each of its rows).
_LINE_KEYS = frozenset(c.key for c in COLUMNS if c.level is Level.LINE and c.key is not None)
_ORDER_MONEY_KEYS = tuple(
    c.key for c in COLUMNS if c.level is Level.ORDER and c.kind is Kind.MONEY and c.key is not None
)
# Text columns read under a rule of their own (the rest go straight to the field of their name).
_READ_APART = frozenset(("currency",))


def _plain_text(level: Level, model: type[Order] | type[LineItem]) -> tuple[tuple[str, str], ...]:
    """(key, how) of the text columns of *level* that carry a field of *model* as they are: how is
    'optional' (an empty cell is None) where the field may be None, else 'ident' or 'text'."""
    found = []
    for c in COLUMNS:
        if c.level is level and c.kind in _TEXTUAL and c.field is not None and c.key == c.field \
                and c.key not in _READ_APART:
            how = "optional" if model.model_fields[c.field].default is None else "ident" if c.kind is Kind.ID else "text"
            found.append((c.field, how))
    return tuple(found)


_ORDER_TEXT = _plain_text(Level.ORDER, Order)
_LINE_TEXT = _plain_text(Level.LINE, LineItem)
NOTE_AUTHOR = "import"  # the author of the note read from our own export (the store writes its own)
_LABELS = {key: names[0] for key, names in _HEADERS.items()}


def _header_key(text: str) -> str:
    text = text.replace("\ufeff", "").lower()
    text = text.replace("cancelation", "cancellation").replace("canceled", "cancelled")
    return " ".join(text.split())


_HEADER_LOOKUP: dict[str, str] = {
    _header_key(name): key for key, names in _HEADERS.items() for name in names
}


class ExportFormatError(ValueError):
    """The file is not a Seller Center order export (unreadable, empty, wrong type, columns missing)."""


@dataclass(frozen=True)
class BadRow:
    """A row that could not be read; its whole order is left out of the import."""

    file: str
    line: int
    order_id: str | None
    reason: str

    def __str__(self) -> str:
        order = f"order {self.order_id}: " if self.order_id else ""
        return f"{self.file} line {self.line}: {order}{self.reason}"


@dataclass
class ParsedExport:
    """What one export file holds: good orders (file order), bad rows, and how many rows were read."""

    file: str
    orders: list[Order] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)
    rows: int = 0
    rejected: list[str] = field(default_factory=list)  # order IDs left out because of bad rows
    own_notes: bool = False  # one of our own exports: each order's note is its current comment and flag


# --- Formula neutralisation ---------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NEUTRALISED = re.compile(r"'+[=+\-@\t\r]")


def neutralise(text: str) -> str:
    """Prefix an apostrophe to a cell a spreadsheet would run as a formula.

    A cell that already looks neutralised (apostrophes, then a formula character) gets one more, so
    :func:`unneutralise` gives back exactly the original text.
    """
    if text.startswith(_FORMULA_START) or _NEUTRALISED.match(text):
        return "'" + text
    return text


def unneutralise(text: str) -> str:
    """Remove the apostrophe :func:`neutralise` added (only when a formula character follows)."""
    if text[:1] == "'" and _NEUTRALISED.match(text):
        return text[1:]
    return text


# --- Worksheet text escapes ---------------------------------------------------------------------

# What a worksheet cannot keep as is: C0 controls but tab and LF (XML 1.0 forbids them, and XML
# reads CR as LF), U+FFFE/U+FFFF; and text that would read as an escape itself: the underscore of
# '_xHHHH_', and the x of 'x005F_' (openpyxl's reader drops that sequence). Escapes are written
# with a lowercase hex digit where it matters, so that drop never meets one of ours.
_XLSX_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)|x(?=005F_)")
_XLSX_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")


def xlsx_escape(text: str) -> str:
    """*text* with what a worksheet cannot keep written as ``_xHHHH_`` (ESC as ``_x001b_``)."""
    return _XLSX_UNSAFE.sub(lambda match: f"_x{ord(match.group()):04x}_", text)


def xlsx_unescape(text: str) -> str:
    """The text :func:`xlsx_escape` (or Excel) wrote as ``_xHHHH_`` escapes, as it was."""
    if "_x" not in text and "_X" not in text:
        return text
    return _XLSX_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)


# --- Value parsing ------------------------------------------------------------------------------


class _CellError(ValueError):
    pass


def _show(value: Any, limit: int = 40) -> str:
    """A cell value quoted for a message, with control characters made visible."""
    text = visible(_as_text(value))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"'{text}'"


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


_US_TIME = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?"
)


def parse_time(value: Any, tz: tzinfo = timezone.utc) -> datetime | None:
    """A time cell as an aware UTC datetime; empty is None. Naive times are taken in *tz*.

    Accepts ``11/25/2026 9:30:33 PM``, ``11/25/2026 21:30:33``, ``2026-11-25 21:30:33``, ISO 8601
    (with or without an offset) and spreadsheet date cells.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        text = _as_text(value).strip()
        if not text:
            return None
        moment = _parse_time_text(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(timezone.utc)


def _parse_time_text(text: str) -> datetime:
    match = _US_TIME.fullmatch(text)
    if match:
        month, day, year, hour, minute, second, half = match.groups()
        h = int(hour) if hour else 0
        if half:
            if not 1 <= h <= 12:
                raise _CellError("hour out of range")
            h = h % 12 + (12 if half.lower() == "pm" else 0)
        try:
            return datetime(int(year), int(month), int(day), h, int(minute or 0), int(second or 0))
        except ValueError as exc:
            raise _CellError(str(exc)) from None
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        raise _CellError("not a time") from None


_MONEY = re.compile(
    r"(?:(?P<code1>[A-Za-z]{3})\s*)?(?P<sym>[$€£])?\s*"
    r"(?P<num>-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|-?\.\d+)"
    r"(?:\s*(?P<code2>[A-Za-z]{3}))?"
)
_PLAIN_MONEY = re.compile(r"-?\d+(?:\.\d+)?")
_SYMBOL_CURRENCY = {"$": "USD", "€": "EUR", "£": "GBP"}


def parse_money(value: Any) -> tuple[Decimal, str | None]:
    """A money cell as (Decimal rounded to cents, currency code if the cell names one)."""
    if value is None:
        return Decimal("0.00"), None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(_as_text(value)).quantize(CENT, rounding=ROUND_HALF_UP), None
    text = _as_text(value).strip()
    if not text:
        return Decimal("0.00"), None
    if _PLAIN_MONEY.fullmatch(text):
        return Decimal(text).quantize(CENT, rounding=ROUND_HALF_UP), None
    match = _MONEY.fullmatch(text)
    if not match:
        raise _CellError("not an amount")
    amount = Decimal(match["num"].replace(",", "")).quantize(CENT, rounding=ROUND_HALF_UP)
    code = match["code1"] or match["code2"]
    if code is None and match["sym"]:
        code = _SYMBOL_CURRENCY[match["sym"]]
    return amount, code.upper() if code else None


def _norm(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("-", " ").lower().split())


_PARTIAL = {"partially shipped": S.PARTIALLY_SHIPPING, "partially shipping": S.PARTIALLY_SHIPPING}
_STATUS_ALONE: dict[str, OrderStatus] = {
    "unpaid": S.UNPAID,
    "on hold": S.ON_HOLD,
    "completed": S.COMPLETED,
    "canceled": S.CANCELLED,
    "cancelled": S.CANCELLED,
    # The sub-statuses (and the API's own names) on their own are understood too.
    "awaiting shipment": S.AWAITING_SHIPMENT,
    "awaiting collection": S.AWAITING_COLLECTION,
    "in transit": S.IN_TRANSIT,
    "delivered": S.DELIVERED,
    **_PARTIAL,
}
_STATUS_WITH_SUB: dict[str, dict[str, OrderStatus]] = {
    "to ship": {
        "": S.AWAITING_SHIPMENT,
        "awaiting shipment": S.AWAITING_SHIPMENT,
        "awaiting collection": S.AWAITING_COLLECTION,
        **_PARTIAL,
    },
    "shipped": {"": S.IN_TRANSIT, "in transit": S.IN_TRANSIT, "delivered": S.DELIVERED, **_PARTIAL},
}


def parse_status(status: str, substatus: str = "") -> OrderStatus:
    """Order Status / Order Substatus text (case-insensitive) as an OrderStatus."""
    top, sub = _norm(status), _norm(substatus)
    if top in _STATUS_WITH_SUB:
        found = _STATUS_WITH_SUB[top].get(sub)
        if found is None:
            raise _CellError(
                f"Order Status {_show(status)} / Order Substatus {_show(substatus)} is not a known status"
            )
        return found
    if top in _STATUS_ALONE:
        return _STATUS_ALONE[top]
    if not top:
        raise _CellError("Order Status is empty")
    raise _CellError(f"Order Status {_show(status)} is not a known status")


_ORDER_TYPES = {
    "": OrderType.NORMAL,
    "normal": OrderType.NORMAL,
    "pre order": OrderType.PRE_ORDER,
    "preorder": OrderType.PRE_ORDER,
    "made to order": OrderType.MADE_TO_ORDER,
    "back order": OrderType.BACK_ORDER,
    "backorder": OrderType.BACK_ORDER,
}
_INITIATORS = {"seller": Initiator.SELLER, "buyer": Initiator.BUYER, "system": Initiator.SYSTEM}
_CONTENT_TYPES = {
    "live": ContentType.LIVE,
    "video": ContentType.VIDEO,
    "showcase": ContentType.SHOWCASE,
    "shop": ContentType.SHOWCASE,
}
_YES = {"yes", "y", "true", "1"}
_NO = {"", "no", "n", "false", "0"}
_ORDER_ID = re.compile(r"\d{6,30}")


# --- Reading ------------------------------------------------------------------------------------


@dataclass
class _Row:
    """One data row: its cells by field key, the physical line it starts on, and its problems."""

    line: int
    cells: dict[str, Any]  # string cells already without our formula apostrophe
    errors: list[str] = field(default_factory=list)
    currency: str | None = None  # the first currency code a money cell of the order named

    @classmethod
    def of(cls, line: int, cells: list[Any], columns: dict[str, int]) -> _Row:
        width = len(cells)
        values: dict[str, Any] = {}
        for key, index in columns.items():
            value = cells[index] if index < width else None
            if isinstance(value, str) and value[:1] == "'":
                value = unneutralise(value)
            values[key] = value
        return cls(line, values)

    def raw(self, key: str) -> Any:
        return self.cells.get(key)

    def text(self, key: str) -> str:
        """Free text exactly as in the file (bar our own formula apostrophe)."""
        return _as_text(self.raw(key))

    def ident(self, key: str) -> str:
        """An identifier or code with the trailing tab/space quirk removed."""
        return self.text(key).strip()

    def optional(self, key: str) -> str | None:
        value = self.ident(key) if key in _ID_KEYS else self.text(key)
        return value if value.strip() else None

    def plain(self, key: str, how: str) -> str | None:
        """The cell read as *how* says: 'optional', 'ident' or 'text' (see _plain_text)."""
        if how == "optional":
            return self.optional(key)
        return self.ident(key) if how == "ident" else self.text(key)

    def time(self, key: str, tz: tzinfo) -> datetime | None:
        value = self.raw(key)
        try:
            return parse_time(value, tz)
        except _CellError:
            self.errors.append(f"{_LABELS[key]} {_show(_as_text(value).strip())} is not a date and time")
            return None

    def money(self, key: str) -> Decimal | None:
        value = self.raw(key)
        try:
            amount, code = parse_money(value)
        except _CellError:
            self.errors.append(f"{_LABELS[key]} {_show(_as_text(value).strip())} is not an amount of money")
            return None
        if self.currency is None:
            self.currency = code
        return amount

    def has(self, key: str) -> bool:
        return _as_text(self.cells.get(key)).strip() != ""


@dataclass
class _Pending:
    """An order being gathered from its rows."""

    first_line: int
    fields: dict[str, Any]
    status_text: str
    order_cells: int  # hash of the row's order-level cells: equal rows are read once
    lines: list[dict[str, Any]] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)
    line_tracking: list[str | None] = field(default_factory=list)
    explicit_tracking: bool = False  # the file has our Order Tracking ID column
    sub_total: Decimal = Decimal("0")
    seller_discount: Decimal = Decimal("0")
    platform_discount: Decimal = Decimal("0")


def read_export(path: Path | str, tz: tzinfo = timezone.utc) -> ParsedExport:
    """Read a Seller Center order export (.csv or .xlsx) whole.

    Returns the good orders (one per Order ID, SKU rows as line items in file order) and every
    bad row with its physical line number. Naive times are taken in *tz*. Raises
    :class:`ExportFormatError` for a file that is not an export at all. A big file is better
    read with :class:`ExportReader`, which holds one order at a time.
    """
    reader = ExportReader(path, tz)
    reader.parsed.orders.extend(reader)
    return reader.parsed


class ExportReader:
    """One export, read in two passes so that memory stays flat whatever the file's size.

    Making one reads the whole file once, lightly: it raises :class:`ExportFormatError` for a file
    that is not an export (or breaks off as one), counts its orders (``orders``, every distinct
    order ID) and notes the orders whose rows are not all together. Iterating it reads the file
    again and yields each good order as soon as its last row has been read (the scattered ones at
    the end), so only the order being read (and those few) are held. ``parsed`` (bad rows, rows,
    left-out orders) is complete once the iteration has ended; its ``orders`` stays empty.
    """

    def __init__(self, path: Path | str, tz: tzinfo = timezone.utc) -> None:
        self.path = Path(path)
        self.tz = tz
        seen: set[str] = set()
        scattered: set[str] = set()
        with _rows_of(self.path) as (columns, rows):
            index = columns["order_id"]
            run: str | None = None
            for _number, cells in rows:
                if not any(_as_text(c).strip() for c in cells):
                    continue
                key = _run_key(cells, index)
                if key != run:
                    if key in seen:
                        scattered.add(key)
                    elif _ORDER_ID.fullmatch(key):
                        seen.add(key)
                    run = key
            self.parsed = ParsedExport(file=str(self.path), own_notes="seller_flag" in columns)
        self.orders = len(seen)
        self._scattered = frozenset(scattered)

    def __iter__(self) -> Iterator[Order]:
        with _rows_of(self.path) as (columns, rows):
            yield from _parse(self.parsed, columns, rows, self.tz, self._scattered)


@contextmanager
def _rows_of(path: Path) -> Iterator[tuple[dict[str, int], Iterator[tuple[int, list[Any]]]]]:
    """The header's columns and the data rows after it; the file is closed when the block ends."""
    rows = _open_rows(path)
    try:
        yield _find_header(rows, str(path)), rows
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def _run_key(cells: list[Any], index: int) -> str:
    """The Order ID cell as the two passes compare rows: a change of it ends the order's run."""
    return _as_text(cells[index] if index < len(cells) else None).strip()


def _open_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    name = str(path)
    try:
        with path.open("rb") as probe:
            head = probe.read(8)
    except FileNotFoundError:
        raise ExportFormatError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise ExportFormatError(f"{name}: is a directory, not an export file") from None
    except OSError as exc:
        raise ExportFormatError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    if not head:
        raise ExportFormatError(f"{name}: the file is empty")
    suffix = path.suffix.lower()
    if suffix == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ExportFormatError(
            f"{name}: old Excel .xls files are not supported: save it as .xlsx or CSV UTF-8"
        )
    if suffix in (".xlsx", ".xlsm") or head.startswith(b"PK\x03\x04"):
        return _xlsx_rows(path)
    return _csv_rows(path)


def _csv_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    name = str(path)
    try:
        handle = path.open("r", encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise ExportFormatError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    try:
        first = handle.readline()
        handle.seek(0)
    except UnicodeDecodeError:
        handle.close()
        raise ExportFormatError(f"{name}: not UTF-8 text: save the export as 'CSV UTF-8' or .xlsx") from None
    delimiter = max((",", "\t", ";"), key=first.count) if first else ","
    if first.count(delimiter) == 0:
        delimiter = ","

    def generate() -> Iterator[tuple[int, list[Any]]]:
        with handle:
            reader = csv.reader(handle, delimiter=delimiter)
            previous = 0
            try:
                for record in reader:
                    yield previous + 1, record
                    previous = reader.line_num
            except UnicodeDecodeError:
                raise ExportFormatError(
                    f"{name} (near line {previous + 1}): not UTF-8 text: save the export as 'CSV UTF-8' or .xlsx"
                ) from None
            except csv.Error as exc:
                raise ExportFormatError(f"{name} line {previous + 1}: not a readable CSV file ({exc})") from None

    return generate()


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    import zipfile
    from xml.etree.ElementTree import ParseError

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    # A damaged archive, a missing part, or XML that cannot be parsed (characters XML cannot hold).
    unreadable = (zipfile.BadZipFile, KeyError, ValueError, ParseError)
    name = str(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, *unreadable) as exc:
        raise ExportFormatError(f"{name}: not a readable .xlsx workbook ({exc})") from None
    try:
        sheet = _orders_sheet(book)
    except unreadable as exc:
        book.close()
        raise ExportFormatError(f"{name}: not a readable .xlsx workbook ({exc})") from None
    if sheet is None:
        book.close()
        raise ExportFormatError(f"{name}: the workbook has no worksheets")

    def generate() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, [xlsx_unescape(v) if isinstance(v, str) else v for v in values]
        except unreadable as exc:
            raise ExportFormatError(f"{name}: not a readable .xlsx workbook ({exc})") from None
        finally:
            book.close()

    return generate()


def _orders_sheet(book: Any) -> Any:
    """The first worksheet with the required columns near its top (else the first worksheet)."""
    sheets = list(book.worksheets)
    if not sheets:
        return None
    for sheet in sheets:
        seen = 0
        for values in sheet.iter_rows(values_only=True, max_row=50):
            if not any(_as_text(v).strip() for v in values):
                continue
            if all(k in _map_header(list(values)) for k in _REQUIRED_KEYS):
                return sheet
            seen += 1
            if seen >= _HEADER_SEARCH:
                break
    return sheets[0]


_HEADER_SEARCH = 5  # non-empty rows looked at for the header (a title row may come first)


def _find_header(rows: Iterator[tuple[int, list[Any]]], name: str) -> dict[str, int]:
    """Consume rows up to and including the header; its columns by field key."""
    first_missing: list[str] | None = None
    seen = 0
    for _number, cells in rows:
        if not any(_as_text(c).strip() for c in cells):
            continue
        columns = _map_header(cells)
        missing = [_LABELS[k] for k in _REQUIRED_KEYS if k not in columns]
        if not missing:
            return columns
        if first_missing is None:
            first_missing = missing
        seen += 1
        if seen >= _HEADER_SEARCH:
            break
    if first_missing is None:
        raise ExportFormatError(f"{name}: the file is empty")
    raise ExportFormatError(
        f"{name}: not a Seller Center order export: missing column{'s' if len(first_missing) > 1 else ''} "
        + ", ".join(first_missing)
    )


def _map_header(header: list[Any]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _HEADER_LOOKUP.get(_header_key(_as_text(cell)))
        if key is not None and key not in columns:
            columns[key] = index
    return columns


def _is_description_row(row: _Row) -> bool:
    """The row of column descriptions some exports carry under the header."""
    order_id = row.ident("order_id")
    if not order_id or order_id.isdigit() or _lost_digits(row.raw("order_id")):
        return False
    try:
        _quantity(row.raw("quantity"))
    except _CellError:
        pass
    else:
        return False
    try:
        return parse_time(row.raw("create_time")) is None
    except _CellError:
        return True


def _quantity(value: Any) -> int:
    if isinstance(value, bool):
        raise _CellError("not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise _CellError("not a whole number")
    text = _as_text(value).strip()
    if not text:
        raise _CellError("empty")
    if re.fullmatch(r"-?\d+(\.0+)?", text):
        return int(text.split(".")[0])
    raise _CellError("not a whole number")


_LOST_DIGITS = (
    "{label} {value} is stored as a number and has lost digits: format the column as text and export again"
)


def _lost_digits(value: Any) -> bool:
    """A long ID a spreadsheet turned into a floating-point number (only ~15 digits survive)."""
    return isinstance(value, float) and not (value.is_integer() and abs(value) < 1e15)


def _parse(
    parsed: ParsedExport,
    columns: dict[str, int],
    rows: Iterator[tuple[int, list[Any]]],
    tz: tzinfo,
    scattered: frozenset[str],
) -> Iterator[Order]:
    """The good orders of *rows*, each as soon as its run of rows ends (the *scattered* ones, whose
    rows are not all together, at the end); bad rows and counts go to *parsed*."""
    name = parsed.file
    pending: dict[str, _Pending] = {}
    bad_ids: dict[str, bool] = {}  # order ID -> already counted as left out
    first_data = True
    index = columns["order_id"]
    run: str | None = None
    for number, cells in rows:
        if not any(_as_text(c).strip() for c in cells):
            continue
        key = _run_key(cells, index)
        if key != run:
            if run is not None and run not in scattered:
                yield from _finish(parsed, pending, bad_ids, run)
            run = key
        row = _Row.of(number, cells, columns)
        if _header_key(row.text("order_id")) == "order id":
            continue  # the header again (exports pasted one after another)
        if first_data:
            first_data = False
            if _is_description_row(row):
                continue
        parsed.rows += 1
        order_id = _read_row(row, pending, tz)
        if row.errors:
            parsed.bad_rows.append(BadRow(name, number, order_id, "; ".join(row.errors)))
            if order_id is not None:
                bad_ids.setdefault(order_id, False)
    if run is not None and run not in scattered:
        yield from _finish(parsed, pending, bad_ids, run)
    for order_id in list(pending):
        yield from _finish(parsed, pending, bad_ids, order_id)
    parsed.rejected.extend(order_id for order_id, counted in bad_ids.items() if not counted)
    parsed.bad_rows.sort(key=lambda bad: bad.line)


def _finish(
    parsed: ParsedExport, pending: dict[str, _Pending], bad_ids: dict[str, bool], order_id: str
) -> Iterator[Order]:
    """The order *order_id* once all its rows are read: built, or left out for its bad rows."""
    gathered = pending.pop(order_id, None)  # free the raw rows as the order is built
    if order_id in bad_ids:
        if not bad_ids[order_id]:
            parsed.rejected.append(order_id)
            bad_ids[order_id] = True
        return
    if gathered is None:
        return
    try:
        order = _build(order_id, gathered)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem.get("loc", ()))
        parsed.bad_rows.append(
            BadRow(parsed.file, gathered.first_line, order_id, f"the order is not valid: {where}: {problem['msg']}")
        )
        parsed.rejected.append(order_id)
        return
    yield order


def _read_row(row: _Row, pending: dict[str, _Pending], tz: tzinfo) -> str | None:
    """Parse one row into *pending*; problems go to row.errors. Returns the row's order ID."""
    raw_id = row.ident("order_id")
    order_id: str | None = None
    if _lost_digits(row.raw("order_id")):
        row.errors.append(_LOST_DIGITS.format(label="Order ID", value=_show(row.raw("order_id"))))
    elif not raw_id:
        row.errors.append("Order ID is empty")
    elif not _ORDER_ID.fullmatch(raw_id):
        row.errors.append(f"Order ID {_show(row.raw('order_id'))} is not an order ID (6 to 30 digits)")
    else:
        order_id = raw_id

    status_text = f"{row.ident('status')} / {row.ident('substatus')}".strip(" /")
    gathered = pending.get(order_id) if order_id is not None else None
    order_cells = hash(tuple(value for key, value in row.cells.items() if key not in _LINE_KEYS))
    if gathered is not None and order_cells == gathered.order_cells:
        fields = gathered.fields  # the order's columns repeat the first row's: read them once
    else:
        fields = {}
        try:
            fields["status"] = parse_status(row.ident("status"), row.ident("substatus"))
        except _CellError as exc:
            row.errors.append(str(exc))
        fields.update(_order_fields(row, tz))

    line = _line_fields(row)
    if order_id is None or row.errors:
        return order_id
    if gathered is None:
        gathered = pending[order_id] = _Pending(
            row.line, fields, status_text, order_cells, explicit_tracking="order_tracking" in row.cells
        )
    elif fields["status"] is not gathered.fields["status"]:
        row.errors.append(
            f"Order Status {_show(status_text)} differs from {_show(gathered.status_text)}"
            f" on line {gathered.first_line} of the same order"
        )
        return order_id
    gathered.lines.append(line["item"])
    gathered.line_numbers.append(row.line)
    gathered.line_tracking.append(line["tracking"])
    gathered.sub_total += line["before"]
    gathered.seller_discount += line["item"]["seller_discount"]
    gathered.platform_discount += line["item"]["platform_discount"]
    return order_id


def _order_fields(row: _Row, tz: tzinfo) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key in _TIME_KEYS:
        fields[key] = row.time(key, tz)
    if not row.has("create_time"):
        row.errors.append("Created Time is empty")
    shipped = fields.pop("shipped_time")
    if fields["rts_time"] is None:
        fields["rts_time"] = shipped
    fields["requests"] = _requests(row, fields)

    for key in _ORDER_MONEY_KEYS:
        fields[key] = row.money(key)
    explicit = row.ident("currency")
    fields["currency"] = explicit.upper() if explicit else (row.currency or "USD")

    order_type = _norm(row.ident("order_type"))
    if order_type in _ORDER_TYPES:
        fields["order_type"] = _ORDER_TYPES[order_type]
    else:
        row.errors.append(f"Normal or Pre-order {_show(row.raw('order_type'))} is not a known order type")

    initiator = _norm(row.ident("cancellation_initiator"))
    if initiator:
        if initiator in _INITIATORS:
            fields["cancellation_initiator"] = _INITIATORS[initiator]
        else:
            row.errors.append(
                f"Cancel By {_show(row.raw('cancellation_initiator'))} is not Seller, Buyer or System"
            )
    fulfilment = _norm(row.ident("shipping_type"))
    fields["shipping_type"] = (
        ShippingType.SELLER if fulfilment in ("fulfillment by seller", "seller") else ShippingType.TIKTOK
    )
    content = _norm(row.ident("content_type"))
    if content:
        if content in _CONTENT_TYPES:
            fields["content_type"] = _CONTENT_TYPES[content]
        else:
            row.errors.append(f"Content Type {_show(row.raw('content_type'))} is not LIVE, VIDEO or SHOWCASE")
    sample = row.ident("is_sample_order").lower()
    if sample in _YES:
        fields["is_sample_order"] = True
    elif sample not in _NO:
        row.errors.append(f"Sample Order {_show(row.raw('is_sample_order'))} is not Yes or No")

    for key, how in _ORDER_TEXT:
        fields[key] = row.plain(key, how)
    if "order_tracking" in row.cells:
        # Our own exports say which tracking number is the order's; a row's Tracking ID is its line's.
        fields["tracking_number"] = row.optional("order_tracking")
    if "seller_flag" in row.cells:
        fields["notes"] = _current_note(row, fields)
        fields["seller_note"] = ""
    return fields


def _current_note(row: _Row, fields: dict[str, Any]) -> list[dict[str, Any]]:
    """Our own export's Seller Flag and Seller Note as the order's note (none when both are empty)."""
    text = fields["seller_note"]
    flag_text = row.ident("seller_flag").lower()
    flag = None
    if flag_text:
        try:
            flag = Flag(flag_text)
        except ValueError:
            row.errors.append(
                f"Seller Flag {_show(row.raw('seller_flag'))} is not a flag colour: {', '.join(f.value for f in Flag)}"
            )
            return []
    if flag is None and not text.strip():
        return []
    return [{"flag": flag, "text": text, "author": NOTE_AUTHOR,
             "created_at": fields["update_time"] or fields["create_time"]}]


def _requests(row: _Row, fields: dict[str, Any]) -> list[dict[str, Any]]:
    """The buyer requests our own exports carry (the newest of each kind), as AfterSalesRequest data."""
    found = []
    for kind, status_key, requested_key, respond_key, reason_key in _REQUEST_KEYS:
        requested, respond_by = fields.pop(requested_key), fields.pop(respond_key)
        text = row.ident(status_key)
        if not text:
            continue
        try:
            status = RequestStatus(text.upper())
        except ValueError:
            row.errors.append(f"{_LABELS[status_key]} {_show(text)} is not Pending, Approved or Rejected")
            continue
        if requested is None or respond_by is None:
            row.errors.append(f"{_LABELS[status_key]} needs {_LABELS[requested_key]} and {_LABELS[respond_key]}")
            continue
        found.append({"type": kind, "status": status, "reason": row.text(reason_key),
                      "created_at": requested, "respond_by": respond_by})
    return found


def _line_fields(row: _Row) -> dict[str, Any]:
    sku_id = row.ident("sku_id")
    for key in ("sku_id", "product_id", "package_id", "tracking_number"):
        if _lost_digits(row.raw(key)):
            row.errors.append(_LOST_DIGITS.format(label=_LABELS[key], value=_show(row.raw(key))))
    if not sku_id:
        row.errors.append("SKU ID is empty")
    quantity = 1
    raw_quantity = row.raw("quantity")
    try:
        quantity = _quantity(raw_quantity)
    except _CellError as exc:
        if str(exc) == "empty":
            row.errors.append("Quantity is empty")
        else:
            row.errors.append(f"Quantity {_show(_as_text(raw_quantity).strip())} is not a whole number")
    else:
        if quantity < 0:
            row.errors.append(f"Quantity {_show(_as_text(raw_quantity).strip())} is negative: it must be at least 1")
            quantity = 1
        elif quantity < 1:
            row.errors.append(f"Quantity {_show(_as_text(raw_quantity).strip())} must be at least 1")
            quantity = 1
    original = row.money("original_price") or Decimal("0.00")
    platform = row.money("line_platform_discount") or Decimal("0.00")
    seller = row.money("line_seller_discount") or Decimal("0.00")
    before = row.money("before_discount") if row.has("before_discount") else original * quantity
    before = before if before is not None else Decimal("0.00")
    if row.has("after_discount"):
        after = row.money("after_discount") or Decimal("0.00")
    else:
        after = before - platform - seller
    sale = (after / quantity).quantize(CENT, rounding=ROUND_HALF_UP) if quantity else after
    item = {key: row.plain(key, how) for key, how in _LINE_TEXT}
    item.update(
        quantity=quantity, original_price=original, sale_price=sale, platform_discount=platform, seller_discount=seller
    )
    return {"item": item, "before": before, "tracking": row.optional("tracking_number")}


def _build(order_id: str, gathered: _Pending) -> Order:
    fields = dict(gathered.fields)
    tracking = fields.get("tracking_number")
    if tracking is None and not gathered.explicit_tracking:
        # Seller Center's rows carry each line's package tracking number: the order's is the first.
        tracking = fields["tracking_number"] = next((t for t in gathered.line_tracking if t), None)
    lines = []
    for item, line_tracking in zip(gathered.lines, gathered.line_tracking, strict=True):
        # A line's own tracking number is kept only where it differs from the order's.
        lines.append(LineItem(**item, tracking_number=line_tracking if line_tracking != tracking else None))
    fields["requests"] = [{**request, "order_id": order_id} for request in fields["requests"]]
    fields["notes"] = [{**note, "order_id": order_id} for note in fields.get("notes", ())]
    fields.update(
        id=order_id,
        sub_total=gathered.sub_total,
        seller_discount=gathered.seller_discount,
        platform_discount=gathered.platform_discount,
        line_items=lines,
    )
    return Order(**fields)


# --- Writing ------------------------------------------------------------------------------------


_ORDER_WRITERS = tuple((c.header, writer(c)) for c in COLUMNS if c.level is Level.ORDER)
_LINE_WRITERS = tuple((c.header, writer(c)) for c in COLUMNS if c.level is Level.LINE)
# On a line's row, "Tracking ID" is the line's own tracking number where it has one.
_TRACKING = "Tracking ID"


def export_rows(order: Order) -> list[dict[str, str]]:
    """The export rows of *order*: one per SKU line, keyed by EXPORT_COLUMNS, formulas neutralised."""
    common = {header: write(order) for header, write in _ORDER_WRITERS}
    rows: list[dict[str, str]] = []
    for line in order.line_items or [None]:
        row = dict.fromkeys(EXPORT_COLUMNS, "")
        row.update(common)
        if line is not None:
            row.update({header: write(line) for header, write in _LINE_WRITERS})
            row[_TRACKING] = line.tracking_number or order.tracking_number or ""
        rows.append({key: neutralise(value) for key, value in row.items()})
    return rows


def write_csv(orders: Iterable[Order], fileobj: IO[str] | IO[bytes]) -> int:
    """Write a header row and the rows of *orders*, streaming; returns the number of rows written.

    *fileobj* is a text file opened with ``newline=""`` (``encoding="utf-8-sig"`` gives the
    byte-order mark Excel wants) or a binary file, which is written as UTF-8 with a byte-order mark.
    """
    wrapped: io.TextIOWrapper | None = None
    if not isinstance(fileobj, io.TextIOBase) and "b" in getattr(fileobj, "mode", "b"):
        wrapped = io.TextIOWrapper(fileobj, encoding="utf-8-sig", newline="")  # type: ignore[arg-type]
        target: IO[str] = wrapped
    else:
        target = fileobj  # type: ignore[assignment]
    writer = csv.DictWriter(target, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    count = 0
    for order in orders:
        rows = export_rows(order)
        writer.writerows(rows)
        count += len(rows)
    if wrapped is not None:
        wrapped.flush()
        wrapped.detach()
    return count


def write_export(orders: Iterable[Order], path: Path | str) -> int:
    """Write *orders* to a CSV file at *path* (UTF-8 with a byte-order mark, as Seller Center does)."""
    with Path(path).open("w", encoding="utf-8-sig", newline="") as handle:
        return write_csv(orders, handle)
