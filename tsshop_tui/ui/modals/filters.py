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

from ...domain.query import FILTER_FIELDS, Control, Filters
from ..paths import stylesheet

ANY = "any"


_CONTROLS: dict[str, Control] = {name: spec.control for name, spec in FILTER_FIELDS.items() if spec.control}


def _row(label: str, widget: Any) -> Horizontal:
    return Horizontal(Label(label, classes="field-label"), widget, classes="field")


def _widget(name: str, control: Control, value: Any) -> Any:
    """The control of a filter field of *control*'s kind, showing *value*."""
    widget_id = control.widget_id or name
    if control.kind == "checkbox":
        return Checkbox(control.text, value, id=widget_id, compact=True)
    if control.kind == "select":
        key = next((k for _, k, v in control.options if v == value and value is not None), Select.NULL)
        return Select([(label, k) for label, k, _ in control.options], value=key, prompt=ANY, id=widget_id,
                      compact=True)
    shown = "" if value is None else value.isoformat() if isinstance(value, date) else str(value)
    return Input(shown, id=widget_id, type="integer" if control.kind == "integer" else "text",
                 placeholder=control.text, compact=True)


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
                for name, control in _CONTROLS.items():
                    yield _row(control.label, _widget(name, control, getattr(f, name)))
            yield Static(id="filter-error", classes="error")
            yield Static(Text("enter in a field or ctrl+s applies · ctrl+l clears all · esc cancels", style="dim"), classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Apply", variant="primary", id="apply")
                yield Button("Clear all", id="clear")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#overdue").focus()

    def _value(self, name: str, control: Control) -> Any:
        widget = self.query_one(f"#{control.widget_id or name}")
        if isinstance(widget, Checkbox):
            return widget.value
        if isinstance(widget, Select):
            return None if widget.value is Select.NULL else {k: v for _, k, v in control.options}[widget.value]
        text = widget.value.strip() if isinstance(widget, Input) else None
        if not text:
            return None
        if control.kind == "integer":
            return int(text)
        if control.kind == "date":
            try:
                return date.fromisoformat(text)
            except ValueError as error:
                raise ValueError(f"{name.replace('_', ' ').capitalize()}: '{text}' is not a date like 2026-11-26") from error
        return text.lstrip("@") or None if control.kind == "username" else text

    def read(self) -> Filters:
        """The current filters with the fields the form shows as it says; ValueError with a user's message.

        Fields the dialog does not show (a tagged set, bulk search, a drill-down's metric and window) are kept.
        """
        data = self.filters.model_dump()
        data.update({name: self._value(name, control) for name, control in _CONTROLS.items()})
        try:
            return Filters.model_validate(data)
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
