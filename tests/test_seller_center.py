"""Reading and writing TikTok Seller Center order exports."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tsshop_tui.domain.model import (
    ContentType,
    Flag,
    Initiator,
    LineItem,
    Note,
    Order,
    OrderStatus,
    OrderType,
    ShippingType,
)
from tsshop_tui.io.seller_center import (
    EXPORT_COLUMNS,
    NOTE_AUTHOR,
    ExportFormatError,
    export_rows,
    format_time,
    neutralise,
    parse_money,
    parse_status,
    parse_time,
    read_export,
    unneutralise,
    write_csv,
    write_export,
)

try:
    from .seller_center_fixtures import COLUMNS, ExportBuilder, oid, sku, standard_export, utc
except ImportError:
    from seller_center_fixtures import COLUMNS, ExportBuilder, oid, sku, standard_export, utc

FORMATS = ["csv", "xlsx"]


@pytest.fixture(params=FORMATS)
def fmt(request: pytest.FixtureRequest) -> str:
    return request.param


def _standard(tmp_path: Path, fmt: str):
    builder, expected = standard_export()
    path = builder.write(tmp_path / f"orders.{fmt}", fmt)
    return builder, expected, path, read_export(path)


def _by_id(parsed) -> dict[str, Order]:
    return {order.id: order for order in parsed.orders}


# --- The standard export -----------------------------------------------------------------------


def test_standard_export_orders_statuses_and_lines(tmp_path: Path, fmt: str) -> None:
    _builder, expected, _path, parsed = _standard(tmp_path, fmt)
    orders = _by_id(parsed)
    assert {i: o.status.value for i, o in orders.items()} == expected.statuses
    assert {i: len(o.line_items) for i, o in orders.items()} == expected.line_counts
    assert parsed.rows == expected.data_rows
    assert set(parsed.rejected) == expected.rejected
    # Orders keep file order; IDs are digit strings without the trailing tab.
    assert [o.id for o in parsed.orders] == list(expected.statuses)


def test_file_quirks_bom_description_row_trailing_tabs(tmp_path: Path) -> None:
    _builder, _expected, path, parsed = _standard(tmp_path, "csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"Platform unique order ID." in raw
    assert b"577000000000000003\t" in raw and b"11:59:59 PM\t" in raw
    order = _by_id(parsed)[oid(3)]
    assert [line.sku_id for line in order.line_items] == [
        "1729000000000000031",
        "1729000000000000032",
        "1729000000000000033",
    ]
    assert _by_id(parsed)[oid(4)].tracking_number == "TT1234567890"
    assert _by_id(parsed)[oid(4)].line_items[0].package_id == "1152000000000000004"


def test_amounts_of_a_multi_sku_order(tmp_path: Path, fmt: str) -> None:
    _b, _e, _p, parsed = _standard(tmp_path, fmt)
    order = _by_id(parsed)[oid(3)]
    first, second, third = order.line_items
    assert (first.quantity, first.original_price, first.sale_price) == (2, Decimal("19.99"), Decimal("17.49"))
    assert (first.platform_discount, first.seller_discount) == (Decimal("2.00"), Decimal("3.00"))
    assert first.sku_name == "Black, M"
    assert (second.original_price, second.sale_price) == (Decimal("12.00"), Decimal("12.00"))
    assert (third.original_price, third.sale_price) == (Decimal("1234.50"), Decimal("1200.00"))
    assert order.sub_total == Decimal("1286.48")
    assert order.seller_discount == Decimal("37.50")
    assert order.platform_discount == Decimal("2.00")
    assert order.shipping_fee == Decimal("5.99")
    assert order.total_amount == Decimal("1252.97")
    assert order.currency == "USD"
    assert order.item_count == 4
    assert order.recipient_name == "Ann Example"
    assert (order.city, order.state, order.zipcode, order.country) == (
        "Los Angeles", "California", "90012", "United States",
    )
    assert (order.address_detail, order.address_extra) == ("1 Main St", "Apt 4")
    assert order.warehouse_name == "LA warehouse"
    assert order.delivery_option_name == "Standard shipping"
    assert order.recipient_phone == "(+1)213*****78"


def test_times_us_12_hour_24_hour_and_iso(tmp_path: Path, fmt: str) -> None:
    _b, _e, _p, parsed = _standard(tmp_path, fmt)
    orders = _by_id(parsed)
    assert orders[oid(3)].create_time == utc(2026, 11, 24, 23, 59, 59)
    assert orders[oid(3)].paid_time == utc(2026, 11, 25, 0, 0, 1)  # 12:00:01 AM
    assert orders[oid(4)].rts_time == utc(2026, 11, 25, 12, 15, 0)  # 12:15:00 PM
    assert orders[oid(1)].paid_time is None
    assert orders[oid(5)].rts_time == utc(2026, 11, 22, 15, 4, 5)  # Shipped Time when RTS is empty
    assert orders[oid(6)].delivery_time == utc(2026, 11, 24, 13, 0, 0)
    assert orders[oid(8)].cancel_time == utc(2026, 11, 20, 9, 0, 0)
    assert orders[oid(11)].create_time == utc(2026, 11, 25, 21, 30, 33)
    assert orders[oid(11)].paid_time == utc(2026, 11, 25, 21, 40, 0)
    assert orders[oid(11)].rts_time == utc(2026, 11, 26, 1, 2, 3)
    assert all(o.rts_sla_time is None for o in parsed.orders)  # the export has no ship-by column


def test_naive_times_are_read_in_the_given_timezone(tmp_path: Path) -> None:
    builder, _expected = standard_export()
    path = builder.write_csv(tmp_path / "orders.csv")
    parsed = read_export(path, tz=ZoneInfo("America/New_York"))
    orders = _by_id(parsed)
    assert orders[oid(3)].create_time == utc(2026, 11, 25, 4, 59, 59)
    assert orders[oid(11)].rts_time == utc(2026, 11, 26, 1, 2, 3)  # an explicit Z stays UTC


def test_cancelled_both_spellings_types_and_initiators(tmp_path: Path, fmt: str) -> None:
    _b, _e, _p, parsed = _standard(tmp_path, fmt)
    orders = _by_id(parsed)
    assert orders[oid(8)].status is OrderStatus.CANCELLED  # "Canceled"
    assert orders[oid(9)].status is OrderStatus.CANCELLED  # "Cancelled"
    assert orders[oid(8)].cancellation_initiator is Initiator.BUYER
    assert orders[oid(9)].cancellation_initiator is Initiator.SELLER
    assert orders[oid(9)].cancel_reason == "seller_cancel_reason_out_of_stock"
    assert orders[oid(9)].shipping_type is ShippingType.SELLER
    assert orders[oid(8)].shipping_type is ShippingType.TIKTOK
    assert orders[oid(11)].order_type is OrderType.PRE_ORDER
    assert orders[oid(3)].order_type is OrderType.NORMAL


def test_partially_shipped_lines_keep_their_own_tracking(tmp_path: Path, fmt: str) -> None:
    _b, _e, _p, parsed = _standard(tmp_path, fmt)
    order = _by_id(parsed)[oid(10)]
    assert order.status is OrderStatus.PARTIALLY_SHIPPING
    assert order.tracking_number == "TRACKA00001"
    assert [line.tracking_number for line in order.line_items] == [None, "TRACKB00002"]
    assert [line.package_id for line in order.line_items] == ["1152000000000000101", "1152000000000000102"]


def test_marketplace_text_is_kept_exactly(tmp_path: Path, fmt: str) -> None:
    _b, _e, _p, parsed = _standard(tmp_path, fmt)
    order = _by_id(parsed)[oid(12)]
    assert order.buyer_message == "[bold]Hi[/bold] please\nwrap it "
    assert order.buyer_username == "@anna"
    assert order.seller_note == "=1+1"  # the file's formula-neutralising apostrophe is removed
    assert order.recipient_name == "  Padded Name  "  # free text is not stripped
    assert order.line_items[0].product_name == "[link=https://evil.example]Mug[/link]"
    assert order.line_items[0].sku_name == "[red]Red[/red]"


def test_escape_sequences_are_kept_exactly(tmp_path: Path) -> None:
    builder = ExportBuilder()
    builder.order(oid(1), "To ship", "Awaiting shipment",
                  [sku("1729000000000000011", name="\x1b[31mRED\x1b[0m [bold]x[/bold]")],
                  **{"Buyer Message": "\x1b]8;;http://x\x07link\x1b]8;;\x07 \x1b[2J"})
    parsed = read_export(builder.write_csv(tmp_path / "esc.csv"))
    (order,) = parsed.orders
    assert order.buyer_message == "\x1b]8;;http://x\x07link\x1b]8;;\x07 \x1b[2J"
    assert order.line_items[0].product_name == "\x1b[31mRED\x1b[0m [bold]x[/bold]"


def test_bad_rows_are_reported_with_file_line_and_reason(tmp_path: Path, fmt: str) -> None:
    builder, expected, path, parsed = _standard(tmp_path, fmt)
    got = [(bad.file, bad.line, bad.order_id) for bad in parsed.bad_rows]
    want = [(str(path), builder.line(index, fmt), order_id) for index, order_id, _ in expected.bad]
    assert got == want
    for bad, (_index, _order_id, reason) in zip(parsed.bad_rows, expected.bad, strict=True):
        assert reason in bad.reason
    # No order of a bad row is returned, not even its good rows.
    assert not set(_by_id(parsed)) & expected.rejected


def test_bad_row_lines_are_physical_lines(tmp_path: Path) -> None:
    """Counted by hand: header 1, descriptions 2, data from 3; a blank line after order 7; order
    12's buyer message spans two lines (so CSV lines run one ahead of XLSX rows after it)."""
    builder, _expected = standard_export()
    csv_parsed = read_export(builder.write_csv(tmp_path / "o.csv"))
    xlsx_parsed = read_export(builder.write_xlsx(tmp_path / "o.xlsx"))
    assert [b.line for b in csv_parsed.bad_rows] == [21, 22, 23, 24, 26]
    assert [b.line for b in xlsx_parsed.bad_rows] == [20, 21, 22, 23, 25]
    assert csv_parsed.bad_rows[0].reason == "Quantity 'abc' is not a whole number"
    assert xlsx_parsed.bad_rows[3].reason == "Created Time '31/12/2026 9:00:00 AM' is not a date and time"
    assert str(csv_parsed.bad_rows[2]).endswith("o.csv line 23: Order ID is empty")


