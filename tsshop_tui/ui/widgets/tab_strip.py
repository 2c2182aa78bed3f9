"""One line of tabs with live counts; scrolls sideways to keep the active tab in view."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ...domain.catalog import TABS
from ..format import short_count

SEPARATOR = " │ "


class TabStrip(Widget):
    """Tab labels with shortened counts; the title line under it shows the exact figure."""

    COMPONENT_CLASSES = {"tab-strip--active", "tab-strip--count", "tab-strip--urgent"}

    active: reactive[str] = reactive("to-ship")
    counts: reactive[dict[str, int]] = reactive(dict, always_update=True)

    def render(self) -> Text:
        width = self.size.width or 80
        pieces = [self._piece(tab.id, tab.short if tab.id != "action-needed" else "Action needed") for tab in TABS]
        active = next(i for i, tab in enumerate(TABS) if tab.id == self.active)
        start, end = self._window(pieces, active, width)
        text = Text.assemble(("‹ " if start > 0 else "", "dim"))
        for i in range(start, end):
            if i > start:
                text.append(SEPARATOR, style="dim")
            text.append_text(pieces[i])
        if end < len(pieces):
            text.append(" ›", style="dim")
        return text

    def _piece(self, tab_id: str, label: str) -> Text:
        count = self.counts.get(tab_id)
        active = tab_id == self.active
        style = self.get_component_rich_style("tab-strip--active") if active else Style()
        piece = Text(label, style=style)
        if count is not None:
            count_style = "tab-strip--count"
            if tab_id == "action-needed" and count:
                count_style = "tab-strip--urgent"
            piece.append(" ")
            piece.append(short_count(count), style=self.get_component_rich_style(count_style) + style)
        return piece

    @staticmethod
    def _window(pieces: list[Text], active: int, width: int) -> tuple[int, int]:
        """The widest run of tabs around *active* that fits in *width* (with room for ‹ ›)."""
        start = end = active
        used = pieces[active].cell_len + 4
        grew = True
        while grew:
            grew = False
            if end + 1 < len(pieces) and used + len(SEPARATOR) + pieces[end + 1].cell_len <= width:
                end += 1
                used += len(SEPARATOR) + pieces[end].cell_len
                grew = True
            if start > 0 and used + len(SEPARATOR) + pieces[start - 1].cell_len <= width:
                start -= 1
                used += len(SEPARATOR) + pieces[start].cell_len
                grew = True
        return start, end + 1
