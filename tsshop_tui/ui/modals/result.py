"""What an action with refusals did: how many orders changed, and each refused order with the reason.

It offers the two ways on, keeping what was typed: "refresh and retry" (re-read the
refused orders and apply the same input again) and "edit" (reopen the dialog with the input).
"""

from __future__ import annotations

from typing import Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from ...domain.text import visible
from ..paths import stylesheet

Next = Literal["retry", "edit"]


class ResultModal(ModalScreen[Next | None]):
    """Returns "retry", "edit" or None (closed)."""

    CSS_PATH = stylesheet("modals.tcss")
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="result.close"),
        Binding("r", "next('retry')", "Refresh and retry", id="result.retry"),
        Binding("e", "next('edit')", "Edit", id="result.edit"),
    ]

    def __init__(self, title: str, succeeded: list[str], refused: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text, self.succeeded, self.refused = title, succeeded, refused

    def compose(self) -> ComposeResult:
        summary = Text()
        summary.append(f"{len(self.succeeded)} done", style="bold green")
        summary.append(" · ")
        summary.append(f"{len(self.refused)} refused", style="bold red")
        refused = Text()
        for order_id, reason in self.refused:
            refused.append(f"{order_id}  ", style="bold")
            refused.append(visible(reason))
            refused.append("\n")
        with Vertical(classes="dialog", id="result-dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(summary)
            with VerticalScroll(id="refusals"):
                refused.rstrip()
                yield Static(refused)
            yield Static(Text("r re-reads them and applies your input again · e edits it · esc closes",
                              style="dim"), classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Refresh and retry (r)", variant="primary", id="retry")
                yield Button("Edit (e)", id="edit")
                yield Button("Close (esc)", id="close")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    @on(Button.Pressed, "#retry")
    def _retry(self) -> None:
        self.dismiss("retry")

    @on(Button.Pressed, "#edit")
    def _edit(self) -> None:
        self.dismiss("edit")

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)

    def action_next(self, next_step: Next) -> None:
        self.dismiss(next_step)
