"""Print: a picking list (A4 or Letter) or 4x6 shipping labels for the tagged set, the tab or all orders.

The PDF is made in a thread worker with its own store connection, then sent to the configured
printer with ``lp`` where the machine has one (else the dialog shows where the file is). Labels
skipped for want of a tracking number are listed. Printing records a history event per order; on a
read-only terminal the PDF is still made and the dialog says the history could not be written.
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, ProgressBar, RadioButton, RadioSet, Static

from ...domain.query import Sort
from ...domain.text import visible
from ...io.export import ExportCancelled, default_file_name
from ..format import orders_count
from ..paths import stylesheet
from .export import Scope, ScopedModal, chosen_key, field_row, scope_picker

if TYPE_CHECKING:
    from ..app import TsshopApp

KINDS = {"picking-list": "Picking list", "labels": "Shipping labels 4x6"}
PAPERS = ("A4", "Letter")


class PrintModal(ScopedModal):
    """Dismisses True when something was printed (history may have changed), else False."""

    CSS_PATH = stylesheet("modals.tcss")
    BINDINGS = [
        Binding("escape", "cancel", "Cancel / close", id="print.cancel"),
        Binding("ctrl+s,f2", "start", "Print", id="print.start"),
    ]

    def __init__(self, scopes: list[Scope], *, sort: Sort, descending: bool, now: datetime) -> None:
        super().__init__()
        self.scopes = {scope.key: scope for scope in scopes}
        self.sort, self.descending, self.now = sort, descending, now
        self.chosen = "tagged" if "tagged" in self.scopes else "tab"
        self.kind = "picking-list"
        self.paper = "A4"
        self.running = False
        self.printed = False
        self._cancel = threading.Event()
        self._auto_name = self._default_name()

    @property
    def tsshop(self) -> TsshopApp:
        return self.app  # type: ignore[return-value]

    def _default_name(self) -> str:
        return default_file_name(self.kind, self.scopes[self.chosen].file_part, self.now, ".pdf")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="print-dialog"):
            yield Label("Print", classes="dialog-title")
            yield field_row(
                "Print",
                RadioSet(
                    *(RadioButton(label, value=key == self.kind, id=f"kind-{key}", compact=True)
                      for key, label in KINDS.items()),
                    id="kind", classes="choices across", compact=True,
                ),
            )
            yield field_row("Orders", scope_picker(list(self.scopes.values()), self.chosen), tall=True)
            yield field_row(
                "Paper",
                RadioSet(
                    *(RadioButton(p, value=p == self.paper, id=f"paper-{p}", compact=True) for p in PAPERS),
                    id="paper", classes="choices across", compact=True,
                ),
            )
            yield field_row("File", Input(self._auto_name, id="path", compact=True))
            yield Static(id="print-count")
            yield ProgressBar(total=None, show_eta=False, id="print-progress")
            yield Static(id="print-status", classes="status")
            with VerticalScroll(id="print-skipped"):
                yield Static(id="print-skipped-list")
            yield Static(Text("enter in File or ctrl+s prints · esc cancels", style="dim"), classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Print", variant="primary", id="start")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#print-progress").display = False
        self.query_one("#print-skipped").display = False
        self.query_one("#kind", RadioSet).focus()
        self._count_missing()

    def _update_count(self) -> None:
        scope = self.scopes[self.chosen]
        text = Text()
        text.append(orders_count(scope.count) if scope.count is not None else "Counting orders…", style="bold")
        if self.kind == "labels":
            text.append(" · one 4x6 label each; orders without a tracking number are skipped", style="dim")
        else:
            text.append(f" · totals per SKU, then each order with its flag and note ({self.paper})", style="dim")
        printer = self.tsshop.settings.printer
        text.append(f"\nPrinter: {visible(printer)}" if printer else "\nNo printer configured: the PDF is saved",
                    style="dim")
        self.query_one("#print-count", Static).update(text)
        self.query_one("#paper", RadioSet).disabled = self.kind == "labels" or self.running

    @on(RadioSet.Changed)
    def _changed(self, event: RadioSet.Changed) -> None:
        radio_id = event.radio_set.id or ""
        key = chosen_key(event.radio_set, radio_id)
        if not key:
            return
        if radio_id == "scope":
            self.chosen = key
        elif radio_id == "kind":
            self.kind = key
        elif radio_id == "paper":
            self.paper = key
        box = self.query_one("#path", Input)
        new = self._default_name()
        if box.value == self._auto_name:
            box.value = new
        self._auto_name = new
        self._update_count()

    def _status(self, text: Text | str, style: str = "") -> None:
        self.query_one("#print-status", Static).update(text if isinstance(text, Text) else Text(text, style=style))

    @on(Input.Submitted, "#path")
    @on(Button.Pressed, "#start")
    def action_start(self) -> None:
        if self.running:
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
        bar = self.query_one("#print-progress", ProgressBar)
        bar.update(total=max(scope.count, 1) if scope.count is not None else None, progress=0)
        bar.display = True
        self.query_one("#print-skipped").display = False
        self._status(f"Making the {KINDS[self.kind].lower()} …")
        self._print(scope, self.kind, self.paper, path)

    def _set_running(self, running: bool) -> None:
        for selector in ("#kind", "#scope", "#path", "#start"):
            self.query_one(selector).disabled = running
        self.query_one("#paper").disabled = running or self.kind == "labels"
        self.query_one("#cancel", Button).label = "Cancel printing" if running else "Cancel"
        if running:
            self.query_one("#cancel", Button).focus()

    @work(thread=True, exclusive=True, group="print", exit_on_error=False)
    def _print(self, scope: Scope, kind: str, paper: str, path: Path) -> None:
        from ...io.printing import labels, picking_list, send_to_printer

        store = self.tsshop.open_store()
        try:
            ids = list(store.export_ids(scope.tab, filters=scope.filters, sort=self.sort, descending=self.descending))
            options: dict[str, Any] = {
                "progress": lambda done: self.app.call_from_thread(self._progress, done),
                "cancelled": self._cancel.is_set,
            }
            if not ids:
                self.app.call_from_thread(self._finished, None, "No orders in this scope: nothing to print.")
                return
            if kind == "picking-list":
                result = picking_list(store, ids, path, pagesize=paper, **options)
                lines = [
                    Text(f"Picking list of {orders_count(result.orders)} ({result.units:,} units of "
                         f"{result.skus:,} SKUs, {result.pages} page{'s' if result.pages != 1 else ''}): "
                         f"{visible(str(result.path))}", style="bold green"),
                ]
                skipped: list[tuple[str, str]] = []
                made = result.path
                history = result.history_error
            else:
                labelled = labels(store, ids, path, **options)
                skipped, made, history = labelled.skipped, labelled.path, labelled.history_error
                if made is None:
                    lines = [Text(f"No label printed: none of the {len(ids)} orders has a usable tracking number.",
                                  style="bold red")]
                else:
                    lines = [Text(f"{len(labelled.printed)} label{'s' if len(labelled.printed) != 1 else ''}: "
                                  f"{visible(str(made))}", style="bold green")]
            if made is not None:
                lines.append(Text(visible(send_to_printer(made, self.tsshop.settings.printer))))
            if history:
                lines.append(Text(visible(history), style="bold yellow"))
            if skipped:
                lines.append(Text(f"{len(skipped)} skipped (no label):", style="bold yellow"))
        except ExportCancelled:
            self.app.call_from_thread(self._finished, None, "Printing cancelled: nothing was written.")
        except Exception as error:  # noqa: BLE001 - shown to the user, who can fix the path and retry
            self.app.call_from_thread(self._finished, None, f"Printing failed: {error}")
        else:
            self.app.call_from_thread(self._done, lines, skipped, made is not None)
        finally:
            store.close()

    def _progress(self, done: int) -> None:
        self.query_one("#print-progress", ProgressBar).update(progress=done)

    def _finished(self, _result: object, problem: str) -> None:
        self.running = False
        self.query_one("#print-progress").display = False
        self._set_running(False)
        self._status(Text(visible(problem), style="bold red"))

    def _done(self, lines: list[Text], skipped: list[tuple[str, str]], printed: bool) -> None:
        self.running = False
        self.printed = self.printed or printed
        self._set_running(False)
        self.query_one("#print-progress").display = False
        self._status(Text("\n").join(lines))
        if skipped:
            listing = Text()
            for order_id, reason in skipped:
                listing.append(f"{order_id}  ", style="bold")
                listing.append(visible(reason) + "\n")
            listing.rstrip()  # in place
            self.query_one("#print-skipped-list", Static).update(listing)
            self.query_one("#print-skipped").display = True
        if printed:
            self.query_one("#print-count").display = False  # room for the result
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
        self.dismiss(self.printed)


DIALOG = PrintModal  # the print action's (domain.catalog.ORDER_ACTIONS)
