"""16-colour and non-UTF-8 terminals: distinct colours on TERM=xterm/screen, ASCII only with LANG=C.

The 16-colour snapshots go through ``Xterm16``, a line filter that shows each colour as xterm (TERM=xterm,
its default palette) shows it: Rich's nearest-of-16, bold turning the 8 normal colours bright.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.cells import cell_len, get_character_cell_size
from rich.color import Color as RichColor
from rich.color import ColorSystem
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.filter import LineFilter

from tsshop_tui.config import Settings
from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.model import Flag
from tsshop_tui.domain.rules import Urgency
from tsshop_tui.store import Store
from tsshop_tui.ui.app import TsshopApp
from tsshop_tui.ui.format import FLAG_STYLES, URGENCY_STYLES
from tsshop_tui.ui.terminal import ANSI, ascii_char, ascii_text, locale_is_utf8, wants_ascii

from .factories import NOW
from .ui_shop import build_shop

XTERM = [
    (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
    (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255),
    (255, 255, 255),
]
YELLOW_FLAGGED = "577000000000000002"  # To ship, overdue: the first row, under the cursor
ORANGE_FLAGGED = "577000000000000004"


def xterm_number(color: RichColor, *, bold: bool = False) -> int:
    """The colour of 16 a terminal of 16 colours shows for *color*; bold brightens the first 8 (xterm)."""
    number = color.downgrade(ColorSystem.STANDARD).number
    assert number is not None
    return number + 8 if bold and number < 8 else number


def ansi_rgb(name: str) -> RichColor:
    """An ANSI colour name as the app draws it: through its ANSI theme."""
    return RichColor.from_triplet(RichColor.parse(name).get_truecolor(ANSI))


class Xterm16(LineFilter):
    """Every colour as xterm's 16-colour palette shows it (reverse video is left to the renderer)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [segment if segment.style is None else Segment(segment.text, self._style(segment.style), segment.control)
                for segment in segments]

    @staticmethod
    def _style(style: Style) -> Style:
        def shown(color: RichColor | None, bold: bool) -> RichColor | None:
            if color is None or color.is_default:
                return None
            return RichColor.from_rgb(*XTERM[xterm_number(color, bold=bold)])

        return style + Style.from_color(shown(style.color, bool(style.bold)), shown(style.bgcolor, False))


class Xterm16App(TsshopApp):
    """The app as TERM=xterm shows it."""

    def get_line_filters(self):
        return [*super().get_line_filters(), Xterm16()]


def app_on(path: Path, *, ascii_only: bool | None, app_class: type[TsshopApp] = TsshopApp) -> TsshopApp:
    settings = Settings(refresh_seconds=300.0, default_tab="to-ship")
    return app_class(db_path=path, settings=settings, clock=FixedClock(NOW), ascii_only=ascii_only)


@pytest.fixture
def shop_db(tmp_path):
    """The snapshot shop, with all six flags in To ship (it has no yellow, and its orange is not in To ship)."""
    path = build_shop(tmp_path / "shop.db")
    with Store(path, clock=FixedClock(NOW), actor="tester") as store:
        store.add_note(YELLOW_FLAGGED, flag=Flag.YELLOW, text="Check address")
        store.add_note(ORANGE_FLAGGED, flag=Flag.ORANGE, text="Waiting for stock")
    return path


def screen_lines(app: TsshopApp) -> list[str]:
    """What the terminal shows, line by line (the text of the composited screen)."""
    console = Console(width=app.size.width, height=app.size.height, file=io.StringIO(), force_terminal=True,
                      color_system=None, record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False).splitlines()


def contrast(one: tuple[int, int, int], two: tuple[int, int, int]) -> float:
    def luminance(rgb: tuple[int, int, int]) -> float:
        linear = [(c / 255) / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(one), luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# Locale ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "utf8"),
    [
        ({}, False),
        ({"LANG": "C"}, False),
        ({"LANG": "POSIX"}, False),
        ({"LANG": "en_US.UTF-8"}, True),
        ({"LANG": "C.utf8"}, True),
        ({"LANG": "de_DE.UTF-8@euro"}, True),
        ({"LANG": "en_GB"}, False),
        ({"LANG": "en_US.ISO-8859-1"}, False),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "C"}, False),
        ({"LANG": "C", "LC_CTYPE": "en_US.UTF-8"}, True),
        ({"LANG": "en_US.UTF-8", "LC_CTYPE": "C"}, False),
        ({"LANG": "en_US.UTF-8", "LC_ALL": ""}, True),
    ],
)
def test_the_locale_decides_like_setlocale(environ, utf8):
    assert locale_is_utf8(environ) is utf8
    assert wants_ascii(environ) is not utf8


def test_tsshop_ascii_forces_either_way():
    assert wants_ascii({"LANG": "en_US.UTF-8", "TSSHOP_ASCII": "1"}) is True
    assert wants_ascii({"LANG": "C", "TSSHOP_ASCII": "0"}) is False
    assert wants_ascii({"LANG": "C", "TSSHOP_ASCII": "no"}) is False
    assert wants_ascii({"LANG": "en_US.UTF-8", "TSSHOP_ASCII": ""}) is False


