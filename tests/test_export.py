"""Exports: CSV (Seller Center layout, formatted by SQLite), XLSX (typed), JSON (orders whole).

A CSV export re-imports into a fresh database with the same orders, lines and statuses; the
SQL-formatted CSV equals seller_center.write_csv byte for byte; formulas in buyer text come out
neutralised; cancelled or failed exports leave no file behind.
"""

from __future__ import annotations

import csv
import io
import json
import random
import sqlite3
import tempfile
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tsshop_tui.domain.catalog import TAB_IDS
from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.model import (
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
from tsshop_tui.domain.query import Filters, Sort
from tsshop_tui.io.export import (
    ExportCancelled,
    ExportError,
    export_orders,
    format_for,
    xlsx_values,
)
from tsshop_tui.io.seller_center import EXPORT_COLUMNS, format_time, read_export, write_csv, xlsx_escape
from tsshop_tui.store import Store
from tsshop_tui.store import export as store_export

from .factories import HOUR, NOW, make_order, note, random_orders, request
from .ui_shop import MARKUP_ORDER, build_shop

S = OrderStatus
FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1 555 0100", "-2+3", "@SUM(A1:A9)",
            "\tTAB", "\rCR", "'=already", "''+twice"]


def tricky_orders() -> list[Order]:
    """Every status, type, initiator and content type; text with commas, quotes, new lines,
    formulas, control characters and non-Latin script; an order without lines; negative money."""
    orders = []
    statuses = list(OrderStatus)
    for n in range(1, 31):
        status = statuses[n % len(statuses)]
        text = FORMULAS[n % len(FORMULAS)]
        lines = [
            LineItem(sku_id=f"17{n:016d}", seller_sku=("=CMD" if n == 3 else f"SKU,{n}"),
                     product_id=f"172{n:016d}", product_name=f'Hoodie "Cloud", size {n}\nline two',
                     sku_name="Black, M", quantity=1 + n % 3, original_price=Decimal("38.40"),
                     sale_price=Decimal("35.99"), platform_discount=Decimal("1.20"),
                     seller_discount=Decimal("-0.50") if n == 5 else Decimal("1.21"),
                     tracking_number="TT9999999999" if n % 7 == 0 else None,
                     package_id=f"pkg-{n}", product_category="Apparel"),
            LineItem(sku_id=f"18{n:016d}", seller_sku="", product_name="光る美容液 30ml 🌟",
                     sku_name="", quantity=2, original_price=Decimal("1234567.89"),
                     sale_price=Decimal("0.01")),
        ]
        if n == 9:
            lines = []
        orders.append(make_order(
            n, status,
            buyer_message=f"{text}, please \x1b[31mhurry\x1b[0m\r\nthanks",
            buyer_username=text if n % 2 else f"buyer {n}",
            seller_note=f"note, \"quoted\" {n}",
            recipient_name=f"Ana {text}", recipient_phone="+1 (555) 010-0000",
            address_detail="1 Main St, Apt \"4\"", address_extra="\x9b9m C1", city="Austin", state="TX",
            zipcode="00501", country="US",
            order_type=list(OrderType)[n % 4], shipping_type=list(ShippingType)[n % 2],
            cancellation_initiator=list(Initiator)[n % 3] if status is S.CANCELLED else None,
            cancel_reason="seller_cancel_reason_out_of_stock" if status is S.CANCELLED else None,
            cancel_time=NOW - HOUR if status is S.CANCELLED else None,
            content_type=list(ContentType)[n % 3] if n % 4 else None,
            creator_username="anna.styles" if n % 4 else None, campaign="Black Friday, LIVE" if n % 5 else None,
            is_sample_order=n % 6 == 0,
            tracking_number="1Z999AA10123456784" if status in (S.IN_TRANSIT, S.DELIVERED) else None,
            shipping_provider="UPS" if status in (S.IN_TRANSIT, S.DELIVERED) else None,
            rts_time=NOW - 2 * HOUR if status in (S.IN_TRANSIT, S.DELIVERED, S.COMPLETED) else None,
            update_time=NOW - timedelta(minutes=n), tts_sla_time=NOW + 40 * HOUR,
            warehouse_name="Austin DC" if n % 2 else None, warehouse_id="WH-1",
            currency="USD" if n % 3 else "GBP", shipping_fee=Decimal("4.99"), tax=Decimal("-1.05"),
            refund_amount=Decimal("0") if n % 5 else Decimal("12.34"),
            line_items=lines,
            requests=[request(f"577{n:015d}", RequestType.RETURN_REFUND)] if status is S.DELIVERED else [],
            notes=[note(f"577{n:015d}", "red", f"fragile, {text}")] if n % 3 == 0 else [],
        ))
    return orders


