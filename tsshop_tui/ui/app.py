"""The Textual app: opens the store, applies the user's keymap, offers commands in the palette."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from rich.terminal_theme import TerminalTheme
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.filter import LineFilter
from textual.reactive import Reactive
from textual.screen import Screen

from ..config import Settings
from ..domain.clock import Clock, SystemClock
from ..store import Store
from .keymap import check_keymap
from .paths import stylesheet
from .screens.main import MainScreen
from .terminal import ANSI, AsciiFilter, wants_ascii


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
    ) -> None:
        """``ascii_only``: draw only ASCII; None decides from the locale and TSSHOP_ASCII (ui.terminal)."""
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

    def on_unmount(self) -> None:
        self.store.close()

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
