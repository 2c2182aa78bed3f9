"""Add a note: a flag colour (or none) and an internal comment, for one order or the tagged set."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from ...domain.catalog import FLAGS
from ...domain.model import Flag
from ..format import FLAG_STYLES
from ..paths import stylesheet

NoteInput = tuple[Flag | None, str]


class NoteModal(ModalScreen[NoteInput | None]):
    CSS_PATH = stylesheet("modals.tcss")
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="note.cancel"),
        Binding("f2", "save", "Save", id="note.save"),
    ]

    def __init__(self, target: str, current: Flag | None = None) -> None:
        super().__init__()
        self.target, self.current = target, current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="note-dialog"):
            yield Label(f"Note for {self.target}", classes="dialog-title")
            with RadioSet(id="note-flag"):
                yield RadioButton("no flag", value=self.current is None, id="flag-none")
                for flag in FLAGS:
                    yield RadioButton(
                        Text.assemble(("■ ", FLAG_STYLES[flag]), flag.value),
                        value=flag is self.current,
                        id=f"flag-{flag.value}",
                    )
            yield Input(placeholder="internal comment, e.g. fragile - double box", id="note-text", max_length=500,
                        compact=True)
            yield Static(Text("arrows pick the flag · tab to the comment · enter saves · esc cancels", style="dim"),
                         classes="hint")
            yield Static(id="note-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#note-flag", RadioSet).focus()

    def _flag(self) -> Flag | None:
        pressed = self.query_one(RadioSet).pressed_button
        if pressed is None or pressed.id == "flag-none":
            return None
        return Flag((pressed.id or "").removeprefix("flag-"))

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        flag, text = self._flag(), self.query_one("#note-text", Input).value.strip()
        if flag is None and not text:
            self.query_one("#note-error", Static).update("Pick a flag or write a comment.")
            return
        self.dismiss((flag, text))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
