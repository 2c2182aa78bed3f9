"""Printing for the warehouse: picking lists and 4x6 shipping labels as PDF, and sending them to a printer.

A picking list totals what to pick per SKU (seller SKU, product, variation, quantity, warehouse),
then lists each order with its lines, its flag colour and its note, so special packing
instructions reach the packer. A label is one 4x6 inch page per order: recipient, order ID,
carrier, the tracking number as text and as a Code 128 barcode, the note and flag.

Marketplace text is data: it is drawn with ``canvas.drawString`` (never a markup-parsing
Paragraph) after ``domain.text.visible`` made control characters visible. Files are written
beside the target and moved into place when complete (``export.replacing``). Printing records
a history event per order (``store.record_printed``); on a read-only terminal the PDF is still
made and the result says the history could not be written.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import inch
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from ..domain.model import Flag, Order, OrderStatus
from ..domain.rules import abnormal_reason, tracking_problem
from ..domain.text import visible
from ..store.db import ReadOnlyError
from .export import BATCH, ExportCancelled, replacing

__all__ = [
    "FLAG_COLOURS",
    "LABEL_SIZE",
    "PAGE_SIZES",
    "LabelResult",
    "PickingResult",
    "PrintCancelled",
    "label_barcode",
    "labels",
    "picking_list",
    "send_to_printer",
]

PageSize = Literal["A4", "Letter"]
PAGE_SIZES: dict[str, tuple[float, float]] = {"A4": A4, "Letter": LETTER}
LABEL_SIZE = (4 * inch, 6 * inch)
FLAG_COLOURS: dict[Flag, str] = {
    Flag.RED: "#d32f2f",
    Flag.ORANGE: "#f57c00",
    Flag.YELLOW: "#fbc02d",
    Flag.GREEN: "#388e3c",
    Flag.BLUE: "#1976d2",
    Flag.PURPLE: "#7b1fa2",
}
STATUS_TEXT = {
    OrderStatus.UNPAID: "Unpaid",
    OrderStatus.ON_HOLD: "On hold",
    OrderStatus.AWAITING_SHIPMENT: "To ship",
    OrderStatus.PARTIALLY_SHIPPING: "Partially shipped",
    OrderStatus.AWAITING_COLLECTION: "Awaiting collection",
    OrderStatus.IN_TRANSIT: "In transit",
    OrderStatus.DELIVERED: "Delivered",
    OrderStatus.COMPLETED: "Completed",
    OrderStatus.CANCELLED: "Cancelled",
}
_FONT_FILES = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("Vera.ttf", "VeraBd.ttf"),  # shipped with reportlab
)


class PrintCancelled(ExportCancelled):
    """Printing was cancelled; no file was written under the target name."""


class _NothingToPrint(Exception):
    """No order of the set can have a label: write no file."""


class _PrintStore(Protocol):
    read_only: bool

    def get_many(self, order_ids: Iterable[str]) -> list[Order]: ...

    def pick_totals(self, order_ids: Sequence[str]) -> list[Any]: ...

    def record_printed(self, order_ids: Iterable[str], what: str) -> list[str]: ...

    def get_meta(self, key: str) -> str | None: ...

    @property
    def clock(self) -> Any: ...


@dataclass
class PickingResult:
    path: Path
    orders: int
    skus: int
    units: int
    pages: int
    recorded: int = 0
    history_error: str | None = None  # why printing could not be recorded (read-only terminal)


@dataclass
class LabelResult:
    path: Path | None  # None when no label could be printed (nothing was written)
    printed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (order ID, reason)
    recorded: int = 0
    history_error: str | None = None


@lru_cache(maxsize=1)
def fonts() -> tuple[str, str]:
    """(regular, bold) font names: DejaVu Sans where installed (wide Unicode), else Vera, else Helvetica."""
    for regular, bold in _FONT_FILES:
        try:
            pdfmetrics.registerFont(TTFont("tsshop-regular", regular))
            pdfmetrics.registerFont(TTFont("tsshop-bold", bold))
        except Exception:  # noqa: BLE001 - a missing or unreadable font file: try the next
            continue
        return "tsshop-regular", "tsshop-bold"
    return "Helvetica", "Helvetica-Bold"


# PDF fonts have no glyphs for the control pictures visible() draws (␛): they print in caret
# notation instead (ESC as ^[, DEL as ^?), plain ASCII a packer can read and a test can extract.
_CARET = {0x2400 + code: f"^{chr(code + 64)}" for code in range(0x20)} | {0x2421: "^?"}


def _plain(text: str | None) -> str:
    """Marketplace text for a PDF: control characters visible, line breaks and runs of white space as one space."""
    return " ".join(visible(text, multiline=True).translate(_CARET).split())


def _fit(text: str, font: str, size: float, width: float) -> str:
    """*text* cut with an ellipsis to fit *width*."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _wrap(text: str, font: str, size: float, width: float, max_lines: int | None = None) -> list[str]:
    lines = simpleSplit(text, font, size, width) or [""]
    # simpleSplit keeps a word longer than the width whole: cut such lines to fit.
    lines = [_fit(line, font, size, width) for line in lines]
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _fit(lines[-1] + "…", font, size, width) if not lines[-1].endswith("…") else lines[-1]
    return lines


