"""Marketplace text is data: helpers that make it safe to show without changing what is stored."""

from __future__ import annotations

import re

_C0 = {code: chr(0x2400 + code) for code in range(0x20)}
_C0[0x7F] = "\u2421"
_SINGLE_LINE = dict(_C0)
_SINGLE_LINE[0x0A] = "\u23ce"
_MULTI_LINE = {code: char for code, char in _C0.items() if code not in (0x0A,)}
_MULTI_LINE[0x09] = "    "
# C1 controls, and the invisible format characters that reorder or hide text on a terminal: bidi
# embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), the LRM/RLM/ALM marks, the
# zero-width space, word joiner and byte-order mark. ZWJ/ZWNJ are left alone (emoji and scripts use them).
_HIDDEN = re.compile("[\u0080-\u009f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str | None, *, multiline: bool = False) -> str:
    """Return *text* with every control character replaced by a visible stand-in.

    ESC becomes '␛', so an escape sequence shows as text and changes nothing on a terminal;
    C1 controls become '\\x9b'-style escapes and bidi or zero-width format characters '\\u202e'-style
    ones, so right-to-left overrides cannot reorder what follows. With ``multiline`` newlines are kept.
    """
    if not text:
        return ""
    shown = text.translate(_MULTI_LINE if multiline else _SINGLE_LINE)
    return _HIDDEN.sub(_escape, shown)


def first_words(text: str | None, width: int) -> str:
    """The start of *text* on one line, cut at *width* characters with an ellipsis."""
    shown = " ".join(visible(text).split())
    if len(shown) <= width:
        return shown
    return shown[: max(width - 1, 0)] + "…"
