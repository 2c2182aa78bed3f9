"""Add a note: an internal comment and a flag colour, for one order or the tagged set.

What is left alone is kept: an empty comment keeps each order's comment, "keep" keeps each flag.
Typing goes to the comment at once; the flag changes with the up and down arrows from anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from ...domain.catalog import FLAGS, NoteStart, OrderAction
from ...domain.model import Flag
from ...domain.text import first_words
from ..format import flag_cell
from ..paths import stylesheet
from .action import ActionDialog, Host, Target, describe
from .choice import Choice

class Keep(Enum):
    FLAG = "keep"


KEEP = Keep.FLAG
FlagChoice = Flag | Keep | None  # a Flag, KEEP the order's flag, or None to clear it


@dataclass(frozen=True)
class NoteInput:
    """What the operator asked for: *flag* is KEEP, None (clear) or a Flag; *text* None keeps the comment."""

    flag: FlagChoice = KEEP
    text: str | None = None

    def arguments(self) -> dict[str, Any]:
        """Store.add_note's keyword arguments: the flag only when it changes (the store keeps it otherwise)."""
        return {"text": self.text} if self.flag is KEEP else {"flag": self.flag, "text": self.text}


@dataclass(frozen=True)
class Current:
    """One order's flag and comment now, shown so the operator sees what is kept."""

    flag: Flag | None
    text: str | None


def flag_options() -> list[tuple[Text | str, FlagChoice]]:
    return [("keep", KEEP), ("no flag", None), *((flag_cell(flag), flag) for flag in FLAGS)]


class NoteModal(ActionDialog):
    """Returns the note asked for, or None. The dialog of a note-like action (one declared with its
    note's start) starts with that flag and text."""

    CSS_PATH = stylesheet("modals.tcss")
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="note.cancel"),
        Binding("ctrl+s,f2,enter", "save", "Save", id="note.save"),
        Binding("up", "flag(-1)", "Previous flag", show=False, id="note.flag-previous"),
        Binding("down", "flag(1)", "Next flag", show=False, id="note.flag-next"),
    ]

    def __init__(self, target: str, current: Current | None = None, typed: NoteInput | None = None) -> None:
        """*current*: the order's flag and comment (one order); *typed*: input to show again (edit)."""
        super().__init__()
        self.target, self.current, self.typed = target, current, typed or NoteInput()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="note-dialog"):
            yield Label(f"Note for {self.target}", classes="dialog-title")
            yield Static(self._now(), id="note-now")
            yield Input(self.typed.text or "", placeholder=self._placeholder(), id="note-text", max_length=500,
                        compact=True)
            yield Choice(flag_options(), self.typed.flag, id="note-flag")
            yield Static(Text("↑ ↓ change the flag · enter or ctrl+s saves · esc cancels", style="dim"), classes="hint")
            yield Static(id="note-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def _now(self) -> Text:
        if self.current is None:
            return Text("Each order keeps its own flag and comment unless you change them here.", style="dim")
        now = Text("Now: ", style="dim")
        now.append_text(flag_cell(self.current.flag) if self.current.flag else Text("no flag", style="dim"))
        now.append(" · ", style="dim")
        comment = first_words(self.current.text, 60)
        now.append(comment or "no comment", style="" if comment else "dim")
        return now

    def _placeholder(self) -> str:
        if self.current is not None and self.current.text:
            return "new comment (empty keeps the one above)"
        if self.current is None:
            return "comment (empty keeps each order's comment)"
        return "internal comment, e.g. fragile - double box"

    def on_mount(self) -> None:
        self.query_one("#note-text", Input).focus()

    def action_flag(self, step: int) -> None:
        self.query_one("#note-flag", Choice).step(step)

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        flag = self.query_one("#note-flag", Choice).value
        text = self.query_one("#note-text", Input).value.strip() or None
        if flag is KEEP and text is None:
            self.query_one("#note-error", Static).update("Type a comment or change the flag (↑ ↓).")
            return
        self.dismiss(NoteInput(flag, text))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @classmethod
    def open(cls, host: Host, declared: OrderAction, targets: list[Target], typed: NoteInput | None) -> None:
        start = declared.note or NoteStart()
        if typed is None and start != NoteStart():
            typed = NoteInput(KEEP if start.flag is None else start.flag, start.text)
        current = None
        if len(targets) == 1:
            order = host.store.get(targets[0].id)
            if order is not None:
                current = Current(order.flag, order.current_note.text if order.current_note else None)
        host.ask(cls(describe(targets), current, typed), lambda value: host.chosen(declared, targets, value))

    @classmethod
    def arguments(cls, value: NoteInput, order_id: str) -> dict[str, Any]:
        return value.arguments()


DIALOG = NoteModal