def _flag_mark(canvas: Canvas, x: float, y: float, flag: Flag | None, size: float, font: str) -> float:
    """A coloured square and the flag's name at (x, y baseline); returns the width drawn."""
    if flag is None:
        return 0.0
    canvas.saveState()
    canvas.setFillColor(colors.HexColor(FLAG_COLOURS[flag]))
    canvas.setStrokeColor(colors.black)
    canvas.rect(x, y - 1, size, size, stroke=1, fill=1)
    canvas.restoreState()
    canvas.setFont(font, size)
    label = f"{flag.value} flag"
    canvas.drawString(x + size + 3, y, label)
    return size + 3 + pdfmetrics.stringWidth(label, font, size)


def _when(moment: datetime | None) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def _record(store: _PrintStore, order_ids: list[str], what: str) -> tuple[int, str | None]:
    """Record the printing in each order's history, a short transaction per batch."""
    recorded = 0
    try:
        for start in range(0, len(order_ids), BATCH):
            recorded += len(store.record_printed(order_ids[start : start + BATCH], what))
    except ReadOnlyError:
        return recorded, (
            "read-only terminal: the PDF was made, but printing could not be recorded in the orders' history"
        )
    return recorded, None


def _check(cancelled: Callable[[], bool] | None) -> None:
    if cancelled is not None and cancelled():
        raise PrintCancelled("printing cancelled: nothing was written")


# Picking list ---------------------------------------------------------------------------------


class _Page:
    """A page cursor: draws lines top-down and starts a new page (with header and footer) when full."""

    def __init__(self, canvas: Canvas, size: tuple[float, float], title: str, subtitle: str) -> None:
        self.canvas, (self.width, self.height) = canvas, size
        self.margin = 36.0
        self.title, self.subtitle = title, subtitle
        self.regular, self.bold = fonts()
        self.number = 0
        self.y = 0.0
        self._start()

    @property
    def inner(self) -> float:
        return self.width - 2 * self.margin

    def _start(self) -> None:
        self.number += 1
        c = self.canvas
        c.setFont(self.bold, 14)
        c.drawString(self.margin, self.height - self.margin - 4, self.title)
        c.setFont(self.regular, 8)
        c.drawRightString(self.width - self.margin, self.height - self.margin - 4, self.subtitle)
        c.drawRightString(self.width - self.margin, self.margin - 18, f"page {self.number}")
        c.setLineWidth(0.5)
        c.line(self.margin, self.height - self.margin - 10, self.width - self.margin, self.height - self.margin - 10)
        self.y = self.height - self.margin - 26

    def need(self, height: float) -> None:
        """Start a new page unless *height* points still fit on this one."""
        if self.y - height < self.margin:
            self.canvas.showPage()
            self._start()

    def finish(self) -> None:
        self.canvas.showPage()


_PICK_COLUMNS = (("", 14), ("Seller SKU", 0.17), ("Product", 0.37), ("Variation", 0.2), ("Warehouse", 0.16), ("Qty", 0.1))


