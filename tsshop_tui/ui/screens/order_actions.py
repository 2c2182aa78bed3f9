"""Changing orders from a screen: note, cancel, ship, answer buyer requests — one order or the tagged set.

Every change goes through the store with the version the screen showed, so a change based on a
stale view is refused (and the view refreshed) instead of overwriting another terminal's work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual.screen import Screen

from ...domain.catalog import CANCEL_REASONS_BY_CODE, Action
from ...domain.model import Flag, OrderStatus, RequestStatus, RequestType
from ...domain.rules import RuleError, refusal
from ...domain.text import visible
from ...store import StoreError
from ..modals.answer import Answer, AnswerModal
from ..modals.cancel import CancelModal
from ..modals.confirm import ConfirmModal
from ..modals.note import NoteInput, NoteModal
from ..modals.result import ResultModal
from ..modals.ship import ShipInput, ShipModal

if TYPE_CHECKING:
    from ...store import Store
    from ...store.actions import BulkResult

CHANGING_ACTIONS = frozenset({"note", "cancel_order", "ship", "answer"})


@dataclass(frozen=True)
class Target:
    """An order an action applies to, as the screen showed it."""

    id: str
    version: int
    status: OrderStatus
    flag: Flag | None = None


def describe(targets: list[Target]) -> str:
    return f"order {targets[0].id}" if len(targets) == 1 else f"{len(targets)} tagged orders"


class OrderActions(Screen[None]):
    """Mixed into a screen that can say which orders an action is for and refresh after a change."""

    def action_targets(self) -> list[Target]:
        raise NotImplementedError

    def after_change(self, changed: list[str]) -> None:
        raise NotImplementedError

    @property
    def _store(self) -> Store:
        return self.app.store  # type: ignore[attr-defined]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in CHANGING_ACTIONS and getattr(self.app, "read_only", False):
            return False
        return True

    # Note ---------------------------------------------------------------------------------

    def _allowed(self, action: Action) -> list[Target]:
        """The targets *action* may apply to; when none may, say why (for the first) and return []."""
        targets = self.action_targets()
        allowed = [t for t in targets if refusal(t.id, t.status, action) is None]
        if targets and not allowed:
            message = refusal(targets[0].id, targets[0].status, action) or ""
            if len(targets) > 1:
                message = f"none of the {len(targets)} tagged orders can be changed: {message}"
            self.notify(message, title="Refused: nothing changed", severity="error", timeout=8)
        return targets if allowed else []

    def action_note(self) -> None:
        targets = self.action_targets()
        if targets:
            current = targets[0].flag if len(targets) == 1 else None
            self.app.push_screen(NoteModal(describe(targets), current), callback=partial(self._note, targets))

    def _note(self, targets: list[Target], value: NoteInput | None) -> None:
        if value is None:
            return
        flag, text = value
        self._run("Note", targets, lambda store, versions: store.add_note_many(
            [t.id for t in targets], flag=flag, text=text, expected_versions=versions))

    # Cancel -------------------------------------------------------------------------------

    def action_cancel_order(self) -> None:
        targets = self._allowed(Action.CANCEL)
        if not targets:
            return
        unpaid = {t.status is OrderStatus.UNPAID for t in targets}
        self.app.push_screen(
            CancelModal(describe(targets), unpaid=unpaid.pop() if len(unpaid) == 1 else None),
            callback=partial(self._cancel_reason, targets),
        )

    def _cancel_reason(self, targets: list[Target], code: str | None) -> None:
        if code is None:
            return
        reason = CANCEL_REASONS_BY_CODE[code]
        body = Text.assemble(f"Cancel {describe(targets)} — reason: ", (reason.label, "bold"), "\n")
        if reason.seller_fault:
            body.append_text(self._sfcr_preview(targets))
        body.append("\nThe buyer is told and refunded. This cannot be undone.", style="dim")
        self.app.push_screen(
            ConfirmModal("Cancel orders?", body, yes="Cancel orders (y)", warning=reason.seller_fault),
            callback=partial(self._cancel_confirmed, targets, code),
        )

    def _sfcr_preview(self, targets: list[Target]) -> Text:
        """The seller-fault cancellation rate now, and what it becomes after this cancellation."""
        sfcr = next(m for m in self._store.metrics(7) if m.key == "sfcr")
        paid = sum(t.status is not OrderStatus.UNPAID for t in targets)
        after_numerator = sfcr.numerator + paid
        after = after_numerator / sfcr.denominator if sfcr.denominator else None

        def percent(value: float | None) -> str:
            return "—" if value is None else f"{value:.2%}"

        text = Text("Seller fault: this raises your Seller Fault Cancellation Rate\n", style="bold red")
        text.append(f"SFCR (7 days) now {percent(sfcr.value)} ({sfcr.numerator}/{sfcr.denominator})")
        text.append(f" → {percent(after)} ({after_numerator}/{sfcr.denominator})", style="bold")
        text.append(f"; target ≤ {sfcr.target:.1%}\n")
        return text

    def _cancel_confirmed(self, targets: list[Target], code: str, confirmed: bool | None) -> None:
        if confirmed:
            self._run("Cancel", targets, lambda store, versions: store.cancel_many(
                [t.id for t in targets], reason_code=code, expected_versions=versions))

    # Ship ---------------------------------------------------------------------------------

    def action_ship(self) -> None:
        targets = self._allowed(Action.SHIP)
        shippable = [t for t in targets if refusal(t.id, t.status, Action.SHIP) is None]
        if len(shippable) < len(targets):
            self.notify(f"{len(targets) - len(shippable)} tagged orders cannot ship and are left out",
                        severity="warning")
        if shippable:
            self.app.push_screen(ShipModal([t.id for t in shippable]), callback=partial(self._ship, shippable))

    def _ship(self, targets: list[Target], value: ShipInput | None) -> None:
        if value is None:
            return
        tracking, carrier = value

        def ship(store: Store, versions: dict[str, int]) -> BulkResult:
            return store.apply_bulk(
                tracking,
                lambda oid: store.ship(oid, tracking_number=tracking[oid], carrier=carrier,
                                       expected_version=versions[oid]),
            )

        self._run("Ship", targets, ship)

    # Buyer requests -----------------------------------------------------------------------

    def action_answer(self) -> None:
        targets = self.action_targets()
        if not targets:
            return
        orders = self._store.get_many(t.id for t in targets)
        pending = Text()
        kinds = []
        for order in orders:
            for request in order.requests:
                if request.status is RequestStatus.PENDING:
                    kinds.append(request.type)
                    pending.append(f"{order.id}  ", style="bold")
                    pending.append(f"{request.type.value.replace('_', '/').lower()} request: ")
                    pending.append(visible(request.reason) or "no reason given")
                    pending.append(f" · respond by {request.respond_by:%Y-%m-%d %H:%M}\n", style="dim")
        if not kinds:
            self.notify(f"No pending buyer request on {describe(targets)}.", severity="warning")
            return
        kind = RequestType.CANCELLATION if RequestType.CANCELLATION in kinds else RequestType.RETURN_REFUND
        pending.rstrip()
        self.app.push_screen(AnswerModal(describe(targets), kind, pending), callback=partial(self._answer, targets))

    def _answer(self, targets: list[Target], value: Answer | None) -> None:
        if value is None:
            return
        kind, approve, reason = value
        self._run("Approve" if approve else "Reject", targets, lambda store, versions: store.answer_request_many(
            [t.id for t in targets], kind, approve=approve, reject_reason=reason, expected_versions=versions))

    # Running and reporting ----------------------------------------------------------------

    def _run(self, title: str, targets: list[Target], change: Callable[[Store, dict[str, int]], BulkResult]) -> None:
        versions = {t.id: t.version for t in targets}
        try:
            result = change(self._store, versions)
        except (StoreError, RuleError) as error:
            self.notify(str(error), title=f"{title}: nothing changed", severity="error", timeout=8)
            self.after_change([])
            return
        self.after_change(result.succeeded)
        if len(targets) == 1 and result.refused:
            self.notify(visible(result.refused[0][1]), title=f"{title} refused", severity="error", timeout=8)
        elif result.refused:
            self.app.push_screen(ResultModal(f"{title}: {describe(targets)}", result.succeeded, result.refused))
        else:
            done = len(result.succeeded)
            self.notify(f"{title}: {done} order{'s' if done > 1 else ''} done", timeout=3)

