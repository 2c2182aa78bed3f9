"""Changing orders from a screen: every changing action declared in domain.catalog.ORDER_ACTIONS
(note, cancel, ship or correct tracking, answer buyer requests...) — one order or the tagged set —
through its dialog's flow (ui.modals.action): the dialog, a confirmation of what moves money, the
action's bulk Store method, the result.

Every change but a note goes through the store with the version the screen showed, so a change based
on a stale view is refused instead of overwriting another terminal's work (a note depends on no
status or version). A refusal keeps what was typed: the operator can refresh and retry (the refused
orders re-read, the rules checked again, the same input applied) or edit the input. Whatever moves
money (a cancellation of a paid order, an approved refund) and shipping a red-flagged order are
confirmed first, with the amount or the flag's note shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.screen import ModalScreen, Screen

from ...domain.catalog import ORDER_ACTIONS_BY_ID, Action, OrderAction
from ...domain.rules import RuleError, refusal
from ...store import BulkResult, StoreError
from .. import actions
from ..modals.action import Target, describe
from ..modals.result import Next, ResultModal

if TYPE_CHECKING:
    from ...store import Store

__all__ = ["OrderActions", "Target"]


@dataclass(frozen=True)
class Attempt:
    """One change the operator asked for, its input kept so that a refusal can be retried or edited."""

    title: str
    targets: list[Target]
    apply: Callable[[Store, list[Target]], BulkResult]  # each order's change in its own transaction
    edit: Callable[[list[Target]], None]  # reopen the dialog with the same input for these orders


class OrderActions(Screen[None]):
    """Mixed into a screen that can say which orders an action is for and refresh after a change."""

    def action_targets(self) -> list[Target]:
        raise NotImplementedError

    def after_change(self, changed: list[str]) -> None:
        raise NotImplementedError

    @property
    def store(self) -> Store:
        return self.app.store  # type: ignore[attr-defined]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if actions.writes(action, parameters) and getattr(self.app, "read_only", False):
            return False
        return True

    def action_order(self, action_id: str) -> None:
        """Run the declared action *action_id* on the tagged orders or the one under the cursor."""
        declared = ORDER_ACTIONS_BY_ID[action_id]
        targets = self.action_targets()
        if targets:
            actions.dialog(declared).start(self, declared, targets)

    # What a dialog's flow asks of the screen (ui.modals.action.Host) --------------------------

    def ask(self, dialog: ModalScreen[Any], then: Callable[[Any], None]) -> None:
        self.app.push_screen(dialog, callback=then)

    def warn(self, message: str) -> None:
        self.notify(message, severity="warning")

    def refuse(self, targets: list[Target], action: Action) -> None:
        """Say why *action* applies to none of *targets* (naming the first)."""
        message = refusal(targets[0].id, targets[0].status, action) or ""
        if len(targets) > 1:
            message = f"none of the {len(targets)} tagged orders can be changed: {message}"
        self.notify(message, title="Refused: nothing changed", severity="error", timeout=8)

    def allowed(self, action: Action, targets: list[Target]) -> list[Target]:
        """The targets when *action* applies to at least one of them (the store refuses the rest, each
        with its reason); when it applies to none, say why and return []."""
        if targets and all(refusal(t.id, t.status, action) for t in targets):
            self.refuse(targets, action)
            return []
        return targets

    def chosen(self, declared: OrderAction, targets: list[Target], value: Any) -> None:
        """The dialog's input (None: it was backed out of): confirmed when the dialog asks, then applied."""
        if value is None:
            return
        dialog = actions.dialog(declared)
        attempt = Attempt(
            dialog.title(declared, value), targets,
            partial(dialog.apply, declared=declared, value=value),
            partial(dialog.open, self, declared, typed=value),
        )
        question = dialog.confirmation(self.store, targets, value)
        if question is None:
            self._run(attempt)
        else:
            self.app.push_screen(question, callback=lambda yes: self._run(attempt) if yes else None)

    # Running and reporting ----------------------------------------------------------------

    def _fresh(self, order_ids: list[str]) -> list[Target]:
        """The orders as they are now (their current version, status and flag)."""
        orders = self.store.get_many(order_ids)
        gone = len(order_ids) - len(orders)
        if gone:
            self.notify(f"{gone} of the orders are no longer in this shop", severity="warning", timeout=6)
        return [Target(o.id, o.version, o.status, o.flag) for o in orders]

    def _run(self, attempt: Attempt) -> None:
        try:
            result = attempt.apply(self.store, attempt.targets)
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
