"""Where the TCSS lives: the top-level styles/ folder, installed as the package tsshop_tui.styles."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

STYLES = Path(str(files("tsshop_tui.styles")))


def stylesheet(name: str) -> Path:
    return STYLES / name