def test_xlsx_gives_the_same_orders_as_csv(tmp_path: Path) -> None:
    builder, _expected = standard_export()
    from_csv = read_export(builder.write_csv(tmp_path / "o.csv"))
    from_xlsx = read_export(builder.write_xlsx(tmp_path / "o.xlsx"))
    assert from_xlsx.orders == from_csv.orders
    assert from_xlsx.rows == from_csv.rows
    assert from_xlsx.rejected == from_csv.rejected


def test_xlsx_with_typed_cells(tmp_path: Path) -> None:
    """A workbook someone saved from Excel: numbers as numbers, times as dates."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Order ID", "Order Status", "Order Substatus", "SKU ID", "Quantity", "Created Time",
                  "SKU Unit Original Price", "Order Amount", "Zipcode"])
    sheet.append([577000000001, "To ship", "Awaiting shipment", 172900000011, 2,
                  datetime(2026, 11, 25, 21, 30, 33), 19.99, 39.98, 2134])
    # An 18-digit ID typed into a number cell keeps only about 15 digits: refused, not guessed.
    sheet.append([577000000000000002, "To ship", "Awaiting shipment", "1729", 1.0, "11/25/2026 9:30:33 PM", 1, 1])
    sheet.append(["577000000000000003", "To ship", "Awaiting shipment", 1729000000000000011, 1,
                  "11/25/2026 9:30:33 PM", 1, 1])
    path = tmp_path / "typed.xlsx"
    book.save(path)
    parsed = read_export(path)
    (order,) = parsed.orders
    assert order.id == "577000000001"
    assert order.create_time == utc(2026, 11, 25, 21, 30, 33)
    assert order.line_items[0].sku_id == "172900000011"
    assert order.line_items[0].quantity == 2
    assert order.line_items[0].original_price == Decimal("19.99")
    assert order.total_amount == Decimal("39.98")
    assert order.zipcode == "2134"
    first, second = parsed.bad_rows
    assert (first.line, first.order_id) == (3, None)
    assert first.reason.startswith("Order ID '5.77e+17' is stored as a number and has lost digits")
    assert (second.line, second.order_id) == (4, "577000000000000003")
    assert second.reason.startswith("SKU ID '1.729e+18' is stored as a number")


def test_header_only_file_has_no_orders(tmp_path: Path) -> None:
    path = tmp_path / "empty-export.csv"
    path.write_text("\ufeff" + ",".join(COLUMNS) + "\r\n", encoding="utf-8")
    parsed = read_export(path)
    assert (parsed.orders, parsed.bad_rows, parsed.rows) == ([], [], 0)


def test_without_description_row_bom_or_tabs(tmp_path: Path) -> None:
    builder = ExportBuilder(bom=False, descriptions=False, trailing_tabs=False)
    builder.order(oid(1), "Shipped", "Delivered")
    index = builder.order("12x", "Shipped", "Delivered")[0]
    path = builder.write_csv(tmp_path / "plain.csv")
    parsed = read_export(path)
    assert [o.id for o in parsed.orders] == [oid(1)]
    (bad,) = parsed.bad_rows
    assert bad.line == builder.csv_line(index) == 3
    assert bad.reason == "Order ID '12x' is not an order ID (6 to 30 digits)"


def test_more_bad_values(tmp_path: Path) -> None:
    builder = ExportBuilder()
    rows = {
        "money": builder.order(oid(1), "To ship", "", **{"Order Amount": "12,34"})[0],
        "sku": builder.order(oid(2), "To ship", "", [sku("", seller_sku="X")])[0],
        "zero": builder.order(oid(3), "To ship", "", [sku("1729000000000000031", quantity="0")])[0],
        "negative": builder.order(oid(8), "To ship", "", [sku("1729000000000000081", quantity="-3")])[0],
        "sub": builder.order(oid(4), "To ship", "Lost in space")[0],
        "cancel_by": builder.order(oid(5), "Canceled", "", **{"Cancel By": "Martians"})[0],
        "created": builder.order(oid(6), "Unpaid", "", **{"Created Time": ""})[0],
        "type": builder.order(oid(7), "Unpaid", "", **{"Normal or Pre-order": "Sometimes"})[0],
    }
    parsed = read_export(builder.write_csv(tmp_path / "bad.csv"))
    reasons = {bad.order_id: bad.reason for bad in parsed.bad_rows}
    assert parsed.orders == []
    assert reasons == {
        oid(1): "Order Amount '12,34' is not an amount of money",
        oid(2): "SKU ID is empty",
        oid(3): "Quantity '0' must be at least 1",
        oid(4): "Order Status 'To ship' / Order Substatus 'Lost in space' is not a known status",
        oid(5): "Cancel By 'Martians' is not Seller, Buyer or System",
        oid(6): "Created Time is empty",
        oid(7): "Normal or Pre-order 'Sometimes' is not a known order type",
        oid(8): "Quantity '-3' is negative: it must be at least 1",
    }
    assert [bad.line for bad in parsed.bad_rows] == [builder.csv_line(i) for i in rows.values()]


def test_reasons_show_control_characters_visibly(tmp_path: Path) -> None:
    builder = ExportBuilder()
    builder.order(oid(1), "\x1b[31mShipped", "")
    (bad,) = read_export(builder.write_csv(tmp_path / "x.csv")).bad_rows
    assert "\x1b" not in bad.reason and "␛[31mShipped" in bad.reason


# --- Values ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "substatus", "expected"),
    [
        ("Unpaid", "", "UNPAID"),
        ("On hold", "", "ON_HOLD"),
        ("ON HOLD", "On hold", "ON_HOLD"),
        ("To ship", "Awaiting shipment", "AWAITING_SHIPMENT"),
        ("to ship", "AWAITING COLLECTION", "AWAITING_COLLECTION"),
        ("To ship", "Partially shipped", "PARTIALLY_SHIPPING"),
        ("Shipped", "In transit", "IN_TRANSIT"),
        ("Shipped", "Delivered", "DELIVERED"),
        ("Completed", "", "COMPLETED"),
        ("Canceled", "", "CANCELLED"),
        ("Cancelled", "Cancelled", "CANCELLED"),
        ("CANCELED", "", "CANCELLED"),
        ("AWAITING_SHIPMENT", "", "AWAITING_SHIPMENT"),
    ],
)
def test_status_mapping(status: str, substatus: str, expected: str) -> None:
    assert parse_status(status, substatus).value == expected


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("38.40", "38.40", None),
        ("$38.40", "38.40", "USD"),
        ("USD 38.40", "38.40", "USD"),
        ("38.40 USD", "38.40", "USD"),
        ("1,234.50", "1234.50", None),
        ("$1,234,567.5", "1234567.50", "USD"),
        ("0", "0.00", None),
        ("", "0.00", None),
        ("  12 \t", "12.00", None),
    ],
)
def test_money(text: str, amount: str, currency: str | None) -> None:
    assert parse_money(text) == (Decimal(amount), currency)


@pytest.mark.parametrize("text", ["12,34", "abc", "1.2.3", "$", "12 34"])
def test_money_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_money(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("11/25/2026 9:30:33 PM", utc(2026, 11, 25, 21, 30, 33)),
        ("11/25/2026 9:30:33 PM\t", utc(2026, 11, 25, 21, 30, 33)),
        ("11/25/2026 12:00:00 AM", utc(2026, 11, 25, 0, 0, 0)),
        ("11/25/2026 12:00:00 PM", utc(2026, 11, 25, 12, 0, 0)),
        ("1/5/2026 9:30 am", utc(2026, 1, 5, 9, 30, 0)),
        ("11/25/2026 21:30:33", utc(2026, 11, 25, 21, 30, 33)),
        ("2026-11-25 21:30:33", utc(2026, 11, 25, 21, 30, 33)),
        ("2026-11-25T21:30:33Z", utc(2026, 11, 25, 21, 30, 33)),
        ("2026-11-25T21:30:33-08:00", utc(2026, 11, 26, 5, 30, 33)),
        ("", None),
        ("  \t", None),
    ],
)
def test_times(text: str, expected: datetime | None) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["11/25/2026 13:30:33 PM", "13/25/2026 9:30:33 PM", "yesterday", "2026-02-30 10:00:00"])
def test_times_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_time(text)


def test_format_time() -> None:
    assert format_time(utc(2026, 11, 25, 21, 30, 33)) == "11/25/2026 9:30:33 PM"
    assert format_time(utc(2026, 1, 5, 0, 5, 0)) == "01/05/2026 12:05:00 AM"
    assert format_time(datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))) == "11/25/2026 11:00:00 AM"
    assert format_time(None) == ""


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'=1+1", "''=x", "'hello", "hello", "", "'", "a=b",
     "=HYPERLINK(\"http://x\",\"y\")"],
)
def test_neutralise_round_trips(text: str) -> None:
    written = neutralise(text)
    assert unneutralise(written) == text
    assert not written.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_neutralise_examples() -> None:
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("@anna") == "'@anna"
    assert neutralise("'=1+1") == "''=1+1"
    assert neutralise("'hello") == "'hello"
    assert unneutralise("'hello") == "'hello"


# --- Refusal ----------------------------------------------------------------------------------


def test_missing_columns_are_refused_naming_them(tmp_path: Path) -> None:
    path = tmp_path / "partial.csv"
    path.write_text("Order ID,Order Status,Buyer Message\n577000000000000001,Unpaid,hi\n", encoding="utf-8")
    with pytest.raises(ExportFormatError) as caught:
        read_export(path)
    message = str(caught.value)
    assert str(path) in message
    assert "SKU ID, Quantity, Created Time" in message


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.txt", b"Dear diary,\nthe orders are late again.\n"),
        ("orders.csv", b""),
        ("blank.csv", b"\xef\xbb\xbf\r\n\r\n"),
        ("orders.xlsx", b"this is not a workbook"),
        ("broken.xlsx", b"PK\x03\x04garbage"),
        ("orders.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest"),
        ("latin1.csv", "Order ID,Order Status,SKU ID,Quantity,Created Time\n1,Café,\n".encode("latin-1")),
        ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    ],
)
def test_not_an_export_is_refused(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ExportFormatError) as caught:
        read_export(path)
    assert str(path) in str(caught.value)


def test_missing_file_and_directory_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ExportFormatError, match="no such file"):
        read_export(tmp_path / "nope.csv")
    with pytest.raises(ExportFormatError, match="directory"):
        read_export(tmp_path)


def test_xlsx_without_required_columns_is_refused(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Name", "Amount"])
    book.active.append(["x", 1])
    path = tmp_path / "other.xlsx"
    book.save(path)
    with pytest.raises(ExportFormatError, match="missing columns Order ID, Order Status"):
        read_export(path)


# --- Writing and the round trip -----------------------------------------------------------------


def _full_order() -> Order:
    lines = [
        LineItem(sku_id="1729000000000000001", seller_sku="MUG-W", product_id="1730000000000000001",
                 product_name="=cmd|' /C calc'!A0", sku_name="White, 350 ml", quantity=2,
                 original_price=Decimal("19.99"), sale_price=Decimal("17.49"),
                 platform_discount=Decimal("2.00"), seller_discount=Decimal("3.00"),
                 package_id="1152000000000000001", product_category="Kitchen"),
        LineItem(sku_id="1729000000000000002", seller_sku="TOWEL", product_id="1730000000000000002",
                 product_name="[bold]Tea towel[/bold]", sku_name="@home", quantity=1,
                 original_price=Decimal("1234.50"), sale_price=Decimal("1200.00"),
                 platform_discount=Decimal("0"), seller_discount=Decimal("34.50"),
                 package_id="1152000000000000002", tracking_number="TRACKB00002", product_category="-"),
    ]
    return Order(
        id="577912345678901234",
        status=OrderStatus.IN_TRANSIT,
        create_time=utc(2026, 11, 20, 8, 5, 0),
        paid_time=utc(2026, 11, 20, 8, 6, 0),
        update_time=utc(2026, 11, 22, 0, 0, 0),
        rts_sla_time=utc(2026, 11, 22, 8, 6, 0),
        tts_sla_time=utc(2026, 11, 23, 8, 6, 0),
        shipping_due_time=utc(2026, 11, 25, 8, 6, 0),
        rts_time=utc(2026, 11, 21, 12, 0, 0),
        tracking_number="TT1234567890",
        shipping_provider="USPS",
        delivery_option_name="Standard shipping",
        shipping_type=ShippingType.SELLER,
        order_type=OrderType.MADE_TO_ORDER,
        is_sample_order=True,
        buyer_username="@anna",
        buyer_message="+1 call me\n=SUM(A1:A9)\r\n\x1b[31mred\x1b[0m, \"quoted\", 'single'",
        seller_note="-fragile-",
        cancel_reason=None,
        warehouse_id="7000000000000001",
        warehouse_name="LA warehouse",
        currency="USD",
        sub_total=Decimal("1274.48"),
        shipping_fee=Decimal("5.99"),
        seller_discount=Decimal("40.50"),
        platform_discount=Decimal("4.00"),
        tax=Decimal("3.21"),
        total_amount=Decimal("1255.18"),
        refund_amount=Decimal("0"),
        payment_method="PayPal",
        recipient_name="\tAnn",
        recipient_phone="(+1)213*****78",
        address_detail="1 Main St",
        address_extra="Apt 4",
        city="Los Angeles",
        state="California",
        zipcode="90012",
        country="United States",
        creator_username="anna_creates",
        content_type=ContentType.LIVE,
        campaign="Black Friday LIVE",
        line_items=lines,
    )


def _order(status: OrderStatus, n: int, **fields) -> Order:
    return Order(
        id=f"5770000000000001{n:02d}",
        status=status,
        create_time=utc(2026, 11, 20, 8, n, 0),
        line_items=[LineItem(sku_id=f"17290000000001{n:02d}", quantity=1, original_price=Decimal("5"),
                             sale_price=Decimal("5"))],
        sub_total=Decimal("5"),
        total_amount=Decimal("5"),
        **fields,
    )


def _round_trip_orders() -> list[Order]:
    full = _full_order()
    # Seller discount and platform discount of the order are the sums of its lines' in the layout.
    full = full.model_copy(update={"seller_discount": Decimal("37.50"), "platform_discount": Decimal("2.00"),
                                   "sub_total": Decimal("1274.48")})
    others = [_order(status, i) for i, status in enumerate(OrderStatus)]
    cancelled = _order(OrderStatus.CANCELLED, 50, cancel_time=utc(2026, 11, 21, 1, 0, 0),
                       cancellation_initiator=Initiator.SYSTEM, cancel_reason="Buyer did not pay",
                       order_type=OrderType.BACK_ORDER, content_type=ContentType.SHOWCASE, currency="GBP")
    # Two packages: the first line has its own tracking number, the order's is the second package's.
    two_packages = full.model_copy(update={
        "id": "577912345678901299",
        "line_items": [full.line_items[1], full.line_items[0]],
    })
    # Only one line shipped so far: the order itself has no tracking number yet.
    partial = full.model_copy(update={
        "id": "577912345678901298", "status": OrderStatus.PARTIALLY_SHIPPING, "tracking_number": None,
    })
    return [full, two_packages, partial, *others, cancelled,
            _order(OrderStatus.DELIVERED, 51, delivery_time=utc(2026, 11, 24, 13, 0), order_type=OrderType.PRE_ORDER,
                   content_type=ContentType.VIDEO)]


def _read_back(order: Order) -> Order:
    """What reading our own export gives: its Seller Note and Seller Flag are the order's note."""
    text = (order.current_note.text if order.current_note else "") or order.seller_note
    notes = []
    if text.strip() or order.flag is not None:
        notes = [Note(order_id=order.id, flag=order.flag, text=text, author=NOTE_AUTHOR,
                      created_at=order.update_time or order.create_time)]
    return order.model_copy(update={"seller_note": "", "notes": notes})


