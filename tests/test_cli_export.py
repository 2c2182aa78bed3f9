"""`tsshop export` and `tsshop print`: scope and filters, formats, exit codes, nothing written on bad input."""

from __future__ import annotations

import argparse
import io
import json
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from tsshop_tui.cli import build_parser, filters_from_args, main
from tsshop_tui.domain.model import ContentType, Flag, OrderType
from tsshop_tui.domain.query import Filters
from tsshop_tui.io.seller_center import read_export
from tsshop_tui.store import Store

from .ui_shop import build_shop

NOW = "2026-11-26T12:00:00+00:00"


@pytest.fixture
def db(tmp_path) -> Path:
    return build_shop(tmp_path / "shop.db")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([*argv, "--now", NOW], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def counts(path: Path) -> dict[str, int]:
    code, out, _ = run("counts", "--db", str(path), "--json")
    assert code == 0
    return json.loads(out)


def test_export_all_to_csv_reimports_into_a_fresh_database(db, tmp_path):
    code, out, err = run("export", "--db", str(db), "-o", str(tmp_path / "all.csv"))
    assert (code, err) == (0, "")
    assert "Exported 18 orders (36 rows)" in out
    fresh = tmp_path / "fresh.db"
    code, out, _ = run("import", "--db", str(fresh), str(tmp_path / "all.csv"))
    assert code == 0, out
    before, after = counts(db), counts(fresh)
    for tab in ("all", "to-ship", "unpaid", "on-hold", "awaiting-collection", "in-transit", "delivered",
                "completed", "cancelled"):
        assert after[tab] == before[tab], tab
    with Store(db) as old, Store(fresh) as new:
        ids = list(old.export_ids("all"))
        for a, b in zip(old.get_many(ids), new.get_many(ids), strict=True):
            assert (a.id, a.status, len(a.line_items)) == (b.id, b.status, len(b.line_items))


def test_export_a_tab_with_filters(db, tmp_path):
    target = tmp_path / "red.json"
    code, out, _ = run("export", "--db", str(db), "--tab", "to-ship", "--flag", "red", "-o", str(target))
    assert code == 0
    data = json.loads(target.read_text())
    assert [o["id"] for o in data] == ["577000000000000001"]
    assert data[0]["notes"][0]["flag"] == "red"


def test_export_search_and_xlsx_by_suffix(db, tmp_path):
    target = tmp_path / "found.xlsx"
    code, out, _ = run("export", "--db", str(db), "--search", "TT1234567890", "-o", str(target))
    assert code == 0 and "Exported 1 order (" in out
    assert [o.id for o in read_export(target).orders] == ["577000000000000013"]


def test_export_ids_reports_unknown_ones_as_partial(db, tmp_path):
    target = tmp_path / "ids.csv"
    code, out, err = run("export", "--db", str(db), "--ids", "577000000000000001,577000000000000002", "999999999",
                         "-o", str(target))
    assert code == 1
    assert "Exported 2 orders" in out and "999999999" in err
    assert {o.id for o in read_export(target).orders} == {"577000000000000001", "577000000000000002"}


def test_export_default_file_name_in_the_current_folder(db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("export", "--db", str(db), "--tab", "to-ship", "--format", "json")
    assert code == 0
    assert (tmp_path / "tsshop-to-ship-20261126-1200.json").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--tab", "nope"], "unknown tab 'nope'"),
        (["--created-from", "2026-13-01"], "not a date"),
        (["--created-from", "2026-11-27", "--created-to", "2026-11-01"], "--created-from is after"),
        (["--flag", "pink"], "no flag 'pink'"),
        (["--at-risk-hours", "0"], "--at-risk-hours"),
        (["--search", *[str(n) for n in range(101)]], "at most 100"),
        (["--format", "pdf"], "invalid choice"),
    ],
)
def test_export_bad_input_exits_2_and_writes_nothing(db, tmp_path, capsys, args, message):
    target = tmp_path / "x.csv"
    code, _, err = run("export", "--db", str(db), *args, "-o", str(target))
    assert code == 2
    assert message in err + capsys.readouterr().err  # argparse's own errors go to sys.stderr
    assert not target.exists()


