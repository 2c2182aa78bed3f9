"""Re-importing any export of ours changes nothing (issues 10.6, 11.4).

A demo shop (with its markup and terminal-escape texts: ESC, BEL), plus an order whose text holds
every kind of character a worksheet cannot keep as is (CR, other C0 controls, text that looks like
the worksheet's own _xHHHH_ escapes, formula starts), flags and comments: exported to CSV and XLSX,
then imported back in turns: not one order is updated, no version moves, no note is added.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.model import Flag, LineItem
from tsshop_tui.io.demo import ESC_HYPERLINK, ESC_RED, build_demo
from tsshop_tui.io.export import export_orders
from tsshop_tui.io.importer import import_files
from tsshop_tui.io.seller_center import read_export
from tsshop_tui.store import Store

from .factories import NOW, make_order
from .ui_shop import MARKUP_MESSAGE

NASTY = "\x1b[31mRED\x1b[0m bell\x07 cr\r lf\n crlf\r\n tab\t nul-free \x01\x02\x08\x0b\x0c\x0e\x1f end"
LOOKALIKES = "_x001B_ and x005F_ and _x005F_x0041_ and _X000d_"
EXTRA = "577999999999999999"


def _extra_order():
    return make_order(
        999999999999999, buyer_message=f"={NASTY}", buyer_username=f"\r{LOOKALIKES}",
        sub_total=Decimal("19.98"), recipient_name=f"'-{MARKUP_MESSAGE}", address_detail="\u202egnp.exe \ufeff zero\u200bwidth",
        line_items=[LineItem(sku_id="1700000000000000099", seller_sku="@SKU\x07", product_name=f"+{NASTY}",
                             sku_name=LOOKALIKES, quantity=2, original_price=Decimal("9.99"),
                             sale_price=Decimal("9.99"))],
    )


@pytest.fixture
def demo(tmp_path) -> Store:
    path = tmp_path / "demo.db"
    build_demo(path, orders=200, seed=3, now=NOW)
    with Store(path, clock=FixedClock(NOW), actor="tester") as store:
        store.upsert_orders([_extra_order()], source="test")
        ids = list(store.export_ids("all"))
        store.add_note(ids[0], flag=Flag.ORANGE, text="pack the glass in foam")
        store.add_note(ids[0], flag=Flag.BLUE)  # flag changed, comment kept
        store.add_note(ids[1], text=f"comment only {NASTY}")
        store.add_note(ids[2], flag=Flag.RED)
        store.add_note(EXTRA, flag=Flag.PURPLE, text=f"-{LOOKALIKES}")
        yield store


def _state(store: Store) -> dict[str, list[tuple]]:
    return {
        table: store.conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
        for table in ("orders", "line_items", "notes", "requests")
    }


def _history(store: Store) -> int:
    return store.conn.execute("SELECT count(*) FROM history").fetchone()[0]


def test_reimporting_our_csv_and_xlsx_exports_in_turns_changes_nothing(demo, tmp_path):
    ids = list(demo.export_ids("all"))
    export_orders(demo, ids, tmp_path / "shop.csv", "csv")
    export_orders(demo, ids, tmp_path / "shop.xlsx", "xlsx")
    before, events = _state(demo), _history(demo)
    for name in ("shop.xlsx", "shop.csv", "shop.xlsx", "shop.csv"):
        report = import_files(demo, [tmp_path / name])
        (file_report,) = report.files
        assert (file_report.created, file_report.updated, file_report.older, file_report.bad_rows) == (
            0, 0, 0, []), name
        assert file_report.unchanged == file_report.orders > 200
        assert _state(demo) == before, name
        assert _history(demo) == events, name


def test_xlsx_reads_back_the_same_orders_as_csv(demo, tmp_path):
    ids = list(demo.export_ids("all"))
    export_orders(demo, ids, tmp_path / "s.csv", "csv")
    export_orders(demo, ids, tmp_path / "s.xlsx", "xlsx")
    from_csv, from_xlsx = read_export(tmp_path / "s.csv"), read_export(tmp_path / "s.xlsx")
    assert from_xlsx.bad_rows == [] and from_csv.bad_rows == []
    assert [o.model_dump() for o in from_xlsx.orders] == [o.model_dump() for o in from_csv.orders]
    assert any(ESC_HYPERLINK in o.buyer_message for o in from_xlsx.orders)  # the demo's ESC and BEL
    assert any(o.current_note and ESC_RED in o.current_note.text for o in from_xlsx.orders)
    extra = next(o for o in from_xlsx.orders if o.id == EXTRA)
    assert extra.buyer_message == f"={NASTY}"
    assert extra.buyer_username == f"\r{LOOKALIKES}"
    assert extra.line_items[0].sku_name == LOOKALIKES
    assert extra.current_note.text == f"-{LOOKALIKES}" and extra.current_note.flag is Flag.PURPLE


def test_flags_and_comments_survive_export_and_import_into_a_new_shop(demo, tmp_path):
    """Issue 10.6: filter by flag, export: the flag and the comment come along, in CSV and XLSX."""
    from tsshop_tui.domain.query import Filters

    flagged = [row.id for row in demo.page("all", filters=Filters(flag=Flag.BLUE), limit=500).rows]
    assert flagged
    for fmt in ("csv", "xlsx"):
        export_orders(demo, flagged, tmp_path / f"blue.{fmt}", fmt)
        with Store(tmp_path / f"fresh-{fmt}.db", clock=FixedClock(NOW), actor="tester") as fresh:
            import_files(fresh, [tmp_path / f"blue.{fmt}"])
            for original, copy in zip(demo.rows_for(flagged), fresh.rows_for(flagged), strict=True):
                assert (copy.flag, copy.note) == (original.flag, original.note), (fmt, original.id)
            assert fresh.rows_for([flagged[0]])[0].note or demo.rows_for([flagged[0]])[0].note is None


def test_an_edited_note_in_our_export_is_imported_as_a_new_note(demo, tmp_path):
    import csv

    order_id = list(demo.export_ids("all"))[0]
    export_orders(demo, [order_id], tmp_path / "one.csv", "csv")
    with (tmp_path / "one.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    for row in rows[1:]:
        row[header.index("Seller Flag")] = "Green"
        row[header.index("Seller Note")] = ""  # blank: the comment is kept, like a note with no text
    with (tmp_path / "edited.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    version = demo.get(order_id).version
    report = import_files(demo, [tmp_path / "edited.csv"])
    assert report.files[0].updated == 1
    order = demo.get(order_id)
    assert (order.flag, order.current_note.text, order.version) == (Flag.GREEN, "pack the glass in foam", version + 1)
    event = order.history[-1]
    assert (event.action, event.before["flag"], event.after["flag"], event.after["source"]) == (
        "note", "blue", "green", "edited.csv")
