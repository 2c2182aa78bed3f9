"""`tsshop import`: Seller Center exports into the store, in short batches, with a per-file report.

Every file is checked before anything is written: one file that is not an export refuses the whole
import (nothing written, ExportFormatError raised; the CLI exits 2). Each file is then read again,
streaming (``seller_center.ExportReader``): its good orders are upserted in batches as they are
read, each batch one short transaction, so memory stays flat whatever the file's size, a killed
import leaves the database consistent and running it again completes it. Re-importing the same
file, or any export of ours, changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timezone, tzinfo
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

from ..domain.model import Order
from ..domain.text import visible
from .seller_center import BadRow, ExportFormatError, ExportReader

__all__ = ["ExportFormatError", "FileReport", "ImportReport", "import_files"]


class _Upserts(Protocol):
    def upsert_orders(self, orders: Sequence[Order], *, source: str, own_notes: bool = False) -> Any: ...


@dataclass
class FileReport:
    """What importing one file did."""

    file: str
    rows: int = 0
    orders: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    older: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)
    rejected: int = 0  # orders left out because some of their rows were bad

    def summary(self) -> str:
        parts = f"{self.created} new, {self.updated} updated, {self.unchanged} unchanged"
        if self.older:
            parts += f", {self.older} older than stored (kept stored)"
        text = f"{self.file}: {self.orders} {_plural(self.orders, 'order')} ({parts})"
        text += f", {len(self.bad_rows)} bad {_plural(len(self.bad_rows), 'row')}"
        if self.rejected:
            text += f" ({self.rejected} {_plural(self.rejected, 'order')} left out)"
        return text


@dataclass
class ImportReport:
    files: list[FileReport] = field(default_factory=list)

    @property
    def bad_rows(self) -> list[BadRow]:
        return [bad for report in self.files for bad in report.bad_rows]

    @property
    def created(self) -> int:
        return sum(r.created for r in self.files)

    @property
    def updated(self) -> int:
        return sum(r.updated for r in self.files)

    @property
    def unchanged(self) -> int:
        return sum(r.unchanged for r in self.files)

    @property
    def older(self) -> int:
        return sum(r.older for r in self.files)

    @property
    def exit_code(self) -> int:
        """0 when every row was read, 1 when some rows were bad (the good ones are imported)."""
        return 1 if self.bad_rows else 0

    def lines(self) -> list[str]:
        """Human report lines: one summary per file, then one line per bad row."""
        out: list[str] = []
        for report in self.files:
            out.append(visible(report.summary()))
            for bad in report.bad_rows:
                out.append(visible(str(bad)))
        return out


def _plural(count: int, word: str) -> str:
    return word if count == 1 else word + "s"


def import_files(
    store: _Upserts,
    paths: Sequence[Path | str],
    *,
    batch: int = 500,
    tz: tzinfo = timezone.utc,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportReport:
    """Import Seller Center exports into *store*.

    Checks every file first (``ExportReader``): an ExportFormatError from any of them is raised
    before anything is written. Then each file is read again and its good orders go through
    ``store.upsert_orders(chunk, source=name, own_notes=...)`` *batch* orders at a time as they
    are read, each batch one transaction (``own_notes`` for our own exports: their Seller Note and
    Seller Flag are the orders' current note). *progress*, if given, is called after each batch
    with (file, orders done, orders in the file); orders left out for bad rows count as done.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    readers = [ExportReader(path, tz) for path in paths]
    report = ImportReport()
    for reader in readers:
        parsed = reader.parsed
        file_report = FileReport(file=parsed.file)
        report.files.append(file_report)
        orders = iter(reader)
        while chunk := list(islice(orders, batch)):
            result = store.upsert_orders(chunk, source=reader.path.name, own_notes=parsed.own_notes)
            file_report.orders += len(chunk)
            file_report.created += len(result.created)
            file_report.updated += len(result.updated)
            file_report.unchanged += len(result.unchanged)
            file_report.older += len(result.older)
            if progress is not None:
                progress(parsed.file, file_report.orders + len(parsed.rejected), reader.orders)
        file_report.rows = parsed.rows
        file_report.bad_rows = list(parsed.bad_rows)
        file_report.rejected = len(parsed.rejected)
    return report
