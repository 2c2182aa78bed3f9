"""`tsshop metrics`: the health figures and top creators and products, as text and as stable JSON."""

from __future__ import annotations

import io
import json

import pytest

from tsshop_tui.cli import main
from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.store import Store

from .factories import NOW, make_order
from .test_metrics import EXPECTED_7, hand_orders


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "shop.db"
    with Store(path, clock=FixedClock(NOW)) as store:
        store.upsert_orders(hand_orders(), source="test")
    return path


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_metrics_json_has_stable_keys_and_the_known_figures(db):
    code, out, err = run("metrics", "--db", str(db), "--now", NOW.isoformat(), "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert set(data) == {"now", "days", "sfcr", "ldr", "vtr", "return_rate", "top_creators", "top_products"}
    assert data["now"] == "2026-11-26T12:00:00+00:00" and data["days"] == 7
    for key, (numerator, denominator, state) in EXPECTED_7.items():
        figure = data[key]
        assert {"numerator", "denominator", "value", "target", "state"} <= set(figure)
        assert (figure["numerator"], figure["denominator"], figure["state"]) == (numerator, denominator, state)
        assert figure["value"] == pytest.approx(numerator / denominator)
    assert data["sfcr"]["target"] == 0.025 and data["vtr"]["direction"] == "min"
    anna, ben = data["top_creators"]
    assert (anna["creator"], anna["orders"], anna["gmv"], anna["seller_fault_cancellations"]) == ("anna", 17, "160.00", 1)
    assert anna["cancellation_rate"] == pytest.approx(1 / 17)
    assert set(anna["by_content"]) == {"LIVE", "VIDEO"} and ben["creator"] == "ben"
    products = data["top_products"]
    assert len(products) == 5
    assert (products[0]["product_id"], products[0]["gmv"], products[0]["orders"]) == ("P1", "30.00", 4)
    assert [s["sku_id"] for s in products[0]["skus"]] == ["S1a", "S1b"]


def test_metrics_days_widens_the_window(db):
    code, out, _ = run("metrics", "--db", str(db), "--now", NOW.isoformat(), "--json", "--days", "30")
    data = json.loads(out)
    assert code == 0 and data["days"] == 30
    assert (data["sfcr"]["numerator"], data["sfcr"]["denominator"], data["sfcr"]["state"]) == (2, 52, "breach")
    assert [c["creator"] for c in data["top_creators"]] == ["anna", "ben", "cara"]


def test_metrics_text(db):
    code, out, err = run("metrics", "--db", str(db), "--now", NOW.isoformat())
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("Seller health · orders created in the last 7 days to 2026-11-26 12:00 UTC")
    assert "SFCR" in lines[1] and "2.0%" in lines[1] and "≤ 2.5%" in lines[1] and "WARNING" in lines[1]
    assert "1 / 50 paid orders" in lines[1]
    assert "LDR" in lines[2] and "BREACH" in lines[2] and "2 / 41 shipped orders" in lines[2]
    assert "VTR" in lines[3] and "95.1%" in lines[3] and "≥ 95.0%" in lines[3]
    assert "Returns" in lines[4] and "OK" in lines[4] and "1 / 30 delivered orders" in lines[4]
    assert lines[5] == "Top creators by GMV"
    assert lines[6].lstrip().startswith("@anna") and "160.00" in lines[6]
    assert "Top products by GMV" in lines
    assert lines[lines.index("Top products by GMV") + 1].lstrip().startswith("P1")


def test_metrics_of_an_empty_window_and_marketplace_text(tmp_path):
    path = tmp_path / "shop.db"
    with Store(path, clock=FixedClock(NOW)) as store:
        store.upsert_orders([make_order(1, creator_username="\x1b[31mevil")], source="t")
    code, out, _ = run("metrics", "--db", str(path), "--now", "2030-01-01T00:00:00")
    assert code == 0 and "—" in out and "\x1b" not in out
    code, out, _ = run("metrics", "--db", str(path), "--now", NOW.isoformat())
    assert code == 0 and "\x1b" not in out and "␛[31mevil" in out
    data = json.loads(run("metrics", "--db", str(path), "--now", "2030-01-01T00:00:00", "--json")[1])
    assert data["ldr"] == {**data["ldr"], "numerator": 0, "denominator": 0, "value": None, "state": "ok"}
    assert data["top_creators"] == [] and data["top_products"] == []


def test_metrics_bad_usage(db, tmp_path):
    assert run("metrics", "--db", str(db), "--days", "0")[0] == 2
    assert run("metrics", "--db", str(db), "--days", "x")[0] == 2
    code, _, err = run("metrics", "--db", str(tmp_path / "missing.db"))
    assert code == 2 and "no database" in err
