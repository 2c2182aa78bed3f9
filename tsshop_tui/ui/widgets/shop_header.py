"""The top line: shop name, TikTok sync state, live state, new-order count and the clock."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ...domain.text import visible
from ..sync import Parts


class ShopHeader(Widget):
    COMPONENT_CLASSES = {
        "shop-header--live", "shop-header--paused", "shop-header--new", "shop-header--ro",
        "shop-header--sync-ok", "shop-header--sync-warn", "shop-header--sync-error",
    }

    shop: reactive[str] = reactive("")
    clock: reactive[str] = reactive("")
    live: reactive[bool] = reactive(True)
    new_orders: reactive[int] = reactive(0)
    read_only: reactive[bool] = reactive(False)
    interval: reactive[float] = reactive(2.0)
    sync: reactive[tuple[Parts, ...]] = reactive(())  # ui.sync.header_forms: the first that fits is shown

    def render(self) -> Text:
        left = Text.assemble((" tsshop", "bold"), " · ", visible(self.shop))
        if self.read_only:
            left.append("  READ-ONLY", style=self.get_component_rich_style("shop-header--ro"))
        right = Text()
        if self.live:
            right.append("● live", style=self.get_component_rich_style("shop-header--live"))
            right.append(f" {self.interval:g}s", style="dim")
        else:
            right.append("❚❚ paused", style=self.get_component_rich_style("shop-header--paused"))
        if self.new_orders:
            right.append(f"  {self.new_orders} new", style=self.get_component_rich_style("shop-header--new"))
        right.append(f"  {self.clock} ")
        width = self.size.width or 80
        if self.sync:
            room = max(width - left.cell_len - right.cell_len - 3, 0)
            forms = [self._sync_text(parts) for parts in self.sync]
            state = next((form for form in forms if form.cell_len <= room), forms[-1])
            state.truncate(room, overflow="ellipsis")
            right = state + Text("  ") + right
        gap = max(width - left.cell_len - right.cell_len, 1)
        return left + Text(" " * gap) + right

    def _sync_text(self, parts: Parts) -> Text:
        text = Text()
        for words, kind in parts:
            text.append(words, style=self.get_component_rich_style(f"shop-header--sync-{kind}") if kind else "")
        return text
