"""What the dialog of a changing order action does, step by step: the flow every action declared in
domain.catalog.ORDER_ACTIONS runs (ui.screens.order_actions drives it).

start (check the rules' action on the targets, refusing when none may have it) → open (the dialog,
its input going back to the screen) → confirmation (of what moves money, or None) → apply (the
action's bulk Store method, each order in its own transaction) → the result, where a refusal can be
retried or its input edited (open again with what was typed). A dialog's module names its class
as ``DIALOG``; the class overrides only the steps that differ.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from rich.text import Text
from textual.screen import ModalScreen

from ...domain.catalog import Action, OrderAction
from ...domain.model import Flag, Order, OrderStatus
from ...store import BulkResult
from ..format import money

if TYPE_CHECKING:
    from ...store import Store
    from .confirm import ConfirmModal

LISTED = 8  # orders listed by name in a confirmation; the rest are counted


@dataclass(frozen=True)
class Target:
    """An order an action applies to, as the screen showed it."""

    id: str
    version: int
    status: OrderStatus
    flag: Flag | None = None


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


class Host(Protocol):
    """The screen an action's dialog is opened from."""

    @property
    def store(self) -> Store: ...

    def ask(self, dialog: ModalScreen[Any], then: Callable[[Any], None]) -> None:
        """Show *dialog*; its answer goes to *then*."""

    def warn(self, message: str) -> None:
        """Say *message* as a warning."""

    def allowed(self, action: Action, targets: list[Target]) -> list[Target]:
        """*targets* when *action* applies to at least one of them; else say why and return []."""

    def refuse(self, targets: list[Target], action: Action) -> None:
        """Say why *action* applies to none of *targets*."""

    def chosen(self, declared: OrderAction, targets: list[Target], value: Any) -> None:
        """The dialog's answer (None: backed out): confirm, apply and show the result."""


class ActionDialog(ModalScreen[Any]):
    """The dialog of a changing order action, and the steps of its flow as class methods."""

    @classmethod
    def start(cls, host: Host, declared: OrderAction, targets: list[Target]) -> None:
        """Open the dialog for the targets the rules' action allows (all of them when it has none)."""
        if declared.action is not None:
            targets = host.allowed(declared.action, targets)
        if targets:
            cls.open(host, declared, targets, None)

    @classmethod
    def open(cls, host: Host, declared: OrderAction, targets: list[Target], typed: Any) -> None:
        """Show the dialog for *targets* (with *typed*, the input of an earlier try, when editing)."""
        raise NotImplementedError

    @classmethod
    def title(cls, declared: OrderAction, value: Any) -> str:
        """What the result says was done."""
        return declared.label

    @classmethod
    def confirmation(cls, store: Store, targets: list[Target], value: Any) -> ConfirmModal | None:
        """The question asked before applying *value* (what moves money), or None."""
        return None

    @classmethod
    def arguments(cls, value: Any, order_id: str) -> dict[str, Any]:
        """The bulk Store method's keyword arguments for one order."""
        raise NotImplementedError

    @classmethod
    def apply(cls, store: Store, targets: list[Target], *, declared: OrderAction, value: Any) -> BulkResult:
        """Apply *value* with the action's bulk Store method, once per set of orders given the same
        arguments, with the versions the screen showed when the method checks them."""
        assert declared.bulk is not None
        method = getattr(store, declared.bulk)
        versioned = "expected_versions" in inspect.signature(method).parameters
        groups: dict[tuple[tuple[str, Any], ...], list[Target]] = {}
        for target in targets:
            groups.setdefault(tuple(sorted(cls.arguments(value, target.id).items())), []).append(target)
        result = BulkResult()
        for arguments, group in groups.items():
            versions = {"expected_versions": {t.id: t.version for t in group}} if versioned else {}
            done = method([t.id for t in group], **dict(arguments), **versions)
            result.succeeded += done.succeeded
            result.refused += done.refused
            result.skipped += done.skipped
        return result
