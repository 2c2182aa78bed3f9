"""Mark shipped: a tracking number for each order and the carrier; unusable numbers are refused here."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from ...domain.catalog import CARRIERS
from ...domain.rules import tracking_problem
from ..paths import stylesheet

ShipInput = tuple[dict[str, str], str]


class ShipModal(ModalScreen[ShipInput | None]):
    """Returns ({order ID: tracking number}, carrier), or None."""

    CSS_PATH = stylesheet("modals.tcss")
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="ship.cancel"),
        Binding("f2", "save", "Ship", id="ship.save"),
    ]

    def __init__(self, order_ids: list[str], carrier: str | None = None) -> None:
        super().__init__()
        self.order_ids, self.carrier = order_ids, carrier

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="ship-dialog"):
            count = len(self.order_ids)
            yield Label(f"Mark {count} order{'s' if count > 1 else ''} shipped", classes="dialog-title")
            with Horizontal(classes="field"):
                yield Label("Carrier", classes="field-label")
                yield Select([(c, c) for c in CARRIERS], value=self.carrier or CARRIERS[0], allow_blank=False,
                             id="carrier", compact=True)
            with VerticalScroll(id="tracking-fields"):
                for order_id in self.order_ids:
                    with Horizontal(classes="field"):
                        yield Label(order_id, classes="field-label wide")
                        yield Input(placeholder="tracking number", id=f"t-{order_id}", max_length=60, compact=True)
            yield Static(id="ship-error", classes="error")
            yield Static(Text("8-40 letters and digits · enter or f2 ships · esc cancels", style="dim"),
                         classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Ship", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one(f"#t-{self.order_ids[0]}", Input).focus()

    def _tracking(self) -> dict[str, str]:
        return {oid: self.query_one(f"#t-{oid}", Input).value.strip() for oid in self.order_ids}

    @on(Input.Changed)
    def _check(self, event: Input.Changed) -> None:
        problem = tracking_problem(event.value.strip()) if event.value.strip() else None
        self.query_one("#ship-error", Static).update(Text(problem or ""))

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        tracking = self._tracking()
        for order_id, number in tracking.items():
            problem = tracking_problem(number)
            if problem:
                self.query_one("#ship-error", Static).update(Text(f"{order_id}: {problem}"))
                self.query_one(f"#t-{order_id}", Input).focus()
                return
        self.dismiss((tracking, str(self.query_one("#carrier", Select).value)))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
