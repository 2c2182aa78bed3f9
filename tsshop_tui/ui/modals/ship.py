"""Mark shipped — or correct a shipped order's tracking — with a tracking number per order and the carrier.

The ship key ships the orders to ship; when none is, it corrects the tracking of those on their way.
A red-flagged order ("hold until verified") is confirmed, its note shown, before the dialog opens.
Refused here, keeping what was typed: an unusable number, and one number given to two orders of the
batch. Warned about: a number already on another order (enter again ships anyway).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from ...domain.catalog import CARRIERS, Action, OrderAction
from ...domain.model import Flag
from ...domain.rules import abnormal_reason, refusal, tracking_problem
from ...domain.text import visible
from ..format import flag_cell
from ..paths import stylesheet
from .action import LISTED, ActionDialog, Host, Target
from .confirm import ConfirmModal

if TYPE_CHECKING:
    from ...store import BulkResult, Store


@dataclass(frozen=True)
class ShipInput:
    """{order ID: tracking number} and the carrier; *correct*: the numbers correct shipped orders'."""

    tracking: dict[str, str] = field(default_factory=dict)
    carrier: str | None = None
    correct: bool = False


InUse = Callable[[str, tuple[str, ...]], list[str]]  # (number, order IDs to leave out) -> other orders with it


class ShipModal(ActionDialog):
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
        self.dismiss(ShipInput(tracking, str(self.query_one("#carrier", Select).value), self.correct))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @classmethod
    def start(cls, host: Host, declared: OrderAction, targets: list[Target]) -> None:
        """Ship the orders to ship; when none is, correct the tracking of those on their way."""
        for action, go in ((Action.SHIP, cls._check_red_flags), (Action.CORRECT_TRACKING, cls._open_correct)):
            chosen = [t for t in targets if refusal(t.id, t.status, action) is None]
            if chosen:
                if len(chosen) < len(targets):
                    verb = "cannot ship" if action is Action.SHIP else "cannot have their tracking corrected"
                    host.warn(f"{len(targets) - len(chosen)} tagged orders {verb} and are left out")
                go(host, declared, chosen, None)
                return
        host.refuse(targets, Action.SHIP)

    @classmethod
    def _check_red_flags(cls, host: Host, declared: OrderAction, targets: list[Target], typed: None) -> None:
        """Red means "hold until verified": show each red flag's note and ask before shipping."""
        red = [o for o in host.store.get_many(t.id for t in targets) if o.flag is Flag.RED]
        if not red:
            cls.open(host, declared, targets, None)
            return
        body = Text()
        body.append("Red flag: hold until verified.\n", style="bold red")
        for order in red[:LISTED]:
            body.append(f"{order.id}  ", style="bold")
            body.append_text(flag_cell(Flag.RED))
            note = order.current_note.text if order.current_note else ""
            body.append(f"  {visible(note)}\n" if note else "  (no note)\n")
        if len(red) > LISTED:
            body.append(f"… and {len(red) - LISTED} more\n", style="dim")
        body.append("Ship only if what the note asks for has been checked.", style="dim")
        host.ask(ConfirmModal("Ship a red-flagged order?", body, yes="Ship anyway (y)", warning=True),
                 lambda yes: cls.open(host, declared, targets, None) if yes else None)

    @classmethod
    def open(cls, host: Host, declared: OrderAction, targets: list[Target], typed: ShipInput | None) -> None:
        if typed is not None and typed.correct:
            cls._open_correct(host, declared, targets, typed)
            return
        in_use = host.store.tracking_in_use
        host.ask(cls([t.id for t in targets], typed, in_use=lambda number, exclude: in_use(number, exclude=exclude)),
                 lambda value: host.chosen(declared, targets, value))

    @classmethod
    def _open_correct(cls, host: Host, declared: OrderAction, targets: list[Target], typed: ShipInput | None) -> None:
        orders = host.store.get_many(t.id for t in targets)
        now: dict[str, Text] = {}
        for order in orders:
            problem = abnormal_reason(order)
            if problem:
                now[order.id] = Text.assemble(("Abnormal: ", "bold red"), visible(problem))
            else:
                now[order.id] = Text.assemble(("Now: ", "dim"), visible(order.tracking_number),
                                              f"  {visible(order.shipping_provider)}")
        if typed is None:
            carriers = [o.shipping_provider for o in orders if o.shipping_provider in CARRIERS]
            typed = ShipInput({}, carriers[0] if carriers else None, correct=True)
        in_use = host.store.tracking_in_use
        host.ask(cls([t.id for t in targets], typed, in_use=lambda number, exclude: in_use(number, exclude=exclude),
                     correct=True, now=now),
                 lambda value: host.chosen(declared, targets, value))

    @classmethod
    def title(cls, declared: OrderAction, value: ShipInput) -> str:
        return "Correct tracking" if value.correct else "Ship"

    @classmethod
    def arguments(cls, value: ShipInput, order_id: str) -> dict[str, Any]:
        return {"tracking_number": value.tracking[order_id], "carrier": value.carrier}

    @classmethod
    def apply(cls, store: Store, targets: list[Target], *, declared: OrderAction, value: ShipInput) -> BulkResult:
        """Each order ships as its own package (ship_many once per tracking number); a correction
        goes order by order, the store having no bulk correction."""
        if not value.correct:
            return super().apply(store, targets, declared=declared, value=value)
        by_id = {t.id: t for t in targets}
        return store.apply_bulk(by_id, lambda order_id: store.correct_tracking(
            order_id, tracking_number=value.tracking[order_id], carrier=value.carrier,
            expected_version=by_id[order_id].version))


DIALOG = ShipModal