def test_round_trip_through_csv(tmp_path: Path) -> None:
    orders = _round_trip_orders()
    assert orders[0].sub_total == sum(l.original_price * l.quantity for l in orders[0].line_items)
    path = tmp_path / "ours.csv"
    rows = write_export(orders, path)
    assert rows == sum(len(o.line_items) for o in orders)
    parsed = read_export(path)
    assert parsed.bad_rows == []
    assert parsed.own_notes
    assert parsed.orders == [_read_back(order) for order in orders]


def test_write_csv_layout_and_neutralisation() -> None:
    order = _full_order()
    buffer = io.StringIO(newline="")
    write_csv([order], buffer)
    records = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert records[0] == list(EXPORT_COLUMNS)
    assert records[0][: len(COLUMNS)] == COLUMNS  # the Seller Center layout first, in order
    assert len(records) == 3
    row = dict(zip(records[0], records[1], strict=True))
    assert row["Order ID"] == "577912345678901234"
    assert (row["Order Status"], row["Order Substatus"]) == ("Shipped", "In transit")
    assert row["Created Time"] == "11/20/2026 8:05:00 AM"
    assert row["Shipped Time"] == "11/21/2026 12:00:00 PM"
    assert row["Quantity"] == "2"
    assert row["SKU Unit Original Price"] == "19.99"
    assert row["SKU Subtotal Before Discount"] == "39.98"
    assert row["SKU Subtotal After Discount"] == "34.98"
    assert row["Order Amount"] == "1255.18"
    assert row["Tracking ID"] == "TT1234567890"
    assert row["Normal or Pre-order"] == "Made-to-order"
    assert row["Fulfillment Type"] == "Fulfillment by seller"
    assert row["Sample Order"] == "Yes"
    assert row["Product Name"] == "'=cmd|' /C calc'!A0"
    assert row["Buyer Username"] == "'@anna"
    assert row["Buyer Message"].startswith("'+1 call me\n")
    assert row["Seller Note"] == "'-fragile-"
    assert row["Recipient"] == "'\tAnn"
    second = dict(zip(records[0], records[2], strict=True))
    assert second["Tracking ID"] == "TRACKB00002"
    assert second["Variation"] == "'@home"
    assert second["Product Category"] == "'-"
    for record in records[1:]:
        for cell in record:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_export_rows_for_every_status_read_back() -> None:
    for status in OrderStatus:
        row = export_rows(_order(status, 1))[0]
        assert parse_status(row["Order Status"], row["Order Substatus"]) is status