def test_export_unwritable_targets_exit_2(db, tmp_path):
    code, _, err = run("export", "--db", str(db), "-o", str(tmp_path / "missing" / "x.csv"))
    assert code == 2 and "does not exist" in err
    code, _, err = run("export", "--db", str(db), "--format", "csv", "-o", str(tmp_path))
    assert code == 2 and "folder" in err
    code, _, err = run("export", "--db", str(db), "-o", str(tmp_path / "x.txt"))
    assert code == 2 and "--format" in err
    assert list(tmp_path.glob("*.csv")) == [] and list(tmp_path.glob(".*")) == []


def test_filter_options_make_the_same_filters_as_the_screen():
    parser = build_parser()
    args = parser.parse_args([
        "export", "--overdue", "--at-risk-hours", "6", "--flag", "RED", "--no-note", "--creator", "@anna",
        "--campaign", "BF", "--content-type", "live", "--product", "SKU-1", "--created-from", "2026-11-01",
        "--created-to", "2026-11-26", "--order-type", "pre-order", "--no-samples", "--ids", "1,2", "3",
        "--search", "a", "b",
    ])
    assert filters_from_args(args) == Filters(
        overdue=True, at_risk_hours=6, flag=Flag.RED, has_note=False, creator="anna", campaign="BF",
        content_type=ContentType.LIVE, product="SKU-1", created_from=date(2026, 11, 1),
        created_to=date(2026, 11, 26), order_type=OrderType.PRE_ORDER, sample=False, ids=("1", "2", "3"),
        search=("a", "b"),
    )
    args = parser.parse_args(["print", "labels", "--sample", "--has-note"])
    assert filters_from_args(args) == Filters(sample=True, has_note=True)
    args = parser.parse_args(["export", "--ids", "-"])
    assert filters_from_args(args, stdin=io.StringIO("7 8\n9")).ids == ("7", "8", "9")
    assert isinstance(args, argparse.Namespace)


# print ------------------------------------------------------------------------------------------


def test_print_picking_list_letter(db, tmp_path):
    target = tmp_path / "pick.pdf"
    code, out, err = run("print", "picking-list", "--db", str(db), "--page-size", "letter", "-o", str(target))
    assert (code, err) == (0, "")
    assert "Picking list of 10 orders" in out
    page = PdfReader(target).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)
    with Store(db) as store:
        assert store.get("577000000000000001").history[-1].action == "picking list printed"


def test_print_labels_partial_exit_1_and_skips_listed(db, tmp_path):
    target = tmp_path / "labels.pdf"
    code, out, err = run("print", "labels", "--db", str(db), "--tab", "all", "-o", str(target), "--send")
    assert code == 1
    assert "4 labels written" in out and "14 orders skipped" in out
    assert "no label for 577000000000000011" in err
    assert "No printer configured" in out
    assert len(PdfReader(target).pages) == 4


def test_print_labels_default_tab_is_awaiting_collection(db, tmp_path):
    code, out, _ = run("print", "labels", "--db", str(db), "-o", str(tmp_path / "l.pdf"))
    assert code == 0 and "1 label written" in out


def test_print_labels_none_printable_exits_2_and_writes_nothing(db, tmp_path):
    target = tmp_path / "l.pdf"
    code, _, err = run("print", "labels", "--db", str(db), "--tab", "to-ship", "-o", str(target))
    assert code == 2
    assert "nothing was written" in err
    assert not target.exists()


def test_print_empty_scope_exits_2(db, tmp_path):
    code, _, err = run("print", "picking-list", "--db", str(db), "--flag", "yellow", "-o", str(tmp_path / "p.pdf"))
    assert code == 2 and "nothing to print" in err


def test_print_read_only_makes_the_pdf_and_warns(db, tmp_path):
    target = tmp_path / "p.pdf"
    code, out, err = run("print", "picking-list", "--db", str(db), "--read-only", "-o", str(target))
    assert code == 0 and target.exists()
    assert "read-only terminal" in err
    with Store(db) as store:
        assert all(e.action != "picking list printed" for e in store.get("577000000000000001").history)
