"""What a user asks to see: filters, sort and bulk-search IDs. Pure data; the store turns it into SQL."""

from __future__ import annotations

import re
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
        """(field, label) for each active filter, in a stable order, for chips and summaries."""
        chips: list[tuple[str, str]] = []
        if self.overdue:
            chips.append(("overdue", "overdue"))
        if self.at_risk_hours is not None:
            chips.append(("at_risk_hours", f"at risk <{self.at_risk_hours}h"))
        if self.flag is not None:
            chips.append(("flag", f"flag {self.flag.value}"))
        if self.has_note is not None:
            chips.append(("has_note", "has note" if self.has_note else "no note"))
        if self.creator:
            chips.append(("creator", f"creator @{self.creator.lstrip('@')}"))
        if self.campaign:
            chips.append(("campaign", f"campaign {self.campaign}"))
        if self.content_type is not None:
            chips.append(("content_type", self.content_type.value.lower()))
        if self.product:
            chips.append(("product", f"product {self.product}"))
        if self.created_from or self.created_to:
            start = self.created_from.isoformat() if self.created_from else "…"
            end = self.created_to.isoformat() if self.created_to else "…"
            chips.append(("created", f"created {start}–{end}"))
        if self.order_type is not None:
            chips.append(("order_type", self.order_type.value.lower().replace("_", "-")))
        if self.sample is not None:
            chips.append(("sample", "samples only" if self.sample else "no samples"))
        if self.ids is not None:
            chips.append(("ids", f"{len(self.ids)} tagged"))
        if self.metric is not None:
            chips.append(("metric", METRIC_CHIPS[self.metric]))
        if self.window_days is not None:
            chips.append(("window_days", f"last {self.window_days}d"))
        if self.search is not None:
            chips.append(("search", f"search {len(self.search)} IDs"))
        return chips

    def without(self, chip: str) -> Filters:
        """These filters less the one a chip stands for."""
        if chip == "created":
            return self.model_copy(update={"created_from": None, "created_to": None})
        default = type(self).model_fields[chip].default
        return self.model_copy(update={chip: default})

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
