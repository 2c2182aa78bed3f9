"""Answer a buyer's cancellation or return/refund request: approve, or reject with a reason."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from ...domain.model import RequestType
from ..paths import stylesheet

Answer = tuple[RequestType, bool, str | None]


class AnswerModal(ModalScreen[Answer | None]):
    """Returns (request type, approve?, reject reason), or None."""

    CSS_PATH = stylesheet("modals.tcss")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="answer.cancel")]

    def __init__(self, target: str, kind: RequestType, pending: Text) -> None:
        super().__init__()
        self.target, self.kind, self.pending = target, kind, pending

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="answer-dialog"):
            yield Label(f"Answer buyer request · {self.target}", classes="dialog-title")
            yield Static(self.pending)
            with RadioSet(id="kind"):
                yield RadioButton("Buyer cancellation request", value=self.kind is RequestType.CANCELLATION,
                                  id="kind-cancellation")
                yield RadioButton("Return / refund request", value=self.kind is RequestType.RETURN_REFUND,
                                  id="kind-return")
            with RadioSet(id="decision"):
                yield RadioButton("Approve", value=True, id="approve")
                yield RadioButton("Reject", id="reject")
            yield Input(placeholder="reason for rejecting (required to reject)", id="reject-reason", max_length=300,
                        compact=True)
            yield Static(id="answer-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Answer", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#decision", RadioSet).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        kind_button = self.query_one("#kind", RadioSet).pressed_button
        kind = RequestType.RETURN_REFUND if kind_button and kind_button.id == "kind-return" else RequestType.CANCELLATION
        decision = self.query_one("#decision", RadioSet).pressed_button
        approve = decision is None or decision.id == "approve"
        reason = self.query_one("#reject-reason", Input).value.strip() or None
        if not approve and not reason:
            self.query_one("#answer-error", Static).update("A rejection needs a reason the buyer will see.")
            self.query_one("#reject-reason", Input).focus()
            return
        self.dismiss((kind, approve, None if approve else reason))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