@pytest.fixture
def tricky(tmp_path) -> Store:
    with Store(tmp_path / "tricky.db", clock=FixedClock(NOW), actor="tester") as store:
        store.upsert_orders(tricky_orders(), source="test")
        yield store


@pytest.fixture
def shop(tmp_path) -> Store:
    with Store(build_shop(tmp_path / "shop.db"), clock=FixedClock(NOW), actor="tester") as store:
        yield store


def _all_ids(store: Store) -> list[str]:
    return list(store.export_ids("all"))


def _reference_csv(store: Store, ids: list[str]) -> bytes:
    buffer = io.StringIO(newline="")
    write_csv(store.get_many(ids), buffer)
    return buffer.getvalue().encode("utf-8-sig")


# CSV --------------------------------------------------------------------------------------------


def test_sql_csv_equals_seller_center_write_csv_byte_for_byte(tricky, tmp_path):
    ids = _all_ids(tricky)
    result = export_orders(tricky, ids, tmp_path / "out.csv", "csv")
    assert (tmp_path / "out.csv").read_bytes() == _reference_csv(tricky, ids)
    assert result.orders == 30
    assert result.rows == 29 * 2 + 1  # an order without lines is one row


def test_sql_csv_equals_write_csv_on_random_orders(tmp_path):
    with Store(tmp_path / "r.db", clock=FixedClock(NOW)) as store:
        store.upsert_orders(random_orders(7, 120), source="test")
        ids = _all_ids(store)
        export_orders(store, ids, tmp_path / "r.csv", "csv", batch=7)
        assert (tmp_path / "r.csv").read_bytes() == _reference_csv(store, ids)


def test_csv_shows_the_newest_request_of_each_kind(tmp_path):
    older, newer = RequestStatus.REJECTED, RequestStatus.PENDING
    order = tricky_orders()[0].model_copy(update={"requests": [
        request("577000000000000001", RequestType.CANCELLATION, status=older, due_in=HOUR),
        request("577000000000000001", RequestType.RETURN_REFUND, status=RequestStatus.APPROVED),
        request("577000000000000001", RequestType.CANCELLATION, status=newer, due_in=30 * HOUR),
    ]})
    with Store(tmp_path / "q.db", clock=FixedClock(NOW)) as store:
        store.upsert_orders([order, *tricky_orders()[1:4]], source="test")
        ids = _all_ids(store)
        export_orders(store, ids, tmp_path / "q.csv", "csv", batch=2)
        assert (tmp_path / "q.csv").read_bytes() == _reference_csv(store, ids)
    row = next(r for r in csv.DictReader(io.StringIO((tmp_path / "q.csv").read_text("utf-8-sig")))
               if r["Order ID"] == order.id)
    assert (row["Cancellation Request"], row["Return Request"]) == ("Pending", "Approved")
    assert row["Cancellation Respond By"] == format_time(NOW + 30 * HOUR)


