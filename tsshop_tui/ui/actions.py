"""The screens' side of the order actions declared in domain.catalog.ORDER_ACTIONS: which method of an
OrderActions screen runs each one. The bindings of the list and detail screens, their command palette
entries and the actions a read-only terminal refuses are made here from the declarations."""

from __future__ import annotations

from collections.abc import Iterator

from textual.binding import Binding

from ..domain.catalog import ORDER_ACTIONS, OrderAction

# Declared action id -> the screen's action method (``action_<name>``) that opens its dialog; a
# note-like action (declared with its note's start) is the note method's, given the action's id.
METHODS: dict[str, str] = {
    "cancel": "cancel_order",
    "ship": "ship",
    "answer": "answer",
    "export": "export",
    "print": "print",
}

# The screens that offer the order actions, by their binding ids' prefix.
SCREENS = ("main", "detail")


def call(action: OrderAction) -> tuple[str, tuple[str, ...]]:
    """The screen's method that runs *action*, and its arguments."""
    return ("note", (action.id,)) if action.note is not None else (METHODS[action.id], ())


def binding_action(action: OrderAction) -> str:
    """*action* as a binding runs it: 'ship', "note('hold')"."""
    method, arguments = call(action)
    return f"{method}({', '.join(map(repr, arguments))})" if arguments else method


CHANGING: frozenset[str] = frozenset(call(action)[0] for action in ORDER_ACTIONS if action.writes)


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
