"""The screens' side of the order actions declared in domain.catalog.ORDER_ACTIONS: which method of an
OrderActions screen runs each one. The bindings of the list and detail screens, their command palette
entries and the actions a read-only terminal refuses are made here from the declarations."""

from __future__ import annotations

from collections.abc import Iterator

from textual.binding import Binding

from ..domain.catalog import ORDER_ACTIONS, OrderAction

# Declared action id -> the screen's action method (``action_<name>``) that opens its dialog.
METHODS: dict[str, str] = {
    "note": "note",
    "cancel": "cancel_order",
    "ship": "ship",
    "answer": "answer",
    "export": "export",
    "print": "print",
}

# The screens that offer the order actions, by their binding ids' prefix.
SCREENS = ("main", "detail")

CHANGING: frozenset[str] = frozenset(METHODS[action.id] for action in ORDER_ACTIONS if action.writes)


def _offered(screen: str) -> Iterator[OrderAction]:
    return (action for action in ORDER_ACTIONS if screen == "main" or action.detail is not None)


def bindings(screen: str) -> list[Binding]:
    """The bindings of the order actions *screen* ('main' or 'detail') offers, in declaration order:
    the main screen's with their tooltips (its footer shows the declared ones), the detail screen's
    all in its footer under their detail labels."""
    if screen == "main":
        return [
            Binding(a.key, METHODS[a.id], a.label, show=a.shown, id=f"main.{a.id}", tooltip=a.tooltip)
            for a in ORDER_ACTIONS
        ]
    return [Binding(a.key, METHODS[a.id], a.detail or a.label, id=f"{screen}.{a.id}") for a in _offered(screen)]


def palette(read_only: bool) -> list[tuple[str, str, str]]:
    """The command palette's entries of the order actions: (title, help, method), those that read
    first; those that write only when the terminal may."""
    ordered = [a for a in ORDER_ACTIONS if not a.writes] + ([] if read_only else [a for a in ORDER_ACTIONS if a.writes])
    return [(a.palette, f"{a.key} · {a.about}", METHODS[a.id]) for a in ordered]


def binding_ids() -> set[str]:
    """Every keymap id the order actions have, on every screen that offers them."""
    return {f"{screen}.{a.id}" for screen in SCREENS for a in _offered(screen)}
