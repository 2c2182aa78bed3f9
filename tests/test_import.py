"""`tsshop import`: Seller Center exports into the store, idempotently, reporting bad rows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.model import Order, OrderStatus
from tsshop_tui.io.importer import ImportReport, import_files
from tsshop_tui.io.seller_center import ExportFormatError, read_export, write_export
from tsshop_tui.store import Store

try:
    from .seller_center_fixtures import COLUMNS, ExportBuilder, oid, sku, standard_export
except ImportError:
    from seller_center_fixtures import COLUMNS, ExportBuilder, oid, sku, standard_export

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
CARRIED = {"version", "notes", "requests", "history"}  # not part of the export layout


@pytest.fixture
def shop(tmp_path: Path):
    with Store(tmp_path / "x.db", clock=FixedClock(NOW), actor="tester") as store:
        yield store


def _count(store: Store, table: str) -> int:
    return store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _versions(store: Store) -> dict[str, int]:
    return dict(store.conn.execute("SELECT id, version FROM orders"))


def _snapshot(store: Store) -> tuple:
    return (
        _count(store, "orders"),
        _count(store, "line_items"),
        _count(store, "history"),
        _versions(store),
        store.counts(),
    )


def _carried(order: Order) -> dict:
    return order.model_dump(exclude=CARRIED)


def _standard_file(tmp_path: Path, fmt: str = "csv", name: str = "orders"):
    builder, expected = standard_export()
    return builder, expected, builder.write(tmp_path / f"{name}.{fmt}", fmt)


# --- A first import ----------------------------------------------------------------------------


def test_import_creates_the_good_orders_and_reports_bad_rows(tmp_path: Path, shop: Store) -> None:
    builder, expected, path = _standard_file(tmp_path)
    report = import_files(shop, [path])
    (file_report,) = report.files
    assert file_report.rows == expected.data_rows
    assert file_report.orders == file_report.created == len(expected.statuses)
    assert (file_report.updated, file_report.unchanged, file_report.older) == (0, 0, 0)
    assert file_report.rejected == len(expected.rejected)
    assert [(b.line, b.order_id) for b in file_report.bad_rows] == [
        (builder.csv_line(i), order_id) for i, order_id, _ in expected.bad
    ]
    assert report.exit_code == 1
    stored = {o.id: o for o in shop.get_many(expected.statuses)}
    assert {i: o.status.value for i, o in stored.items()} == expected.statuses
    assert {i: len(o.line_items) for i, o in stored.items()} == expected.line_counts
    assert not shop.get_many(expected.rejected)
    # What is stored is what the file says, field for field.
    parsed = read_export(path)
    assert [_carried(o) for o in shop.get_many(o.id for o in parsed.orders)] == [
        _carried(o) for o in parsed.orders
    ]
    # Each new order has one 'imported' history event naming the file.
    events = shop.conn.execute("SELECT order_id, action, after FROM history ORDER BY id").fetchall()
    assert len(events) == len(expected.statuses)
    assert {action for _, action, _ in events} == {"imported"}
    assert all(json.loads(after)["source"] == "orders.csv" for _, _, after in events)


def test_report_lines(tmp_path: Path, shop: Store) -> None:
    builder, expected, path = _standard_file(tmp_path)
    report = import_files(shop, [path])
    lines = report.lines()
    assert lines[0] == f"{path}: 13 orders (13 new, 0 updated, 0 unchanged), 5 bad rows (4 orders left out)"
    assert lines[1] == f"{path} line 21: order {oid(13)}: Quantity 'abc' is not a whole number"
    assert lines[3] == f"{path} line 23: Order ID is empty"
    assert len(lines) == 1 + len(expected.bad)


def test_clean_file_exits_0(tmp_path: Path, shop: Store) -> None:
    builder = ExportBuilder()
    builder.order(oid(1), "To ship", "Awaiting shipment")
    builder.order(oid(2), "Unpaid", "")
    report = import_files(shop, [builder.write_csv(tmp_path / "clean.csv")])
    assert report.exit_code == 0
    assert report.lines() == [f"{tmp_path / 'clean.csv'}: 2 orders (2 new, 0 updated, 0 unchanged), 0 bad rows"]


def test_marketplace_markup_and_escapes_are_stored_exactly(tmp_path: Path, shop: Store) -> None:
    builder = ExportBuilder()
    message = "[bold]FREE[/bold] \x1b[31mred\x1b[0m [link=https://evil.example]click[/link]"
    name = "\x1b]0;pwned\x07[blink]Mug"
    builder.order(oid(1), "To ship", "Awaiting shipment", [sku("1729000000000000011", name=name)],
                  **{"Buyer Message": message, "Buyer Username": "=cmd|' /C calc'!A0"})
    import_files(shop, [builder.write_csv(tmp_path / "text.csv")])
    order = shop.get(oid(1))
    assert order.buyer_message == message
    assert order.line_items[0].product_name == name
    assert order.buyer_username == "=cmd|' /C calc'!A0"
    assert shop.conn.execute("SELECT buyer_message FROM orders").fetchone()[0] == message


# --- Importing again ---------------------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(tmp_path: Path, shop: Store) -> None:
    _builder, expected, path = _standard_file(tmp_path)
    import_files(shop, [path])
    before = _snapshot(shop)
    orders_before = shop.get_many(expected.statuses)
    report = import_files(shop, [path])
    (file_report,) = report.files
    assert (file_report.created, file_report.updated, file_report.older) == (0, 0, 0)
    assert file_report.unchanged == len(expected.statuses)
    assert _snapshot(shop) == before
    assert shop.get_many(expected.statuses) == orders_before


def test_upsert_result_is_all_unchanged_on_reimport(tmp_path: Path, shop: Store) -> None:
    _builder, _expected, path = _standard_file(tmp_path)
    parsed = read_export(path)
    first = shop.upsert_orders(parsed.orders, source="orders.csv")
    assert len(first.created) == len(parsed.orders)
    again = shop.upsert_orders(read_export(path).orders, source="orders.csv")
    assert (again.created, again.updated, again.older) == ([], [], [])
    assert again.unchanged == [o.id for o in parsed.orders]


def test_csv_then_xlsx_of_the_same_export_changes_nothing(tmp_path: Path, shop: Store) -> None:
    builder, expected, csv_path = _standard_file(tmp_path)
    xlsx_path = builder.write_xlsx(tmp_path / "orders.xlsx")
    import_files(shop, [csv_path])
    before = _snapshot(shop)
    report = import_files(shop, [xlsx_path])
    assert report.files[0].unchanged == len(expected.statuses)
    assert report.files[0].rows == expected.data_rows
    assert [(b.line, b.order_id) for b in report.files[0].bad_rows] == [
        (builder.xlsx_row(i), order_id) for i, order_id, _ in expected.bad
    ]
    assert _snapshot(shop) == before


def test_xlsx_imports_to_the_same_orders(tmp_path: Path) -> None:
    builder, expected = standard_export()
    results = []
    for fmt in ("csv", "xlsx"):
        path = builder.write(tmp_path / f"orders.{fmt}", fmt)
        with Store(tmp_path / f"{fmt}.db", clock=FixedClock(NOW)) as store:
            import_files(store, [path])
            results.append([_carried(o) for o in store.get_many(expected.statuses)])
    assert results[0] == results[1]
    assert len(results[0]) == len(expected.statuses)


def test_our_own_export_reimports_unchanged(tmp_path: Path, shop: Store) -> None:
    _builder, expected, path = _standard_file(tmp_path)
    import_files(shop, [path])
    before = _snapshot(shop)
    ours = tmp_path / "ours.csv"
    write_export(shop.get_many(expected.statuses), ours)
    report = import_files(shop, [ours])
    assert report.exit_code == 0
    assert report.files[0].unchanged == len(expected.statuses)
    assert _snapshot(shop) == before


# --- Newer and older exports -------------------------------------------------------------------


def _moved_on() -> ExportBuilder:
    """A later export: order 3 handed over with a tracking number, order 4 in transit, one new order."""
    builder = ExportBuilder()
    standard, _ = standard_export()
    for row in standard.rows:
        if not isinstance(row, dict) or row.get("Order ID") not in (oid(3), oid(4)):
            continue
        row = dict(row)
        if row["Order ID"] == oid(3):
            row.update({"Order Substatus": "Awaiting collection", "Tracking ID": "TT9999999999",
                        "RTS Time": "11/26/2026 9:00:00 AM"})
        else:
            row.update({"Order Status": "Shipped", "Order Substatus": "In transit",
                        "Shipped Time": "11/26/2026 8:00:00 AM"})
        builder.row(row)
    builder.order(oid(40), "Unpaid", "")
    return builder


def test_a_newer_export_updates_orders_with_history(tmp_path: Path, shop: Store) -> None:
    _builder, _expected, path = _standard_file(tmp_path)
    import_files(shop, [path])
    versions = _versions(shop)
    history = _count(shop, "history")
    newer = _moved_on().write_csv(tmp_path / "newer.csv")
    report = import_files(shop, [newer])
    (file_report,) = report.files
    assert (file_report.created, file_report.updated, file_report.unchanged) == (1, 2, 0)
    assert report.lines()[0] == f"{newer}: 3 orders (1 new, 2 updated, 0 unchanged), 0 bad rows"
    three, four = shop.get(oid(3)), shop.get(oid(4))
    assert three.status is OrderStatus.AWAITING_COLLECTION
    assert three.tracking_number == "TT9999999999"
    assert all(line.tracking_number is None for line in three.line_items)
    assert four.status is OrderStatus.IN_TRANSIT
    assert (three.version, four.version) == (versions[oid(3)] + 1, versions[oid(4)] + 1)
    assert _count(shop, "history") == history + 3
    event = three.history[-1]
    assert event.action == "import-update"
    assert event.before["status"] == "AWAITING_SHIPMENT"
    assert event.after["status"] == "AWAITING_COLLECTION"
    assert event.after["tracking_number"] == "TT9999999999"
    assert event.after["source"] == "newer.csv"
    # Orders the newer file does not mention are left alone.
    assert {k: v for k, v in _versions(shop).items() if k not in (oid(3), oid(4), oid(40))} == {
        k: v for k, v in versions.items() if k not in (oid(3), oid(4))
    }
    assert shop.counts()["awaiting-collection"] == 1  # order 4 left it, order 3 arrived


def test_an_older_export_does_not_move_status_backwards(tmp_path: Path, shop: Store) -> None:
    newer = _moved_on().write_csv(tmp_path / "newer.csv")
    import_files(shop, [newer])
    before = _snapshot(shop)
    _builder, _expected, older = _standard_file(tmp_path, name="older")
    report = import_files(shop, [older])
    (file_report,) = report.files
    assert file_report.older == 2
    assert shop.get(oid(3)).status is OrderStatus.AWAITING_COLLECTION
    assert shop.get(oid(3)).tracking_number == "TT9999999999"
    assert shop.get(oid(4)).status is OrderStatus.IN_TRANSIT
    assert "2 older than stored" in report.lines()[0]
    assert _versions(shop)[oid(3)] == before[3][oid(3)]


def test_several_files_in_one_import(tmp_path: Path, shop: Store) -> None:
    _builder, expected, path = _standard_file(tmp_path)
    newer = _moved_on().write_csv(tmp_path / "newer.csv")
    report = import_files(shop, [path, newer])
    assert [r.created for r in report.files] == [len(expected.statuses), 1]
    assert report.files[1].updated == 2
    assert report.created == len(expected.statuses) + 1
    assert shop.get(oid(4)).status is OrderStatus.IN_TRANSIT
    assert report.exit_code == 1  # the first file has bad rows


# --- Batches and interruptions ------------------------------------------------------------------


class _Recording:
    """A store wrapper that records batches and can die after some of them (a killed import)."""

    def __init__(self, store: Store, *, die_after: int | None = None) -> None:
        self.store = store
        self.die_after = die_after
        self.batches: list[tuple[int, str]] = []

    def upsert_orders(self, orders: Sequence[Order], *, source: str, own_notes: bool = False):
        if self.die_after is not None and len(self.batches) >= self.die_after:
            raise KeyboardInterrupt
        self.batches.append((len(orders), source))
        return self.store.upsert_orders(orders, source=source, own_notes=own_notes)


def test_orders_are_written_in_batches(tmp_path: Path, shop: Store) -> None:
    _builder, expected, path = _standard_file(tmp_path)
    recording = _Recording(shop)
    import_files(recording, [path], batch=5)
    assert recording.batches == [(5, "orders.csv"), (5, "orders.csv"), (3, "orders.csv")]
    assert _count(shop, "orders") == len(expected.statuses)


def test_a_killed_import_is_consistent_and_rerunning_completes_it(tmp_path: Path, shop: Store) -> None:
    _builder, expected, path = _standard_file(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        import_files(_Recording(shop, die_after=2), [path], batch=5)
    assert _count(shop, "orders") == 10
    assert _count(shop, "history") == 10
    assert sum(shop.counts()[tab] for tab in ("unpaid", "on-hold", "to-ship", "awaiting-collection",
                                               "in-transit", "delivered", "completed", "cancelled")) == 10
    report = import_files(shop, [path], batch=5)
    assert (report.files[0].created, report.files[0].unchanged) == (3, 10)
    assert _count(shop, "orders") == len(expected.statuses)
    assert shop.counts()["all"] == len(expected.statuses)


# --- Refusal -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("columns.csv", "Order ID,Order Status,Buyer Message\n577000000000000001,Unpaid,hi\n"),
        ("random.txt", "Shopping list:\n- eggs\n- milk\n"),
        ("empty.csv", ""),
    ],
)
def test_a_file_that_is_not_an_export_writes_nothing(tmp_path: Path, shop: Store, name: str, content: str) -> None:
    _builder, _expected, good = _standard_file(tmp_path)
    bad = tmp_path / name
    bad.write_text(content, encoding="utf-8")
    for paths in ([bad], [good, bad], [bad, good]):
        with pytest.raises(ExportFormatError) as caught:
            import_files(shop, paths)
        assert str(bad) in str(caught.value)
        assert _count(shop, "orders") == 0
        assert _count(shop, "history") == 0


def test_missing_columns_are_named(tmp_path: Path, shop: Store) -> None:
    path = tmp_path / "cut.csv"
    path.write_text(",".join(c for c in COLUMNS if c not in ("SKU ID", "Created Time")) + "\n", encoding="utf-8")
    with pytest.raises(ExportFormatError, match="missing columns SKU ID, Created Time"):
        import_files(shop, [path])


def test_a_file_of_only_bad_rows_imports_nothing_and_reports_them(tmp_path: Path, shop: Store) -> None:
    builder = ExportBuilder()
    builder.order(oid(1), "Lost", "")
    report = import_files(shop, [builder.write_csv(tmp_path / "bad.csv")])
    assert report.exit_code == 1
    assert _count(shop, "orders") == 0
    assert report.lines()[1].endswith(f"order {oid(1)}: Order Status 'Lost' is not a known status")


def test_empty_report() -> None:
    report = ImportReport()
    assert report.exit_code == 0 and report.lines() == []


def test_progress_counts_every_order_of_each_file(tmp_path: Path, shop: Store) -> None:
    """Orders left out for bad rows count as done too, so each file's progress ends at its total."""
    _builder, expected, path = _standard_file(tmp_path)
    newer = _moved_on().write_csv(tmp_path / "newer.csv")
    progress: list[tuple[str, int, int]] = []
    report = import_files(shop, [path, newer], batch=10, progress=lambda *a: progress.append(a))
    assert [r.created for r in report.files] == [len(expected.statuses), 1]
    assert report.files[0].rows == expected.data_rows
    assert len(report.files[0].bad_rows) == len(expected.bad)
    total = len(expected.statuses) + report.files[0].rejected
    assert [p[0] for p in progress] == [str(path), str(path), str(newer)]
    assert (progress[-2][1:], progress[-1][1:]) == ((total, total), (3, 3))
    assert shop.get(oid(3)).status is OrderStatus.AWAITING_COLLECTION


def test_a_file_that_breaks_off_after_good_rows_writes_nothing(tmp_path: Path, shop: Store) -> None:
    """The check reads every file to its end before the first order is written."""
    _builder, _expected, path = _standard_file(tmp_path)
    broken = tmp_path / "broken.csv"
    broken.write_bytes(path.read_bytes() + b"577000000000000099,\xff\xfe not UTF-8\r\n")
    with pytest.raises(ExportFormatError, match="not UTF-8"):
        import_files(shop, [path, broken])
    assert _count(shop, "orders") == 0