def picking_list(
    store: _PrintStore,
    order_ids: Iterable[str],
    path: Path | str,
    *,
    pagesize: PageSize | str = "A4",
    record: bool = True,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> PickingResult:
    """A picking list of these orders (in the order given) as a PDF at *path*.

    First the totals per warehouse and SKU, then every order with its flag, note, buyer message
    and lines. *pagesize* is 'A4' or 'Letter'. With *record*, each order's history gets a
    'picking list printed' event (in read-only mode the result's history_error says why not).
    """
    size = {name.upper(): value for name, value in PAGE_SIZES.items()}.get(str(pagesize).upper())
    if size is None:
        raise ValueError(f"unknown page size {pagesize!r}: use A4 or Letter")
    path = Path(path)
    ids = list(dict.fromkeys(order_ids))
    totals = store.pick_totals(ids)
    regular, bold = fonts()
    shop = _plain(store.get_meta("shop_name")) or "tsshop"
    now = store.clock.now()
    units = sum(t.quantity for t in totals)
    drawn: list[str] = []
    with replacing(path) as temporary:
        canvas = Canvas(str(temporary), pagesize=size, pageCompression=1)
        canvas.setTitle(f"Picking list · {shop}")
        canvas.setAuthor("tsshop")
        page = _Page(canvas, size, f"Picking list · {shop}", f"{len(ids)} orders · {units} units · printed {_when(now)}")
        _draw_totals(page, totals, units)
        page.need(40)
        page.y -= 10
        canvas.setFont(bold, 12)
        canvas.drawString(page.margin, page.y, "Orders")
        page.y -= 16
        for start in range(0, len(ids), BATCH):
            _check(cancelled)
            for order in store.get_many(ids[start : start + BATCH]):
                _draw_order(page, order)
                drawn.append(order.id)
            if progress is not None:
                progress(min(start + BATCH, len(ids)))
        _check(cancelled)
        pages = page.number
        page.finish()
        canvas.save()
    result = PickingResult(path=path, orders=len(drawn), skus=len(totals), units=units, pages=pages)
    if record and drawn:
        result.recorded, result.history_error = _record(store, drawn, "picking list")
    return result


def _columns(page: _Page) -> list[tuple[str, float, float]]:
    """(title, x, width) of the totals table's columns."""
    fixed = sum(w for _, w in _PICK_COLUMNS if w > 1)
    rest = page.inner - fixed
    x = page.margin
    out = []
    for title, share in _PICK_COLUMNS:
        width = share if share > 1 else rest * share
        out.append((title, x, width))
        x += width
    return out


def _draw_totals(page: _Page, totals: Sequence[Any], units: int) -> None:
    c, regular, bold = page.canvas, page.regular, page.bold
    columns = _columns(page)
    c.setFont(bold, 12)
    c.drawString(page.margin, page.y, "What to pick")
    c.setFont(regular, 9)
    c.drawRightString(
        page.width - page.margin, page.y, f"{units} units of {len(totals)} SKUs"
    )
    page.y -= 16

    def header() -> None:
        c.setFont(bold, 8)
        for title, x, width in columns:
            if title == "Qty":
                c.drawRightString(x + width - 2, page.y, title)
            else:
                c.drawString(x, page.y, title)
        page.y -= 4
        c.setLineWidth(0.3)
        c.line(page.margin, page.y, page.width - page.margin, page.y)
        page.y -= 11

    header()
    if not totals:
        c.setFont(regular, 9)
        c.drawString(page.margin, page.y, "Nothing to pick: these orders have no lines.")
        page.y -= 14
    for total in totals:
        if page.y - 13 < page.margin:
            page.need(13 + 40)
            header()
        c.saveState()
        c.setLineWidth(0.6)
        c.rect(columns[0][1], page.y - 1, 8, 8, stroke=1, fill=0)  # a box to tick
        c.restoreState()
        cells = (
            _plain(total.seller_sku) or _plain(total.sku_id),
            _plain(total.product_name),
            _plain(total.sku_name),
            _plain(total.warehouse) or "—",
        )
        c.setFont(regular, 8.5)
        for (title, x, width), text in zip(columns[1:5], cells, strict=True):
            c.drawString(x, page.y, _fit(text, regular, 8.5, width - 4))
            del title
        title, x, width = columns[5]
        c.setFont(bold, 9)
        c.drawRightString(x + width - 2, page.y, str(total.quantity))
        page.y -= 13


def _draw_order(page: _Page, order: Order) -> None:
    c, regular, bold = page.canvas, page.regular, page.bold
    width = page.inner
    note = order.current_note
    note_lines = _wrap(f"Note: {_plain(note.text)}", bold, 9, width - 12) if note and note.text.strip() else []
    message_lines = (
        _wrap(f"Buyer message: {_plain(order.buyer_message)}", regular, 8.5, width - 12)
        if order.buyer_message.strip() else []
    )
    height = 16 + 12 * len(note_lines) + 11 * len(message_lines) + 12 * max(len(order.line_items), 1) + 10
    page.need(min(height, page.height - 2 * page.margin - 40))
    top = page.y
    c.setFont(bold, 10.5)
    c.drawString(page.margin, page.y, order.id)
    x = page.margin + pdfmetrics.stringWidth(order.id, bold, 10.5) + 10
    c.setFont(regular, 8.5)
    info = (
        f"{STATUS_TEXT[order.status]} · ship by {_when(order.rts_sla_time)} · "
        f"{order.item_count} item{'s' if order.item_count != 1 else ''}"
    )
    c.drawString(x, page.y, info)
    x += pdfmetrics.stringWidth(info, regular, 8.5) + 10
    _flag_mark(c, x, page.y, order.flag, 8.5, bold)
    page.y -= 13
    for line in note_lines:
        page.need(12)
        c.setFont(bold, 9)
        c.drawString(page.margin + 12, page.y, line)
        page.y -= 12
    for line in message_lines:
        page.need(11)
        c.setFont(regular, 8.5)
        c.drawString(page.margin + 12, page.y, line)
        page.y -= 11
    if not order.line_items:
        c.setFont(regular, 8.5)
        c.drawString(page.margin + 12, page.y, "(no lines)")
        page.y -= 12
    for item in order.line_items:
        page.need(12)
        c.setFont(bold, 9)
        c.drawRightString(page.margin + 34, page.y, f"{item.quantity} ×")
        sku = _plain(item.seller_sku) or _plain(item.sku_id)
        c.drawString(page.margin + 40, page.y, _fit(sku, bold, 9, 110))
        c.setFont(regular, 9)
        text = _plain(item.product_name) + (f" — {_plain(item.sku_name)}" if item.sku_name.strip() else "")
        c.drawString(page.margin + 156, page.y, _fit(text, regular, 9, width - 156))
        page.y -= 12
    if order.flag is not None and page.y < top:
        # A bar in the flag's colour down the left edge, so flagged orders stand out.
        c.saveState()
        c.setFillColor(colors.HexColor(FLAG_COLOURS[order.flag]))
        c.rect(page.margin - 10, page.y + 8, 4, min(top - page.y + 2, top - page.margin), stroke=0, fill=1)
        c.restoreState()
    c.setLineWidth(0.2)
    c.setStrokeColor(colors.grey)
    c.line(page.margin, page.y + 4, page.width - page.margin, page.y + 4)
    c.setStrokeColor(colors.black)
    page.y -= 8


# Labels ---------------------------------------------------------------------------------------


def label_barcode(tracking: str, width: float = LABEL_SIZE[0] - 28, height: float = 64) -> Code128:
    """The Code 128 barcode of a tracking number, its bars as wide as fit *width* (at most 1.4 pt).

    No quiet zone of its own: the label's margins (14 pt, at least 10 bar widths) are the quiet zone.
    """
    natural = Code128(tracking, barHeight=height, barWidth=1.0, humanReadable=False, quiet=False).width
    bar_width = min(1.4, width / natural * 0.9999) if natural else 1.0
    return Code128(tracking, barHeight=height, barWidth=bar_width, humanReadable=False, quiet=False)


def label_problem(order: Order | None) -> str | None:
    """Why an order gets no label, in words; None when it can have one."""
    if order is None:
        return "no such order"
    if order.status is OrderStatus.CANCELLED:
        return "the order is cancelled"
    abnormal = abnormal_reason(order)
    if abnormal is not None:
        return f"{visible(abnormal)}: correct it first (m on the order in the command centre)"
    if not (order.tracking_number or "").strip():
        return "no tracking number yet: mark it shipped first"
    problem = tracking_problem(order.tracking_number)
    if problem is not None:
        return visible(problem)
    return None


def labels(
    store: _PrintStore,
    order_ids: Iterable[str],
    path: Path | str,
    *,
    record: bool = True,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> LabelResult:
    """One 4x6 inch label page per order with a usable tracking number, as a PDF at *path*.

    Orders without one (or cancelled, or unknown) are skipped with the reason and the rest still
    print. When none can be printed nothing is written and ``path`` is None.
    """
    path = Path(path)
    ids = list(dict.fromkeys(i.strip() for i in order_ids if i.strip()))
    result = LabelResult(path=None)
    shop = _plain(store.get_meta("shop_name")) or "tsshop"
    try:
        with replacing(path) as temporary:
            canvas = Canvas(str(temporary), pagesize=LABEL_SIZE, pageCompression=1)
            canvas.setTitle(f"Shipping labels · {shop}")
            canvas.setAuthor("tsshop")
            for start in range(0, len(ids), BATCH):
                _check(cancelled)
                chunk = ids[start : start + BATCH]
                found = {order.id: order for order in store.get_many(chunk)}
                for order_id in chunk:
                    order = found.get(order_id)
                    problem = label_problem(order)
                    if order is None or problem is not None:
                        result.skipped.append((order_id, problem or "no such order"))
                        continue
                    _draw_label(canvas, order, shop)
                    canvas.showPage()
                    result.printed.append(order_id)
                if progress is not None:
                    progress(min(start + BATCH, len(ids)))
            _check(cancelled)
            if not result.printed:
                raise _NothingToPrint
            canvas.save()
    except _NothingToPrint:
        return result  # the temporary file is gone; nothing under the target name
    result.path = path
    if record:
        result.recorded, result.history_error = _record(store, result.printed, "label")
    return result


def _draw_label(canvas: Canvas, order: Order, shop: str) -> None:
    regular, bold = fonts()
    width, height = LABEL_SIZE
    margin = 14.0
    inner = width - 2 * margin
    c = canvas
    y = height - margin - 8
    c.setFont(regular, 7.5)
    c.drawString(margin, y, _fit(f"From: {shop}", regular, 7.5, inner * 0.6))
    c.drawRightString(width - margin, y, _fit(_plain(order.shipping_provider) or "", bold, 7.5, inner * 0.4))
    y -= 8
    c.setLineWidth(1.2)
    c.line(margin, y, width - margin, y)
    y -= 14
    c.setFont(bold, 8)
    c.drawString(margin, y, "SHIP TO")
    y -= 17
    c.setFont(bold, 14)
    c.drawString(margin, y, _fit(_plain(order.recipient_name) or "—", bold, 14, inner))
    y -= 14
    c.setFont(regular, 10.5)
    place = " ".join(p for p in (_plain(order.city) + ("," if order.city and order.state else ""),
                                 _plain(order.state), _plain(order.zipcode)) if p)
    for line in (_plain(order.address_detail), _plain(order.address_extra), place, _plain(order.country)):
        if line:
            for wrapped in _wrap(line, regular, 10.5, inner, max_lines=2):
                c.drawString(margin, y, wrapped)
                y -= 12.5
    y = min(y, height - 150) - 4
    c.setLineWidth(1.2)
    c.line(margin, y, width - margin, y)
    y -= 15
    c.setFont(bold, 10)
    carrier = _plain(order.shipping_provider) or "carrier not set"
    option = _plain(order.delivery_option_name)
    c.drawString(margin, y, _fit(carrier + (f" · {option}" if option else ""), bold, 10, inner))
    y -= 8
    tracking = (order.tracking_number or "").strip()
    barcode = label_barcode(tracking)
    y -= barcode.barHeight
    barcode.drawOn(c, margin + max((inner - barcode.width) / 2, 0), y)
    y -= 16
    c.setFont(bold, 13)
    c.drawCentredString(width / 2, y, _fit(tracking, bold, 13, inner))
    y -= 9
    c.setFont(regular, 7)
    c.drawCentredString(width / 2, y, "TRACKING NUMBER")
    y -= 8
    c.setLineWidth(1.2)
    c.line(margin, y, width - margin, y)
    y -= 14
    c.setFont(regular, 8.5)
    c.drawString(margin, y, "Order")
    c.setFont(bold, 10)
    c.drawString(margin + 32, y, order.id)
    c.setFont(regular, 8.5)
    c.drawRightString(width - margin, y, f"{order.item_count} item{'s' if order.item_count != 1 else ''}")
    y -= 15
    note = order.current_note
    if order.flag is not None:
        _flag_mark(c, margin, y, order.flag, 9, bold)
        y -= 13
    if note is not None and note.text.strip():
        c.setFont(bold, 9)
        for line in _wrap(f"Note: {_plain(note.text)}", bold, 9, inner, max_lines=max(int((y - margin) // 11), 1)):
            c.drawString(margin, y, line)
            y -= 11


# Printer --------------------------------------------------------------------------------------


def send_to_printer(path: Path | str, printer: str | None) -> str:
    """Send a PDF to *printer* with ``lp -d`` where the machine can; else say where the file is."""
    shown = visible(str(path))
    if not printer:
        return f"No printer configured (set printer in the config file): the PDF is at {shown}"
    lp = shutil.which("lp")
    if lp is None:
        return f"No 'lp' command on this machine, so nothing was sent to {visible(printer)}: the PDF is at {shown}"
    try:
        # An absolute path, so a file name starting with '-' is never taken for an option.
        done = subprocess.run(
            [lp, "-d", printer, str(Path(path).resolve())], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"Could not run lp ({visible(str(error))}): the PDF is at {shown}"
    if done.returncode != 0:
        why = _plain(done.stderr) or f"exit code {done.returncode}"
        return f"lp could not print to {visible(printer)} ({why}): the PDF is at {shown}"
    answer = _plain(done.stdout)
    return f"Sent {shown} to printer {visible(printer)}" + (f" ({answer})" if answer else "")
