"""The command line starts fast: a command imports what it runs, and its parser says the same as the whole one."""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys

import pytest

from tsshop_tui.cli import BASIC_COMMANDS, _named_command, build_parser

from .factories import NOW

# Runs the tsshop command in a fresh interpreter, then lists on stderr every module it imported.
RUN_AND_LIST = (
    "import sys\n"
    "from tsshop_tui.cli import run\n"
    "try:\n"
    "    run()\n"
    "finally:\n"
    "    print('\\n'.join(sorted(sys.modules)), file=sys.stderr)\n"
)
# Neither counts nor show needs the UI, the export and print writers, the network or the sync commands.
NEVER = ("textual", "openpyxl", "reportlab", "xlsxwriter", "httpx", "tsshop_tui.ui", "tsshop_tui.io",
         "tsshop_tui.fake_tiktok", "tsshop_tui.cli_sync", "tsshop_tui.cli_outbox")


def imported_by(*argv: str) -> tuple[str, list[str]]:
    """What `tsshop ARGV` printed, and the modules it imported."""
    done = subprocess.run([sys.executable, "-c", RUN_AND_LIST, *argv], capture_output=True, text=True, check=True)
    return done.stdout, done.stderr.splitlines()


def of(modules: list[str], names: tuple[str, ...]) -> list[str]:
    """The *modules* that are one of *names* or inside one."""
    return [m for m in modules if m in names or m.startswith(tuple(f"{name}." for name in names))]


def test_counts_imports_neither_ui_nor_writers_nor_network_nor_sqlite_utils(shop_db):
    out, modules = imported_by("counts", "--db", str(shop_db), "--now", NOW.isoformat())
    assert "All" in out
    assert of(modules, (*NEVER, "sqlite_utils")) == []


def test_show_imports_neither_ui_nor_writers_nor_network(shop_db):
    with sqlite3.connect(shop_db) as conn:
        order_id = conn.execute("SELECT id FROM orders LIMIT 1").fetchone()[0]
    out, modules = imported_by("show", order_id, "--db", str(shop_db), "--now", NOW.isoformat())
    assert out.startswith(f"Order {order_id}")
    assert of(modules, NEVER) == []


@pytest.mark.parametrize("command", sorted(BASIC_COMMANDS))
def test_a_basic_commands_parser_helps_as_the_whole_parsers_does(command, capsys):
    helps = []
    for parser in (build_parser(), build_parser(command)):
        with pytest.raises(SystemExit):
            parser.parse_args([command, "--help"])
        helps.append(capsys.readouterr().out)
    assert helps[0] == helps[1] and command in helps[0]


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["counts", "--json"], "counts"),
        (["--db", "x.db", "--now", "2026-01-01", "--read-only", "show", "1"], "show"),
        (["--db=x.db", "search", "1"], "search"),
        (["--help", "counts"], None),  # the whole parser's help
        (["--d", "x.db", "counts"], None),  # an abbreviated option: left to the whole parser
        (["--db"], None),
        ([], None),
    ],
)
def test_the_command_is_told_only_when_plain(argv, command):
    assert _named_command(argv) == command


def test_a_command_outside_the_basic_ones_gets_the_whole_parser():
    sub = next(a for a in build_parser("export")._actions if isinstance(a, argparse._SubParsersAction))
    assert "export" in sub.choices and "fake-tiktok" in sub.choices
