"""What the terminal can show: its 16 ANSI colours, and whether it takes anything beyond ASCII.

Colours: Rich text names ANSI colours ("red", "bright_yellow"); Textual turns them into RGB with an
ANSI theme, and a terminal of 16 colours (TERM=xterm, screen) gets the nearest of its 16 back. ``ANSI``
is that theme: each colour is the nearest-of-16 to its own index, so the six flag colours stay six
colours on every terminal (Textual's default theme draws red and magenta alike, blue as a violet).

Characters: when the locale is not UTF-8 (LANG=C, a Latin-1 locale) the terminal shows UTF-8 as
garbage, so ``AsciiFilter`` turns every character on screen into ASCII of the same width (box
drawing into - | +, … and · into ., emoji into two characters). ``TSSHOP_ASCII=1`` forces it on a
UTF-8 locale, ``TSSHOP_ASCII=0`` turns it off (a UTF-8 terminal reached with LANG=C, say).
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

from rich.cells import get_character_cell_size
from rich.segment import Segment
from rich.terminal_theme import TerminalTheme
from textual.color import Color
from textual.filter import LineFilter

ASCII_ENV = "TSSHOP_ASCII"

ANSI = TerminalTheme(
    (18, 18, 18),
    (224, 224, 224),
    [
        (40, 40, 44),  # black
        (204, 40, 56),  # red
        (68, 172, 80),  # green
        (218, 140, 32),  # yellow: an orange, as the VGA palette's brown (the orange flag)
        (36, 56, 198),  # blue
        (178, 80, 188),  # magenta
        (48, 180, 190),  # cyan
        (190, 190, 190),  # white
    ],
    [
        (108, 108, 108),  # bright black
        (255, 100, 100),  # bright red
        (108, 230, 120),  # bright green
        (250, 220, 88),  # bright yellow
        (108, 150, 255),  # bright blue
        (200, 120, 255),  # bright magenta: a violet (the purple flag)
        (100, 220, 230),  # bright cyan
        (245, 245, 245),  # bright white
    ],
)

_TRUE = {"1", "yes", "true", "on"}
_FALSE = {"0", "no", "false", "off"}


def locale_is_utf8(environ: Mapping[str, str]) -> bool:
    """Whether the character set a C program gets from setlocale(LC_CTYPE, "") is UTF-8:
    the first of LC_ALL, LC_CTYPE, LANG that is set and not empty names it; none, C and POSIX are ASCII."""
    name = next((environ[key] for key in ("LC_ALL", "LC_CTYPE", "LANG") if environ.get(key)), "")
    codeset = name.partition(".")[2].partition("@")[0]
    return codeset.lower().replace("-", "").replace("_", "") == "utf8"


def wants_ascii(environ: Mapping[str, str] | None = None) -> bool:
    """ASCII only: as TSSHOP_ASCII says (1/0, yes/no, true/false, on/off), else when the locale is not UTF-8."""
    env = os.environ if environ is None else environ
    forced = env.get(ASCII_ENV, "").strip().lower()
    if forced in _TRUE:
        return True
    if forced in _FALSE:
        return False
    return not locale_is_utf8(env)


_WIDE = "??"
_NAMED: dict[str, str] = {
    "·": ".", "…": ".", "•": "*", "‧": ".", "—": "-", "–": "-", "‐": "-", "‑": "-", "−": "-",
    "‹": "<", "›": ">", "«": "<", "»": ">", "‘": "'", "’": "'", "‚": ",", "“": '"', "”": '"', "„": '"',
    "←": "<", "→": ">", "↑": "^", "↓": "v", "⇥": ">", "⏎": "/", "↵": "/",
    "■": "#", "□": "#", "▪": "#", "●": "*", "○": "o", "◆": "*", "◇": "o", "★": "*",
    "▲": "^", "△": "^", "▼": "v", "▽": "v", "▶": ">", "◀": "<", "▸": ">", "◂": "<",
    "✓": "*", "✔": "*", "✗": "x", "✘": "x", "✖": "x", "×": "x", "÷": "/",
    "❚": "|", "≤": "<", "≥": ">", "≈": "~", "⊆": "<",
    "£": "L", "€": "E", "¥": "Y", "¢": "c", "°": "o", "±": "+",
    "▁": "_", "▂": "_", "▃": "-", "▄": "-", "▅": "=", "▆": "=", "▇": "=", "█": "#",
    "▀": "-", "▔": "-", "▌": "|", "▐": "|", "▏": "|", "▕": "|", "▎": "|", "▍": "|", "▋": "|", "▊": "|",
    "▉": "#",
    "░": ":", "▒": "%", "▓": "#",
}


def _box(name: str) -> str:
    """A box-drawing character by its Unicode name: lines to - and |, every join to +."""
    if "DIAGONAL" in name:
        return "\\" if "LEFT TO LOWER RIGHT" in name else "/" if "RIGHT TO LOWER LEFT" in name else "X"
    if " AND " in name or "ARC " in name:
        return "+"
    if "HORIZONTAL" in name or name.endswith((" LEFT", " RIGHT")):
        return "-"
    return "|"


@lru_cache(maxsize=4096)
def ascii_char(char: str) -> str:
    """*char* as ASCII of the same width on a terminal (0, 1 or 2 cells)."""
    if char.isascii():
        return char
    width = get_character_cell_size(char)
    if width == 0:
        return ""
    if char in _NAMED:
        return _NAMED[char]
    name = unicodedata.name(char, "")
    if name.startswith("BOX DRAWINGS"):
        return _box(name)
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if base.isascii() and base.isprintable() and len(base) == width:
        return base
    return _WIDE if width == 2 else "?"


@lru_cache(maxsize=4096)
def ascii_text(text: str) -> str:
    """*text* in ASCII, cell for cell."""
    return text if text.isascii() else "".join(map(ascii_char, text))


class AsciiFilter(LineFilter):
    """Every character Textual draws, in ASCII of the same width: for a terminal whose locale is not UTF-8."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            segment if segment.control else Segment(ascii_text(segment.text), segment.style) for segment in segments
        ]
