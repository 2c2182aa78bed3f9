"""Bar charts of block characters: one or more series stacked, sharing one labelled time axis.

Drawn by hand rather than with Textual's Sparkline so that every day (or minute) keeps its own
fixed column with its date under it, and bars are several rows tall (eighth-block resolution):
readable at 80x24, and in a 16-colour terminal (the shapes carry the figures, colour only helps).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.console import RenderableType
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ..format import short_count

BLOCKS = " ▁▂▃▄▅▆▇█"
GUTTER = 7  # the y axis: the top figure of each series (up to 5 cells, "12.3k"), a space and the axis


@dataclass(frozen=True)
class Series:
    """One row of bars. *facts* follow the label on the series' title line while they fit, in order."""

    label: str
    values: tuple[int, ...]
    kind: str  # the component class suffix that colours it: orders, cancellations, returns, minutes
    facts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chart:
    """Series drawn over the same columns; *ticks* label columns on the shared axis under them;
    *accent* columns are drawn in the *accent_kind* style (``today``: a day still going;
    ``recent``: the minutes a spike is judged on); *note* goes last."""

    series: tuple[Series, ...]
    ticks: tuple[tuple[int, str], ...] = ()
    accent: frozenset[int] = field(default_factory=frozenset)
    accent_kind: str = "today"
    note: str = ""
    max_pitch: int = 3


def bar_cells(value: int, top: int, height: int) -> list[str]:
    """One bar as *height* cells, top first, scaled so that *top* fills the column.

    Anything above zero shows at least ▁, so a single order is never invisible.
    """
    if top <= 0 or value <= 0:
        return [" "] * height
    eighths = max(1, round(value * height * 8 / top))
    return [BLOCKS[min(8, max(0, eighths - row * 8))] for row in range(height - 1, -1, -1)]


def fit_facts(title: Text, facts: Sequence[str], width: int, style: Style | str = "") -> Text:
    """*title* followed by as many of *facts* (in order, ' · '-separated) as fit in *width* cells."""
    for fact in facts:
        if title.cell_len + 3 + len(fact) > width:
            break
        title.append(" · ", style=style)
        title.append(fact, style=style)
    return title


def axis_lines(count: int, pitch: int, ticks: Sequence[tuple[int, str]], width: int) -> tuple[str, str]:
    """The axis line (─ with ┬ under labelled columns) and the labels line under it."""
    span = GUTTER + count * pitch
    rule = [" "] * (GUTTER - 1) + ["└"] + ["─"] * (count * pitch)
    labels = [" "] * max(span, width)
    free_from = 0
    for index, label in ticks:
        x = GUTTER + index * pitch
        if not 0 <= index < count:
            continue
        rule[x] = "┬"
        start = min(x, len(labels) - len(label))
        if start < free_from:
            continue
        labels[start : start + len(label)] = label
        free_from = start + len(label) + 1
    return "".join(rule).rstrip(), "".join(labels).rstrip()


class BarChart(Widget):
    """Renders a Chart to fit its size: bars as tall as the height allows, columns as wide as the width."""

    COMPONENT_CLASSES = {
        "bar-chart--axis",
        "bar-chart--title",
        "bar-chart--facts",
        "bar-chart--today",
        "bar-chart--recent",
        "bar-chart--note",
        "bar-chart--orders",
        "bar-chart--cancellations",
        "bar-chart--returns",
        "bar-chart--minutes",
    }

    chart: reactive[Chart | None] = reactive(None)
    empty: reactive[str] = reactive("Loading…")

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"bar-chart--{name}")

    def render(self) -> RenderableType:
        chart = self.chart
        if chart is None or not chart.series:
            return Text(self.empty, style=self._style("note"))
        width, height = self.size.width or 80, self.size.height or 20
        count = max(len(s.values) for s in chart.series)
        pitch = max(1, min(chart.max_pitch, (width - GUTTER) // max(count, 1)))
        bar_width, gap = (pitch - 1, 1) if pitch > 1 else (1, 0)
        fixed = 2 if height >= 2 * len(chart.series) + 2 else 0
        bars = max(1, (height - fixed) // len(chart.series) - 1)
        spare = height - fixed - len(chart.series) * (bars + 1)
        lines: list[Text] = []
        axis, accent = self._style("axis"), self._style(chart.accent_kind)
        for series in chart.series:
            colour = self._style(series.kind)
            title = Text(series.label, style=self._style("title") + colour)
            lines.append(fit_facts(title, series.facts, width, self._style("facts")))
            top = max(series.values, default=0)
            columns = [bar_cells(v, top, bars) for v in series.values]
            for row in range(bars):
                label = short_count(top) if row == 0 else ("0" if row == bars - 1 else "")
                line = Text(f"{label:>{GUTTER - 2}} ┤" if row == 0 else f"{label:>{GUTTER - 2}} │", style=axis)
                for index, cells in enumerate(columns):
                    line.append(cells[row] * bar_width, style=accent if index in chart.accent else colour)
                    if gap:
                        line.append(" " * gap)
                lines.append(line)
        if fixed:
            rule, labels = axis_lines(count, pitch, chart.ticks, width)
            lines.append(Text(rule, style=axis))
            lines.append(Text(labels, style=axis))
        if chart.note and spare > 0:
            lines.append(Text(chart.note, style=self._style("note")))
        return Text("\n").join(lines)
