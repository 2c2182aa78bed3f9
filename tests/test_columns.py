"""The export columns are declared once (domain.columns); the reader, the writer, the export SQL and
the XLSX cell types all follow from that table, so no column can be half added.

The byte-for-byte equality of the SQL CSV and write_csv (test_export.py) and the round trips
(test_round_trip.py) check the values; these tests check that every column reaches every part.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from tsshop_tui.domain.columns import (
    COLUMNS,
    COMPUTED,
    EXPORT_COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    SELLER_CENTER_COLUMNS,
    Column,
    Kind,
    Level,
    writer,
)
from tsshop_tui.domain.model import LineItem, Order, RequestType
from tsshop_tui.io import seller_center
from tsshop_tui.io.export import CELL_TYPES, cell_type, xlsx_values
from tsshop_tui.store import export as store_export

from .factories import make_order, note, request
from .seller_center_fixtures import COLUMNS as SELLER_CENTER_LAYOUT


def _model(column: Column) -> type[Order] | type[LineItem]:
    return LineItem if column.level is Level.LINE else Order


def test_the_table_is_seller_centers_layout_then_ours():
    assert list(SELLER_CENTER_COLUMNS) == SELLER_CENTER_LAYOUT  # written out independently
    assert EXPORT_COLUMNS == SELLER_CENTER_COLUMNS + OPTIONAL_COLUMNS
    assert OPTIONAL_COLUMNS[-1] == "Seller Flag"
    assert REQUIRED_COLUMNS == ("Order ID", "Order Status", "SKU ID", "Quantity", "Created Time")
    assert len(set(EXPORT_COLUMNS)) == len(EXPORT_COLUMNS)


def test_every_header_and_alias_reads_as_its_own_column():
    keys = [c.key for c in COLUMNS if c.key is not None]
    assert len(set(keys)) == len(keys)
    names = [seller_center._header_key(name) for c in COLUMNS if c.key is not None for name in c.headers]
    assert len(set(names)) == len(names)
    for column in COLUMNS:
        found = seller_center._map_header(list(column.headers))
        assert found == ({column.key: 0} if column.key is not None else {}), column.header


def test_every_column_names_a_field_of_its_level_or_has_a_rule():
    for column in COLUMNS:
        if column.field is not None:
            model = _model(column)  # a field of the model, or a property (the current flag)
            assert column.field in model.model_fields or isinstance(getattr(model, column.field), property)
        if column.constant is not None:
            assert column.field is None and column.key is None, column.header


def test_every_column_has_a_kind_the_xlsx_writer_knows():
    assert set(CELL_TYPES) == set(Kind)
    for column in COLUMNS:
        kind = cell_type(column)
        assert kind in {"text", "money", "int", "time"}, column.header
        if kind == "time":  # typed from the order's own datetime
            assert column.level is Level.ORDER and column.field in Order.model_fields, column.header
            assert Order.model_fields[column.field].annotation in (datetime, datetime | None), column.header


def test_sql_reader_and_writer_cover_every_column():
    assert list(store_export.SELLER_CENTER_SQL) == list(EXPORT_COLUMNS)
    assert set(seller_center._HEADERS) == {c.key for c in COLUMNS if c.key is not None}
    order_id = make_order(1).id
    order = make_order(
        1, "IN_TRANSIT",
        line_items=[LineItem(sku_id="1700000000000000001", quantity=2, original_price=Decimal("5.00"),
                             sale_price=Decimal("4.50"))],
        notes=[note(order_id, "red", "call back")],
        requests=[request(order_id, RequestType.CANCELLATION)],
    )
    (row,) = seller_center.export_rows(order)
    assert list(row) == list(EXPORT_COLUMNS)
    (values,) = xlsx_values(order)
    assert len(values) == len(EXPORT_COLUMNS)
    plan = store_export._csv_plan(EXPORT_COLUMNS)  # raises for a column without SQL
    assert plan.tracking


def test_every_computed_column_has_its_value_and_its_sql_and_nothing_else_does():
    """A computed column's value (domain.columns) and SQL (store.export) are named for the same columns."""
    assert set(COMPUTED) == set(store_export._COMPUTED)
    assert set(COMPUTED) <= set(EXPORT_COLUMNS)


def test_a_column_without_field_constant_or_rule_is_refused_by_writer_and_sql():
    forgotten = Column("Buyer Email", Level.ORDER, Kind.TEXT)
    with pytest.raises(LookupError, match="Buyer Email"):
        writer(forgotten)
    with pytest.raises(LookupError, match="Buyer Email"):
        store_export._column_sql(forgotten)


def test_a_new_field_column_is_written_by_sql_and_python_alike():
    """What adding a plain column takes: its declaration, nothing else (here the SKU sale price)."""
    column = Column("SKU Sale Price", Level.LINE, Kind.MONEY, "sale_price", "sale_price")
    line = LineItem(sku_id="1700000000000000001", sale_price=Decimal("-4.5"))
    assert writer(column)(line) == "-4.50"
    expression, risk = store_export._column_sql(column)
    assert "l.sale_price" in expression and risk == "l.sale_price < 0"
    assert cell_type(column) == "money"
