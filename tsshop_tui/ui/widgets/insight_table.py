"""The tables of the insights screen: seller health and the creator / product / campaign scorecards.

Cells are rich Text (creator, campaign and product names are marketplace data, never markup).
Colours come from component classes styled in insights.tcss, and every coloured state also says
its word, so a 16-colour or colour-blind reader loses nothing. Each row carries the Filters that
open its orders in the order list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from rich.style import Style
from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from ...domain.metrics import (
    METRICS_BY_KEY,
    MIN_RATE_SAMPLE,
    CampaignScore,
    CreatorScore,
    Metric,
    MetricKey,
    ProductScore,
    Score,
    ScoreSort,
    State,
    percent,
)
from ...domain.model import ContentType
from ...domain.query import Filters
from ..format import plain

STATE_WORDS = {State.OK: "● ok", State.WARNING: "▲ warning", State.BREACH: "✖ breach"}
# What the count column says each figure is made of (numerator / denominator, as the metric defines).
DENOMINATORS = {
    MetricKey.SFCR: "paid",
    MetricKey.LDR: "shipped",
    MetricKey.VTR: "shipped",
    MetricKey.RETURN_RATE: "delivered",
}
SORT_COLUMNS = {
    ScoreSort.GMV: "gmv",
    ScoreSort.ORDERS: "orders",
    ScoreSort.UNITS: "units",
    ScoreSort.CANCELLATION_RATE: "cancel",
    ScoreSort.SELLER_FAULT: "fault",
    ScoreSort.RETURN_RATE: "return",
    ScoreSort.LATE: "late",
}
CONTENT_LABELS = {ContentType.LIVE: "LIVE", ContentType.VIDEO: "Video", ContentType.SHOWCASE: "Showcase"}
WIDE = 100  # from this many columns the tables show every figure
SEP = "\x1f"  # between the parts of a row key (names may hold any printable character)

Styler = Callable[[State], Style]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int  # 0: takes the room left over
    right: bool = True


@dataclass(frozen=True)
class Row:
    key: str
    cells: tuple[Text, ...]
    target: Filters | None  # the orders behind the row; None when there is nothing to open


class InsightTable(DataTable):
    """A row-cursor table that is refilled whole and keeps its cursor on the same row key."""

    COMPONENT_CLASSES = DataTable.COMPONENT_CLASSES | {
        "insight-table--ok",
        "insight-table--warning",
        "insight-table--breach",
        "insight-table--sub",
        "insight-table--few",
    }

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, cell_padding=1)
        self.targets: dict[str, Filters | None] = {}

    def state_style(self, state: State) -> Style:
        return self.get_component_rich_style(f"insight-table--{state.value}", partial=True)

    def style_of(self, name: str) -> Style:
        return self.get_component_rich_style(f"insight-table--{name}", partial=True)

    @property
    def cursor_key(self) -> str | None:
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key.value

    @property
    def cursor_target(self) -> Filters | None:
        key = self.cursor_key
        return self.targets.get(key) if key is not None else None

    def fill(self, columns: Sequence[Column], rows: Sequence[Row], width: int, *, cursor_key: str | None) -> None:
        """Replace columns and rows; the flexible column takes what *width* leaves over. The cursor
        goes to the row with *cursor_key* if there is one, else to the top."""
        self.clear(columns=True)
        for column in columns:
            self.add_column(column.label, width=column.width or flex_width(columns, width), key=column.key)
        for row in rows:
            self.add_row(*row.cells, key=row.key)
        self.targets = {row.key: row.target for row in rows}
        index = next((i for i, row in enumerate(rows) if row.key == cursor_key), 0)
        if rows:
            self.move_cursor(row=index, animate=False)


def flex_width(columns: Sequence[Column], width: int) -> int:
    """The room the flexible column gets in *width* cells (cell padding and a scrollbar's width kept)."""
    return max(width - sum(c.width for c in columns) - 2 * len(columns) - 2, 10)


def cell(value: str, style: Style | str = "", right: bool = True) -> Text:
    return Text(value, style=style, justify="right" if right else "left", no_wrap=True, overflow="ellipsis")


def fit(text: Text, width: int) -> Text:
    """*text* cut to *width* cells with an ellipsis (names can be long)."""
    text.no_wrap, text.overflow = True, "ellipsis"
    text.truncate(width, overflow="ellipsis")
    return text


# Health ------------------------------------------------------------------------------------


def health_columns(wide: bool) -> list[Column]:
    return [
        Column("metric", "Metric", 38 if wide else 7, right=False),
        Column("days", "Window", 7, right=False),
        Column("value", "Value", 6),
        Column("target", "Target", 7),
        Column("state", "State", 9, right=False),
        Column("count", "Orders", 0, right=False),
    ]


def health_rows(by_days: dict[int, list[Metric]], wide: bool, styler: Styler) -> list[Row]:
    """Per metric, one row per window (7 days first): value, target, state and numerator / denominator."""
    windows = sorted(by_days)
    rows: list[Row] = []
    for i in range(len(by_days[windows[0]])):
        for days in windows:
            figure = by_days[days][i]
            behind = problem_count(figure)
            name = Text()
            if days == windows[0]:
                name.append(figure.short, style="bold")
                if wide:
                    name.append(f"  {figure.label}")
            count = Text(f"{figure.numerator:,} / {figure.denominator:,} {DENOMINATORS[figure.key]}")
            rows.append(
                Row(
                    f"{figure.key.value}:{days}",
                    (
                        name,
                        Text(f"{days} days"),
                        cell(figure.value_text, "bold"),
                        cell(figure.target_text),
                        cell(STATE_WORDS[figure.state], styler(figure.state), right=False),
                        count,
                    ),
                    Filters(metric=figure.key, window_days=days) if behind else None,
                )
            )
    return rows


def problem_count(metric: Metric) -> int:
    """How many orders count against the figure: the numerator, or for VTR the shipped without tracking."""
    if metric.key is MetricKey.VTR:
        return metric.denominator - metric.numerator
    return metric.numerator


# Scorecards --------------------------------------------------------------------------------


def score_columns(kind: str, sort: ScoreSort, wide: bool) -> list[Column]:
    name = {"creators": "Creator", "campaigns": "Campaign", "products": "Product · SKU"}[kind]
    columns = [Column("name", name, 0, right=False), Column("orders", "Orders", 7 if wide else 6)]
    if wide:
        columns.append(Column("units", "Units", 6))
    columns += [
        Column("gmv", "GMV", 12 if wide else 7),
        Column("cancel", "Cancelled" if wide else "Cancel%", 14 if wide else 7),
        Column("fault", "Seller-fault", 12),
        Column("late", "Late", 14 if wide else 5),
        Column("return", "Returns" if wide else "Return%", 14 if wide else 7),
    ]
    marked = SORT_COLUMNS[ScoreSort(sort)]
    return [
        Column(c.key, f"{c.label}▼", c.width + (1 if c.width and len(c.label) + 1 > c.width else 0), c.right)
        if c.key == marked
        else c
        for c in columns
    ]


def money_text(amount: Decimal, sign: str, wide: bool) -> str:
    """$7,248.57 when there is room, else $7.2k / $1.23M."""
    if wide:
        return f"{sign}{amount:,.2f}"
    value = float(amount)
    if value < 1000:
        return f"{sign}{value:,.0f}"
    if value < 1_000_000:
        return f"{sign}{value / 1000:.1f}k"
    return f"{sign}{value / 1_000_000:.2f}M"


def count_and_rate(count: int, rate: float | None, wide: bool) -> str:
    return f"{count:,} · {percent(rate)}" if wide else percent(rate)


def score_cells(name: Text, score: Score, sign: str, wide: bool, table: InsightTable) -> tuple[Text, ...]:
    """The figures of one row; seller-fault, late and return cells coloured by the health targets.
    A figure taken over fewer than MIN_RATE_SAMPLE orders is dim instead: it says little either way."""

    def judged(key: MetricKey, numerator: int, denominator: int) -> Style:
        if denominator < MIN_RATE_SAMPLE:
            return table.style_of("few")
        state = METRICS_BY_KEY[key].state(numerator, denominator)
        return table.state_style(state) if state is not State.OK else Style()

    few = table.style_of("few") if score.orders < MIN_RATE_SAMPLE else Style()
    cells = [name, cell(f"{score.orders:,}")]
    if wide:
        cells.append(cell(f"{score.units:,}"))
    late = count_and_rate(score.late_shipments, score.late_rate, wide) if wide else f"{score.late_shipments:,}"
    cells += [
        cell(money_text(score.gmv, sign, wide)),
        cell(count_and_rate(score.cancelled, score.cancellation_rate, wide), few),
        cell(f"{score.seller_fault_cancellations:,}", judged(MetricKey.SFCR, score.seller_fault_cancellations,
                                                             score.orders)),
        cell(late, judged(MetricKey.LDR, score.late_shipments, score.shipped)),
        cell(count_and_rate(score.returns, score.return_rate, wide),
             judged(MetricKey.RETURN_RATE, score.returns, score.delivered)),
    ]
    return tuple(cells)


def score_rows(
    kind: str,
    scores: Sequence[Score],
    *,
    split: bool,
    content: ContentType | None,
    days: int,
    sign: str,
    wide: bool,
    name_width: int,
    table: InsightTable,
) -> list[Row]:
    """One row per creator / campaign / product; with *split*, sub-rows per content type (creators,
    campaigns) or per SKU (products). Each row opens its orders of the scorecard's window of *days*
    days (samples left out, as the scorecard leaves them), so the list holds as many as the row says."""
    sub = table.style_of("sub")
    base = Filters(content_type=content, window_days=days)
    rows: list[Row] = []
    for score in scores:
        if isinstance(score, CreatorScore):
            key, label = score.creator, Text("@") + plain(score.creator)
            target = base.model_copy(update={"creator": score.creator})
        elif isinstance(score, CampaignScore):
            key, label = score.campaign, plain(score.campaign)
            target = base.model_copy(update={"campaign": score.campaign})
        elif isinstance(score, ProductScore):
            key, label = score.product_id, plain(score.product_name or score.product_id)
            target = base.model_copy(update={"product": score.product_id})
        else:  # pragma: no cover - the three kinds above are all there are
            raise TypeError(type(score))
        key = f"{kind}{SEP}{key}"
        rows.append(Row(key, score_cells(fit(label, name_width), score, sign, wide, table), target))
        if not split:
            continue
        if isinstance(score, ProductScore):
            for sku in score.skus:
                name = Text("  └ ", style=sub)
                name.append_text(plain(sku.seller_sku or sku.sku_id))
                if sku.sku_name:
                    name.append(" ")
                    name.append_text(plain(sku.sku_name))
                rows.append(Row(f"{key}{SEP}{sku.sku_id}", score_cells(fit(name, name_width), sku, sign, wide, table),
                                base.model_copy(update={"product": sku.sku_id})))
        elif content is None:
            for kind_of, part in score.by_content.items():  # type: ignore[attr-defined]
                name = Text(f"  └ {CONTENT_LABELS[kind_of]}", style=sub)
                rows.append(Row(f"{key}{SEP}{kind_of.value}", score_cells(name, part, sign, wide, table),
                                target.model_copy(update={"content_type": kind_of})))
    return rows
