"""Property-based: every subcommand with generated arguments, every importer with generated and
mutated files, against good and bad databases and configs.

Whatever comes in: no traceback (``main`` returns), exit code 0, 1 or 2, and on exit 2 the
database's bytes are unchanged (a reading command, or a read-only terminal, never changes them at
all). Each example runs in a folder of its own, on its own copy of one small demo shop, at a fixed
``--now``, with the simulator's sleep taken out (time is injected).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from contextlib import chdir, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tsshop_tui.cli import main
from tsshop_tui.domain.catalog import CANCEL_REASONS, CARRIERS, TAB_IDS
from tsshop_tui.domain.model import ContentType, Flag, OrderType
from tsshop_tui.io import simulate as simulate_module
from tsshop_tui.store import Store

from .seller_center_fixtures import standard_export

NOW = "2026-11-26T12:00:00+00:00"
SAMPLE = Path(__file__).parent.parent / "sample_data" / "seller_center_orders.csv"


def examples(n: int) -> settings:
    """*n* generated cases, the same ones on every run (CI stays stable), no time limit per case."""
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large],
    )


# The shop every example copies ----------------------------------------------------------------


class Shop:
    """The demo shop every example copies, what it holds, and the import files to mutate."""

    def __init__(self, db: Path, order_ids: list[str], other_ids: list[str], words: list[str],
                 files: dict[str, bytes]) -> None:
        self.db = db
        self.order_ids = order_ids
        self.other_ids = other_ids  # tracking numbers, SKU IDs, seller SKUs, product IDs
        self.words = words  # creators, campaigns
        self.files = files  # seed import files by name

    def __repr__(self) -> str:  # short in a falsifying example
        return f"Shop({self.db.name})"


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Shop:
    return build_shop(tmp_path_factory.mktemp("properties"))


def build_shop(folder: Path) -> Shop:
    db = folder / "shop.db"
    assert main(["demo", "--db", str(db), "--orders", "40", "--seed", "3", "--now", NOW], out=io.StringIO()) == 0
    with Store(db, read_only=True) as store:
        orders = store.get_many(row.id for row in store.page("all", limit=100).rows)
    other = {o.tracking_number for o in orders if o.tracking_number}
    other |= {v for o in orders for line in o.line_items for v in (line.sku_id, line.seller_sku, line.product_id)}
    words = {w for o in orders for w in (o.creator_username, o.campaign) if w}
    builder, _ = standard_export()
    files = {
        "standard.csv": builder.write_csv(folder / "standard.csv").read_bytes(),
        "standard.xlsx": builder.write_xlsx(folder / "standard.xlsx").read_bytes(),
        "sample.csv": b"".join(SAMPLE.read_bytes().splitlines(keepends=True)[:25]),
    }
    return Shop(db, [o.id for o in orders], sorted(filter(None, other)), sorted(words), files)


# Values ---------------------------------------------------------------------------------------

# What argv can hold: any text without NUL, and bytes that are not UTF-8 (surrogate-escaped).
TEXT = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=24)
RAW = st.binary(min_size=1, max_size=12).filter(lambda b: b"\x00" not in b).map(os.fsdecode)
ODD = st.sampled_from([
    "", " ", "-", "--", "0", "-1", "nan", "inf", "1e400", "9" * 40, "[red]x[/red]", "\x1b[31mred", "\u202ex",
    "a,b;c", "577\n578", "'=1+1", "NONE", "none", "../x", "/", ".", "--help", "-h",
])
JUNK = st.one_of(TEXT, RAW, ODD)
NUMBER = st.one_of(
    st.integers(-10**6, 10**6).map(str),
    st.sampled_from(["0", "1", "2", "5", "-1", "0.5", "1e-300", "1e400", "nan", "-inf", " 3 ", "1_0", "\u0663",
                     "0x10", "9" * 5000]),
    JUNK,
)
DATE = st.one_of(
    st.dates().map(str),
    st.sampled_from(["9999-12-31", "0001-01-01", "1970-01-01", "2999-12-31", "2026-02-30", "2026-11-26T12:00"]),
    JUNK,
)


def choice(values: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(values), st.sampled_from(values).map(str.upper), JUNK)


@dataclass(frozen=True)
class Case:
    argv: list[str]
    target: str  # which --db: shop, missing, directory, not-sqlite, empty, truncated, corrupt, foreign
    read_only: str  # "", "flag" (--read-only), "config" (read_only = true)
    config: bytes
    stdin: bytes


SHOP_TARGETS = ["shop"] * 9 + ["missing"]
BAD_TARGETS = ["directory", "not-sqlite", "empty", "truncated", "corrupt", "foreign"]
REFUSED_TARGETS = {"directory", "not-sqlite", "foreign"}  # by every command but demo --force
CONFIGS = [b"", b"", b"", b'operator = "[b]ops[/b]\\u001b"\n', b"\xff\xfe not utf-8", b"read_only = [", b"refresh = 1\n"]


@st.composite
def cases(draw: st.DrawFn, command: st.SearchStrategy[list[str]], shop: Shop, targets: list[str]) -> Case:
    return Case(
        argv=draw(command),
        target=draw(st.sampled_from(targets)),
        read_only=draw(st.sampled_from(["", "", "", "flag", "config"])),
        config=draw(st.sampled_from(CONFIGS)),
        stdin=draw(st.one_of(
            st.lists(st.sampled_from(shop.order_ids), max_size=4).map(lambda ids: "\n".join(ids).encode()),
            st.binary(max_size=30),
        )),
    )


@st.composite
def options(draw: st.DrawFn, table: dict[str, st.SearchStrategy[str] | None]) -> list[str]:
    """Some of the options of *table* (None: a flag without a value), in any order, sometimes twice."""
    names = draw(st.lists(st.sampled_from(sorted(table)), max_size=len(table) + 1)) if table else []
    argv: list[str] = []
    for name in names:
        value = table[name]
        argv += [name] if value is None else [name, draw(value)]
    if draw(st.integers(0, 9)) == 0:
        argv.append(draw(JUNK))
    return argv


def ids(shop: Shop, *, most: int = 4) -> st.SearchStrategy[list[str]]:
    one = st.one_of(st.sampled_from(shop.order_ids), st.sampled_from(shop.other_ids), JUNK)
    return st.lists(one, min_size=1, max_size=most)


def scope_options(shop: Shop) -> dict[str, st.SearchStrategy[str] | None]:
    return {
        "--tab": choice(list(TAB_IDS)),
        "--ids": st.one_of(st.sampled_from(shop.order_ids), st.just("-"), JUNK),
        "--search": st.one_of(st.sampled_from(shop.other_ids), JUNK),
        "--overdue": None,
        "--at-risk-hours": NUMBER,
        "--flag": choice([f.value for f in Flag]),
        "--has-note": None,
        "--no-note": None,
        "--creator": st.one_of(st.sampled_from(shop.words), JUNK),
        "--campaign": st.one_of(st.sampled_from(shop.words), JUNK),
        "--content-type": choice([c.value.lower() for c in ContentType]),
        "--product": st.one_of(st.sampled_from(shop.other_ids), JUNK),
        "--created-from": DATE,
        "--created-to": DATE,
        "--order-type": choice([t.value.lower() for t in OrderType]),
        "--sample": None,
        "--no-samples": None,
    }


def commands(shop: Shop) -> dict[str, st.SearchStrategy[list[str]]]:
    """Every subcommand with generated positionals and options."""
    def command(name: str, table: dict, *positionals: st.SearchStrategy[list[str]]) -> st.SearchStrategy[list[str]]:
        parts = [st.just([name]), *positionals, options(table)]
        return st.tuples(*parts).map(lambda chunks: [a for chunk in chunks for a in chunk])

    one = partial(st.lists, min_size=1, max_size=1)
    reason_codes = [r.code for r in CANCEL_REASONS]
    output = st.sampled_from(["x.csv", "x.xlsx", "x.json", "-", "x.txt", ".", "no/such/x.csv", "x.pdf"])
    tracking = st.one_of(st.sampled_from(["1Z999AA10123456784", "1Z999AA10123456785", "TT5555555555"]),
                         st.sampled_from(shop.other_ids), JUNK)
    return {
        "counts": command("counts", {"--json": None}),
        "search": command("search", {"--json": None, "--limit": NUMBER}, ids(shop)),
        "show": command("show", {"--json": None}, one(st.one_of(st.sampled_from(shop.order_ids), JUNK))),
        "metrics": command("metrics", {"--json": None, "--days": NUMBER}),
        "export": command("export", {**scope_options(shop), "--format": choice(["csv", "xlsx", "json"]),
                                     "-o": st.one_of(output, JUNK)}),
        "print": command(
            "print",
            {**scope_options(shop), "--page-size": choice(["A4", "Letter"]), "--send": None, "--read-only": None,
             "-o": st.one_of(st.sampled_from(["x.pdf", "-", ".", "no/such/x.pdf"]), JUNK)},
            one(choice(["picking-list", "labels"])),
        ),
        "note": command("note", {"--flag": choice([*(f.value for f in Flag), "none"]), "--text": JUNK,
                                 "--read-only": None, "--job": JUNK}, ids(shop)),
        "cancel": command("cancel", {"--reason": choice(reason_codes), "--read-only": None, "--job": JUNK}, ids(shop)),
        "ship": command("ship", {"--tracking": tracking, "--carrier": choice(list(CARRIERS)), "--read-only": None,
                                 "--job": JUNK},
                        st.lists(st.one_of(st.tuples(st.sampled_from(shop.order_ids), tracking).map("=".join),
                                           st.sampled_from(shop.order_ids), JUNK), min_size=1, max_size=4)),
        "request": command("request", {"--type": choice(["cancellation", "return"]), "--reason": JUNK,
                                       "--read-only": None, "--job": JUNK},
                           one(choice(["approve", "reject"])), ids(shop)),
        "simulate": command(
            "simulate",
            {"--rate": st.one_of(st.sampled_from(["0", "0.001", "1", "5", "1000", "1001", "-5", "nan", "inf"]), JUNK),
             "--count": st.one_of(st.integers(0, 15).map(str), st.sampled_from(["-1", "10000001", "x", "1e3"])),
             "--seed": NUMBER, "--read-only": None},
            # --seconds always given: a valid run is at most a few hundred events
            st.tuples(st.just("--seconds"), st.sampled_from(["0", "0.01", "0.2", "nan", "inf", "-1", "86401", "x"]))
            .map(list),
        ),
        "demo": command(
            "demo",
            {"--orders": st.one_of(st.integers(1, 20).map(str),
                                   st.sampled_from(["0", "-3", "2000001", "10000000", "x", "1e3", "nan"])),
             "--seed": NUMBER, "--force": None},
        ),
        "import": command("import", {}, st.lists(st.sampled_from(["file", "file", "directory", "missing"]),
                                                  min_size=1, max_size=2)),
    }


# Import files: generated and mutated ----------------------------------------------------------

CELL = st.one_of(
    JUNK,
    st.sampled_from(["-3", "0", "1.5", "$-1.00", "1e400", "NaN", "13/45/2026 9:00 AM", "2026-11-26", "Canceled",
                     "TO SHIP", "Shipped", "\t", "=HYPERLINK(\"x\")", "'=1+1", "999999999999999999999999"]),
)


@st.composite
def csv_file(draw: st.DrawFn, shop: Shop) -> bytes:
    """A Seller Center CSV with cells replaced, lines dropped, doubled or swapped, bytes flipped."""
    data = shop.files[draw(st.sampled_from(["standard.csv", "sample.csv"]))]
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    for _ in range(draw(st.integers(0, 4))):
        row = draw(st.integers(0, len(rows) - 1))
        if rows[row]:
            rows[row][draw(st.integers(0, len(rows[row]) - 1))] = draw(CELL)
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(rows) - 1))
        action = draw(st.sampled_from(["drop", "double", "swap", "shorten", "lengthen"]))
        if action == "drop":
            del rows[at]
        elif action == "double":
            rows.insert(at, list(rows[at]))
        elif action == "swap":
            other = draw(st.integers(0, len(rows) - 1))
            rows[at], rows[other] = rows[other], rows[at]
        elif action == "shorten":
            rows[at] = rows[at][: draw(st.integers(0, len(rows[at])))]
        else:
            rows[at] = rows[at] + [draw(CELL)]
        if not rows:
            break
    text = io.StringIO(newline="")
    csv.writer(text).writerows(rows)
    raw = ("\ufeff" if draw(st.booleans()) else "") + text.getvalue()
    data = raw.encode(draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-16", "cp1252"])), errors="replace")
    return mutate_bytes(draw, data)


def mutate_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    buffer = bytearray(data)
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 3]))):
        at = draw(st.integers(0, max(len(buffer) - 1, 0)))
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if action == "flip" and buffer:
            buffer[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "insert":
            buffer[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del buffer[at: at + draw(st.integers(1, 64))]
        else:
            del buffer[at:]
    return bytes(buffer)


@st.composite
def xlsx_file(draw: st.DrawFn, shop: Shop) -> bytes:
    """A Seller Center XLSX whose cells hold generated values of any type, or broken bytes."""
    from openpyxl import Workbook, load_workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    book = load_workbook(io.BytesIO(shop.files["standard.xlsx"]))
    sheet = book.active
    for _ in range(draw(st.integers(0, 5))):
        value = draw(st.one_of(CELL, st.integers(-10**20, 10**20), st.floats(), st.booleans(),
                               st.none(), st.datetimes()))
        cell = sheet.cell(draw(st.integers(1, sheet.max_row + 2)), draw(st.integers(1, sheet.max_column + 1)))
        try:
            cell.value = value
        except (ValueError, IllegalCharacterError):  # what openpyxl refuses to put in a cell
            cell.value = None
    if draw(st.integers(0, 9)) == 0:
        book = Workbook()  # a workbook that is not an export at all
    data = io.BytesIO()
    book.save(data)
    return mutate_bytes(draw, data.getvalue()) if draw(st.integers(0, 4)) == 0 else data.getvalue()


def import_files(shop: Shop) -> st.SearchStrategy[list[tuple[str, bytes]]]:
    one = st.one_of(csv_file(shop).map(lambda b: ("csv", b)), xlsx_file(shop).map(lambda b: ("xlsx", b)))
    return st.lists(one, min_size=1, max_size=2)


# Running one case -----------------------------------------------------------------------------


def make_target(kind: str, shop: Shop, folder: Path) -> Path:
    path = folder / "shop.db"
    if kind == "missing":
        return path
    if kind == "directory":
        path.mkdir()
        return path
    if kind == "foreign":
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE foo (x)")
            conn.execute("INSERT INTO foo VALUES (1)")
        conn.close()
        return path
    data = shop.db.read_bytes()
    path.write_bytes({
        "shop": data,
        "not-sqlite": b"order id,status\n577,To ship\n" * 50,
        "empty": b"",
        "truncated": data[: len(data) // 3],
        "corrupt": data[:8192] + bytes(range(256)) * 16 + data[8192 + 4096:],
    }[kind])
    return path


def snapshot(path: Path) -> object:
    """The database as bytes (its WAL too), or what is there instead."""
    if path.is_dir():
        return ("directory", sorted(p.name for p in path.iterdir()))
    wal = Path(f"{path}-wal")
    return (
        path.read_bytes() if path.exists() else None,
        wal.read_bytes() if wal.exists() else b"",
    )


READING = {"counts", "search", "show", "metrics", "export"}


# Examples write small databases hundreds of times: in memory where the machine has a tmpfs.
SCRATCH = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


@contextmanager
def example_folder(config: bytes) -> Iterator[Path]:
    config_file = Path(os.environ["TSSHOP_CONFIG"])
    with tempfile.TemporaryDirectory(prefix="tsshop-prop-", dir=SCRATCH) as name, chdir(name):
        config_file.write_bytes(config)
        try:
            yield Path(name)
        finally:
            config_file.unlink(missing_ok=True)


def check(case: Case, shop: Shop, files: list[tuple[str, bytes]] | None = None) -> int:
    config = case.config + (b"\nread_only = true\n" if case.read_only == "config" and b"read_only" not in case.config
                            else b"")
    with example_folder(config) as folder:
        db = make_target(case.target, shop, folder)
        argv = list(case.argv)
        if argv[0] == "import":
            argv = ["import", *import_paths(argv[1:], files or [], folder)]
        argv = (["--read-only"] if case.read_only == "flag" else []) + argv + ["--db", str(db), "--now", NOW]
        before = snapshot(db)
        out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace", write_through=True)
        err = io.StringIO()
        stdin = io.TextIOWrapper(io.BytesIO(case.stdin), encoding="utf-8")
        quick = partial(simulate_module.simulate, sleep=lambda _seconds: None)
        with mock.patch.object(sys, "stdin", stdin), mock.patch.object(simulate_module, "simulate", quick):
            code = main(argv, out=out, err=err)
        after = snapshot(db)
    shown = f"argv={argv!r} target={case.target} config={config!r}\nstderr: {err.getvalue()}"
    assert code in (0, 1, 2), shown
    assert "Traceback" not in err.getvalue(), shown
    if code == 2:
        assert after == before, "exit 2 changed the database\n" + shown
    if case.argv[0] in READING or case.read_only:
        assert after == before, "a reading command or a read-only terminal changed the database\n" + shown
    if case.target in REFUSED_TARGETS and case.argv[0] != "demo" and "--help" not in argv and "-h" not in argv:
        assert code == 2 and after == before, "a database that is not a shop was used\n" + shown
    return code


def import_paths(kinds: list[str], files: list[tuple[str, bytes]], folder: Path) -> list[str]:
    paths = []
    for n, kind in enumerate(kinds):
        if kind == "directory":
            paths.append(str(folder))
        elif kind == "missing":
            paths.append(str(folder / "missing.csv"))
        elif files:
            suffix, data = files[n % len(files)]
            path = folder / f"export-{n}.{suffix}"
            path.write_bytes(data)
            paths.append(str(path))
    return paths or [str(folder / "missing.csv")]


# The properties -------------------------------------------------------------------------------

# Generated cases per command: about 20 ms each (demo and import about 50 ms), so the whole file
# takes about 35 s of one core, under 20 s with `make test`'s two workers.
BUDGET = {name: 80 for name in ("counts", "search", "show", "metrics", "export", "print", "note", "cancel",
                                "ship", "request", "simulate")} | {"demo": 50}
IMPORT_BUDGET = 80
BAD_DATABASE_BUDGET = 20  # per command, import included


@pytest.mark.parametrize("name", sorted(BUDGET))
def test_every_command_with_any_arguments_exits_0_1_or_2_and_a_refusal_changes_nothing(shop, name):
    @examples(BUDGET[name])
    @given(case=cases(commands(shop)[name], shop, SHOP_TARGETS))
    def prop(case: Case) -> None:
        check(case, shop)

    prop()


@examples(IMPORT_BUDGET)
@given(data=st.data())
def test_importing_any_file_exits_0_1_or_2_and_a_refusal_changes_nothing(shop, data):
    case = data.draw(cases(commands(shop)["import"], shop, SHOP_TARGETS))
    check(case, shop, data.draw(import_files(shop)))


@pytest.mark.parametrize("name", sorted([*BUDGET, "import"]))
def test_every_command_on_a_database_that_is_not_a_good_shop_is_refused_and_leaves_it_untouched(shop, name):
    """A directory, a file that is not SQLite, an empty, truncated or corrupted file, a foreign database."""
    @examples(BAD_DATABASE_BUDGET)
    @given(data=st.data())
    def prop(data: st.DataObject) -> None:
        case = data.draw(cases(commands(shop)[name], shop, BAD_TARGETS))
        check(case, shop, data.draw(import_files(shop)) if name == "import" else None)

    prop()


@pytest.mark.parametrize("char", ["\ufffe", "\uffff", "\ud800"], ids=["U+FFFE", "U+FFFF", "surrogate"])
def test_an_xlsx_with_characters_xml_cannot_hold_is_refused(shop, tmp_path, char):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(shop.files["standard.xlsx"]))
    book.active.cell(3, 8).value = f"Mug {char}"
    book.save(tmp_path / "odd.xlsx")
    db = tmp_path / "shop.db"
    shutil.copy(shop.db, db)
    before = snapshot(db)
    err = io.StringIO()
    assert main(["import", str(tmp_path / "odd.xlsx"), "--db", str(db), "--now", NOW], out=io.StringIO(), err=err) == 2
    assert "odd.xlsx" in err.getvalue() and snapshot(db) == before


def test_a_refused_import_leaves_an_empty_file_empty(tmp_path):
    db = tmp_path / "shop.db"
    db.write_bytes(b"")
    (tmp_path / "notes.csv").write_text("not,an,export\n1,2,3\n")
    err = io.StringIO()
    assert main(["import", str(tmp_path / "notes.csv"), "--db", str(db), "--now", NOW], out=io.StringIO(), err=err) == 2
    assert "not a Seller Center order export" in err.getvalue()
    assert db.read_bytes() == b""
