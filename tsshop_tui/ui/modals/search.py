"""Bulk search: paste up to 100 IDs of any kind, separated by spaces, commas or new lines."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static, TextArea

from ...domain.query import MAX_SEARCH_IDS, SearchTooLong, parse_ids
from ..paths import stylesheet


class IdsArea(TextArea):
    """A text area where enter searches; pasted new lines still separate IDs."""

    class Submitted(Message):
        pass

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.post_message(self.Submitted())
            return
        await super()._on_key(event)


class SearchModal(ModalScreen[list[str] | None]):
    """Returns the parsed IDs, an empty list to clear the search, or None when cancelled."""

    CSS_PATH = stylesheet("modals.tcss")
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="search.cancel"),
        Binding("ctrl+s,f2", "search", "Search", id="search.go"),
        Binding("ctrl+l", "clear", "Clear search", id="search.clear"),
    ]

    def __init__(self, current: list[str]) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="search-dialog", classes="dialog"):
            yield Label("Bulk search", classes="dialog-title")
            yield Static(
                f"Order IDs, tracking numbers, product IDs, SKU IDs or seller SKUs — up to {MAX_SEARCH_IDS},"
                " separated by spaces, commas or new lines. Enter or ctrl+s searches · ctrl+l clears · esc cancels.",
                classes="hint",
            )
            yield IdsArea(" ".join(self.current), id="ids", soft_wrap=True, show_line_numbers=False)
            yield Static(id="search-count", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Search", variant="primary", id="go")
                yield Button("Clear search", id="clear")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        area = self.query_one(IdsArea)
        area.focus()
        area.move_cursor(area.document.end)
        self._count()

    @on(TextArea.Changed)
    def _count(self) -> None:
        try:
            ids = parse_ids(self.query_one(IdsArea).text)
        except SearchTooLong as error:
            self.query_one("#search-count", Static).update(f"[b red]{error}[/]")
            return
        self.query_one("#search-count", Static).update(f"{len(ids)} of {MAX_SEARCH_IDS} IDs")

    @on(IdsArea.Submitted)
    @on(Button.Pressed, "#go")
    def action_search(self) -> None:
        try:
            ids = parse_ids(self.query_one(IdsArea).text)
        except SearchTooLong as error:
            self.notify(str(error), severity="error", title="Too many IDs")
            return
        self.dismiss(ids)

    @on(Button.Pressed, "#clear")
    def action_clear(self) -> None:
        self.dismiss([])

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