# ASCII ----------------------------------------------------------------------------------------


def test_the_screens_characters_become_ascii_of_the_same_width():
    assert ascii_text("Action needed 35 │ To ship 157 ‹ 1/11 ›") == "Action needed 35 | To ship 157 < 1/11 >"
    assert ascii_text("● live · 09:58 ■ green  label r… ✓ ▌ ↑↓") == "* live . 09:58 # green  label r. * | ^v"
    assert ascii_text("╭─┬─╮ ┃ ╰─┴─╯ ═ ║ ▁▄█") == "+-+-+ | +-+-+ - | _-#"
    assert ascii_text("\u00a0") == " "
    assert ascii_text("José Müller £9.99 🔎 東京") == "Jose Muller L9.99 ?? ????"
    assert ascii_text("e\u0301 ❤\ufe0f") == "e ?"


def test_every_character_has_an_ascii_stand_in_of_its_width():
    for code in range(0x80, 0x20000):
        char = chr(code)
        if not char.isprintable():
            continue
        shown = ascii_char(char)
        assert shown.isascii() and shown.isprintable(), f"U+{code:04X} -> {shown!r}"
        assert cell_len(shown) == get_character_cell_size(char), f"U+{code:04X} -> {shown!r}"


async def test_lang_c_draws_only_ascii(shop_db, monkeypatch):
    monkeypatch.setenv("LANG", "C")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_CTYPE", raising=False)
    monkeypatch.delenv("TSSHOP_ASCII", raising=False)
    app = app_on(shop_db, ascii_only=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = screen_lines(app)
        assert "| To ship" in lines[2] and "# yellow" in "\n".join(lines)
        await pilot.press("n")
        await pilot.pause()
        dialog = screen_lines(app)
    for line in lines + dialog:
        assert line.isascii(), line
    assert any("+--" in line for line in dialog)


async def test_a_utf8_locale_keeps_the_unicode(shop_db, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_CTYPE", raising=False)
    monkeypatch.delenv("TSSHOP_ASCII", raising=False)
    app = app_on(shop_db, ascii_only=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "│ To ship" in screen_lines(app)[2]


# 16 colours -----------------------------------------------------------------------------------


def test_the_ansi_theme_keeps_each_of_the_16_colours_itself():
    for number in range(16):
        assert xterm_number(RichColor.from_triplet(ANSI.ansi_colors[number])) == number


def test_the_six_flags_are_six_colours_on_a_16_colour_terminal():
    shown = {flag: xterm_number(ansi_rgb(Style.parse(style).color.name), bold=bool(Style.parse(style).bold))
             for flag, style in FLAG_STYLES.items()}
    assert len(set(shown.values())) == len(Flag), shown
    assert shown[Flag.RED] in (1, 9) and shown[Flag.YELLOW] in (3, 11) and shown[Flag.PURPLE] in (5, 13)


def test_the_urgencies_look_different_on_a_16_colour_terminal():
    def looks(style: str) -> tuple[int | None, bool]:
        parsed = Style.parse(style)
        bold = bool(parsed.bold)
        return (xterm_number(ansi_rgb(parsed.color.name), bold=bold) if parsed.color else None), bold

    shown = {level: looks(style) for level, style in URGENCY_STYLES.items()}
    assert len(set(shown.values())) == len(Urgency), shown


async def test_the_cursor_row_is_readable_in_16_colours(shop_db):
    app = app_on(shop_db, ascii_only=False, app_class=Xterm16App)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        orders = app.screen.query_one("#orders")
        strip = orders.render_line(1)
        for line_filter in app.get_line_filters():
            strip = strip.apply_filter(line_filter, orders.background_colors[1])
        for text, style, _ in strip:
            if not text.strip() or style is None:
                continue
            fg, bg = style.color.triplet, style.bgcolor.triplet
            if style.reverse:
                fg, bg = bg, fg
            assert contrast(fg, bg) >= 4.5, (text, fg, bg)


# Snapshots --------------------------------------------------------------------------------------


def test_main_list_in_16_colours_snapshot(snap_compare, shop_db):
    assert snap_compare(app_on(shop_db, ascii_only=False, app_class=Xterm16App), terminal_size=(80, 24))


def test_main_list_in_ascii_snapshot(snap_compare, shop_db):
    assert snap_compare(app_on(shop_db, ascii_only=True), terminal_size=(80, 24))


def test_note_dialog_in_ascii_snapshot(snap_compare, shop_db):
    assert snap_compare(app_on(shop_db, ascii_only=True), press=["n", *"box it"], terminal_size=(80, 24))


def test_note_dialog_in_16_colours_snapshot(snap_compare, shop_db):
    assert snap_compare(app_on(shop_db, ascii_only=False, app_class=Xterm16App), press=["n"], terminal_size=(80, 24))
