"""What a user asks to see: filters, sort and bulk-search IDs. Pure data; the store turns it into SQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .metrics import MAX_DAYS, MetricKey
from .model import ContentType, Flag, OrderType

MAX_SEARCH_IDS = 100
_SEPARATORS = re.compile(r"[\s,;]+")


class Sort(StrEnum):
    SHIP_BY = "ship-by"
    CREATED = "created"
    TOTAL = "total"
    DEADLINE = "deadline"


SORT_LABELS: dict[Sort, str] = {
    Sort.SHIP_BY: "ship-by",
    Sort.CREATED: "created",
    Sort.TOTAL: "total",
    Sort.DEADLINE: "deadline",
}


# The orders behind each health figure, as a filter chip says them.
METRIC_CHIPS: dict[MetricKey, str] = {
    MetricKey.SFCR: "seller-fault cancels",
    MetricKey.LDR: "late shipments",
    MetricKey.VTR: "no valid tracking",
    MetricKey.RETURN_RATE: "returns",
}


class Filters(BaseModel):
    """Combinable filters; every field left at None (or False) filters nothing."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    overdue: bool = Field(False, description="To ship and past the ship-by time.")
    at_risk_hours: int | None = Field(None, ge=1, le=240, description="To ship within N hours.")
    flag: Flag | None = None
    has_note: bool | None = None
    creator: str | None = None
    campaign: str | None = None
    content_type: ContentType | None = None
    product: str | None = Field(None, description="A product ID, SKU ID or seller SKU.")
    created_from: date | None = None
    created_to: date | None = Field(None, description="Inclusive.")
    order_type: OrderType | None = None
    sample: bool | None = Field(None, description="True: only sample orders; False: none.")
    ids: tuple[str, ...] | None = Field(None, description="Only these order IDs (a tagged set).")
    metric: MetricKey | None = Field(
        None,
        description="Only the orders counting against this health metric (those behind its problem figure),"
        " in window_days for the figure of that window.",
    )
    window_days: int | None = Field(
        None, ge=1, le=MAX_DAYS,
        description="Created in the last N days up to now, samples excluded: the window of a health figure"
        " or a scorecard.",
    )
    search: tuple[str, ...] | None = Field(
        None,
        max_length=MAX_SEARCH_IDS,
        description="Orders matching any of these order IDs, tracking numbers, product IDs, SKU IDs or seller SKUs.",
    )

    def chips(self) -> list[tuple[str, str]]:
        """(chip, label) for each active filter, in a stable order, for chips and summaries."""
        chips: dict[str, str] = {}
        for name, spec in FILTER_FIELDS.items():
            if spec.chip not in chips and self.is_set(name):
                chips[spec.chip] = spec.label(self)
        return list(chips.items())

    def is_set(self, name: str) -> bool:
        """Whether field *name* filters anything (an empty text does not)."""
        value = getattr(self, name)
        return value != type(self).model_fields[name].default and value != ""

    def without(self, chip: str) -> Filters:
        """These filters less the one a chip stands for."""
        fields = type(self).model_fields
        return self.model_copy(update={n: fields[n].default for n, s in FILTER_FIELDS.items() if s.chip == chip})

    @model_validator(mode="before")
    @classmethod
    def _metric_days_is_the_window(cls, data: Any) -> Any:
        """Saved views from before window_days held a metric filter's window as metric_days."""
        if isinstance(data, dict) and "metric_days" in data:
            data = dict(data)
            days = data.pop("metric_days")
            if data.get("metric") is not None:
                data.setdefault("window_days", days)
        return data

    @property
    def active(self) -> bool:
        return bool(self.chips())


@dataclass(frozen=True)
class Control:
    """How the filter dialog shows a field: a *kind* the UI knows, as plain data.

    kind: "checkbox" (text beside it), "integer", "text", "username" (text, a leading @ dropped), "date"
    (placeholder in the box) or "select"
    (options: (label, key, value); "any" is no choice). A field with no Control is not in the dialog.
    """

    kind: str
    label: str
    text: str = ""
    options: tuple[tuple[str, str, Any], ...] = ()
    widget_id: str | None = None


@dataclass(frozen=True)
class CliOption:
    """A field's command-line option(s) for export and print, as plain data.

    arg: the kind of value the CLI parses ("int", "text", "username", "date", "ids", "search", or an
    enum class with its name in an error); None: a switch (one flag) or a yes/no pair (two flags).
    group: "filters" or "scope" (which orders). helps: one help per flag (None: no help text).
    """

    flags: tuple[str, ...]
    helps: tuple[str | None, ...]
    arg: str | tuple[type[StrEnum], str] | None = None
    metavar: str | None = None
    group: str = "filters"


@dataclass(frozen=True)
class FilterField:
    """Everything about one Filters field: its chip (key and text), its dialog control and CLI option.

    The store's SQL term for it is in store.reads.FILTER_SQL, keyed by the same name. None for control
    or cli says, on purpose, that the field is set elsewhere (a drill-down, a tagged set, bulk search).
    """

    chip: str
    label: Callable[[Filters], str]
    control: Control | None
    cli: CliOption | None


def _enum_options(kind: type[StrEnum], label: Callable[[str], str]) -> tuple[tuple[str, str, Any], ...]:
    return tuple((label(m.value), m.value, m) for m in kind)


