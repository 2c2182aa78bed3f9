"""Build real-looking TikTok Seller Center order exports (.csv, .xlsx) for tests.

The builder writes what Seller Center writes: a UTF-8 byte-order mark, a second row of column
descriptions, a trailing tab after IDs and timestamps, US 12-hour times, one row per SKU line.
It knows the physical line (CSV) and row (XLSX) each data row lands on, so tests can check that a
bad row is reported at the line a user would see in an editor or a spreadsheet.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

# The US layout, written out independently of the code under test.
COLUMNS: list[str] = [
    "Order ID", "Order Status", "Order Substatus", "Cancelation/Return Type", "Normal or Pre-order",
    "SKU ID", "Seller SKU", "Product Name", "Variation", "Quantity", "Sku Quantity of return",
    "SKU Unit Original Price", "SKU Subtotal Before Discount", "SKU Platform Discount",
    "SKU Seller Discount", "SKU Subtotal After Discount", "Shipping Fee After Discount",
    "Original Shipping Fee", "Shipping Fee Seller Discount", "Shipping Fee Platform Discount",
    "Payment platform discount", "Taxes", "Order Amount", "Order Refund Amount", "Created Time",
    "Paid Time", "RTS Time", "Shipped Time", "Delivered Time", "Cancelled Time", "Cancel By",
    "Cancel Reason", "Fulfillment Type", "Warehouse Name", "Tracking ID", "Delivery Option",
    "Shipping Provider Name", "Buyer Message", "Buyer Username", "Recipient", "Phone #", "Zipcode",
    "Country", "State", "City", "Detail Address", "Additional address information",
    "Payment Method", "Weight(kg)", "Product Category", "Package ID", "Seller Note",
    "Checked Status", "Checked Marked by",
]
DESCRIPTIONS: dict[str, str] = {
    "Order ID": "Platform unique order ID.",
    "Order Status": "Current order status.",
    "SKU ID": "Platform SKU ID.",
    "Quantity": "SKU sold quantity.",
    "Created Time": "Time the order was placed.",
}
TABBED = {"Order ID", "SKU ID", "Package ID", "Tracking ID"} | {c for c in COLUMNS if c.endswith(" Time")}

UTC = timezone.utc


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def sku(
    sku_id: str,
    *,
    quantity: str = "1",
    unit: str = "10.00",
    before: str | None = None,
    platform: str = "0.00",
    seller: str = "0.00",
    after: str | None = None,
    seller_sku: str = "",
    name: str = "Ceramic mug",
    variation: str = "White",
    category: str = "Kitchen",
    **cells: str,
) -> dict[str, str]:
    """The SKU-level cells of one row (money as text, exactly as it should appear in the file)."""
    row = {
        "SKU ID": sku_id,
        "Seller SKU": seller_sku or f"MUG-{sku_id[-3:]}",
        "Product Name": name,
        "Variation": variation,
        "Quantity": quantity,
        "Sku Quantity of return": "0",
        "SKU Unit Original Price": unit,
        "SKU Subtotal Before Discount": before if before is not None else unit,
        "SKU Platform Discount": platform,
        "SKU Seller Discount": seller,
        "SKU Subtotal After Discount": after if after is not None else unit,
        "Product Category": category,
    }
    row.update(cells)
    return row


_BLANK = object()


@dataclass
class ExportBuilder:
    columns: list[str] = field(default_factory=lambda: list(COLUMNS))
    bom: bool = True
    descriptions: bool = True
    trailing_tabs: bool = True
    rows: list[dict[str, str] | object] = field(default_factory=list)

    # Building ---------------------------------------------------------------------------------

    def row(self, cells: dict[str, str]) -> int:
        """Add one raw row (cells by column header); returns its index for csv_line()/xlsx_row()."""
        self.rows.append(dict(cells))
        return len(self.rows) - 1

    def blank(self) -> None:
        self.rows.append(_BLANK)

    def order(
        self,
        order_id: str,
        status: str,
        substatus: str = "",
        skus: list[dict[str, str]] | None = None,
        **cells: str,
    ) -> list[int]:
        """Add an order: one row per SKU, order-level cells repeated on every row."""
        common = {
            "Order ID": order_id,
            "Order Status": status,
            "Order Substatus": substatus,
            "Normal or Pre-order": "Normal",
            "Created Time": "11/20/2026 8:05:00 AM",
            "Shipping Fee After Discount": "0.00",
            "Taxes": "0.00",
            "Order Amount": "10.00",
            "Order Refund Amount": "0.00",
            "Fulfillment Type": "Fulfillment by TikTok Shop",
            "Buyer Username": "buyer_" + order_id[-3:],
            "Payment Method": "Credit card",
        }
        common.update(cells)
        indexes = []
        for line in skus or [sku("1729" + order_id[-15:])]:
            indexes.append(self.row({**common, **line}))
        return indexes

    # Where rows land --------------------------------------------------------------------------

    def _first_data(self) -> int:
        return 3 if self.descriptions else 2

    def csv_line(self, index: int) -> int:
        """The physical line of the CSV file on which row *index* starts."""
        line = self._first_data()
        for row in self.rows[:index]:
            if row is _BLANK:
                line += 1
            else:
                line += 1 + sum(self._cell(row, c).count("\n") for c in self.columns)
        return line

    def xlsx_row(self, index: int) -> int:
        return self._first_data() + index

    def line(self, index: int, fmt: str) -> int:
        return self.csv_line(index) if fmt == "csv" else self.xlsx_row(index)

    # Writing ----------------------------------------------------------------------------------

    def _cell(self, row: dict[str, str], column: str) -> str:
        value = row.get(column, "")
        if self.trailing_tabs and value and column in TABBED:
            value += "\t"
        return value

    def _records(self) -> list[list[str]]:
        records = [list(self.columns)]
        if self.descriptions:
            records.append([DESCRIPTIONS.get(c, c.lower() + ".") for c in self.columns])
        for row in self.rows:
            records.append([] if row is _BLANK else [self._cell(row, c) for c in self.columns])
        return records

    def write_csv(self, path: Path) -> Path:
        with path.open("w", encoding="utf-8-sig" if self.bom else "utf-8", newline="") as handle:
            writer = csv.writer(handle)
            for record in self._records():
                writer.writerow(record)
        return path

    def write_xlsx(self, path: Path) -> Path:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "OrderSKUList"
        for record in self._records():
            sheet.append(record if record else [None])
        book.save(path)
        return path

    def write(self, path: Path, fmt: str) -> Path:
        return self.write_csv(path) if fmt == "csv" else self.write_xlsx(path)


# The standard export: every status mapping, multi-SKU orders, money and time quirks, bad rows.


def oid(n: int) -> str:
    return f"5770000000000000{n:02d}"


@dataclass
class Expected:
    statuses: dict[str, str]
    line_counts: dict[str, int]
    bad: list[tuple[int, str | None, str]]  # (row index, order id, reason fragment)
    rejected: set[str]
    data_rows: int


def standard_export() -> tuple[ExportBuilder, Expected]:
    b = ExportBuilder()
    bad: list[tuple[int, str | None, str]] = []
    b.order(oid(1), "Unpaid", "Unpaid", **{"Created Time": "11/20/2026 8:05:00 AM"})
    b.order(oid(2), "On hold", "", **{"Paid Time": "11/20/2026 8:06:00 AM", "Order Amount": "$10.00"})
    b.order(
        oid(3),
        "To ship",
        "Awaiting shipment",
        [
            sku("1729000000000000031", quantity="2", unit="$19.99", before="$39.98", platform="2.00",
                seller="3.00", after="$34.98", variation="Black, M"),
            sku("1729000000000000032", unit="USD 12.00", before="USD 12.00", after="USD 12.00",
                name="Tea towel"),
            sku("1729000000000000033", unit="1,234.50", before="1,234.50", platform="0", seller="34.50",
                after="1,200.00", name="Espresso machine"),
        ],
        **{
            "Created Time": "11/24/2026 11:59:59 PM",
            "Paid Time": "11/25/2026 12:00:01 AM",
            "Shipping Fee After Discount": "$5.99",
            "Taxes": "0.00",
            "Order Amount": "$1,252.97",
            "Recipient": "Ann Example",
            "Phone #": "(+1)213*****78",
            "Zipcode": "90012",
            "Country": "United States",
            "State": "California",
            "City": "Los Angeles",
            "Detail Address": "1 Main St",
            "Additional address information": "Apt 4",
            "Warehouse Name": "LA warehouse",
            "Delivery Option": "Standard shipping",
        },
    )
    b.order(oid(4), "To ship", "Awaiting collection", **{
        "Paid Time": "11/25/2026 9:00:00 AM",
        "RTS Time": "11/25/2026 12:15:00 PM",
        "Tracking ID": "TT1234567890",
        "Shipping Provider Name": "USPS",
        "Package ID": "1152000000000000004",
    })
    b.order(oid(5), "Shipped", "In transit", **{
        "Paid Time": "11/21/2026 9:00:00 AM",
        "Shipped Time": "11/22/2026 3:04:05 PM",
        "Tracking ID": "TT5555555555",
        "Shipping Provider Name": "UPS",
    })
    b.order(oid(6), "Shipped", "Delivered", **{
        "Paid Time": "11/21/2026 9:00:00 AM",
        "RTS Time": "11/21/2026 10:00:00 AM",
        "Delivered Time": "11/24/2026 1:00:00 PM",
        "Tracking ID": "TT6666666666",
    })
    b.order(oid(7), "Completed", "Completed", **{"Paid Time": "11/01/2026 9:00:00 AM"})
    b.blank()
    b.order(oid(8), "Canceled", "", **{
        "Cancelation/Return Type": "Cancel",
        "Cancelled Time": "11/20/2026 9:00:00 AM",
        "Cancel By": "Buyer",
        "Cancel Reason": "No longer needed",
    })
    b.order(oid(9), "Cancelled", "", **{
        "Cancelled Time": "11/20/2026 10:00:00 AM",
        "Cancel By": "seller",
        "Cancel Reason": "seller_cancel_reason_out_of_stock",
        "Fulfillment Type": "Fulfillment by seller",
    })
    b.order(
        oid(10),
        "TO SHIP",
        "partially shipped",
        [
            sku("1729000000000000101", **{"Tracking ID": "TRACKA00001", "Package ID": "1152000000000000101"}),
            sku("1729000000000000102", **{"Tracking ID": "TRACKB00002", "Package ID": "1152000000000000102"}),
        ],
        **{"Order Amount": "20.00"},
    )
    b.order(oid(11), "To ship", "Awaiting shipment", **{
        "Normal or Pre-order": "Pre-order",
        "Created Time": "2026-11-25 21:30:33",
        "Paid Time": "11/25/2026 21:40:00",
        "RTS Time": "2026-11-26T01:02:03Z",
    })
    b.order(
        oid(12),
        "To ship",
        "Awaiting shipment",
        [sku("1729000000000000121", name="[link=https://evil.example]Mug[/link]", variation="[red]Red[/red]")],
        **{
            "Buyer Message": "[bold]Hi[/bold] please\nwrap it ",
            "Buyer Username": "@anna",
            "Seller Note": "'=1+1",
            "Recipient": "  Padded Name  ",
        },
    )
    # Bad rows: the whole order of a bad row is left out.
    _first, second = b.order(
        oid(13), "To ship", "Awaiting shipment",
        [sku("1729000000000000131"), sku("1729000000000000132", quantity="abc")],
    )
    bad.append((second, oid(13), "Quantity 'abc' is not a whole number"))
    (row,) = b.order(oid(14), "Shipped?", "")
    bad.append((row, oid(14), "Order Status 'Shipped?' is not a known status"))
    (row,) = b.order("", "To ship", "Awaiting shipment")
    bad.append((row, None, "Order ID is empty"))
    (row,) = b.order(oid(16), "To ship", "Awaiting shipment", **{"Created Time": "31/12/2026 9:00:00 AM"})
    bad.append((row, oid(16), "Created Time '31/12/2026 9:00:00 AM' is not a date and time"))
    b.order(oid(17), "To ship", "Awaiting shipment", [sku("1729000000000000171")])
    (second,) = b.order(oid(17), "Shipped", "In transit", [sku("1729000000000000172")])
    bad.append((second, oid(17), "differs from"))
    b.order(oid(18), "Completed", "", **{"Paid Time": "11/02/2026 9:00:00 AM"})

    statuses = {
        oid(1): "UNPAID",
        oid(2): "ON_HOLD",
        oid(3): "AWAITING_SHIPMENT",
        oid(4): "AWAITING_COLLECTION",
        oid(5): "IN_TRANSIT",
        oid(6): "DELIVERED",
        oid(7): "COMPLETED",
        oid(8): "CANCELLED",
        oid(9): "CANCELLED",
        oid(10): "PARTIALLY_SHIPPING",
        oid(11): "AWAITING_SHIPMENT",
        oid(12): "AWAITING_SHIPMENT",
        oid(18): "COMPLETED",
    }
    line_counts = dict.fromkeys(statuses, 1) | {oid(3): 3, oid(10): 2}
    data_rows = sum(1 for r in b.rows if r is not _BLANK)
    return b, Expected(statuses, line_counts, bad, {oid(13), oid(14), oid(16), oid(17)}, data_rows)
