"""What the insights screen says: charts, the spike banner, the backlog forecast, metric notes.

Pure functions of the figures the store computed (domain.metrics models) and *now*; no Textual.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.table import Table
from rich.text import Text

from ...domain.metrics import SPIKE_RULE, BacklogForecast, Metric, Spike, SpikeRule, TrendDay, percent
from ..widgets.bar_chart import Chart, Series
from ..widgets.insight_table import problem_count

TREND_TICK_DAYS = 7


def trend_chart(days: Sequence[TrendDay]) -> Chart:
    """Orders, cancellations and returns per day, each with its latest / max / min / total figures."""
    count = len(days)
    orders_total = sum(d.orders for d in days)
    series = []
    for label, kind, values in (
        ("Orders", "orders", tuple(d.orders for d in days)),
        ("Cancelled", "cancellations", tuple(d.cancellations for d in days)),
        ("Returns", "returns", tuple(d.returns for d in days)),
    ):
        total = sum(values)
        peak = max(range(count), key=lambda i: (values[i], i))
        share = f" = {percent(total / orders_total)} of orders" if kind != "orders" and orders_total else ""
        facts = [
            f"today {values[-1]:,} so far",
            f"yesterday {values[-2]:,}" if count > 1 else "",
            f"max {values[peak]:,} {days[peak].day:%b %d}",
            f"min {min(values):,}",
            f"{count} days {total:,}{share}",
        ]
        series.append(Series(label, values, kind, tuple(f for f in facts if f)))
    ticks = tuple((i, f"{days[i].day:%b %d}") for i in range(count - 1, -1, -TREND_TICK_DAYS))[::-1]
    return Chart(
        tuple(series),
        ticks=ticks,
        accent=frozenset({count - 1}),
        note="Grey: today so far · cancellations and returns by order creation day",
    )


def minute_chart(per_minute: Sequence[int], rule: SpikeRule = SPIKE_RULE) -> Chart:
    """Orders per minute over the last hour, the minutes the spike rule calls 'recent' accented."""
    count = len(per_minute)
    facts = (
        f"this minute {per_minute[-1]:,}",
        f"last hour {sum(per_minute):,}",
        f"peak {max(per_minute, default=0):,}/min",
    )
    ticks = (*((count - age, f"-{age}m") for age in range(count, 0, -15)), (count - 1, "now"))
    return Chart(
        (Series("Orders per minute", tuple(per_minute), "minutes", facts),),
        ticks=ticks,
        accent=frozenset(range(max(count - rule.recent, 0), count)),
        accent_kind="recent",
        note=f"Accented: the last {rule.recent} minutes, compared with the {rule.baseline} before them.",
        max_pitch=2,
    )


def spike_banner(spike: Spike) -> Text:
    """The alert line: a viral moment, or how far the rate is from one."""
    recent, baseline = spike.recent_per_minute, spike.baseline_per_minute
    if spike.spiking:
        text = Text("▲ SPIKE ", style="bold")
        text.append(f" {spike.recent_orders:,} orders in the last 5 min: {recent:.1f}/min, ")
        if spike.ratio is not None:
            text.append(f"{spike.ratio:.0f}× the {baseline:.1f}/min before. ", style="bold")
        else:
            text.append("from a quiet hour with none before. ", style="bold")
        text.append("Viral moment: add packers, watch stock.")
        return text
    text = Text("● Steady ", style="bold")
    text.append(f" {recent:.1f}/min in the last 5 min, {baseline:.1f}/min before. Alert when {spike.rule}.")
    return text


def live_figures(spike: Spike, forecast: BacklogForecast, last_hour: int) -> Table:
    """The order rate and the backlog: to ship, shipping pace, hours of work, ship-by times missed."""
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    table.add_row(
        "Order rate",
        Text(f"{spike.recent_per_minute:.1f}/min last 5 min · {spike.baseline_per_minute:.1f}/min before · "
             f"{last_hour:,} in the last hour"),
    )
    table.add_row("To ship", Text(f"{forecast.to_ship:,} orders · {forecast.overdue:,} already past ship-by"))
    table.add_row(
        "Pace",
        Text(f"{forecast.pace_per_hour:.1f} shipped/hour ({forecast.shipped_recently:,} in the last "
             f"{forecast.pace_hours} h)"),
    )
    if forecast.hours_left is None:
        left = Text(f"nothing shipped in the last {forecast.pace_hours} h: the queue is not moving")
    elif forecast.to_ship == 0:
        left = Text("none: the queue is empty")
    else:
        finish = forecast.finish_at
        left = Text(f"{forecast.hours_left:.1f} h at this pace · done about {finish:%a %H:%M}" if finish else "")
    table.add_row("Work left", left)
    table.add_row(
        "Will miss",
        Text(f"{forecast.will_miss:,} ship-by times at this pace ({forecast.overdue:,} overdue + "
             f"{forecast.at_risk:,} more)"),
    )
    return table


def backlog_verdict(forecast: BacklogForecast) -> tuple[str, Text]:
    """('risk' | 'overdue' | 'ok', what to do): add packers before LDR (and SFCR) suffer."""
    if forecast.at_risk > 0:
        return "risk", Text(
            f"▲ Add packers: at this pace {forecast.at_risk:,} more order{'s' if forecast.at_risk != 1 else ''} "
            "will ship after ship-by (late dispatch, LDR)."
        )
    if forecast.overdue > 0:
        return "overdue", Text(
            f"▲ On pace for the rest; ship the {forecast.overdue:,} overdue first (they already count as late)."
        )
    return "ok", Text("● On pace: every to-ship order ships by its ship-by time.")


def health_note(metric: Metric, days: int) -> Text:
    """The definition of the figure under the cursor, its target, and what enter opens."""
    definition = metric.definition
    text = Text.assemble(
        (f"{metric.short} · {metric.label}", "bold"),
        f" = {definition.numerator} ÷ {definition.denominator}.\n",
        f"Orders created in the last {days} days, sample orders excluded. Target {metric.target_text}; "
        f"warning from {percent(metric.warning_at)}.\n",
    )
    behind = problem_count(metric)
    if behind:
        text.append("enter", style="bold reverse")
        text.append(f" the {behind:,} {definition.problem} of the last {days} days in the order list")
    else:
        text.append(f"Nothing counts against {metric.short} in the last {days} days.", style="dim")
    return text


def as_of(now: datetime) -> str:
    return f"at {now:%H:%M:%S}"
