"""The user's keymap (config `keymap`: binding id -> keys) checked against every binding there is."""

from __future__ import annotations

import difflib
import importlib
import pkgutil

from textual.binding import Binding
from textual.dom import DOMNode

from ..config import ConfigError
from . import actions


def binding_ids() -> set[str]:
    """The id of every binding of the command centre: the order actions of the registry (ui.actions)
    on each screen that offers them, and the bindings of its app, screens, widgets and dialogs and
    of the Textual widgets they use (all of tsshop_tui.ui is imported to find them)."""
    from .. import ui

    for module in pkgutil.walk_packages(ui.__path__, f"{ui.__name__}."):
        importlib.import_module(module.name)
    ids = actions.binding_ids()
    pending: list[type] = [DOMNode]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        ids.update(b.id for b in cls.__dict__.get("BINDINGS", ()) if isinstance(b, Binding) and b.id)
    return ids


def check_keymap(keymap: dict[str, str]) -> None:
    """Refuse ids that match no binding (they would silently change nothing), naming the valid ones."""
    if not keymap:
        return
    valid = binding_ids()
    unknown = sorted(set(keymap) - valid)
    if unknown:
        names = ", ".join(
            repr(name) + "".join(f" (did you mean {near!r}?)" for near in difflib.get_close_matches(name, valid, 1))
            for name in unknown
        )
        raise ConfigError(
            f"keymap: {names} match{'es' if len(unknown) == 1 else ''} no binding; valid ids: {', '.join(sorted(valid))}"
        )
