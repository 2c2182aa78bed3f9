"""Shared fixtures: a fixed clock, a config folder of our own, hand-made orders and stores."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.store import Store

from .factories import NOW
from .ui_shop import build_shop


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path_factory, monkeypatch):
    """Every config and database lookup points at a temporary folder, never the user's."""
    home = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("TSSHOP_CONFIG", str(home / "config.toml"))
    monkeypatch.delenv("TSSHOP_DB", raising=False)
    monkeypatch.setenv("USER", "tester")
    monkeypatch.setenv("LOGNAME", "tester")
    # Screens draw Unicode whatever the developer's or CI's locale; ASCII tests set it themselves.
    monkeypatch.setenv("TSSHOP_ASCII", "0")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def store(tmp_path, clock) -> Store:
    with Store(tmp_path / "shop.db", clock=clock, actor="tester") as opened:
        yield opened


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def shop_db(tmp_path):
    """The small fixed shop of tests/ui_shop.py (every tab, every reason, markup in text)."""
    return build_shop(tmp_path / "shop.db")
