"""The foundation's command line: demo, counts, search, show — exit codes and exact marketplace text."""

from __future__ import annotations

import io
import json

import pytest

from tsshop_tui.cli import main
from tsshop_tui.domain.catalog import STATUS_TABS, TAB_IDS

NOW = "2026-11-26T12:00:00+00:00"


def run(*argv: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("cli") / "demo.db"
    code, out, _ = run("demo", "--db", str(db), "--orders", "5000", "--seed", "1", "--now", NOW)
    assert code == 0 and "5000 orders" in out
    return db


def test_counts_json_has_every_tab_and_status_tabs_add_up(demo_db):
    code, out, _ = run("counts", "--db", str(demo_db), "--json", "--now", NOW)
    counts = json.loads(out)
    assert code == 0 and set(counts) == set(TAB_IDS)
    assert sum(counts[t.id] for t in STATUS_TABS) == counts["all"] == 5000
    assert counts["action-needed"] > 0


def test_search_mixes_kinds_of_id_and_names_what_matched_nothing(demo_db, monkeypatch):
    from tsshop_tui.store import Store

    with Store(demo_db, read_only=True) as store:
        order = store.get_many(store.iter_ids("in-transit", batch=5)).__getitem__(0)
    line = order.line_items[0]
    ids = [order.id, order.tracking_number, line.sku_id, "NO-SUCH-ID"]
    code, out, _ = run("search", "--db", str(demo_db), *ids, "--json", "--now", NOW, "--limit", "5")
    data = json.loads(out)
    assert code == 1  # partial: one ID matched nothing
    assert data["not_found"] == ["NO-SUCH-ID"]
    assert data["matched_orders"][order.id] == 1 and data["matched_orders"][line.sku_id] >= 1
    assert len(data["orders"]) == 5 and data["total"] >= 2
    code, out, _ = run("search", "--db", str(demo_db), "-", "--now", NOW, stdin=f"{order.id}\n{order.tracking_number}",
                       monkeypatch=monkeypatch)
    assert code == 0 and order.id in out and "1 orders matched 2 of 2 IDs" in out


def test_more_than_100_ids_is_bad_input(demo_db):
    code, out, err = run("search", "--db", str(demo_db), *[str(n) for n in range(101)])
    assert code == 2 and "at most 100" in err and out == ""


def test_search_and_show_return_marketplace_text_exactly(demo_db):
    from tsshop_tui.store import Store

    with Store(demo_db, read_only=True) as store:
        marked = [
            row.id for row in store.page("all", limit=5000).rows if "\x1b" in (row.buyer_username or "")
        ] or [o.id for o in store.get_many(r.id for r in store.page("all", limit=5000).rows)
              if "\x1b" in o.buyer_message or "[" in o.buyer_message][:1]
        order = store.get(marked[0])
    code, out, _ = run("show", order.id, "--db", str(demo_db), "--json", "--now", NOW)
    shown = json.loads(out)
    assert code == 0 and shown["buyer_message"] == order.buyer_message
    assert shown["buyer_username"] == order.buyer_username
    assert "\x1b" not in out  # escapes are JSON-escaped, never raw
    code, out, _ = run("search", order.id, "--db", str(demo_db), "--json", "--now", NOW)
    assert json.loads(out)["orders"][0]["buyer_message"] == order.buyer_message
    code, text, _ = run("show", order.id, "--db", str(demo_db), "--now", NOW)
    assert code == 0 and "\x1b" not in text and "Notes (newest first):" in text


def test_show_unknown_order_and_missing_database(tmp_path, demo_db):
    code, _, err = run("show", "577999999999999999", "--db", str(demo_db))
    assert code == 2 and "no order" in err
    code, _, err = run("counts", "--db", str(tmp_path / "none.db"))
    assert code == 2 and "no database" in err and not (tmp_path / "none.db").exists()


def test_demo_refuses_to_overwrite_without_force(demo_db):
    code, _, err = run("demo", "--db", str(demo_db), "--orders", "10")
    assert code == 2 and ("--force" in err or "already" in err)


def test_show_says_the_status_in_the_screens_words_and_no_minus_on_no_discount(demo_db):
    """Like the detail screen (issue 10.10): 'Awaiting collection (AWAITING_COLLECTION)', 'discounts 0.00'."""
    from tsshop_tui.store import Store

    with Store(demo_db, read_only=True) as store:
        rows = store.page("awaiting-collection", limit=50).rows
        plain = next(o for o in store.get_many(r.id for r in rows) if not o.seller_discount + o.platform_discount)
    code, out, _ = run("show", plain.id, "--db", str(demo_db), "--now", NOW)
    first = out.splitlines()[0]
    assert code == 0 and first == f"Order {plain.id}  Awaiting collection (AWAITING_COLLECTION)"
    assert "discounts 0.00)" in out and "-0.00" not in out


def test_show_says_a_shipped_order_shipped_in_time_or_late_and_a_cancelled_one_no_deadline(demo_db):
    """As the detail screen: never 'ship by … (2d ago)' for an order that left, nor an auto-cancel time."""
    from tsshop_tui.store import Store

    with Store(demo_db, read_only=True) as store:
        shipped = store.get(store.page("in-transit", limit=1).rows[0].id)
        cancelled = store.get(store.page("cancelled", limit=1).rows[0].id)
    late = int((shipped.rts_time - shipped.rts_sla_time).total_seconds())
    out = run("show", shipped.id, "--db", str(demo_db), "--now", NOW)[1]
    assert ("late)" if late > 0 else "(shipped in time)") in out.splitlines()[2]
    assert "ago" not in out.splitlines()[2] and out.splitlines()[2].endswith("auto-cancel —")
    line = run("show", cancelled.id, "--db", str(demo_db), "--now", NOW)[1].splitlines()[2]
    assert "(—)" in line and "ago" not in line and line.endswith("auto-cancel —")
