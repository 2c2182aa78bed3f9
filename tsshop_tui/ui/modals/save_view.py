"""Name the current tab + filters + sort as a saved view."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from ..paths import stylesheet


class SaveViewModal(ModalScreen[str | None]):
    CSS_PATH = stylesheet("modals.tcss")
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="view.cancel"),
        Binding("ctrl+s,f2", "save", "Save", id="view.save"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="save-view-dialog", classes="dialog"):
            yield Label("Save view", classes="dialog-title")
            yield Static("Recall it from the command palette (ctrl+p) as 'View: name'.", classes="hint")
            yield Input(placeholder="name, e.g. LIVE overdue", max_length=40, id="view-name")
            yield Static(id="view-error", classes="error")
            yield Static(Text("enter or ctrl+s saves · esc cancels", style="dim"), classes="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def action_save(self) -> None:
        name = self.query_one("#view-name", Input).value.strip()
        if not name:
            self.query_one("#view-error", Static).update("Type a name for the view.")
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)
