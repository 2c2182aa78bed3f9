"""Exports of orders: CSV (Seller Center layout), XLSX (typed) and JSON (each order whole).

Every format streams: order IDs are taken a batch at a time, their rows read and written, and
the batch let go, so memory stays flat for a million orders. The file is written under a
temporary name in the target folder and moved into place with ``os.replace`` only when complete:
a cancelled or failed export leaves nothing under the target name (and an older file there is
kept untouched).

CSV is formatted by SQLite itself (``store.seller_center_csv``): a million orders without a
pydantic object each, equal byte for byte to ``seller_center.write_csv``. XLSX takes the same
rows as typed values (``store.seller_center_values``; ``xlsx_values`` of each order is the
reference) and streams them with xlsxwriter in constant-memory mode. JSON builds whole orders
(``store.get_many``), 500 at a time.

Spreadsheet formulas are neutralised in CSV and XLSX text cells (a leading apostrophe before
``=``, ``+``, ``-``, ``@``, tab or carriage return; see ``seller_center.neutralise``), so buyer
text never runs as a formula; ``tsshop import`` removes exactly that apostrophe again. A
worksheet cannot hold most control characters and would read a carriage return as a line feed:
XLSX text writes them as the format's ``_xHHHH_`` escapes (``seller_center.xlsx_escape``), which
``tsshop import`` (and Excel) read back. Marketplace text and our notes survive every format
exactly, so re-importing any export of ours changes nothing.

CSV and XLSX carry the order's current note: "Seller Note" is its comment (the marketplace's
seller note where it has none) and "Seller Flag", after the Seller Center columns, its flag.
"""

from __future__ import annotations

import csv
import os
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any, Literal, Protocol

from ..domain.columns import COLUMNS, Column, Kind
from ..domain.model import Order
from .seller_center import EXPORT_COLUMNS, export_rows, neutralise, unneutralise, xlsx_escape

__all__ = [
    "BATCH",
    "CELL_TYPES",
    "FORMATS",
    "ExportCancelled",
    "ExportError",
    "ExportResult",
    "cell_type",
    "export_orders",
    "default_file_name",
    "format_for",
    "replacing",
    "xlsx_values",
]

