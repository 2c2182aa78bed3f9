"""The top line: shop name, live state, new-order count and the clock."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ...domain.text import visible


class ShopHeader(Widget):
    COMPONENT_CLASSES = {"shop-header--live", "shop-header--paused", "shop-header--new", "shop-header--ro"}

    shop: reactive[str] = reactive("")
    clock: reactive[str] = reactive("")
    live: reactive[bool] = reactive(True)
    new_orders: reactive[int] = reactive(0)
    read_only: reactive[bool] = reactive(False)
    interval: reactive[float] = reactive(2.0)

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
        gap = max(width - left.cell_len - right.cell_len, 1)
        return left + Text(" " * gap) + right
