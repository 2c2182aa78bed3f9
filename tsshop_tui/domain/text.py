"""Marketplace text is data: helpers that make it safe to show without changing what is stored."""

from __future__ import annotations

import re

_C0 = {code: chr(0x2400 + code) for code in range(0x20)}
_C0[0x7F] = "\u2421"
_SINGLE_LINE = dict(_C0)
_SINGLE_LINE[0x0A] = "\u23ce"
_MULTI_LINE = {code: char for code, char in _C0.items() if code not in (0x0A,)}
_MULTI_LINE[0x09] = "    "
_C1 = re.compile("[\u0080-\u009f]")


def visible(text: str | None, *, multiline: bool = False) -> str:
    """Return *text* with every control character replaced by a visible stand-in.

    ESC becomes '␛', so an escape sequence shows as text and changes nothing on a terminal;
    C1 controls become '\\x9b'-style escapes. With ``multiline`` newlines are kept.
    """
    if not text:
        return ""
    shown = text.translate(_MULTI_LINE if multiline else _SINGLE_LINE)
    return _C1.sub(lambda match: f"\\x{ord(match.group()):02x}", shown)


def first_words(text: str | None, width: int) -> str:
    """The start of *text* on one line, cut at *width* characters with an ellipsis."""
    shown = " ".join(visible(text).split())
    if len(shown) <= width:
        return shown
    return shown[: max(width - 1, 0)] + "…"
