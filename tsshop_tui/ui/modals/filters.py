"""Filters: combinable, shown as chips on the main screen; each chip can be removed here."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from ...domain.model import ContentType, Flag, OrderType
from ...domain.query import Filters
from ..paths import stylesheet

ANY = "any"


def _row(label: str, widget: Any) -> Horizontal:
    return Horizontal(Label(label, classes="field-label"), widget, classes="field")


class FilterModal(ModalScreen[Filters | None]):
    """Returns the new filters, or None when cancelled."""

    CSS_PATH = stylesheet("modals.tcss")
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="filters.cancel"),
        Binding("ctrl+s,f2", "apply", "Apply", id="filters.apply"),
        Binding("ctrl+l", "clear", "Clear all", id="filters.clear"),
    ]

    def __init__(self, filters: Filters) -> None:
        super().__init__()
        self.filters = filters

    def compose(self) -> ComposeResult:
        f = self.filters
        with Vertical(id="filter-dialog", classes="dialog"):
            yield Label("Filters", classes="dialog-title")
            with Horizontal(id="chips"):
                for key, label in f.chips():
                    if key not in ("ids", "search"):
                        yield Button(f"{label} ×", id=f"chip-{key}", classes="chip", compact=True)
            with VerticalScroll(id="filter-fields"):
                yield _row("Overdue", Checkbox("to ship, past ship-by", f.overdue, id="overdue", compact=True))
                yield _row("At risk within (h)", Input(str(f.at_risk_hours or ""), id="at_risk", type="integer",
                                                       placeholder="e.g. 6", compact=True))
                yield _row("Flag", Select([(c.value, c.value) for c in Flag], value=f.flag.value if f.flag else Select.NULL,
                                          prompt=ANY, id="flag", compact=True))
                has_note = ANY if f.has_note is None else ("yes" if f.has_note else "no")
                yield _row("Has note", Select([("yes", "yes"), ("no", "no")],
                                              value=has_note if has_note != ANY else Select.NULL, prompt=ANY,
                                              id="has_note", compact=True))
                yield _row("Creator", Input(f.creator or "", id="creator", placeholder="@username", compact=True))
                yield _row("Campaign", Input(f.campaign or "", id="campaign", compact=True))
                yield _row("Content type", Select([(c.value.title(), c.value) for c in ContentType],
                                                  value=f.content_type.value if f.content_type else Select.NULL,
                                                  prompt=ANY, id="content_type", compact=True))
                yield _row("Product or SKU", Input(f.product or "", id="product",
                                                   placeholder="product ID, SKU ID or seller SKU", compact=True))
                yield _row("Created from", Input(f.created_from.isoformat() if f.created_from else "", id="created_from",
                                                 placeholder="YYYY-MM-DD", compact=True))
                yield _row("Created to", Input(f.created_to.isoformat() if f.created_to else "", id="created_to",
                                               placeholder="YYYY-MM-DD", compact=True))
                yield _row("Order type", Select([(t.value.replace("_", " ").title(), t.value) for t in OrderType],
                                                value=f.order_type.value if f.order_type else Select.NULL,
                                                prompt=ANY, id="order_type", compact=True))
                sample = ANY if f.sample is None else ("only" if f.sample else "none")
                yield _row("Sample orders", Select([("only samples", "only"), ("no samples", "none")],
                                                   value=sample if sample != ANY else Select.NULL, prompt=ANY,
                                                   id="sample", compact=True))
            yield Static(id="filter-error", classes="error")
            yield Static(Text("enter in a field or ctrl+s applies · ctrl+l clears all · esc cancels", style="dim"), classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Apply", variant="primary", id="apply")
                yield Button("Clear all", id="clear")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#overdue").focus()

    def _value(self, widget_id: str) -> str | None:
        widget = self.query_one(f"#{widget_id}")
        if isinstance(widget, Select):
            return None if widget.value is Select.NULL else str(widget.value)
        if isinstance(widget, Input):
            return widget.value.strip() or None
        raise TypeError(widget_id)

    def read(self) -> Filters:
        """The filters the form describes; ValueError with a user's message if a field is wrong."""
        data: dict[str, Any] = {"overdue": self.query_one("#overdue", Checkbox).value}
        risk = self._value("at_risk")
        data["at_risk_hours"] = int(risk) if risk else None
        data["flag"] = self._value("flag")
        has_note = self._value("has_note")
        data["has_note"] = None if has_note is None else has_note == "yes"
        data["creator"] = (self._value("creator") or "").lstrip("@") or None
        data["campaign"] = self._value("campaign")
        data["content_type"] = self._value("content_type")
        data["product"] = self._value("product")
        for key in ("created_from", "created_to"):
            text = self._value(key)
            try:
                data[key] = date.fromisoformat(text) if text else None
            except ValueError as error:
                raise ValueError(f"{key.replace('_', ' ').capitalize()}: '{text}' is not a date like 2026-11-26") from error
        data["order_type"] = self._value("order_type")
        sample = self._value("sample")
        data["sample"] = None if sample is None else sample == "only"
        data["ids"] = self.filters.ids
        data["metric"], data["window_days"] = self.filters.metric, self.filters.window_days
        try:
            return Filters(**data)
        except ValidationError as error:
            first = error.errors()[0]
            raise ValueError(f"{first['loc'][0]}: {first['msg']}") from error

    @on(Button.Pressed, "#apply")
    def action_apply(self) -> None:
        try:
            filters = self.read()
        except ValueError as error:
            self.query_one("#filter-error", Static).update(Text(str(error), style="bold red"))
            return
        self.dismiss(filters)

    @on(Button.Pressed, ".chip")
    def _remove_chip(self, event: Button.Pressed) -> None:
        chip = (event.button.id or "").removeprefix("chip-")
        self.dismiss(self.filters.without(chip))

    @on(Button.Pressed, "#clear")
    def action_clear(self) -> None:
        self.dismiss(Filters())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_apply()
