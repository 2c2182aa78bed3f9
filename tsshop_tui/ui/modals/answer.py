"""Answer a buyer's cancellation or return/refund request: approve, or reject with a reason. An
approval that refunds the buyer is confirmed with the amounts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from ...domain.catalog import OrderAction
from ...domain.model import OrderStatus, RequestStatus, RequestType
from ...domain.text import visible
from ..paths import stylesheet
from .action import ActionDialog, Host, Target, amounts, describe, total
from .choice import Choice
from .confirm import ConfirmModal

if TYPE_CHECKING:
    from ...store import Store

KIND_WORDS = {RequestType.CANCELLATION: "Buyer cancellation request", RequestType.RETURN_REFUND: "Return / refund request"}


@dataclass(frozen=True)
class Answer:
    kind: RequestType
    approve: bool
    reason: str | None = None


class AnswerModal(ActionDialog):
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

    @classmethod
    def open(cls, host: Host, declared: OrderAction, targets: list[Target], typed: Answer | None) -> None:
        """The dialog, showing each pending request; when there is none, say so instead."""
        pending = Text()
        kinds: list[RequestType] = []
        for order in host.store.get_many(t.id for t in targets):
            for request in order.requests:
                if request.status is RequestStatus.PENDING:
                    kinds.append(request.type)
                    pending.append(f"{order.id}  ", style="bold")
                    pending.append(f"{request.type.value.replace('_', '/').lower()} request: ")
                    pending.append(visible(request.reason) or "no reason given")
                    pending.append(f" · respond by {request.respond_by:%Y-%m-%d %H:%M}\n", style="dim")
        if not kinds:
            host.warn(f"No pending buyer request on {describe(targets)}.")
            return
        pending.rstrip()
        ordered = [k for k in (RequestType.CANCELLATION, RequestType.RETURN_REFUND) if k in kinds]
        host.ask(cls(describe(targets), ordered, pending, typed), lambda value: host.chosen(declared, targets, value))

    @classmethod
    def title(cls, declared: OrderAction, value: Answer) -> str:
        return "Approve" if value.approve else "Reject"

    @classmethod
    def arguments(cls, value: Answer, order_id: str) -> dict[str, Any]:
        return {"kind": value.kind, "approve": value.approve, "reject_reason": value.reason}

    @classmethod
    def confirmation(cls, store: Store, targets: list[Target], value: Answer) -> ConfirmModal | None:
        """An approval that refunds buyers (a return, or the cancellation of a paid order) shows the amounts."""
        refunded = [] if not value.approve else [
            o for o in store.get_many(t.id for t in targets)
            if o.pending_request(value.kind) is not None
            and (value.kind is RequestType.RETURN_REFUND or o.status is not OrderStatus.UNPAID)
        ]
        if not refunded:
            return None
        what = "return/refund request" if value.kind is RequestType.RETURN_REFUND else "cancellation request"
        body = Text(f"Approving the buyer's {what} refunds the buyer:\n" if len(refunded) == 1 else
                    f"Approving the buyers' {what}s refunds them:\n")
        body.append_text(amounts(refunded))
        body.append("The money goes back to the buyer; this cannot be undone.", style="dim")
        return ConfirmModal(f"Refund {total(refunded)}?", body, yes="Approve and refund (y)", warning=True)


DIALOG = AnswerModal
