"""Cancel before shipping: choose one of TikTok's reason codes; seller-fault ones are marked. The
cancellation is confirmed with what it refunds and, for a seller-fault reason, what it does to SFCR."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from ...domain.catalog import CANCEL_REASONS, CANCEL_REASONS_BY_CODE, OrderAction
from ...domain.model import OrderStatus
from ..paths import stylesheet
from .action import ActionDialog, Host, Target, amounts, describe
from .confirm import ConfirmModal

if TYPE_CHECKING:
    from ...store import Store


class CancelModal(ActionDialog):
    """Returns the chosen reason code, or None."""

    CSS_PATH = stylesheet("modals.tcss")
    BINDINGS = [
        Binding("escape", "cancel", "Back", id="cancel.back"),
        Binding("ctrl+s,f2", "choose", "Choose", id="cancel.choose"),
    ]

    def __init__(self, target: str, *, unpaid: bool | None, chosen: str | None = None) -> None:
        """*unpaid*: True/False when every target is (not) UNPAID, None when mixed (all reasons shown);
        *chosen*: the reason to highlight (the one chosen before, when the dialog is reopened)."""
        super().__init__()
        self.target, self.unpaid, self.chosen = target, unpaid, chosen

    def compose(self) -> ComposeResult:
        options = []
        for reason in CANCEL_REASONS:
            if self.unpaid is not None and reason.for_unpaid != self.unpaid:
                continue
            label = Text(reason.label)
            if reason.seller_fault and not reason.for_unpaid:
                label.append("  seller fault: raises SFCR", style="bold red")
            options.append(Option(label, id=reason.code))
        with Vertical(classes="dialog", id="cancel-dialog"):
            yield Label(f"Cancel {self.target}", classes="dialog-title")
            yield Static(Text("Only orders not yet shipped can be cancelled. Choose the reason:", style="dim"))
            yield OptionList(*options, id="reasons")
            yield Static(Text("↑ ↓ pick · enter or ctrl+s chooses · esc backs out without cancelling", style="dim"),
                         classes="hint")

    def on_mount(self) -> None:
        reasons = self.query_one(OptionList)
        reasons.focus()
        if self.chosen is not None:
            reasons.highlighted = reasons.get_option_index(self.chosen)

    def action_choose(self) -> None:
        reasons = self.query_one(OptionList)
        if reasons.highlighted is not None:
            self.dismiss(reasons.get_option_at_index(reasons.highlighted).id)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @classmethod
    def open(cls, host: Host, declared: OrderAction, targets: list[Target], typed: str | None) -> None:
        unpaid = {t.status is OrderStatus.UNPAID for t in targets}
        host.ask(cls(describe(targets), unpaid=unpaid.pop() if len(unpaid) == 1 else None, chosen=typed),
                 lambda value: host.chosen(declared, targets, value))

    @classmethod
    def arguments(cls, value: str, order_id: str) -> dict[str, Any]:
        return {"reason_code": value}

    @classmethod
    def confirmation(cls, store: Store, targets: list[Target], value: str) -> ConfirmModal:
        reason = CANCEL_REASONS_BY_CODE[value]
        orders = store.get_many(t.id for t in targets)
        paid = [o for o in orders if o.status is not OrderStatus.UNPAID]
        seller_fault = reason.seller_fault and not reason.for_unpaid
        body = Text.assemble(f"Cancel {describe(targets)} — reason: ", (reason.label, "bold"), "\n")
        if seller_fault:
            body.append_text(_sfcr_preview(store, len(paid)))
        if paid:
            body.append("The buyer is told and refunded:\n" if len(orders) == 1 else
                        "The buyers are told; the paid orders are refunded:\n")
            body.append_text(amounts(paid))
        if len(paid) < len(orders):
            body.append("Unpaid orders are not refunded (nothing was paid) and do not count in SFCR.\n")
        body.append("This cannot be undone.", style="dim")
        return ConfirmModal("Cancel orders?", body, yes="Cancel orders (y)", warning=seller_fault)


def _sfcr_preview(store: Store, paid: int) -> Text:
    """The seller-fault cancellation rate now, and what it becomes after cancelling *paid* orders."""
    sfcr = next(m for m in store.metrics(7) if m.key == "sfcr")
    after_numerator = sfcr.numerator + paid
    after = after_numerator / sfcr.denominator if sfcr.denominator else None

    def percent(value: float | None) -> str:
        return "—" if value is None else f"{value:.2%}"

    text = Text("Seller fault: this raises your Seller Fault Cancellation Rate\n", style="bold red")
    text.append(f"SFCR (7 days) now {percent(sfcr.value)} ({sfcr.numerator}/{sfcr.denominator})")
    text.append(f" → {percent(after)} ({after_numerator}/{sfcr.denominator})", style="bold")
    text.append(f"; target ≤ {sfcr.target:.1%}\n")
    return text


DIALOG = CancelModal