def test_write_csv_to_a_binary_file_adds_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "bin.csv"
    with path.open("wb") as handle:
        write_csv(_round_trip_orders(), handle)
    assert path.read_bytes().startswith(b"\xef\xbb\xbfOrder ID,")
    assert read_export(path).orders == [_read_back(order) for order in _round_trip_orders()]


def test_write_csv_streams(tmp_path: Path) -> None:
    """Orders may come from a generator; nothing needs them all at once."""
    seen: list[int] = []

    def orders():
        for n in range(5):
            seen.append(n)
            yield _order(OrderStatus.AWAITING_SHIPMENT, n)

    buffer = io.StringIO(newline="")
    assert write_csv(orders(), buffer) == 5
    assert seen == [0, 1, 2, 3, 4]


def test_standard_export_round_trips_through_our_writer(tmp_path: Path) -> None:
    builder, _expected = standard_export()
    first = read_export(builder.write_csv(tmp_path / "sc.csv"))
    write_export(first.orders, tmp_path / "ours.csv")
    again = read_export(tmp_path / "ours.csv")
    assert again.bad_rows == []
    assert again.orders == [_read_back(order) for order in first.orders]


def test_read_export_names_the_file_as_given(tmp_path: Path) -> None:
    builder, _ = standard_export()
    path = builder.write_csv(tmp_path / "o.csv")
    assert read_export(path).file == str(path)
    assert all(bad.file == str(path) for bad in read_export(path).bad_rows)


