"""`tsshop import`: Seller Center exports into the store, in short batches, with a per-file report.

Every file is parsed before anything is written: one file that is not an export refuses the whole
import (nothing written, ExportFormatError raised; the CLI exits 2). Good orders are then upserted
in batches, each batch one short transaction, so a killed import leaves the database consistent
and running it again completes it. Re-importing the same file changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timezone, tzinfo
from pathlib import Path
from typing import Any, Protocol

from ..domain.model import Order
from ..domain.text import visible
from .seller_center import BadRow, ExportFormatError, ParsedExport, read_export

__all__ = ["KEEP_ORDERS", "ExportFormatError", "FileReport", "ImportReport", "import_files"]

KEEP_ORDERS = 50_000  # parsed orders held between checking all files and writing them


class _Upserts(Protocol):
    def upsert_orders(self, orders: Sequence[Order], *, source: str) -> Any: ...


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
    keep: int = KEEP_ORDERS,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportReport:
    """Import Seller Center exports into *store*.

    Parses every file first; an ExportFormatError from any of them is raised before anything is
    written. Then each file's good orders go through ``store.upsert_orders(chunk, source=name)``
    *batch* orders at a time, each batch one transaction. To bound memory, at most *keep* parsed
    orders are held between the checking pass and the writing pass; a file beyond that is read
    again when its turn comes. *progress*, if given, is called after each batch with
    (file, orders done, orders in file).
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    paths = [Path(path) for path in paths]
    parsed: list[ParsedExport | None] = []
    held = 0
    for index, path in enumerate(paths):
        export = read_export(path, tz)
        last = index == len(paths) - 1
        if not last and held + len(export.orders) > keep:
            parsed.append(None)  # checked; read again to write it
        else:
            held += len(export.orders)
            parsed.append(export)
    report = ImportReport()
    for index, path in enumerate(paths):
        export = parsed[index]
        if export is None:
            export = read_export(path, tz)
        parsed[index] = None  # let this file's orders go once written
        file_report = FileReport(
            file=export.file,
            rows=export.rows,
            orders=len(export.orders),
            bad_rows=list(export.bad_rows),
            rejected=len(export.rejected),
        )
        report.files.append(file_report)
        total = len(export.orders)
        for start in range(0, total, batch):
            result = store.upsert_orders(export.orders[start : start + batch], source=path.name)
            file_report.created += len(result.created)
            file_report.updated += len(result.updated)
            file_report.unchanged += len(result.unchanged)
            file_report.older += len(result.older)
            if progress is not None:
                progress(export.file, min(start + batch, total), total)
    return report
