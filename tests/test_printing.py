"""Picking lists and shipping labels, read back from the PDF; barcodes checked with reportlab's own API."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pypdf import PdfReader

from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.model import Flag
from tsshop_tui.io.printing import (
    LABEL_SIZE,
    PrintCancelled,
    label_barcode,
    labels,
    picking_list,
    send_to_printer,
)
from tsshop_tui.store import Store

from .factories import NOW
from .ui_shop import MARKUP_ORDER, build_shop

TRACKED = {  # the shop's orders with a usable tracking number
    "577000000000000010": "9400111899223344556677",
    "577000000000000012": "1Z999AA10123456784",
    "577000000000000013": "TT1234567890",
    "577000000000000014": "TT1234567891",
}


@pytest.fixture
def shop(tmp_path) -> Store:
    with Store(build_shop(tmp_path / "shop.db"), clock=FixedClock(NOW), actor="tester") as store:
        yield store


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


# Picking list ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size, points", [("A4", (595, 842)), ("Letter", (612, 792))])
def test_picking_list_totals_every_sku_and_shows_every_note(shop, tmp_path, size, points):
    ids = list(shop.export_ids("to-ship"))
    result = picking_list(shop, ids, tmp_path / "pick.pdf", pagesize=size)
    reader = PdfReader(tmp_path / "pick.pdf")
    assert len(reader.pages) == result.pages
    assert tuple(round(float(v)) for v in reader.pages[0].mediabox[2:]) == points
    text = _text(tmp_path / "pick.pdf")
    flat = _flat(text)
    totals = shop.pick_totals(ids)
    assert result.skus == len(totals) and result.units == sum(t.quantity for t in totals)
    lines = text.splitlines()
    for total in totals:
        # The SKU's row: seller SKU, product, variation, warehouse, then the quantity to pick.
        row = lines.index(total.seller_sku)
        assert lines[row + 1 : row + 5] == [total.product_name, total.sku_name, "—", str(total.quantity)]
    for order in shop.get_many(ids):
        assert order.id in flat
        if order.current_note is not None:
            assert order.current_note.text.split("\x1b")[0] in flat
            assert f"{order.flag.value} flag" in flat
        for line in order.line_items:
            assert f"{line.quantity} × {line.seller_sku}" in flat


def test_picking_list_draws_marketplace_text_literally(shop, tmp_path):
    picking_list(shop, [MARKUP_ORDER], tmp_path / "p.pdf")
    text = _flat(_text(tmp_path / "p.pdf"))
    assert "[bold red]URGENT[/] call me [link=https://evil.example]here[/link]" in text
    assert "[i]VIP[/i]" in text
    assert "\x1b" not in text and "^[[31mRED^[[0m^[[2J" in text  # ESC made visible, in caret notation
    assert "^[[5mblink" in text


def test_picking_list_records_history_and_survives_read_only(shop, tmp_path):
    result = picking_list(shop, ["577000000000000001", "577000000000000002"], tmp_path / "p.pdf")
    assert result.recorded == 2 and result.history_error is None
    assert shop.get("577000000000000001").history[-1].action == "picking list printed"
    with Store(shop.path, clock=FixedClock(NOW), read_only=True) as read_only:
        result = picking_list(read_only, ["577000000000000001"], tmp_path / "ro.pdf")
    assert (tmp_path / "ro.pdf").exists() and result.orders == 1
    assert result.recorded == 0 and "read-only" in result.history_error


def test_picking_list_cancel_leaves_no_file(shop, tmp_path):
    with pytest.raises(PrintCancelled):
        picking_list(shop, list(shop.export_ids("all")), tmp_path / "p.pdf", cancelled=lambda: True)
    assert list(tmp_path.glob("*.pdf")) == [] and list(tmp_path.glob(".p.pdf*")) == []


def test_picking_list_rejects_unknown_paper(shop, tmp_path):
    with pytest.raises(ValueError, match="A4 or Letter"):
        picking_list(shop, [], tmp_path / "p.pdf", pagesize="A3")


# Labels ---------------------------------------------------------------------------------------


def _decode_code128(symbols: list[int]) -> str:
    """The text a Code 128 symbol list stands for (start, data, checksum, stop), checksum checked."""
    start, *data, checksum, stop = symbols
    assert stop == 106
    assert checksum == (start + sum(i * v for i, v in enumerate(data, start=1))) % 103
    code = {103: "A", 104: "B", 105: "C"}[start]
    switches = {"A": {99: "C", 100: "B"}, "B": {99: "C", 101: "A"}, "C": {100: "B", 101: "A"}}
    out = []
    for value in data:
        if value in switches[code]:
            code = switches[code][value]
        elif code == "C":
            out.append(f"{value:02d}")
        elif code == "B":
            out.append(chr(value + 32))
        else:
            out.append(chr(value + 32) if value < 64 else chr(value - 64))
    return "".join(out)


def test_labels_one_page_each_with_tracking_text_and_barcode(shop, tmp_path):
    ids = list(shop.export_ids("all"))
    result = labels(shop, ids, tmp_path / "labels.pdf")
    assert sorted(result.printed) == sorted(TRACKED)
    reader = PdfReader(tmp_path / "labels.pdf")
    assert len(reader.pages) == len(TRACKED)
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == LABEL_SIZE == (288.0, 432.0)
    orders = {o.id: o for o in shop.get_many(result.printed)}
    for page, order_id in zip(reader.pages, result.printed, strict=True):
        text = _flat(page.extract_text())
        order = orders[order_id]
        assert order_id in text
        assert TRACKED[order_id] in text
        assert order.recipient_name in text and "Austin, TX 73301" in text
        assert (order.shipping_provider or "carrier not set") in text
        if order.current_note:
            assert order.current_note.text in text and f"{order.flag.value} flag" in text
    for tracking in TRACKED.values():
        barcode = label_barcode(tracking)
        assert barcode.value == tracking
        barcode.validate()
        assert _decode_code128(barcode.encode()) == tracking
        assert barcode.width <= LABEL_SIZE[0] - 28  # fits between the margins


def test_label_barcode_of_a_long_tracking_number_still_fits():
    barcode = label_barcode("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcd")
    assert barcode.width <= LABEL_SIZE[0] - 28
    assert _decode_code128(barcode.encode()) == "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcd"


def test_orders_without_tracking_are_skipped_with_a_reason_and_the_rest_print(shop, tmp_path):
    ids = ["577000000000000001", "577000000000000011", "577000000000000015", "999999999999",
           "577000000000000012"]
    result = labels(shop, ids, tmp_path / "l.pdf")
    assert result.printed == ["577000000000000012"]
    reasons = dict(result.skipped)
    assert "no tracking number" in reasons["577000000000000001"]
    assert "'N/A'" in reasons["577000000000000011"]
    assert "cancelled" in reasons["577000000000000015"]
    assert reasons["999999999999"] == "no such order"
    assert len(PdfReader(tmp_path / "l.pdf").pages) == 1
    assert shop.get("577000000000000012").history[-1].action == "label printed"
    assert all(e.action != "label printed" for e in shop.get("577000000000000001").history)


def test_no_printable_label_writes_nothing(shop, tmp_path):
    target = tmp_path / "l.pdf"
    target.write_bytes(b"older")
    result = labels(shop, ["577000000000000001", "577000000000000002"], target)
    assert result.path is None and result.printed == [] and len(result.skipped) == 2
    assert target.read_bytes() == b"older"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_label_flag_colours_are_drawn(shop, tmp_path):
    shop.add_note("577000000000000013", flag=Flag.PURPLE, text="Gift: no invoice")
    labels(shop, ["577000000000000013"], tmp_path / "l.pdf")
    text = _flat(_text(tmp_path / "l.pdf"))
    assert "purple flag" in text and "Note: Gift: no invoice" in text
    content = PdfReader(tmp_path / "l.pdf").pages[0].get_contents().get_data().decode("latin-1")
    assert ".482353 .121569 .635294 rg" in content  # #7b1fa2, the purple square



def test_a_flag_change_keeps_the_note_on_the_picking_list_and_the_label(shop, tmp_path):
    """Issue 10.3: orange -> blue with no text keeps 'Note: ...' on both papers."""
    order_id = "577000000000000013"
    shop.add_note(order_id, flag=Flag.ORANGE, text="Pack the glass in foam")
    shop.add_note(order_id, flag=Flag.BLUE)
    picking_list(shop, [order_id], tmp_path / "pick.pdf")
    labels(shop, [order_id], tmp_path / "l.pdf")
    for paper in ("pick.pdf", "l.pdf"):
        text = _flat(_text(tmp_path / paper))
        assert "blue flag" in text and "Note: Pack the glass in foam" in text, paper

# Printer --------------------------------------------------------------------------------------


def _fake_lp(folder: Path, body: str) -> None:
    lp = folder / "lp"
    lp.write_text("#!/bin/sh\n" + body)
    lp.chmod(lp.stat().st_mode | stat.S_IEXEC)


def test_send_to_printer(tmp_path, monkeypatch):
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    assert "No printer configured" in send_to_printer(pdf, None) and str(pdf) in send_to_printer(pdf, None)
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert "No 'lp' command" in send_to_printer(pdf, "warehouse")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake_lp(bin_dir, f'echo "$@" > {tmp_path}/args\necho "request id is warehouse-7 (1 file(s))"\n')
    monkeypatch.setenv("PATH", str(bin_dir) + os.pathsep + "/usr/bin:/bin")
    message = send_to_printer(pdf, "warehouse")
    assert message.startswith("Sent") and "warehouse-7" in message
    assert (tmp_path / "args").read_text().split() == ["-d", "warehouse", str(pdf.resolve())]
    _fake_lp(bin_dir, 'echo "lp: The printer or class does not exist." >&2\nexit 1\n')
    message = send_to_printer(pdf, "nope")
    assert "could not print" in message and "does not exist" in message and str(pdf) in message


def test_an_abnormal_package_is_skipped_saying_what_is_wrong_and_how_to_fix_it(shop, tmp_path):
    """Not 'mark it shipped first': the order has shipped; its tracking number is what needs fixing."""
    shop.ship("577000000000000001", tracking_number="1Z999AA10123456784", carrier="UPS")
    with shop.transaction() as conn:
        conn.execute("UPDATE orders SET tracking_number = NULL WHERE id = ?", ("577000000000000001",))
    reasons = dict(labels(shop, ["577000000000000001"], tmp_path / "l.pdf").skipped)
    assert "mark it shipped" not in reasons["577000000000000001"]
    assert "no tracking number: correct it first (m on the order" in reasons["577000000000000001"]
