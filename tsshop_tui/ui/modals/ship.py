"""Mark shipped — or correct a shipped order's tracking — with a tracking number per order and the carrier.

Refused here, keeping what was typed: an unusable number, and one number given to two orders of the
batch. Warned about: a number already on another order (enter again ships anyway).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from ...domain.catalog import CARRIERS
from ...domain.rules import tracking_problem
from ...domain.text import visible
from ..paths import stylesheet


@dataclass(frozen=True)
class ShipInput:
    """{order ID: tracking number} and the carrier."""

    tracking: dict[str, str] = field(default_factory=dict)
    carrier: str | None = None


InUse = Callable[[str, tuple[str, ...]], list[str]]  # (number, order IDs to leave out) -> other orders with it


class ShipModal(ModalScreen[ShipInput | None]):
    """Returns the tracking numbers and carrier, or None. *correct*: the orders have shipped and
    their tracking numbers are being corrected (*now* says what each has now, or what is wrong with it)."""

    CSS_PATH = stylesheet("modals.tcss")
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="ship.cancel"),
        Binding("ctrl+s,f2", "save", "Ship", id="ship.save"),
    ]

    def __init__(
        self,
        order_ids: list[str],
        typed: ShipInput | None = None,
        *,
        in_use: InUse,
        correct: bool = False,
        now: dict[str, Text] | None = None,
    ) -> None:
        super().__init__()
        self.order_ids, self.typed, self.in_use = order_ids, typed or ShipInput(), in_use
        self.correct, self.now = correct, now or {}
        self._warned: dict[str, str] | None = None

    @property
    def verb(self) -> str:
        return "saves" if self.correct else "ships"

    def compose(self) -> ComposeResult:
        count = len(self.order_ids)
        orders = f"order {self.order_ids[0]}" if count == 1 else f"{count} orders"
        title = f"Correct the tracking of {orders}" if self.correct else f"Mark {orders} shipped"
        carrier = self.typed.carrier if self.typed.carrier in CARRIERS else CARRIERS[0]
        with Vertical(classes="dialog", id="ship-dialog"):
            yield Label(title, classes="dialog-title")
            if self.now:
                now = Text()
                for order_id, state in self.now.items():
                    if count > 1:
                        now.append(f"{order_id}  ", style="bold")
                    now.append_text(state)
                    now.append("\n")
                now.rstrip()
                yield Static(now, id="ship-now")
            with Horizontal(classes="field"):
                yield Label("Carrier", classes="field-label")
                yield Select([(c, c) for c in CARRIERS], value=carrier, allow_blank=False, id="carrier", compact=True)
            with VerticalScroll(id="tracking-fields"):
                for order_id in self.order_ids:
                    with Horizontal(classes="field"):
                        yield Label(order_id, classes="field-label wide")
                        yield Input(self.typed.tracking.get(order_id, ""), placeholder="tracking number",
                                    id=f"t-{order_id}", max_length=60, compact=True)
            yield Static(id="ship-error", classes="error")
            yield Static(Text(f"8-40 letters and digits · enter or ctrl+s {self.verb} · esc cancels", style="dim"), classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Save" if self.correct else "Ship", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one(f"#t-{self.order_ids[0]}", Input).focus()

    def _tracking(self) -> dict[str, str]:
        return {oid: self.query_one(f"#t-{oid}", Input).value.strip() for oid in self.order_ids}

    def _say(self, text: Text | str, order_id: str | None = None) -> None:
        self.query_one("#ship-error", Static).update(text if isinstance(text, Text) else Text(text))
        if order_id is not None:
            self.query_one(f"#t-{order_id}", Input).focus()

    @on(Input.Changed)
    def _check(self, event: Input.Changed) -> None:
        problem = tracking_problem(event.value.strip()) if event.value.strip() else None
        self._say(visible(problem))

    def _refusal(self, tracking: dict[str, str]) -> tuple[str, str] | None:
        """(order ID, why) for the first number the batch cannot take; None when all can."""
        first_with: dict[str, str] = {}
        for order_id, number in tracking.items():
            problem = tracking_problem(number)
            if problem:
                return order_id, f"{order_id}: {problem}"
            if number in first_with:
                return order_id, (f"{first_with[number]} and {order_id} have the same tracking number {number!r}: "
                                  "each order's package has its own")
            first_with[number] = order_id
        return None

    def _reused(self, tracking: dict[str, str]) -> Text:
        """A warning naming each number already on another order; empty when none is."""
        warning = Text()
        batch = tuple(self.order_ids)
        for order_id, number in tracking.items():
            others = self.in_use(number, batch)
            if others:
                shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
                warning.append(f"{number} is already the tracking number of {shown}", style="bold")
                warning.append(f" (for {order_id})\n" if len(tracking) > 1 else "\n")
        if warning:
            warning.append(f"Check the label; enter again {self.verb} anyway.", style="bold dark_orange")
        return warning

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        tracking = self._tracking()
        refused = self._refusal(tracking)
        if refused is not None:
            self._say(visible(refused[1]), refused[0])
            return
        if tracking != self._warned:
            warning = self._reused(tracking)
            if warning:
                self._warned = tracking
                self._say(warning)
                return
        self.dismiss(ShipInput(tracking, str(self.query_one("#carrier", Select).value)))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
