"""The config file is the user's: tsshop reads it, refuses what it cannot use in one line, and
never writes it (saved views have a file of their own)."""

from __future__ import annotations

import io
import pathlib

import pytest

from tsshop_tui.cli import main
from tsshop_tui.config import ConfigError, SavedView, Settings, config_path, load_settings, saved_views, views_path
from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.query import Filters, Sort
from tsshop_tui.ui.app import TsshopApp
from tsshop_tui.ui.screens.main import MainScreen

from .factories import NOW
from .ui_shop import make_app

USER_CONFIG = """\
# Packing bench 2 — ask Sam before changing anything here.
refresh_seconds = 2.0   # the bench PC is slow
default_tab = "to-ship"

[keymap]
"main.view.toggle" = "V"  # v is next to the scanner trigger
"""


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


async def test_saving_a_view_never_rewrites_the_users_config(shop_db):
    path = config_path()
    path.write_text(USER_CONFIG, encoding="utf-8")
    settings = load_settings()
    app = TsshopApp(db_path=shop_db, settings=settings, clock=FixedClock(NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        await pilot.press("minus")  # a change for this session only
        screen.set_filters(Filters(overdue=True))
        await pilot.press("b")
        await pilot.pause()
        await pilot.press(*"late ones", "enter")
        await pilot.pause()
        assert path.read_text(encoding="utf-8") == USER_CONFIG
        assert views_path().exists()
        commands = {c.title: c for c in pilot.app.get_system_commands(screen)}
        assert "View: late ones" in commands
    views = saved_views(load_settings())
    assert [(v.name, v.tab, v.filters, v.sort) for v in views] == [
        ("late ones", "to-ship", Filters(overdue=True), Sort.SHIP_BY)
    ]
    assert load_settings().refresh_seconds == 2.0


async def test_views_an_older_tsshop_saved_in_config_are_still_offered(shop_db):
    config_path().write_text(
        USER_CONFIG + '\n[[saved_views]]\nname = "old one"\ntab = "completed"\n', encoding="utf-8"
    )
    async with make_app(shop_db, saved_views=load_settings().saved_views).run_test(size=(80, 24)) as pilot:
        screen = pilot.app.screen
        commands = {c.title: c for c in pilot.app.get_system_commands(screen)}
        commands["View: old one"].callback()
        assert screen.tab == "completed"


def test_a_view_saved_again_replaces_the_one_of_that_name():
    from tsshop_tui.config import save_view

    settings = Settings(saved_views=[SavedView(name="a", tab="unpaid")])
    save_view(SavedView(name="a", tab="returns"))
    save_view(SavedView(name="b", tab="all"))
    save_view(SavedView(name="b", tab="cancelled", descending=True))
    assert [(v.name, v.tab, v.descending) for v in saved_views(settings)] == [
        ("a", "returns", False), ("b", "cancelled", True)
    ]


def test_an_unknown_keymap_id_is_refused_at_start_with_the_valid_ids(shop_db):
    config_path().write_text('[keymap]\n"view.toggle" = "V"\n', encoding="utf-8")
    code, _, err = run("--db", str(shop_db))
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("tsshop: ")
    assert "'view.toggle'" in err and "main.view.toggle" in err and "list.tag" in err and "insights.sort" in err
    with pytest.raises(ConfigError):
        make_app(shop_db, keymap={"main.view.toggle": "V", "main.nonsense": "Z"})
    make_app(shop_db, keymap={"main.view.toggle": "V", "insights.sort": "o"})


def test_a_config_that_is_not_utf8_is_one_clear_line(shop_db):
    config_path().write_bytes("operator = 'Zoë'\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_settings()
    code, out, err = run("counts", "--db", str(shop_db))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "not UTF-8" in err and str(config_path()) in err


def test_an_unreadable_config_directory_is_one_clear_line(shop_db, monkeypatch):
    folder = config_path().parent
    denied = PermissionError(13, "Permission denied")

    def guarded(original):
        def call(self, *args, **kwargs):
            if folder in self.parents:
                raise denied
            return original(self, *args, **kwargs)
        return call

    monkeypatch.setattr(pathlib.Path, "stat", guarded(pathlib.Path.stat))
    monkeypatch.setattr(pathlib.Path, "open", guarded(pathlib.Path.open))
    with pytest.raises(ConfigError, match="Permission denied"):
        load_settings()
    code, _, err = run("counts", "--db", str(shop_db))
    assert code == 2 and err.count("\n") == 1 and "cannot read config file" in err


def test_an_invalid_setting_is_one_line_naming_it():
    config_path().write_text('refresh_seconds = 0\ndefault_tab = "nope"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "\n" not in str(caught.value) and "refresh_seconds" in str(caught.value)


def test_a_saved_view_of_an_unknown_tab_is_refused_in_one_line():
    views_path().write_text('[{"name": "x", "tab": "to_ship"}]', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        saved_views(Settings())
    assert "\n" not in str(caught.value) and "'to_ship' is not a tab id" in str(caught.value)
