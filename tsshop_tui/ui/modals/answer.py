"""Answer a buyer's cancellation or return/refund request: approve, or reject with a reason."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ...domain.model import RequestType
from ..paths import stylesheet
from .choice import Choice

KIND_WORDS = {RequestType.CANCELLATION: "Buyer cancellation request", RequestType.RETURN_REFUND: "Return / refund request"}


@dataclass(frozen=True)
class Answer:
    kind: RequestType
    approve: bool
    reason: str | None = None


class AnswerModal(ModalScreen[Answer | None]):
    """Returns the answer, or None. *kinds*: the kinds of request pending on the orders, first the default."""

    CSS_PATH = stylesheet("modals.tcss")
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="answer.cancel"),
        Binding("ctrl+s,f2,enter", "save", "Answer", id="answer.save"),
    ]

    def __init__(self, target: str, kinds: list[RequestType], pending: Text, typed: Answer | None = None) -> None:
        super().__init__()
        self.target, self.kinds, self.pending = target, kinds, pending
        self.typed = typed or Answer(kinds[0], True)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="answer-dialog"):
            yield Label(f"Answer buyer request · {self.target}", classes="dialog-title")
            yield Static(self.pending)
            if len(self.kinds) > 1:
                yield Choice([(KIND_WORDS[k], k) for k in self.kinds], self.typed.kind, id="kind")
            yield Choice([("Approve", True), ("Reject", False)], self.typed.approve, id="decision")
            yield Input(self.typed.reason or "", placeholder="reason for rejecting (required to reject)",
                        id="reject-reason", max_length=300, compact=True)
            yield Static(Text("← → approve or reject · enter or ctrl+s answers · esc cancels", style="dim"), classes="hint")
            yield Static(id="answer-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Answer", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#decision", Choice).focus()

    @on(Choice.Changed, "#decision")
    def _decided(self, event: Choice.Changed) -> None:
        self.query_one("#answer-error", Static).update("")

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        kinds = self.query("#kind")
        kind = kinds.first(Choice).value if kinds else self.kinds[0]
        approve = bool(self.query_one("#decision", Choice).value)
        reason = self.query_one("#reject-reason", Input).value.strip() or None
        if not approve and not reason:
            self.query_one("#answer-error", Static).update("A rejection needs a reason the buyer will see.")
            self.query_one("#reject-reason", Input).focus()
            return
        self.dismiss(Answer(kind, approve, None if approve else reason))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
