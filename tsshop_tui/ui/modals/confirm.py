"""A yes/no question before anything destructive: y confirms, n or escape backs out."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from ..paths import stylesheet


class ConfirmModal(ModalScreen[bool]):
    CSS_PATH = stylesheet("modals.tcss")
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, title: str, body: Text | str, *, yes: str = "Yes (y)", warning: bool = False) -> None:
        super().__init__()
        self.title_text, self.body, self.yes, self.warning = title, body, yes, warning

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog confirm" + (" warning" if self.warning else "")):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.body if isinstance(self.body, Text) else Text(self.body), id="confirm-body")
            with Horizontal(classes="buttons"):
                yield Button(self.yes, variant="error" if self.warning else "primary", id="yes")
                yield Button("No (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed, "#yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