def _dashed(member: StrEnum) -> str:
    return member.value.lower().replace("_", "-")


def _created(f: Filters) -> str:
    start = f.created_from.isoformat() if f.created_from else "…"
    end = f.created_to.isoformat() if f.created_to else "…"
    return f"created {start}–{end}"


_DATE = "YYYY-MM-DD"

# One entry per Filters field, in the order of chips, SQL terms, dialog rows and CLI options.
FILTER_FIELDS: dict[str, FilterField] = {
    "overdue": FilterField(
        "overdue", lambda f: "overdue",
        Control("checkbox", "Overdue", "to ship, past ship-by"),
        CliOption(("--overdue",), ("to ship and past the ship-by time",)),
    ),
    "at_risk_hours": FilterField(
        "at_risk_hours", lambda f: f"at risk <{f.at_risk_hours}h",
        Control("integer", "At risk within (h)", "e.g. 6", widget_id="at_risk"),
        CliOption(("--at-risk-hours",), ("to ship within N hours",), "int", "N"),
    ),
    "flag": FilterField(
        "flag", lambda f: f"flag {f.flag.value}" if f.flag else "",
        Control("select", "Flag", options=_enum_options(Flag, str)),
        CliOption(("--flag",), (", ".join(f.value for f in Flag),), (Flag, "flag"), "C"),
    ),
    "has_note": FilterField(
        "has_note", lambda f: "has note" if f.has_note else "no note",
        Control("select", "Has note", options=(("yes", "yes", True), ("no", "no", False))),
        CliOption(("--has-note", "--no-note"), (None, None)),
    ),
    "creator": FilterField(
        "creator", lambda f: f"creator @{(f.creator or '').lstrip('@')}",
        Control("username", "Creator", "@username"),
        CliOption(("--creator",), ("creator username (with or without @)",), "username", "U"),
    ),
    "campaign": FilterField(
        "campaign", lambda f: f"campaign {f.campaign}",
        Control("text", "Campaign"),
        CliOption(("--campaign",), (None,), "text", "C"),
    ),
    "content_type": FilterField(
        "content_type", lambda f: f.content_type.value.lower() if f.content_type else "",
        Control("select", "Content type", options=_enum_options(ContentType, str.title)),
        CliOption(("--content-type",), (", ".join(c.value.lower() for c in ContentType),),
                  (ContentType, "content type"), "T"),
    ),
    "product": FilterField(
        "product", lambda f: f"product {f.product}",
        Control("text", "Product or SKU", "product ID, SKU ID or seller SKU"),
        CliOption(("--product",), ("a product ID, SKU ID or seller SKU",), "text", "P"),
    ),
    "created_from": FilterField(
        "created", _created,
        Control("date", "Created from", _DATE),
        CliOption(("--created-from",), (_DATE,), "date", "D"),
    ),
    "created_to": FilterField(
        "created", _created,
        Control("date", "Created to", _DATE),
        CliOption(("--created-to",), (f"{_DATE}, inclusive",), "date", "D"),
    ),
    "order_type": FilterField(
        "order_type", lambda f: _dashed(f.order_type) if f.order_type else "",
        Control("select", "Order type", options=_enum_options(OrderType, lambda v: v.replace("_", " ").title())),
        CliOption(("--order-type",), (", ".join(t.value.lower() for t in OrderType),), (OrderType, "order type"), "T"),
    ),
    "sample": FilterField(
        "sample", lambda f: "samples only" if f.sample else "no samples",
        Control("select", "Sample orders", options=(("only samples", "only", True), ("no samples", "none", False))),
        CliOption(("--sample", "--no-samples"), ("only sample orders", "leave sample orders out")),
    ),
    "ids": FilterField(
        "ids", lambda f: f"{len(f.ids or ())} tagged",
        None,
        CliOption(("--ids",), ("only these order IDs (a tagged set); '-' reads them from stdin",), "ids", "ID",
                  group="scope"),
    ),
    "metric": FilterField(
        "metric", lambda f: METRIC_CHIPS[f.metric] if f.metric else "",
        None, None,
    ),
    "window_days": FilterField(
        "window_days", lambda f: f"last {f.window_days}d",
        None, None,
    ),
    "search": FilterField(
        "search", lambda f: f"search {len(f.search or ())} IDs",
        None,
        CliOption(("--search",), ("orders matching up to 100 order, tracking, product, SKU IDs or seller SKUs",),
                  "search", "ID", group="scope"),
    ),
}


class SearchTooLong(ValueError):
    pass


def parse_ids(text: str | list[str]) -> list[str]:
    """IDs separated by spaces, commas, semicolons or new lines; duplicates dropped, order kept.

    More than MAX_SEARCH_IDS distinct IDs raises SearchTooLong.
    """
    chunks = text if isinstance(text, list) else [text]
    seen: dict[str, None] = {}
    for chunk in chunks:
        for token in _SEPARATORS.split(chunk):
            token = token.strip()
            if token:
                seen.setdefault(token, None)
    ids = list(seen)
    if len(ids) > MAX_SEARCH_IDS:
        raise SearchTooLong(
            f"{len(ids)} IDs given: bulk search takes at most {MAX_SEARCH_IDS} at a time"
        )
    return ids