def test_timezone_default_is_utc() -> None:
    assert parse_time("11/25/2026 9:30:33 PM").tzinfo is timezone.utc


def test_title_rows_before_the_header_and_repeated_headers(tmp_path: Path) -> None:
    builder = ExportBuilder(descriptions=False, trailing_tabs=False)
    builder.order(oid(1), "To ship", "Awaiting shipment")
    builder.row(dict(zip(COLUMNS, COLUMNS, strict=True)))  # a second export pasted below the first
    builder.order(oid(2), "Unpaid", "")
    path = builder.write_csv(tmp_path / "pasted.csv")
    path.write_text("Order list,exported 11/26/2026\n\n" + path.read_text(encoding="utf-8-sig"), encoding="utf-8")
    parsed = read_export(path)
    assert [o.id for o in parsed.orders] == [oid(1), oid(2)]
    assert parsed.bad_rows == [] and parsed.rows == 2


def test_xlsx_orders_on_a_later_sheet(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    builder = ExportBuilder()
    builder.order(oid(1), "To ship", "Awaiting shipment")
    path = builder.write_xlsx(tmp_path / "sheets.xlsx")
    book = load_workbook(path)
    cover = book.create_sheet("Read me", 0)
    cover.append(["This workbook holds your orders"])
    book.save(path)
    assert [o.id for o in read_export(path).orders] == [oid(1)]


def test_seller_center_rows_give_the_order_the_first_tracking_number(tmp_path: Path) -> None:
    """Without our Order Tracking ID column, the order's number is its first row's (or first non-empty)."""
    builder = ExportBuilder()
    builder.order(oid(1), "To ship", "Partially shipped", [
        sku("1729000000000000011"),
        sku("1729000000000000012", **{"Tracking ID": "TRACKB00002"}),
        sku("1729000000000000013", **{"Tracking ID": "TRACKC00003"}),
    ])
    (order,) = read_export(builder.write_csv(tmp_path / "partial.csv")).orders
    assert order.tracking_number == "TRACKB00002"
    assert [line.tracking_number for line in order.line_items] == [None, None, "TRACKC00003"]


# --- Our own exports: notes, worksheet escapes, streaming ----------------------------------------


def test_our_export_carries_the_current_comment_and_flag(tmp_path: Path) -> None:
    """Issue 10.6: Seller Note is the current comment (else the marketplace's note), Seller Flag the flag."""
    base = _order(OrderStatus.AWAITING_SHIPMENT, 1, seller_note="from Seller Center")
    noted = base.model_copy(update={"id": "577000000000000191", "notes": [
        Note(order_id="577000000000000191", flag=Flag.RED, text="hold until verified", author="ana",
             created_at=utc(2026, 11, 21, 9, 0, 0)),
    ]})
    rows = [export_rows(order)[0] for order in (base, noted)]
    assert EXPORT_COLUMNS[-1] == "Seller Flag"
    assert [(r["Seller Note"], r["Seller Flag"]) for r in rows] == [
        ("from Seller Center", ""), ("hold until verified", "red"),
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_seller_flag_is_read_as_the_orders_note(tmp_path: Path, fmt: str) -> None:
    builder = ExportBuilder(columns=[*COLUMNS, "Seller Flag"])
    builder.order(oid(1), "To ship", "", **{"Seller Flag": "Red", "Seller Note": "'=hold"})
    builder.order(oid(2), "To ship", "", **{"Seller Flag": "", "Seller Note": ""})
    builder.order(oid(3), "To ship", "", **{"Seller Flag": "pink", "Seller Note": "x"})
    parsed = read_export(builder.write(tmp_path / f"flags.{fmt}", fmt))
    assert parsed.own_notes
    first, second = parsed.orders
    assert (first.flag, first.current_note.text, first.seller_note) == (Flag.RED, "=hold", "")
    assert second.notes == [] and second.seller_note == ""
    (bad,) = parsed.bad_rows
    assert bad.reason == "Seller Flag 'pink' is not a flag colour: red, orange, yellow, green, blue, purple"


@pytest.mark.parametrize("text", [
    "plain", "\x1b[31mred\x1b[0m\x07", "cr\rlf\ncrlf\r\ntab\t", "\x00\x01\x0b\x0c\x1f\ufffe",
    "_x001B_", "_x001b_ x005F_ _x005F_x0041_ _X000D_", "x005F_x005F_", "__x0041__", "_x12_", "\u241b",
])
def test_xlsx_escapes_round_trip(text: str) -> None:
    from tsshop_tui.io.seller_center import xlsx_escape, xlsx_unescape

    escaped = xlsx_escape(text)
    assert not any(ord(c) < 32 and c not in "\t\n" for c in escaped)
    assert "x005F_" not in escaped  # openpyxl's reader would drop it
    assert xlsx_unescape(escaped) == text


def test_excels_own_escapes_are_read(tmp_path: Path) -> None:
    """Excel writes ESC as _x001B_ (upper case) in a worksheet: it reads back as ESC."""
    from tsshop_tui.io.seller_center import xlsx_unescape

    assert xlsx_unescape("\u005fx001B_[31mred_x000D_") == "\x1b[31mred\r"


def test_an_export_is_read_one_order_at_a_time(tmp_path: Path) -> None:
    """The reader yields an order as soon as its rows end; an order whose rows are apart is held to
    the end and read whole."""
    from tsshop_tui.io.seller_center import ExportReader

    builder = ExportBuilder()
    builder.order(oid(1), "To ship", "", [sku("1729000000000000011")])
    builder.order(oid(2), "To ship", "", [sku("1729000000000000021")])
    builder.order(oid(1), "To ship", "", [sku("1729000000000000012")])  # oid(1)'s second line, apart
    builder.order(oid(3), "To ship", "", [sku("1729000000000000031")])
    reader = ExportReader(builder.write_csv(tmp_path / "apart.csv"))
    assert reader.orders == 3
    orders = iter(reader)
    assert next(orders).id == oid(2)  # complete once oid(1)'s row follows it
    rest = list(orders)
    assert [o.id for o in rest] == [oid(3), oid(1)]
    assert [li.sku_id for li in rest[1].line_items] == ["1729000000000000011", "1729000000000000012"]
    assert reader.parsed.bad_rows == [] and reader.parsed.rows == 4
