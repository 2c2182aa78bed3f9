"""One line of tabs with live counts; when they do not all fit it scrolls sideways to keep the
active tab in view and says where it is ("‹ 6/11 ›"), so no tab is ever out of sight unannounced."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ...domain.catalog import DEFAULT_TAB, TABS, Tab
from ..format import short_count

SEPARATOR = " │ "
DIM_SEPARATOR = Text.assemble((SEPARATOR, "dim"))  # dim on its own: a styled Text would dim the whole join


class TabStrip(Widget):
    """Tab labels with shortened counts; the title line under it shows the exact figure."""

    COMPONENT_CLASSES = {"tab-strip--active", "tab-strip--count", "tab-strip--urgent"}

    active: reactive[str] = reactive(DEFAULT_TAB)
    counts: reactive[dict[str, int]] = reactive(dict, always_update=True)

    def render(self) -> Text:
        width = self.size.width or 80
        pieces = [self._piece(tab) for tab in TABS]
        active = next(i for i, tab in enumerate(TABS) if tab.id == self.active)
        if sum(p.cell_len for p in pieces) + len(SEPARATOR) * (len(pieces) - 1) <= width:
            return DIM_SEPARATOR.join(pieces)
        where = f" {active + 1}/{len(pieces)} "
        start, end = self._window(pieces, active, width - len(where) - 3)
        position = Text.assemble(
            " ", ("‹", "bold" if start > 0 else "dim"), where, ("›", "bold" if end < len(pieces) else "dim")
        )
        text = DIM_SEPARATOR.join(pieces[start:end])
        text.pad_right(max(width - text.cell_len - position.cell_len, 0))
        return text + position

    def _piece(self, tab: Tab) -> Text:
        count = self.counts.get(tab.id)
        active = tab.id == self.active
        style = self.get_component_rich_style("tab-strip--active") if active else Style()
        piece = Text(tab.short, style=style)
        if count is not None:
            count_style = "tab-strip--count"
            if tab.urgent and count:
                count_style = "tab-strip--urgent"
            piece.append(" ")
            piece.append(short_count(count), style=self.get_component_rich_style(count_style) + style)
        return piece

    @staticmethod
    def _window(pieces: list[Text], active: int, width: int) -> tuple[int, int]:
        """The widest run of tabs around *active* that fits in *width*."""
        start = end = active
        used = pieces[active].cell_len
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
