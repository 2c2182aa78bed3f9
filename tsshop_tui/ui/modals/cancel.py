"""Cancel before shipping: choose one of TikTok's reason codes; seller-fault ones are marked."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from ...domain.catalog import CANCEL_REASONS
from ..paths import stylesheet


class CancelModal(ModalScreen[str | None]):
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