def test_csv_export_reimports_with_the_same_tabs_lines_and_statuses(shop, tmp_path):
    ids = _all_ids(shop)
    export_orders(shop, ids, tmp_path / "shop.csv", "csv")
    parsed = read_export(tmp_path / "shop.csv")
    assert parsed.bad_rows == []
    with Store(tmp_path / "fresh.db", clock=FixedClock(NOW)) as fresh:
        fresh.upsert_orders(parsed.orders, source="shop.csv")
        assert fresh.counts() == shop.counts()  # every tab: buyer requests come along too
        originals = {o.id: o for o in shop.get_many(ids)}
        for order in fresh.get_many(ids):
            original = originals[order.id]
            assert order.status is original.status
            assert len(order.line_items) == len(original.line_items)
            assert [(li.sku_id, li.quantity) for li in order.line_items] == [
                (li.sku_id, li.quantity) for li in original.line_items
            ]
            assert order.buyer_message == original.buyer_message
            assert order.total_amount == original.total_amount
            assert order.rts_sla_time == original.rts_sla_time
            newest = {r.type: r for r in original.requests}
            assert [(r.type, r.status, r.respond_by, r.reason) for r in order.requests] == [
                (r.type, r.status, r.respond_by, r.reason) for r in newest.values()
            ]


def test_tricky_csv_reimports_text_and_money_exactly(tricky, tmp_path):
    ids = _all_ids(tricky)
    export_orders(tricky, ids, tmp_path / "t.csv", "csv")
    parsed = read_export(tmp_path / "t.csv")
    lined = {o.id for o in tricky.get_many(ids) if o.line_items}
    assert {o.id for o in parsed.orders} == lined  # an order without lines has no SKU row to read
    back = {o.id: o for o in parsed.orders}
    for original in tricky.get_many(ids):
        if original.id not in back:
            continue
        order = back[original.id]
        for name in ("status", "buyer_message", "buyer_username", "recipient_name",
                     "address_detail", "address_extra", "tax", "total_amount", "currency", "order_type",
                     "content_type", "is_sample_order", "campaign"):
            assert getattr(order, name) == getattr(original, name), (original.id, name)
        # Seller Note and Seller Flag: the current comment (else the marketplace's note) and flag.
        comment = (original.current_note.text if original.current_note else "") or original.seller_note
        assert (order.current_note.text, order.flag) == (comment, original.flag), original.id
        assert [li.product_name for li in order.line_items] == [li.product_name for li in original.line_items]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_red_flagged_orders_export_their_flag_and_comment(shop, tmp_path, fmt):
    """Issue 10.6: filter by flag, export: Seller Note holds the comment and Seller Flag the flag."""
    red = list(shop.export_ids("all", filters=Filters(flag=Flag.RED)))
    assert red
    export_orders(shop, red, tmp_path / f"red.{fmt}", fmt)
    if fmt == "csv":
        with (tmp_path / "red.csv").open(encoding="utf-8-sig", newline="") as handle:
            rows = [(r["Order ID"], r["Seller Flag"], r["Seller Note"]) for r in csv.DictReader(handle)]
    else:
        sheet = load_workbook(tmp_path / "red.xlsx")["Orders"]
        header = [c.value for c in sheet[1]]
        rows = [(r[header.index("Order ID")], r[header.index("Seller Flag")], r[header.index("Seller Note")])
                for r in sheet.iter_rows(min_row=2, values_only=True)]
    expected = {o.id: ("red", o.current_note.text) for o in shop.get_many(red)}
    assert {order_id: (flag, note) for order_id, flag, note in rows} == expected
    assert all(note for _, _, note in rows)


