"""Changing orders from a screen: note, cancel, ship or correct tracking, answer buyer requests — one
order or the tagged set.

Every change but a note goes through the store with the version the screen showed, so a change based
on a stale view is refused instead of overwriting another terminal's work (a note depends on no
status or version). A refusal keeps what was typed: the operator can refresh and retry (the refused
orders re-read, the rules checked again, the same input applied) or edit the input. Whatever moves
money (a cancellation of a paid order, an approved refund) and shipping a red-flagged order are
confirmed first, with the amount or the flag's note shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual.screen import Screen

from ...domain.catalog import CANCEL_REASONS_BY_CODE, CARRIERS, ORDER_ACTIONS_BY_ID, Action, NoteStart
from ...domain.model import Flag, Order, OrderStatus, RequestStatus, RequestType
from ...domain.rules import RuleError, abnormal_reason, refusal
from ...domain.text import visible
from ...store import StoreError
from ..actions import CHANGING
from ..format import flag_cell, money
from ..modals.answer import Answer, AnswerModal
from ..modals.cancel import CancelModal
from ..modals.confirm import ConfirmModal
from ..modals.note import KEEP, Current, NoteInput, NoteModal
from ..modals.result import Next, ResultModal
from ..modals.ship import ShipInput, ShipModal

if TYPE_CHECKING:
    from ...store import Store

LISTED = 8  # orders listed by name in a confirmation; the rest are counted


@dataclass(frozen=True)
class Target:
    """An order an action applies to, as the screen showed it."""

    id: str
    version: int
    status: OrderStatus
    flag: Flag | None = None


@dataclass(frozen=True)
class Attempt:
    """One change the operator asked for, its input kept so that a refusal can be retried or edited."""

    title: str
    targets: list[Target]
    apply: Callable[[Store, Target], object]  # one order's change, in its own transaction
    edit: Callable[[list[Target]], None]  # reopen the dialog with the same input for these orders


def describe(targets: list[Target]) -> str:
    return f"order {targets[0].id}" if len(targets) == 1 else f"{len(targets)} tagged orders"


def total(orders: Iterable[Order]) -> str:
    """The orders' total amount, per currency: '$76.80', '$10.00 + €4.50'."""
    sums: dict[str, Decimal] = {}
    for order in orders:
        sums[order.currency] = sums.get(order.currency, Decimal("0")) + order.total_amount
    return " + ".join(money(amount, currency) for currency, amount in sums.items())


