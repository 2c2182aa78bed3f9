"""The command line's edges: pipes that close early, standard output as a target, and every number,
date and text argument checked where it comes in (one line, exit 2, nothing changed)."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from tsshop_tui.cli import MAX_DEMO_ORDERS, main
from tsshop_tui.store import Store

NOW = "2026-11-26T12:00:00+00:00"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def binary_out() -> io.TextIOWrapper:
    """An output like a process's stdout: text on top of bytes."""
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)


def run(*argv: str, out: io.TextIOBase | None = None) -> tuple[int, str, str]:
    out = out if out is not None else io.StringIO()
    err = io.StringIO()
    code = main([*argv] if "--now" in argv else [*argv, "--now", NOW], out=out, err=err)
    return code, out.getvalue() if isinstance(out, io.StringIO) else "", err.getvalue()


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("args") / "shop.db"
    assert main(["demo", "--db", str(path), "--orders", "60", "--now", NOW], out=io.StringIO()) == 0
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def an_order(db: Path) -> str:
    with Store(db, read_only=True) as store:
        return store.page("all", limit=1).rows[0].id


# 10.13: pipes, standard output, help -------------------------------------------------------------


@pytest.mark.parametrize("argv", [["counts"], ["search", "577", "1", "2"], ["show", "ORDER"], ["export", "-o", "-"]],
                         ids=lambda a: a[0])
def test_a_reader_that_stops_early_ends_the_command_quietly(db, argv):
    """`tsshop counts | head -3`: the reader is gone before the output is written."""
    argv = [an_order(db) if a == "ORDER" else a for a in argv]
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tsshop_tui.cli", *argv, "--db", str(db), "--now", NOW],
            stdout=write, stderr=subprocess.PIPE, text=True, timeout=60,
        )
    finally:
        os.close(write)
    assert "Error" not in done.stderr and "Traceback" not in done.stderr and "Exception" not in done.stderr
    assert done.returncode == 1  # partial: the rest of the output was not wanted


def test_the_tsshop_command_is_the_quiet_entry_point():
    (script,) = entry_points(group="console_scripts", name="tsshop")
    assert script.value == "tsshop_tui.cli:run"


def test_export_to_standard_output_writes_the_export_there_and_the_summary_to_stderr(db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("export", "--db", str(db), "-o", str(tmp_path / "all.csv"))[0] == 0
    out = binary_out()
    code, _, err = run("export", "--db", str(db), "-o", "-", out=out)
    assert code == 0
    assert out.buffer.getvalue() == (tmp_path / "all.csv").read_bytes()  # BOM and CRLF kept
    assert err == "Exported 60 orders (80 rows) to standard output\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.csv"]  # no file named '-'
    out = binary_out()
    assert run("export", "--db", str(db), "-o", "-", "--format", "xlsx", "--tab", "to-ship", out=out)[0] == 0
    assert out.buffer.getvalue().startswith(b"PK")
    code, text, err = run("export", "--db", str(db), "-o", "-", "--format", "json", "--tab", "to-ship")
    assert code == 0 and text.startswith("[\n{") and err.startswith("Exported 8 orders")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_csv_and_xlsx_are_never_written_onto_a_terminal(db, fmt):
    terminal = Terminal()
    code, _, err = run("export", "--db", str(db), "-o", "-", "--format", fmt, out=terminal)
    assert code == 2 and "terminal escapes" in err and terminal.getvalue() == ""