def test_formulas_in_buyer_text_are_neutralised_in_csv(tricky, tmp_path):
    export_orders(tricky, _all_ids(tricky), tmp_path / "f.csv", "csv")
    with (tmp_path / "f.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    seen = set()
    for row in rows:
        for column in ("Buyer Username", "Buyer Message", "Seller SKU", "Recipient"):
            cell = row[column]
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                pytest.fail(f"{column} starts a formula: {cell!r}")
            if cell.startswith("'"):
                seen.add(cell)
    for formula in FORMULAS:  # each payload shows up with one more apostrophe in front
        assert any(cell.startswith("'" + formula) for cell in seen), formula
    assert "'=CMD" in seen
    assert all(not row["Phone #"].startswith("+") for row in rows)


def test_money_and_times_formatted_by_sqlite_match_python(tmp_path):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (v INTEGER)")
    rng = random.Random(3)
    cents = list(range(-1050, 1050)) + [rng.randrange(-10**15, 10**15) for _ in range(3000)] + [10**13, -10**13]
    conn.executemany("INSERT INTO t VALUES (?)", [(c,) for c in cents])
    got = [r[0] for r in conn.execute(f"SELECT {store_export._money('v')} FROM t")]
    assert got == [str((Decimal(c) / 100).quantize(Decimal("0.01"))) for c in cents]

    conn.execute("DELETE FROM t")
    moments = [0, 43_199, 43_200, 86_399, 1_764_000_000, store_export.CALENDAR_DAYS * 86_400 - 1,
               store_export.CALENDAR_DAYS * 86_400, 4_000_000_000, -1, -86_401, -1_000_000_000]
    moments += [rng.randrange(0, 3_500_000_000) for _ in range(3000)]
    conn.executemany("INSERT INTO t VALUES (?)", [(m,) for m in moments] + [(None,)])
    got = [r[0] for r in conn.execute(f"SELECT {store_export._time('v')} FROM t",
                                      store_export.calendar_params())]
    expected = [format_time(datetime.fromtimestamp(m, timezone.utc)) for m in moments] + [""]
    assert got == expected


def test_export_ids_match_iter_ids(shop):
    filters = [Filters(), Filters(flag="red"), Filters(search=("HOOD-BLK-M",)), Filters(ids=("577000000000000003",))]
    for tab in TAB_IDS:
        for sort in (None, Sort.CREATED, Sort.TOTAL, Sort.DEADLINE):
            for descending in (False, True):
                for f in filters:
                    expected = list(shop.iter_ids(tab, filters=f, sort=sort, descending=descending, batch=4))
                    got = list(shop.export_ids(tab, filters=f, sort=sort, descending=descending, batch=4))
                    assert got == expected, (tab, sort, descending, f)


def test_unknown_ids_are_skipped_and_progress_counts_ids(shop, tmp_path):
    seen = []
    ids = ["577000000000000001", "999999999999", "577000000000000002"]
    result = export_orders(shop, ids, tmp_path / "x.csv", "csv", progress=seen.append, batch=2)
    assert result.orders == 2
    assert seen == [2, 3]


# Cancel and failure ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_cancel_leaves_no_file_and_keeps_an_older_one(shop, tmp_path, fmt):
    target = tmp_path / f"out.{fmt}"
    target.write_text("older export")
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 2  # cancel during the third batch

    with pytest.raises(ExportCancelled):
        export_orders(shop, _all_ids(shop), target, fmt, cancelled=cancelled, batch=2)
    assert target.read_text() == "older export"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_failure_midway_leaves_no_file(shop, tmp_path):
    class Failing:
        def __init__(self, store):
            self.store, self.calls = store, 0

        def get_many(self, ids):
            self.calls += 1
            if self.calls == 2:
                raise sqlite3.OperationalError("disk I/O error")
            return self.store.get_many(ids)

    with pytest.raises(sqlite3.OperationalError):
        export_orders(Failing(shop), _all_ids(shop), tmp_path / "out.json", "json", batch=3)
    assert list(tmp_path.glob("out*")) == [] and list(tmp_path.glob(".out*")) == []


def test_bad_targets_and_formats(shop, tmp_path):
    with pytest.raises(ExportError, match="does not exist"):
        export_orders(shop, [], tmp_path / "missing" / "x.csv", "csv")
    with pytest.raises(ExportError, match="is a folder"):
        export_orders(shop, [], tmp_path, "csv")
    with pytest.raises(ExportError, match="unknown export format"):
        export_orders(shop, [], tmp_path / "x.pdf", "pdf")
    assert format_for("x.XLSX") == "xlsx"
    with pytest.raises(ExportError):
        format_for("x")


def test_empty_exports_are_valid_files(shop, tmp_path):
    for fmt in ("csv", "xlsx", "json"):
        result = export_orders(shop, [], tmp_path / f"empty.{fmt}", fmt)
        assert (result.orders, result.rows) == (0, 0)
    assert json.loads((tmp_path / "empty.json").read_text()) == []
    assert next(csv.reader(io.StringIO((tmp_path / "empty.csv").read_text("utf-8-sig")))) == list(EXPORT_COLUMNS)
    book = load_workbook(tmp_path / "empty.xlsx")
    assert [c.value for c in book.active[1]] == list(EXPORT_COLUMNS)


# XLSX -------------------------------------------------------------------------------------------


def test_xlsx_has_a_bold_frozen_header_and_typed_cells(tricky, tmp_path):
    ids = _all_ids(tricky)
    result = export_orders(tricky, ids, tmp_path / "t.xlsx", "xlsx")
    book = load_workbook(tmp_path / "t.xlsx")
    sheet = book["Orders"]
    assert sheet.freeze_panes == "A2"
    header = [cell for cell in sheet[1]]
    assert [c.value for c in header] == list(EXPORT_COLUMNS)
    assert all(c.font.b for c in header)
    column = {name: i for i, name in enumerate(EXPORT_COLUMNS)}
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == result.rows
    originals = {o.id: o for o in tricky.get_many(ids)}
    for row in rows:
        order_id = row[column["Order ID"]].value
        assert isinstance(order_id, str) and order_id in originals
        order = originals[order_id]
        created = row[column["Created Time"]]
        assert isinstance(created.value, datetime) and created.is_date
        assert created.value == order.create_time.replace(tzinfo=None)
        amount = row[column["Order Amount"]]
        assert isinstance(amount.value, (int, float)) and amount.data_type == "n"
        assert Decimal(str(amount.value)) == order.total_amount
        assert amount.number_format == "#,##0.00"
        assert row[column["Taxes"]].value == pytest.approx(-1.05)
        if order.line_items:
            assert isinstance(row[column["Quantity"]].value, int)
            assert isinstance(row[column["SKU ID"]].value, str)
        for name in ("Buyer Username", "Buyer Message", "Recipient", "Seller SKU"):
            cell = row[column[name]]
            assert cell.value is None or cell.data_type == "s"
            assert not str(cell.value or "").startswith(("=", "+", "-", "@", "\t", "\r"))


def test_xlsx_cells_equal_the_typed_values_of_each_order(tricky, tmp_path):
    ids = _all_ids(tricky)
    export_orders(tricky, ids, tmp_path / "v.xlsx", "xlsx", batch=7)
    expected = [
        [float(value) if isinstance(value, Decimal) else value for value in values]
        for order in tricky.get_many(ids) for values in xlsx_values(order)
    ]
    sheet = load_workbook(tmp_path / "v.xlsx")["Orders"]
    assert [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)] == expected