Format = Literal["csv", "xlsx", "json"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx", "json")
BATCH = 500  # orders read per query: flat memory, few round trips
XLSX_MAX_ROWS = 1_048_576  # a worksheet's limit, header included: more rows go on a further sheet

# XLSX cell type of each column kind (IDs and codes are text too).
CELL_TYPES: dict[Kind, str] = {
    Kind.TEXT: "text", Kind.ID: "text", Kind.CODE: "text", Kind.MONEY: "money", Kind.INT: "int", Kind.TIME: "time",
}


def cell_type(column: Column) -> str:
    """The XLSX cell type of *column*: its kind's, but a time the order has no field for (a buyer
    request's) is written as text."""
    if column.kind is Kind.TIME and column.field is None:
        return "text"
    return CELL_TYPES[column.kind]


# (header, cell type, the order's field of a time) of each column, in EXPORT_COLUMNS order.
_XLSX_COLUMNS = tuple((c.header, cell_type(c), c.field or "") for c in COLUMNS)
_KINDS = [kind for _header, kind, _field in _XLSX_COLUMNS]
MONEY_FORMAT = "#,##0.00"
TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
_C1 = {code: f"\\u{code:04x}" for code in range(0x80, 0xA0)}


class ExportError(Exception):
    """An export that cannot be made (bad target path, unknown format); nothing was written."""


class ExportCancelled(ExportError):
    """The export was cancelled; nothing was written under the target name."""


@dataclass(frozen=True)
class ExportResult:
    orders: int
    rows: int
    path: Path

    def summary(self) -> str:
        orders = f"{self.orders:,} order{'' if self.orders == 1 else 's'}"
        return f"Exported {orders} ({self.rows:,} row{'' if self.rows == 1 else 's'}) to {self.path}"


def default_file_name(what: str, scope: str, now: datetime, suffix: str) -> str:
    """The file an export or print is saved as unless told: 'tsshop-to-ship-20261126-1200.csv'.

    *what* ('' for exports, 'picking-list', 'labels'), the scope (a tab id, 'tagged', 'all') and
    the minute in UTC.
    """
    stamp = now.astimezone(timezone.utc).strftime("%Y%m%d-%H%M")
    return "-".join(part for part in ("tsshop", what, scope, stamp) if part) + suffix


class _ExportStore(Protocol):
    def get_many(self, order_ids: Iterable[str]) -> list[Order]: ...

    def seller_center_csv(
        self, order_ids: Any, columns: Any, neutralise: Callable[[str], str]
    ) -> tuple[int, list[str]]: ...

    def seller_center_values(
        self, order_ids: Any, columns: Any, neutralise: Callable[[str], str]
    ) -> tuple[int, list[tuple[Any, ...]]]: ...


def format_for(path: Path | str, fmt: str | None = None) -> Format:
    """The format asked for, else the one the file name's suffix names; ExportError if neither."""
    name = (fmt or Path(path).suffix.lstrip(".")).lower()
    if name not in FORMATS:
        raise ExportError(
            f"unknown export format {name!r}: use {', '.join(FORMATS)}" if name
            else f"{path}: give --format ({', '.join(FORMATS)}) or a file name ending in one"
        )
    return name  # type: ignore[return-value]


def export_orders(
    store: _ExportStore,
    order_ids: Iterable[str],
    path: Path | str,
    fmt: Format | str,
    *,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    batch: int = BATCH,
) -> ExportResult:
    """Write the orders of *order_ids* (in that order) to *path* as *fmt*.

    *progress*, if given, is called after each batch with the number of order IDs done so far;
    *cancelled*, if given, is asked before each batch, and a True answer stops the export with
    :class:`ExportCancelled`. Unknown IDs are skipped (``orders`` counts the ones written).
    Raises ExportError for a target that cannot be written; any failure leaves no file behind.
    """
    fmt = format_for(path, fmt)
    path = Path(path)
    writer = {"csv": _write_csv, "xlsx": _write_xlsx, "json": _write_json}[fmt]
    with replacing(path) as temporary:
        orders, rows = writer(store, _batches(order_ids, batch), temporary, progress, cancelled or _never)
    return ExportResult(orders=orders, rows=rows, path=path)


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A new temporary file beside *path*, moved over *path* when the block ends without error.

    On an error or a cancel the temporary file is removed and *path* is left as it was, so a
    reader never sees half a file under the target name. ExportError for a target that cannot
    be written.
    """
    _check_target(path)
    temporary = _temporary(path)
    try:
        yield temporary
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _never() -> bool:
    return False


def _check_target(path: Path) -> None:
    if path.is_dir():
        raise ExportError(f"{path} is a folder: give a file name")
    folder = path.parent
    if not folder.is_dir():
        raise ExportError(f"{folder} does not exist: nothing was written")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"{folder} is not writable: nothing was written")


def _temporary(path: Path) -> Path:
    """A new, empty file beside *path* (same folder, so os.replace is atomic), made with the umask."""
    for _ in range(100):
        candidate = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            fd = os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:
            continue
        except OSError as error:
            raise ExportError(f"cannot write in {path.parent}: {error.strerror or error}") from error
        os.close(fd)
        return candidate
    raise ExportError(f"cannot make a temporary file in {path.parent}")


def _batches(order_ids: Iterable[str], size: int) -> Iterator[list[str]]:
    iterator = iter(order_ids)
    while chunk := list(islice(iterator, size)):
        yield chunk


Batches = Iterator[list[str]]
Progress = Callable[[int], None] | None


def _check(cancelled: Callable[[], bool]) -> None:
    if cancelled():
        raise ExportCancelled("export cancelled: nothing was written")


# CSV ------------------------------------------------------------------------------------------


def _write_csv(store: _ExportStore, batches: Batches, target: Path, progress: Progress,
               cancelled: Callable[[], bool]) -> tuple[int, int]:
    """The Seller Center layout, formatted by SQLite: equal byte for byte to seller_center.write_csv
    (UTF-8 with a byte-order mark, CRLF rows), at a fraction of the cost of building orders."""
    orders = rows = done = 0
    # UTF-8 with a byte-order mark (written by hand: the utf-8-sig codec encodes in Python).
    with target.open("w", encoding="utf-8", newline="", buffering=1 << 20) as handle:
        handle.write("\ufeff")
        csv.writer(handle).writerow(EXPORT_COLUMNS)
        for chunk in batches:
            _check(cancelled)
            found, lines = store.seller_center_csv(chunk, EXPORT_COLUMNS, neutralise)
            handle.writelines(lines)
            orders += found
            rows += len(lines)
            done += len(chunk)
            if progress is not None:
                progress(done)
        _check(cancelled)
    return orders, rows


# JSON -----------------------------------------------------------------------------------------


def _write_json(store: _ExportStore, batches: Batches, target: Path, progress: Progress,
                cancelled: Callable[[], bool]) -> tuple[int, int]:
    """A JSON array, one whole order per line (lines, notes, requests, history)."""
    orders = done = 0
    with target.open("w", encoding="utf-8", buffering=1 << 20) as handle:
        handle.write("[")
        for chunk in batches:
            _check(cancelled)
            for order in store.get_many(chunk):
                handle.write(",\n" if orders else "\n")
                # C1 control characters escaped: valid JSON, same data, harmless on a terminal.
                handle.write(order.model_dump_json().translate(_C1))
                orders += 1
            done += len(chunk)
            if progress is not None:
                progress(done)
        _check(cancelled)
        handle.write("\n]\n" if orders else "]\n")
    return orders, orders


# XLSX -----------------------------------------------------------------------------------------


def xlsx_values(order: Order) -> Iterator[list[Any]]:
    """The order's rows for a worksheet: the CSV layout with real numbers and dates.

    Money is Decimal, quantities int, times naive UTC datetimes, IDs and the rest text, text
    neutralised like the CSV's; what a worksheet cannot hold as is (control characters, CR) is
    written as ``_xHHHH_`` escapes, which reading undoes.
    """
    for row in export_rows(order):
        values: list[Any] = []
        for column, kind, field in _XLSX_COLUMNS:
            text = row[column]
            if not text:
                values.append(None)
            elif kind == "money":
                values.append(Decimal(unneutralise(text)))
            elif kind == "int":
                values.append(int(unneutralise(text)))
            elif kind == "time":
                moment: datetime = getattr(order, field)
                values.append(moment.astimezone(timezone.utc).replace(tzinfo=None))
            else:
                values.append(xlsx_escape(text))
        yield values


def _write_xlsx(store: _ExportStore, batches: Batches, target: Path, progress: Progress,
                cancelled: Callable[[], bool]) -> tuple[int, int]:
    """A streaming workbook (xlsxwriter, constant memory: one row held at a time): bold, frozen
    header row; typed cells from the store's values, no order built."""
    from xlsxwriter import Workbook

    book = Workbook(str(target), {"constant_memory": True, "in_memory": False})
    formats = {"bold": book.add_format({"bold": True}), "money": book.add_format({"num_format": MONEY_FORMAT}),
               "time": book.add_format({"num_format": TIME_FORMAT})}
    sheets = orders = rows = done = 0
    sheet: Any = None
    sheet_rows = XLSX_MAX_ROWS
    columns = tuple(enumerate(_KINDS))
    try:
        for chunk in batches:
            _check(cancelled)
            found, values = store.seller_center_values(chunk, EXPORT_COLUMNS, neutralise)
            for row in values:
                if sheet_rows >= XLSX_MAX_ROWS:
                    sheets += 1
                    sheet = _new_sheet(book, sheets, formats)
                    sheet_rows = 1
                _write_row(sheet, sheet_rows, row, columns, formats)
                sheet_rows += 1
            orders += found
            rows += len(values)
            done += len(chunk)
            if progress is not None:
                progress(done)
        _check(cancelled)
        if sheet is None:
            _new_sheet(book, 1, formats)
        book.close()
    finally:
        for made in book.worksheets():  # the sheets' temporary row files, also after a cancel
            if made.row_data_filename:
                made.row_data_fh.close()
                Path(made.row_data_filename).unlink(missing_ok=True)
    return orders, rows


def _excel_time(epoch: int) -> float:
    """Epoch seconds (UTC) as a worksheet's serial date, as xlsxwriter makes it of a datetime."""
    days, seconds = divmod(epoch, 86_400)
    return days + 25_569 + seconds / 86_400


def _write_row(sheet: Any, number: int, row: tuple[Any, ...], columns: tuple[tuple[int, str], ...],
               formats: dict[str, Any]) -> None:
    """One row of typed cells: text as text (never a formula), money and times formatted numbers."""
    for (index, kind), value in zip(columns, row, strict=True):
        if value is None:
            continue
        if kind == "text":
            sheet.write_string(number, index, value)
        elif kind == "money":
            sheet.write_number(number, index, float(value), formats["money"])
        elif kind == "int":
            sheet.write_number(number, index, value)
        else:
            sheet.write_number(number, index, _excel_time(value), formats["time"])


@lru_cache(maxsize=1)
def _sheet_class() -> type:
    """A worksheet that writes what a cell cannot hold as ``seller_center.xlsx_escape`` does (the
    escapes ``tsshop import`` reads back), instead of xlsxwriter's own spelling of them."""
    from xlsxwriter.worksheet import Worksheet

    return type("Sheet", (Worksheet,), {"_escape_control_characters": staticmethod(xlsx_escape)})


def _new_sheet(book: Any, number: int, formats: dict[str, Any]) -> Any:
    """A worksheet with the header row (bold, frozen) and column widths."""
    sheet = book.add_worksheet("Orders" if number == 1 else f"Orders ({number})", worksheet_class=_sheet_class())
    sheet.freeze_panes(1, 0)
    for index, column in enumerate(EXPORT_COLUMNS):
        width = 20 if _KINDS[index] == "time" else max(10, min(len(column) + 2, 40))
        sheet.set_column(index, index, width)
        sheet.write_string(0, index, column, formats["bold"])
    return sheet