def amounts(orders: list[Order]) -> Text:
    """Each order's amount (the first LISTED of them), then the total when there are several."""
    text = Text()
    for order in orders[:LISTED]:
        text.append(f"  {order.id}  ", style="bold")
        text.append(f"{money(order.total_amount, order.currency)}\n")
    if len(orders) > LISTED:
        text.append(f"  … and {len(orders) - LISTED} more\n", style="dim")
    if len(orders) > 1:
        text.append(f"  {len(orders)} orders, {total(orders)} in all\n", style="bold")
    return text


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
        if action in CHANGING and getattr(self.app, "read_only", False):
            return False
        return True

    def _refuse(self, targets: list[Target], action: Action) -> None:
        """Say why *action* applies to none of *targets* (naming the first)."""
        message = refusal(targets[0].id, targets[0].status, action) or ""
        if len(targets) > 1:
            message = f"none of the {len(targets)} tagged orders can be changed: {message}"
        self.notify(message, title="Refused: nothing changed", severity="error", timeout=8)

    def _allowed(self, action: Action) -> list[Target]:
        """The targets when *action* applies to at least one of them (the store refuses the rest, each
        with its reason); when it applies to none, say why and return []."""
        targets = self.action_targets()
        if targets and all(refusal(t.id, t.status, action) for t in targets):
            self._refuse(targets, action)
            return []
        return targets

    def _fresh(self, order_ids: list[str]) -> list[Target]:
        """The orders as they are now (their current version, status and flag)."""
        orders = self._store.get_many(order_ids)
        gone = len(order_ids) - len(orders)
        if gone:
            self.notify(f"{gone} of the orders are no longer in this shop", severity="warning", timeout=6)
        return [Target(o.id, o.version, o.status, o.flag) for o in orders]

    # Note ---------------------------------------------------------------------------------

    def action_note(self, action_id: str = "note") -> None:
        """Open the note dialog for the orders the action's rules allow; a note-like action's
        (ORDER_ACTIONS) starts with its flag and text."""
        declared = ORDER_ACTIONS_BY_ID[action_id]
        targets = self._allowed(declared.action or Action.NOTE)
        start = declared.note or NoteStart()
        if targets:
            self._open_note(targets, None if start == NoteStart() else NoteInput(
                KEEP if start.flag is None else start.flag, start.text))

    def _open_note(self, targets: list[Target], typed: NoteInput | None) -> None:
        current = None
        if len(targets) == 1:
            order = self._store.get(targets[0].id)
            if order is not None:
                current = Current(order.flag, order.current_note.text if order.current_note else None)
        self.app.push_screen(NoteModal(describe(targets), current, typed), callback=partial(self._note, targets))

    def _note(self, targets: list[Target], value: NoteInput | None) -> None:
        if value is not None:
            self._run(Attempt(
                "Note", targets,
                lambda store, t: store.add_note(t.id, **value.arguments()),
                partial(self._open_note, typed=value),
            ))

    # Cancel -------------------------------------------------------------------------------

    def action_cancel_order(self) -> None:
        targets = self._allowed(Action.CANCEL)
        if targets:
            self._open_cancel(targets, None)

    def _open_cancel(self, targets: list[Target], chosen: str | None) -> None:
        unpaid = {t.status is OrderStatus.UNPAID for t in targets}
        self.app.push_screen(
            CancelModal(describe(targets), unpaid=unpaid.pop() if len(unpaid) == 1 else None, chosen=chosen),
            callback=partial(self._cancel_reason, targets),
        )

    def _cancel_reason(self, targets: list[Target], code: str | None) -> None:
        if code is None:
            return
        reason = CANCEL_REASONS_BY_CODE[code]
        orders = self._store.get_many(t.id for t in targets)
        paid = [o for o in orders if o.status is not OrderStatus.UNPAID]
        seller_fault = reason.seller_fault and not reason.for_unpaid
        body = Text.assemble(f"Cancel {describe(targets)} — reason: ", (reason.label, "bold"), "\n")
        if seller_fault:
            body.append_text(self._sfcr_preview(len(paid)))
        if paid:
            body.append("The buyer is told and refunded:\n" if len(orders) == 1 else
                        "The buyers are told; the paid orders are refunded:\n")
            body.append_text(amounts(paid))
        if len(paid) < len(orders):
            body.append("Unpaid orders are not refunded (nothing was paid) and do not count in SFCR.\n")
        body.append("This cannot be undone.", style="dim")
        self.app.push_screen(
            ConfirmModal("Cancel orders?", body, yes="Cancel orders (y)", warning=seller_fault),
            callback=partial(self._cancel_confirmed, targets, code),
        )

    def _sfcr_preview(self, paid: int) -> Text:
        """The seller-fault cancellation rate now, and what it becomes after cancelling *paid* orders."""
        sfcr = next(m for m in self._store.metrics(7) if m.key == "sfcr")
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
            self._run(Attempt(
                "Cancel", targets,
                lambda store, t: store.cancel(t.id, reason_code=code, expected_version=t.version),
                partial(self._open_cancel, chosen=code),
            ))

    # Ship, or correct the tracking of a shipped order ---------------------------------------

    def action_ship(self) -> None:
        """Ship the orders to ship; when none is, correct the tracking of those on their way."""
        targets = self.action_targets()
        if not targets:
            return
        for action, go in ((Action.SHIP, self._check_red_flags), (Action.CORRECT_TRACKING, self._open_correct)):
            chosen = [t for t in targets if refusal(t.id, t.status, action) is None]
            if chosen:
                if len(chosen) < len(targets):
                    verb = "cannot ship" if action is Action.SHIP else "cannot have their tracking corrected"
                    self.notify(f"{len(targets) - len(chosen)} tagged orders {verb} and are left out",
                                severity="warning")
                go(chosen, None)
                return
        self._refuse(targets, Action.SHIP)

    def _check_red_flags(self, targets: list[Target], typed: ShipInput | None) -> None:
        """Red means "hold until verified": show each red flag's note and ask before shipping."""
        red = [o for o in self._store.get_many(t.id for t in targets) if o.flag is Flag.RED]
        if not red:
            self._open_ship(targets, typed)
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
        self.app.push_screen(
            ConfirmModal("Ship a red-flagged order?", body, yes="Ship anyway (y)", warning=True),
            callback=lambda yes: self._open_ship(targets, typed) if yes else None,
        )

    def _in_use(self, number: str, exclude: tuple[str, ...]) -> list[str]:
        return self._store.tracking_in_use(number, exclude=exclude)

    def _open_ship(self, targets: list[Target], typed: ShipInput | None) -> None:
        self.app.push_screen(ShipModal([t.id for t in targets], typed, in_use=self._in_use),
                             callback=partial(self._ship, targets))

    def _ship(self, targets: list[Target], value: ShipInput | None) -> None:
        if value is not None:
            self._run(Attempt(
                "Ship", targets,
                lambda store, t: store.ship(t.id, tracking_number=value.tracking[t.id], carrier=value.carrier,
                                            expected_version=t.version),
                partial(self._open_ship, typed=value),
            ))

    def _open_correct(self, targets: list[Target], typed: ShipInput | None) -> None:
        orders = self._store.get_many(t.id for t in targets)
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
            typed = ShipInput({}, carriers[0] if carriers else None)
        self.app.push_screen(
            ShipModal([t.id for t in targets], typed, in_use=self._in_use, correct=True, now=now),
            callback=partial(self._correct, targets),
        )

    def _correct(self, targets: list[Target], value: ShipInput | None) -> None:
        if value is not None:
            self._run(Attempt(
                "Correct tracking", targets,
                lambda store, t: store.correct_tracking(t.id, tracking_number=value.tracking[t.id],
                                                        carrier=value.carrier, expected_version=t.version),
                partial(self._open_correct, typed=value),
            ))

    # Buyer requests -----------------------------------------------------------------------

    def action_answer(self) -> None:
        targets = self.action_targets()
        if targets:
            self._open_answer(targets, None)

    def _open_answer(self, targets: list[Target], typed: Answer | None) -> None:
        pending = Text()
        kinds: list[RequestType] = []
        for order in self._store.get_many(t.id for t in targets):
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
        pending.rstrip()
        ordered = [k for k in (RequestType.CANCELLATION, RequestType.RETURN_REFUND) if k in kinds]
        self.app.push_screen(AnswerModal(describe(targets), ordered, pending, typed),
                             callback=partial(self._answer, targets))

    def _answer(self, targets: list[Target], value: Answer | None) -> None:
        if value is None:
            return
        attempt = Attempt(
            "Approve" if value.approve else "Reject", targets,
            lambda store, t: store.answer_request(t.id, value.kind, approve=value.approve, reject_reason=value.reason,
                                                  expected_version=t.version),
            partial(self._open_answer, typed=value),
        )
        refunded = [] if not value.approve else [
            o for o in self._store.get_many(t.id for t in targets)
            if o.pending_request(value.kind) is not None
            and (value.kind is RequestType.RETURN_REFUND or o.status is not OrderStatus.UNPAID)
        ]
        if not refunded:
            self._run(attempt)
            return
        what = "return/refund request" if value.kind is RequestType.RETURN_REFUND else "cancellation request"
        body = Text(f"Approving the buyer's {what} refunds the buyer:\n" if len(refunded) == 1 else
                    f"Approving the buyers' {what}s refunds them:\n")
        body.append_text(amounts(refunded))
        body.append("The money goes back to the buyer; this cannot be undone.", style="dim")
        self.app.push_screen(
            ConfirmModal(f"Refund {total(refunded)}?", body, yes="Approve and refund (y)", warning=True),
            callback=lambda yes: self._run(attempt) if yes else None,
        )

    # Running and reporting ----------------------------------------------------------------

    def _run(self, attempt: Attempt) -> None:
        store = self._store
        by_id = {t.id: t for t in attempt.targets}
        try:
            result = store.apply_bulk(by_id, lambda order_id: attempt.apply(store, by_id[order_id]))
        except (StoreError, RuleError) as error:
            self.notify(str(error), title=f"{attempt.title}: nothing changed", severity="error", timeout=8)
            self.after_change([])
            return
        self.after_change(result.succeeded)
        if result.refused:
            self.app.push_screen(
                ResultModal(f"{attempt.title}: {describe(attempt.targets)}", result.succeeded, result.refused),
                callback=partial(self._after_refusal, attempt, [order_id for order_id, _ in result.refused]),
            )
        else:
            done = len(result.succeeded)
            self.notify(f"{attempt.title}: {done} order{'s' if done > 1 else ''} done", timeout=3)

    def _after_refusal(self, attempt: Attempt, refused: list[str], step: Next | None) -> None:
        if step is None:
            return
        fresh = self._fresh(refused)
        if not fresh:
            return
        if step == "retry":
            self._run(replace(attempt, targets=fresh))
        else:
            attempt.edit(fresh)
