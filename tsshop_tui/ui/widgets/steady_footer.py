"""A Footer that rebuilds itself only when the keys it shows change."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class SteadyFooter(Footer):
    """Textual's Footer recomposes (a dozen new widgets, styled) on every bindings signal: each focus
    change and each ``refresh_bindings``. On a screen that switches views with a key, most switches
    leave the keys as they were; this footer then keeps its widgets."""

    _shown: tuple[Any, ...] | None = None

    def bindings_changed(self, screen: Screen) -> None:
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            shown = tuple(
                (key, active.binding.action, active.binding.description, active.enabled, active.tooltip)
                for key, active in screen.active_bindings.items()
                if active.binding.show
            )
            if shown == self._shown:
                return
            self._shown = shown
        super().bindings_changed(screen)
