"""Shops and sync: each shop's TikTok connection, last successful sync, lag, last error and the
changes waiting for TikTok, as `tsshop shop list` shows them; it follows the database live."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...domain.shops import Shop, TokenState
from ...domain.text import first_words, visible
from ..paths import stylesheet
from ..sync import Health, lag_text, shop_sync

if TYPE_CHECKING:
    from ..app import TsshopApp

# (title, width, right-aligned) of each column; the last error goes on a line of its own under its shop.
COLUMNS = (("Shop", 18, False), ("Region", 6, False), ("Token", 9, False), ("Last sync", 16, False),
           ("Lag", 7, True), ("Waiting", 7, True))
HEALTH_STYLES = {Health.REVOKED: "bold red", Health.EXPIRED: "bold red", Health.FAILING: "bold red",
                 Health.NOT_YET: "yellow", Health.BEHIND: "bold yellow", Health.EXPIRING: "bold yellow",
                 Health.OK: "green"}


def _cells(cells: list[Text]) -> Text:
    """One line of the table: each cell cut or padded to its column's width."""
    line = Text()
    for cell, (_, width, right) in zip(cells, COLUMNS, strict=True):
        cell.truncate(width, overflow="ellipsis")
        cell.align("right" if right else "left", width)
        line.append_text(cell)
        line.append(" ")
    line.rstrip()
    return line


def _dash() -> Text:
    return Text("—", style="dim")


def shop_lines(shop: Shop, waiting: str, now: datetime) -> list[RenderableType]:
    """A shop's row, and under it, indented, what is wrong in words (its state, its last error)."""
    name = Text(first_words(shop.name, COLUMNS[0][1]), style="bold")
    if not shop.remote:
        return [_cells([name, _dash(), Text("local", style="dim"), _dash(), _dash(), _dash()])]
    sync = shop_sync(shop, now)
    style = HEALTH_STYLES[sync.health]
    token = Text(shop.token_state.value, style=style if shop.token_state is not TokenState.OK else "")
    last = Text(shop.last_sync_at.strftime("%Y-%m-%d %H:%M")) if shop.last_sync_at else _dash()
    lag = Text(lag_text(sync.lag), style=style) if sync.lag is not None else _dash()
    lines: list[RenderableType] = [_cells([name, Text(visible(shop.region) or "—"), token, last, lag,
                                           Text(waiting, style="bold yellow" if waiting != "0" else "dim")])]
    if sync.health is not Health.OK:
        state = Text(f"! {sync.words}", style=style)
        if sync.health is Health.EXPIRING:
            state.append(" · tsshop shop add authorises it again", style="dim")
        lines.append(Padding(state, (0, 0, 0, 2)))
    if shop.last_error:
        lines.append(Padding(Text(visible(shop.last_error)), (0, 0, 0, 2)))
    return lines


class ShopsScreen(Screen[None]):
    """Every shop and how its sync with TikTok stands; esc goes back to the orders."""

    CSS_PATH = stylesheet("shops.tcss")
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="shops.back", tooltip="Back to the orders"),
        Binding("j,down", "scroll(1)", "Scroll down", show=False, id="shops.down"),
        Binding("k,up", "scroll(-1)", "Scroll up", show=False, id="shops.up"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._data_version = -1
        self._shops: list[Shop] = []
        self._waiting: dict[str, str] = {}

    @property
    def tsshop(self) -> TsshopApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(id="shops-title")
        with VerticalScroll(id="shops-body"):
            yield Static(id="shops-table")
            yield Static(id="shops-about")
        yield Footer()

    def on_mount(self) -> None:
        self._tick()
        self.query_one("#shops-body").focus()
        self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        """Read the shops again when the database changed; the lags move on every second anyway."""
        store = self.tsshop.store
        version = store.data_version()
        if version != self._data_version:
            self._data_version = version
            self._shops = store.shops()
            self._waiting = {shop.id: str(store.outbox_waiting(shop.id)) for shop in self._shops if shop.remote}
        self._show()

    def _show(self) -> None:
        now = self.tsshop.clock.now()
        remote = [shop for shop in self._shops if shop.remote]
        count = f"{len(remote)} TikTok shop{'s' if len(remote) != 1 else ''}"
        self.query_one("#shops-title", Static).update(Text.assemble((" Shops and sync", "bold"), f" · {count}"))
        table: list[RenderableType] = [_cells([Text(name, style="bold") for name, _, _ in COLUMNS])]
        for shop in self._shops:
            table += shop_lines(shop, self._waiting.get(shop.id, "0"), now)
        self.query_one("#shops-table", Static).update(Group(*table))
        self.query_one("#shops-about", Static).update(self._about(remote))

    def _about(self, remote: list[Shop]) -> Text:
        """Who syncs, and what the list's marks mean."""
        app = self.tsshop
        if not remote:
            return Text.assemble(
                "No TikTok shop is connected: these orders come from imports and the demo. ",
                ("tsshop shop add", "bold"), " connects one.",
            )
        if app.read_only:
            about = Text("This terminal is read-only and does not sync; ")
            about.append("tsshop sync --follow", style="bold")
            about.append(" (or a terminal that may write) keeps the shops in step.")
        elif app.sync_failure:
            about = Text.assemble(("This terminal's sync failed: ", "bold red"), visible(app.sync_failure),
                                  ". It tries again every pass.")
        elif app.syncing:
            about = Text("This terminal syncs with TikTok in the background, as ")
            about.append("tsshop sync --follow", style="bold")
            about.append(" does.")
        else:
            about = Text("This terminal does not sync; ")
            about.append("tsshop sync --follow", style="bold")
            about.append(" keeps the shops in step.")
        about.append("\nWaiting: changes made here that TikTok has not confirmed yet. In the order list ")
        about.append("↑", style="bold yellow")
        about.append(" marks an order waiting for TikTok, ")
        about.append("!", style="bold red")
        about.append(" one TikTok refused (enter shows its message).")
        return about

    def action_scroll(self, step: int) -> None:
        self.query_one("#shops-body", VerticalScroll).scroll_relative(y=step, animate=False)