def test_a_cancelled_xlsx_leaves_no_temporary_row_files(shop, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    calls = []
    with pytest.raises(ExportCancelled):
        export_orders(shop, _all_ids(shop), tmp_path / "c.xlsx", "xlsx", batch=2,
                      cancelled=lambda: bool(calls.append(1)) or len(calls) > 2)
    export_orders(shop, _all_ids(shop), tmp_path / "d.xlsx", "xlsx")
    assert list(scratch.iterdir()) == []


def test_xlsx_formulas_come_out_as_neutralised_text(tricky, tmp_path):
    export_orders(tricky, _all_ids(tricky), tmp_path / "f.xlsx", "xlsx")
    sheet = load_workbook(tmp_path / "f.xlsx")["Orders"]
    messages = {c.value for c in sheet["AL"][1:]}  # Buyer Message
    assert EXPORT_COLUMNS.index("Buyer Message") == 37
    for formula in FORMULAS:
        # (CR and other controls a worksheet cannot keep are written as _xHHHH_ escapes)
        assert any(m.startswith("'" + xlsx_escape(formula)) for m in messages), formula


def test_xlsx_reimports_like_csv(shop, tmp_path):
    ids = _all_ids(shop)
    export_orders(shop, ids, tmp_path / "s.xlsx", "xlsx")
    export_orders(shop, ids, tmp_path / "s.csv", "csv")
    from_xlsx, from_csv = read_export(tmp_path / "s.xlsx"), read_export(tmp_path / "s.csv")
    assert from_xlsx.bad_rows == []
    assert [o.model_dump() for o in from_xlsx.orders] == [o.model_dump() for o in from_csv.orders]
    assert "\x1b[31mRED" in from_xlsx.orders[[o.id for o in from_xlsx.orders].index(MARKUP_ORDER)].buyer_message


def test_xlsx_values_types():
    order = tricky_orders()[1]
    values = next(xlsx_values(order))
    row = dict(zip(EXPORT_COLUMNS, values, strict=True))
    assert row["Order Amount"] == order.total_amount and isinstance(row["Order Amount"], Decimal)
    assert row["Created Time"] == order.create_time.replace(tzinfo=None)
    assert row["Paid Time"].tzinfo is None
    assert row["Quantity"] == order.line_items[0].quantity
    assert row["Cancelled Time"] is None


def test_xlsx_splits_sheets_at_the_row_limit(shop, tmp_path, monkeypatch):
    from tsshop_tui.io import export as export_module

    monkeypatch.setattr(export_module, "XLSX_MAX_ROWS", 11)  # header + 10 rows per sheet
    result = export_orders(shop, _all_ids(shop), tmp_path / "split.xlsx", "xlsx")
    book = load_workbook(tmp_path / "split.xlsx")
    assert book.sheetnames[:2] == ["Orders", "Orders (2)"]
    assert sum(sheet.max_row - 1 for sheet in book.worksheets) == result.rows
    assert all(sheet.freeze_panes == "A2" for sheet in book.worksheets)


# JSON -------------------------------------------------------------------------------------------


def test_json_holds_every_order_whole_and_validates(tricky, tmp_path):
    ids = _all_ids(tricky)
    tricky.add_note(ids[0], flag="blue", text="second note")
    result = export_orders(tricky, ids, tmp_path / "t.json", "json", batch=4)
    text = (tmp_path / "t.json").read_text(encoding="utf-8")
    assert "\x9b" not in text and "\\u009b" in text  # C1 controls escaped, still the same data
    data = json.loads(text)
    assert result.orders == len(data) == 30
    orders = [Order.model_validate(item) for item in data]
    assert [o.id for o in orders] == ids
    assert orders == tricky.get_many(ids)
    first = orders[0]
    assert [n.text for n in first.notes][0] == "second note" and first.history
    assert any(o.requests for o in orders)


def test_json_round_trip_gives_identical_tab_counts(shop, tmp_path):
    ids = _all_ids(shop)
    export_orders(shop, ids, tmp_path / "s.json", "json")
    orders = [Order.model_validate(item) for item in json.loads((tmp_path / "s.json").read_text())]
    with Store(tmp_path / "fresh.db", clock=FixedClock(NOW)) as fresh:
        fresh.upsert_orders(orders, source="s.json")
        assert fresh.counts() == shop.counts()  # requests come along: returns and action-needed too


# Pick totals ------------------------------------------------------------------------------------


def test_pick_totals_per_seller_sku(shop):
    ids = list(shop.export_ids("to-ship"))
    totals = shop.pick_totals(ids)
    expected: dict[str, int] = {}
    for order in shop.get_many(ids):
        for line in order.line_items:
            expected[line.seller_sku] = expected.get(line.seller_sku, 0) + line.quantity
    assert {t.seller_sku: t.quantity for t in totals} == expected
    assert [t.seller_sku for t in totals] == sorted(expected)
