"""'?' help: every key of the screen underneath, as the user's keymap has it."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.actions import parse
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ...domain.catalog import TABS
from ..paths import stylesheet

if TYPE_CHECKING:
    from ..app import TsshopApp

REASONS = (
    ("Overdue", "to ship, past its ship-by time (late dispatch counts against LDR)"),
    ("Auto-cancel", "TikTok cancels it if not shipped by its shipping due time, within 24 h"),
    ("Ship <24h", "to ship, ship-by time within 24 h"),
    ("Cancel req", "the buyer asked to cancel: answer (a) before it approves itself after 24 h"),
    ("Return req", "the buyer asked for a return or refund: answer (a) by the deadline"),
    ("No tracking", "shipped without a tracking number (abnormal package): correct it"),
    ("Bad tracking", "shipped with a tracking number that is not usable (abnormal package)"),
    ("… +1", "that many more reasons apply; enter shows them all with their deadlines"),
)
# Shown only when the database has TikTok shops.
TIKTOK_REASONS = (
    ("↑", "before an order: a change made here waits for TikTok to confirm it (the status line says which)"),
    ("!", "before an order: TikTok refused the last change made here, which was undone; Action needed says "
          "'TikTok refused' and enter shows TikTok's words"),
)


def _bindings(owner: type) -> list[Binding]:
    found: list[Binding] = []
    for binding in getattr(owner, "BINDINGS", []):
        if isinstance(binding, Binding):
            found.append(binding)
    return found


def _tabs(keys: dict[str, str]) -> Text:
    """'Tabs: 1 Action needed · … · All: ] after Returns, or ctrl+p': each tab's key (*keys*, by tab
    id) and where the tabs without one are."""
    keyed = " · ".join(f"{keys[tab.id]} {tab.label}" for tab in TABS if tab.id in keys)
    text = Text("Tabs: ") + Text(keyed, style="dim")
    for before, tab in zip(TABS, TABS[1:], strict=False):
        if tab.id not in keys:
            text.append(f" · {tab.label}: ] after {before.label}, or ctrl+p", style="dim")
    return text


class HelpScreen(ModalScreen[None]):
    """A table of keys: what each does, grouped by where it works."""

    CSS_PATH = stylesheet("modals.tcss")
    BINDINGS: list[BindingType] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close"),
        Binding("j,down", "scroll(1)", "Down", show=False),
        Binding("k,up", "scroll(-1)", "Up", show=False),
    ]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    @property
    def tsshop(self) -> TsshopApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        table = Table(box=None, padding=(0, 1), expand=True, show_header=False)
        table.add_column(style="bold", no_wrap=True, width=12)
        table.add_column(ratio=1)
        owners: list[tuple[str, type]] = [("Screen", type(self.under))]
        from ..widgets.order_list import OrderList

        lists = bool(self.under.query(OrderList))
        if lists:
            owners.append(("List", OrderList))
        owners.append(("Everywhere", type(self.app)))
        for title, owner in owners:
            table.add_row(Text(title, style="bold underline"), "")
            tabs = {b.action[5:-2]: self._keys(b) for b in _bindings(owner) if b.action.startswith("tab(")}
            if tabs:
                keys = list(tabs.values())
                table.add_row(f"{keys[0]} … {keys[-1]}", _tabs(tabs))
            for binding in _bindings(owner):
                if binding.action.startswith("tab("):
                    continue
                _, action, parameters = parse(binding.action)
                if owner is type(self.under) and self.under.check_action(action, parameters) is False:
                    continue
                text = Text(binding.description)
                if binding.tooltip:
                    text.append(f" — {binding.tooltip}", style="dim")
                table.add_row(self._keys(binding), text)
        table.add_row("ctrl+p", "Command palette: tabs, views, saved views, every action")
        if lists:
            table.add_row(Text("Reasons", style="bold underline"), Text("why an order is in Action needed", style="dim"))
            tiktok = any(shop.remote for shop in self.tsshop.store.shops())
            for label, meaning in (*REASONS, *(TIKTOK_REASONS if tiktok else ())):
                table.add_row(label, Text(meaning, style="dim"))
        with VerticalScroll(id="help-body"):
            yield Static(Text("Keys — esc closes", style="bold"), id="help-title")
            yield Static(table)

    def _keys(self, binding: Binding) -> str:
        """The binding's keys as the user's keymap has them, each as Textual displays it (the footer's way)."""
        keys = self.tsshop.settings.keymap.get(binding.id or "", binding.key)
        return " ".join(self.app.get_key_display(replace(binding, key=key.strip())) for key in keys.split(","))

    def action_scroll(self, step: int) -> None:
        self.query_one("#help-body", VerticalScroll).scroll_relative(y=step, animate=False)
