"""What a (bulk) action did: how many orders changed, and each refused order with the reason."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from ...domain.text import visible
from ..paths import stylesheet


class ResultModal(ModalScreen[None]):
    CSS_PATH = stylesheet("modals.tcss")
    BINDINGS = [Binding("escape,enter,q", "dismiss", "Close", id="result.close")]

    def __init__(self, title: str, succeeded: list[str], refused: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text, self.succeeded, self.refused = title, succeeded, refused

    def compose(self) -> ComposeResult:
        summary = Text()
        summary.append(f"{len(self.succeeded)} done", style="bold green")
        summary.append(" · ")
        summary.append(f"{len(self.refused)} refused", style="bold red" if self.refused else "")
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
                yield Static(refused if refused else Text("Nothing was refused.", style="dim"))
            yield Static(Text("enter or esc closes", style="dim"), classes="hint")
