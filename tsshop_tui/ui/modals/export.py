"""Export: the tagged set, the current tab with its filters and search, or every order; CSV, XLSX or JSON.

The dialog says how many orders the chosen scope holds before anything starts. The export runs in
a thread worker with its own store connection (a SQLite connection belongs to its thread), shows a
progress bar, and can be cancelled: a cancelled or failed export leaves no file behind.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, RadioButton, RadioSet, Static

from ...domain.catalog import TABS_BY_ID
from ...domain.query import Filters, Sort
from ...domain.text import visible
from ...io.export import FORMATS, ExportCancelled, ExportResult, default_file_name, export_orders
from ..format import orders_count
from ..paths import stylesheet

if TYPE_CHECKING:
    from ..app import TsshopApp

FORMAT_HINTS = {
    "csv": "Seller Center layout, a row per SKU line",
    "xlsx": "spreadsheet with real numbers and dates, frozen header",
    "json": "each order whole: lines, notes, requests, history",
}


@dataclass(frozen=True)
class Scope:
    """A set of orders a dialog can act on, and how many there are."""

    key: str  # "tagged", "tab" or "all"
    label: str
    tab: str
    filters: Filters
    count: int | None  # None: not counted yet (the dialog counts it in a worker)
    file_part: str  # in default file names: "tagged", a tab id, "all"

    @property
    def shown(self) -> Text:
        count = orders_count(self.count) if self.count is not None else "counting…"
        return Text.assemble(self.label, (f" — {count}", "dim"))


def scopes_for(tab: str, filters: Filters, tagged: list[str], counts: dict[str, int]) -> list[Scope]:
    """The tagged set (if any), the current tab under its filters and search, and all orders.

    *counts* are the screen's tab counts under *filters* (possibly still being counted: then
    missing). A count not known yet is None, and the dialog counts it in a worker.
    """
    scopes = []
    if tagged:
        scopes.append(Scope("tagged", "Tagged orders", "all", Filters(ids=tuple(tagged)), len(tagged), "tagged"))
    narrowed = [
        word for word, on_ in (("filters", filters.model_copy(update={"search": None}).active),
                               ("search", filters.search is not None)) if on_
    ]
    label = TABS_BY_ID[tab].label + (f", with {' and '.join(narrowed)}" if narrowed else "")
    scopes.append(Scope("tab", label, tab, filters, counts.get(tab), tab))
    if tab != "all" or narrowed:
        scopes.append(Scope("all", "All orders", "all", Filters(), None if filters.active else counts.get("all"), "all"))
    return scopes


def count_scopes(app: TsshopApp, scopes: list[Scope]) -> dict[str, int]:
    """The counts of the scopes not counted yet, on a connection of the calling (worker) thread."""
    store = app.open_store()
    try:
        return {
            scope.key: store.counts(scope.filters if scope.filters.active else None).get(scope.tab, 0)
            for scope in scopes
            if scope.count is None
        }
    finally:
        store.close()


def scopes_of_screen(screen: Any) -> list[Scope]:
    """The scopes of the main screen as it stands: its tab, filters, search, tags and counts."""
    from ..widgets.order_list import OrderList

    tagged = list(screen.query_one(OrderList).tagged)
    return scopes_for(screen.tab, screen.effective_filters, tagged, screen.counts)


def scope_picker(scopes: list[Scope], chosen: str, widget_id: str = "scope") -> RadioSet:
    return RadioSet(
        *(
            RadioButton(
                scope.shown,
                value=scope.key == chosen,
                id=f"{widget_id}-{scope.key}",
                compact=True,
            )
            for scope in scopes
        ),
        id=widget_id,
        classes="choices",
        compact=True,
    )


def field_row(label: str, *widgets: Any, tall: bool = False) -> Horizontal:
    """A labelled row of the dialog (tall: as high as its content, e.g. a list of choices)."""
    return Horizontal(Label(label, classes="field-label"), *widgets, classes="field tall" if tall else "field")


def chosen_key(radio: RadioSet, widget_id: str) -> str:
    pressed = radio.pressed_button
    return (pressed.id or "").removeprefix(f"{widget_id}-") if pressed is not None else ""


class ScopedModal(ModalScreen[Any]):
    """A dialog that offers scopes (tagged / this tab / all) and counts those the screen has not."""

    scopes: dict[str, Scope]

    def _update_count(self) -> None:
        raise NotImplementedError

    def _count_missing(self) -> None:
        """Show the counts known, and count the scopes the screen had not counted yet."""
        self._update_count()
        if any(scope.count is None for scope in self.scopes.values()):
            self._count()

    @work(thread=True, exclusive=True, group="scope-count", exit_on_error=False)
    def _count(self) -> None:
        counted = count_scopes(self.app, list(self.scopes.values()))  # type: ignore[arg-type]
        self.app.call_from_thread(self._counted, counted)

    def _counted(self, counted: dict[str, int]) -> None:
        if not self.is_attached:
            return  # closed meanwhile
        for key, count in counted.items():
            self.scopes[key] = replace(self.scopes[key], count=count)
            self.query_one(f"#scope-{key}", RadioButton).label = self.scopes[key].shown
        self._update_count()


class ExportModal(ScopedModal):
    """Returns the result of a finished export, or None."""

    CSS_PATH = stylesheet("modals.tcss")
    BINDINGS = [
        Binding("escape", "cancel", "Cancel / close", id="export.cancel"),
        Binding("ctrl+s,f2", "start", "Export", id="export.start"),
    ]
    batch: int | None = None  # orders per batch (None: the exporter's default); tests make it small

    def __init__(self, scopes: list[Scope], *, sort: Sort, descending: bool, now: datetime) -> None:
        super().__init__()
        self.scopes = {scope.key: scope for scope in scopes}
        self.sort, self.descending, self.now = sort, descending, now
        self.chosen = "tagged" if "tagged" in self.scopes else "tab"
        self.fmt = "csv"
        self.running = False
        self.result: ExportResult | None = None
        self._cancel = threading.Event()
        self._auto_name = self._default_name()

    @property
    def tsshop(self) -> TsshopApp:
        return self.app  # type: ignore[return-value]

    def _default_name(self) -> str:
        return default_file_name("", self.scopes[self.chosen].file_part, self.now, f".{self.fmt}")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="export-dialog"):
            yield Label("Export orders", classes="dialog-title")
            yield field_row("Orders", scope_picker(list(self.scopes.values()), self.chosen), tall=True)
            yield field_row(
                "Format",
                RadioSet(
                    *(RadioButton(f.upper(), value=f == self.fmt, id=f"format-{f}", compact=True) for f in FORMATS),
                    id="format",
                    classes="choices across",
                    compact=True,
                ),
            )
            yield field_row("File", Input(self._auto_name, id="path", compact=True))
            yield Static(id="export-count")
            yield ProgressBar(total=None, show_eta=False, id="export-progress")
            yield Static(id="export-status", classes="status")
            yield Static(Text("enter in File or ctrl+s exports · esc cancels", style="dim"), classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Export", variant="primary", id="start")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#export-progress").display = False
        self.query_one("#scope", RadioSet).focus()
        self._count_missing()

    def _update_count(self) -> None:
        scope = self.scopes[self.chosen]
        text = Text()
        text.append(orders_count(scope.count) if scope.count is not None else "Counting orders…", style="bold")
        text.append(" will be exported · " if scope.count is not None else " · ")
        text.append(FORMAT_HINTS[self.fmt], style="dim")
        self.query_one("#export-count", Static).update(text)

    @on(RadioSet.Changed, "#scope")
    def _scope_changed(self, event: RadioSet.Changed) -> None:
        self.chosen = chosen_key(event.radio_set, "scope") or self.chosen
        self._rename()
        self._update_count()

    @on(RadioSet.Changed, "#format")
    def _format_changed(self, event: RadioSet.Changed) -> None:
        self.fmt = chosen_key(event.radio_set, "format") or self.fmt
        self._rename()
        self._update_count()

    def _rename(self) -> None:
        """Follow scope and format in the file name, unless the user wrote one of their own."""
        box = self.query_one("#path", Input)
        new = self._default_name()
        if box.value == self._auto_name:
            box.value = new
        elif Path(box.value).suffix.lstrip(".").lower() in FORMATS:
            box.value = str(Path(box.value).with_suffix(f".{self.fmt}"))
        self._auto_name = new

    def _status(self, text: Text | str, style: str = "") -> None:
        self.query_one("#export-status", Static).update(text if isinstance(text, Text) else Text(text, style=style))

    @on(Input.Submitted, "#path")
    @on(Button.Pressed, "#start")
    def action_start(self) -> None:
        if self.running:
            return
        if self.result is not None:
            self.dismiss(self.result)
            return
        raw = self.query_one("#path", Input).value.strip()
        if not raw:
            self._status("Give a file name.", "bold red")
            return
        path = Path(raw).expanduser()
        scope = self.scopes[self.chosen]
        self.running = True
        self._cancel.clear()
        self._set_running(True)
        bar = self.query_one("#export-progress", ProgressBar)
        bar.update(total=max(scope.count, 1) if scope.count is not None else None, progress=0)
        bar.display = True
        self._status(f"Exporting to {path} …")
        self._export(scope, self.fmt, path)

    def _set_running(self, running: bool) -> None:
        for selector in ("#scope", "#format", "#path", "#start"):
            self.query_one(selector).disabled = running
        self.query_one("#cancel", Button).label = "Cancel export" if running else "Cancel"
        if running:
            self.query_one("#cancel", Button).focus()

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _export(self, scope: Scope, fmt: str, path: Path) -> None:
        store = self.tsshop.open_store()
        try:
            ids = store.export_ids(scope.tab, filters=scope.filters, sort=self.sort, descending=self.descending)
            options: dict[str, Any] = {} if self.batch is None else {"batch": self.batch}
            result = export_orders(
                store, ids, path, fmt,
                progress=lambda done: self.app.call_from_thread(self._progress, done),
                cancelled=self._cancel.is_set,
                **options,
            )
        except ExportCancelled:
            self.app.call_from_thread(self._finished, None, "Export cancelled: nothing was written.")
        except Exception as error:  # noqa: BLE001 - shown to the user, who can fix the path and retry
            self.app.call_from_thread(self._finished, None, f"Export failed: {error}")
        else:
            self.app.call_from_thread(self._finished, result, None)
        finally:
            store.close()

    def _progress(self, done: int) -> None:
        self.query_one("#export-progress", ProgressBar).update(progress=done)

    def _finished(self, result: ExportResult | None, problem: str | None) -> None:
        self.running = False
        bar = self.query_one("#export-progress", ProgressBar)
        if result is None:
            bar.display = False
            self._set_running(False)
            self._status(Text(visible(problem or ""), style="bold red"))
            return
        self.result = result
        bar.update(total=max(result.orders, 1), progress=max(result.orders, 1))
        self._status(Text(visible(result.summary()), style="bold green"))
        self.query_one("#export-count").display = False
        self.query_one(".hint", Static).update(Text("esc closes", style="dim"))
        self.query_one("#start", Button).display = False
        cancel = self.query_one("#cancel", Button)
        cancel.label = "Close"
        cancel.focus()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if self.running:
            self._cancel.set()
            self._status("Cancelling …", "bold yellow")
            return
        self.dismiss(self.result)


DIALOG = ExportModal  # the export action's (domain.catalog.ORDER_ACTIONS)
