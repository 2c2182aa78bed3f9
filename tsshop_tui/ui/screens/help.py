"""'?' help: every key of the screen underneath, as the user's keymap has it."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ...domain.catalog import TABS
from ..paths import stylesheet
from .main import MainScreen

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


def _bindings(owner: type) -> list[Binding]:
    found: list[Binding] = []
    for binding in getattr(owner, "BINDINGS", []):
        if isinstance(binding, Binding):
            found.append(binding)
    return found


def _keys(binding: Binding, keymap: dict[str, str]) -> str:
    keys = keymap.get(binding.id or "", binding.key)
    names = {
        "slash": "/", "question_mark": "?", "left_square_bracket": "[", "right_square_bracket": "]",
        "plus": "+", "minus": "-", "space": "space", "escape": "esc",
    }
    return " ".join(names.get(k, k) for k in keys.split(","))


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

    def compose(self) -> ComposeResult:
        keymap = dict(getattr(self.app, "_keymap", {}) or {})
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
            numbered = [b for b in _bindings(owner) if b.key.isdigit()]
            if numbered:
                tabs = Text("Tabs: ") + Text(" · ".join(f"{b.key} {b.description}" for b in numbered), style="dim")
                if owner is MainScreen:
                    tabs.append(f" · {TABS[-1].label}: ] after {TABS[len(numbered) - 1].label}, or ctrl+p", style="dim")
                table.add_row(f"{numbered[0].key} … {numbered[-1].key}", tabs)
            for binding in _bindings(owner):
                if binding in numbered:
                    continue
                action = binding.action.split("(")[0]
                if owner is type(self.under) and self.under.check_action(action, ()) is False:
                    continue
                text = Text(binding.description)
                if binding.tooltip:
                    text.append(f" — {binding.tooltip}", style="dim")
                table.add_row(_keys(binding, keymap), text)
        table.add_row("ctrl+p", "Command palette: tabs, views, saved views, every action")
        if lists:
            table.add_row(Text("Reasons", style="bold underline"), Text("why an order is in Action needed", style="dim"))
            for label, meaning in REASONS:
                table.add_row(label, Text(meaning, style="dim"))
        with VerticalScroll(id="help-body"):
            yield Static(Text("Keys — esc closes", style="bold"), id="help-title")
            yield Static(table)

    def action_scroll(self, step: int) -> None:
        self.query_one("#help-body", VerticalScroll).scroll_relative(y=step, animate=False)
