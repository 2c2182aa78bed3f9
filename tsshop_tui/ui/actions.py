"""The screens' side of the order actions declared in domain.catalog.ORDER_ACTIONS. A changing
action runs its dialog's flow (ui.modals.action) through the screens' ``order`` method, given its
id; a reading one (export, print) is the screen's method of its id. The bindings of the list and
detail screens, their command palette entries and the actions a read-only terminal refuses are
made here from the declarations."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

from textual.binding import Binding

from ..domain.catalog import ORDER_ACTIONS, ORDER_ACTIONS_BY_ID, OrderAction
from .modals.action import ActionDialog

# The screens that offer the order actions, by their binding ids' prefix.
SCREENS = ("main", "detail")


def dialog(action: OrderAction) -> type[ActionDialog]:
    """The dialog class of *action*: the ``DIALOG`` of its module in ui/modals."""
    return importlib.import_module(f"{__package__}.modals.{action.dialog}").DIALOG  # type: ignore[no-any-return]


def call(action: OrderAction) -> tuple[str, tuple[str, ...]]:
    """The screen's method that runs *action*, and its arguments."""
    return ("order", (action.id,)) if action.writes else (action.id, ())


def binding_action(action: OrderAction) -> str:
    """*action* as a binding runs it: "order('ship')", 'export'."""
    method, arguments = call(action)
    return f"{method}({', '.join(map(repr, arguments))})" if arguments else method


def writes(method: str, arguments: tuple[object, ...]) -> bool:
    """Whether a screen's *method* called with *arguments* changes orders (a read-only terminal refuses it)."""
    return method == "order" and bool(arguments) and ORDER_ACTIONS_BY_ID[str(arguments[0])].writes


def _offered(screen: str) -> Iterator[OrderAction]:
    return (action for action in ORDER_ACTIONS if screen == "main" or action.detail is not None)


def bindings(screen: str) -> list[Binding]:
    """The bindings of the order actions *screen* ('main' or 'detail') offers, in declaration order:
    the main screen's with their tooltips (its footer shows the declared ones), the detail screen's
    all in its footer under their detail labels."""
    if screen == "main":
        return [
            Binding(a.key, binding_action(a), a.label, show=a.shown, id=f"main.{a.id}", tooltip=a.tooltip)
            for a in ORDER_ACTIONS
        ]
    return [Binding(a.key, binding_action(a), a.detail or a.label, id=f"{screen}.{a.id}") for a in _offered(screen)]


def palette(read_only: bool) -> list[tuple[str, str, OrderAction]]:
    """The command palette's entries of the order actions: (title, help, action), those that read
    first; those that write only when the terminal may."""
    ordered = [a for a in ORDER_ACTIONS if not a.writes] + ([] if read_only else [a for a in ORDER_ACTIONS if a.writes])
    return [(a.palette, f"{a.key} · {a.about}", a) for a in ordered]


def binding_ids() -> set[str]:
    """Every keymap id the order actions have, on every screen that offers them."""
    return {f"{screen}.{a.id}" for screen in SCREENS for a in _offered(screen)}
