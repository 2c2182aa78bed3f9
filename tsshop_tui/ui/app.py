"""The Textual app: opens the store, applies the user's keymap, offers commands in the palette, and
syncs with TikTok in a worker when the shop has TikTok shops and this terminal may write."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from rich.terminal_theme import TerminalTheme
from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.filter import LineFilter
from textual.reactive import Reactive
from textual.screen import Screen
from textual.worker import Worker

from ..config import Settings
from ..domain.clock import Clock, SystemClock
from ..domain.text import first_words
from ..store import Store
from .keymap import check_keymap
from .paths import stylesheet
from .screens.main import MainScreen
from .terminal import ANSI, AsciiFilter, wants_ascii

SYNC_STOP_SECONDS = 15.0  # how long quitting waits for the sync worker to finish its request


class TsshopApp(App[None]):
    """The tsshop command centre."""

    TITLE = "tsshop"
    CSS_PATH = stylesheet("app.tcss")
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
    ]
    ENABLE_COMMAND_PALETTE = True
    ansi_theme_dark = Reactive[TerminalTheme](ANSI, init=False)

    def __init__(
        self,
        *,
        db_path: Path,
        settings: Settings | None = None,
        clock: Clock | None = None,
        read_only: bool = False,
        ascii_only: bool | None = None,
        sync: bool = True,
        sync_interval: float | None = None,
    ) -> None:
        """``ascii_only``: draw only ASCII; None decides from the locale and TSSHOP_ASCII (ui.terminal).
        ``sync``: run the TikTok sync loop in a worker when there are TikTok shops and the terminal may
        write (False only shows the state the database holds), a pass every ``sync_interval`` seconds
        (None: as `tsshop sync --follow`)."""
        super().__init__()
        self.ascii_only = wants_ascii() if ascii_only is None else ascii_only
        self._ascii_filter = AsciiFilter()
        self.settings = settings or Settings()
        self.clock: Clock = clock or SystemClock()
        self.db_path = Path(db_path)
        self.read_only = read_only or self.settings.read_only
        check_keymap(self.settings.keymap)
        self.store = self.open_store()
        self.set_keymap(self.settings.keymap)
        self.sync_wanted = sync and not self.read_only
        self.sync_interval = sync_interval
        self.sync_failure: str | None = None
        self._sync_worker: Worker[None] | None = None
        self._sync_stop = threading.Event()
        self._sync_done = threading.Event()

    def open_store(self) -> Store:
        """A new connection: one per thread (the UI thread's is ``self.store``)."""
        return Store(
            self.db_path,
            clock=self.clock,
            read_only=self.read_only,
            actor=self.settings.operator,
            create=False,
        )

    def get_line_filters(self) -> Sequence[LineFilter]:
        filters = super().get_line_filters()
        return [*filters, self._ascii_filter] if self.ascii_only else filters

    def on_mount(self) -> None:
        self.push_screen(MainScreen())

    async def on_unmount(self) -> None:
        """Stop the sync worker (it ends its request and closes its connection) before closing ours."""
        self._sync_stop.set()
        if self._sync_worker is not None:
            await asyncio.to_thread(self._sync_done.wait, SYNC_STOP_SECONDS)
        self.store.close()

    @property
    def syncing(self) -> bool:
        """This terminal's sync worker is running (until its thread has ended)."""
        return self._sync_worker is not None and not self._sync_done.is_set()

    def start_sync(self) -> None:
        """Start syncing with TikTok, once: the screens call it when they see a TikTok shop."""
        if self.sync_wanted and self._sync_worker is None:
            self._sync_worker = self._sync()

    @work(thread=True, exclusive=True, group="sync", name="sync", exit_on_error=False)
    def _sync(self) -> None:
        """The loop of `tsshop sync --follow` on a connection of its own, until the app stops; a failure
        it did not expect is shown and the loop starts again after one interval."""
        from ..io.credentials import CredentialStore
        from ..io.tiktok.sync import FOLLOW_INTERVAL, follow

        interval = FOLLOW_INTERVAL if self.sync_interval is None else self.sync_interval
        stop = self._sync_stop
        try:
            while not stop.is_set():
                try:
                    store = self.open_store()
                    try:
                        follow(store, CredentialStore(), self.clock, stop.wait, interval, stop, on_pass=self._sync_passed)
                    finally:
                        store.close()
                except Exception as error:  # noqa: BLE001 - any failure: said on screen, then tried again
                    self._sync_failed(error)
                    stop.wait(interval)
        finally:
            self._sync_done.set()

    def _sync_passed(self, outcomes: object) -> None:
        """A pass ended (each shop's own trouble is on the shop): the sync works again."""
        self.sync_failure = None

    def _sync_failed(self, error: Exception) -> None:
        """From the worker: keep the failure for the header and Shops screen, and say it once."""
        failure = first_words(str(error), 120) or type(error).__name__
        if failure != self.sync_failure and not self._sync_stop.is_set():
            self.sync_failure = failure
            self.call_from_thread(self.notify, failure, title="Sync with TikTok failed", severity="error", timeout=10)

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        palette = getattr(screen, "palette_commands", None)
        if palette is not None:
            yield from palette()
        yield SystemCommand("Help", "Every key of this screen", self.action_help)
        yield from super().get_system_commands(screen)