def test_demo_options_say_what_they_are(capsys):
    assert main(["demo", "--help"]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert f"how many orders: 1 to {MAX_DEMO_ORDERS:,} (default 5000)" in shown
    assert "random seed: the same seed and --now build the same shop (default 1)" in shown


def test_argparse_refusals_are_one_line_on_the_commands_error_stream(db, capsys):
    code, out, err = run("counts", "--db", str(db), "--bogus")
    assert code == 2 and out == ""
    assert err == "tsshop: unrecognized arguments: --bogus (see 'tsshop --help')\n"
    assert capsys.readouterr() == ("", "")


# 11.7: unusual arguments --------------------------------------------------------------------------

BAD = "not-\udcffutf8"  # what Python makes of the bytes b"not-\xffutf8" in argv


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["search", "577", "--limit", "0"], "argument --limit: 0 is out of range: give 1 to 100,000"),
        (["search", "577", "--limit", "-1"], "argument --limit: -1 is out of range: give 1 to 100,000"),
        (["export", "--created-to", "9999-12-31", "-o", "x.csv"],
         "argument --created-to: 9999-12-31 is out of range: give 1970-01-01 to 2999-12-31"),
        (["export", "--created-from", "0001-01-01", "-o", "x.csv"], "0001-01-01 is out of range"),
        (["print", "labels", "--created-to", "9999-12-31"], "9999-12-31 is out of range"),
        (["demo", "--orders", "10000000", "--force"], "argument --orders: 10,000,000 is out of range: give 1 to 2,000,000"),
        (["demo", "--orders", "0", "--force"], "argument --orders: 0 is out of range"),
        (["simulate", "--rate", "inf"], "argument --rate: 'inf' is not a finite number"),
        (["simulate", "--rate", "nan"], "argument --rate: 'nan' is not a finite number"),
        (["simulate", "--rate", "1e400"], "argument --rate: '1e400' is not a finite number"),
        (["simulate", "--rate", "1e-300", "--count", "5"], "argument --rate: '1e-300' is out of range: give 0.001 to 1,000"),
        (["simulate", "--seconds", "nan"], "argument --seconds: 'nan' is not a finite number"),
        (["simulate", "--seconds", "-1"], "argument --seconds: '-1' is out of range: give 0 to 86,400"),
        (["simulate", "--seconds", "0", "--count", "-1"], "argument --count: -1 is out of range"),
        (["metrics", "--days", "0"], "argument --days: 0 is out of range: give 1 to 366"),
        (["metrics", "--days", "367"], "argument --days: 367 is out of range: give 1 to 366"),
        (["metrics", "--days", "9" * 5000], "argument --days: not a whole number"),
        (["export", "--at-risk-hours", "99999999999999999999", "-o", "x.csv"], "--at-risk-hours"),
        (["counts", "--now", "9999-12-31T23:00:00"], "argument --now: '9999-12-31T23:00:00' is out of range"),
        (["note", "577", "--text", BAD], r"argument --text: not UTF-8 text: 'not-\xffutf8'"),
        (["note", BAD, "--text", "x"], "argument ID: not UTF-8 text"),
        (["search", BAD], "argument ID: not UTF-8 text"),
        (["show", BAD], "argument id: not UTF-8 text"),
        (["export", "--creator", BAD, "-o", "x.csv"], "argument --creator: not UTF-8 text"),
        (["request", "reject", "577", "--type", "return", "--reason", BAD], "argument --reason: not UTF-8 text"),
        (["ship", "577", "--tracking", BAD, "--carrier", "UPS"], "argument --tracking: not UTF-8 text"),
    ],
)
def test_unusual_arguments_are_refused_with_the_reason(db, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    before = digest(db)
    code, out, err = run(*argv, "--db", str(db))
    assert code == 2 and out == ""
    assert err.startswith("tsshop: ") and message in err and len(err.splitlines()) == 1
    assert "Traceback" not in err
    assert digest(db) == before
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv", [["note", "-", "--text", "x"], ["search", "-"], ["export", "--ids", "-", "-o", "x.csv"]],
                         ids=lambda a: a[0])
@pytest.mark.parametrize("decoding", ["strict", "surrogateescape"])
def test_ids_on_stdin_that_are_not_utf8_are_refused(db, tmp_path, monkeypatch, argv, decoding):
    monkeypatch.chdir(tmp_path)
    stdin = io.TextIOWrapper(io.BytesIO(an_order(db).encode() + b"\n577\xff\n"), encoding="utf-8", errors=decoding)
    monkeypatch.setattr("sys.stdin", stdin)
    before = digest(db)
    code, out, err = run(*argv, "--db", str(db))
    assert (code, out) == (2, "")
    assert err == "tsshop: standard input is not UTF-8 text (nothing was changed)\n"
    assert digest(db) == before and list(tmp_path.iterdir()) == []


def test_a_huge_demo_is_refused_before_anything_is_built(tmp_path):
    code, _, err = run("demo", "--db", str(tmp_path / "big.db"), "--orders", str(MAX_DEMO_ORDERS + 1))
    assert code == 2 and "out of range" in err
    assert list(tmp_path.iterdir()) == []


def test_the_edges_of_every_range_are_accepted(db, tmp_path):
    order = an_order(db)
    assert run("search", order, "--limit", "1", "--db", str(db))[0] == 0
    assert run("search", order, "--limit", "100000", "--db", str(db))[0] == 0
    assert run("metrics", "--days", "366", "--db", str(db))[0] == 0
    code, _, err = run("export", "--created-from", "1970-01-01", "--created-to", "2999-12-31", "--db", str(db),
                       "-o", str(tmp_path / "x.csv"))
    assert (code, err) == (0, "")
    assert run("counts", "--db", str(db), "--now", "2999-12-31T23:59:59")[0] == 0


# 11.9: a directory given to import ----------------------------------------------------------------


def test_importing_a_directory_says_it_is_a_directory(tmp_path):
    code, _, err = run("import", "--db", str(tmp_path / "shop.db"), str(tmp_path))
    assert code == 2
    assert err.startswith(f"tsshop: argument FILE: {tmp_path} is a directory: give the export files in it")
    code, _, err = run("import", "--db", str(tmp_path / "shop.db"), str(tmp_path / "nope.csv"))
    assert code == 2 and f"{tmp_path / 'nope.csv'}: no such file" in err
    assert list(tmp_path.iterdir()) == []
