"""Issue 11.9: bidi overrides and zero-width format characters never reach the terminal raw in `show`."""

from __future__ import annotations

import io

from tsshop_tui.cli import main
from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.store import Store

from .factories import NOW, make_order


def test_show_prints_a_right_to_left_override_as_an_escape(tmp_path):
    db = tmp_path / "shop.db"
    order = make_order(1, buyer_message="invoice \u202efdp.exe\u2069 \u200bhidden")
    with Store(db, clock=FixedClock(NOW)) as store:
        store.upsert_orders([order], source="test")
    out, err = io.StringIO(), io.StringIO()
    assert main(["--db", str(db), "show", order.id], out=out, err=err) == 0
    shown = out.getvalue()
    assert "invoice \\u202efdp.exe\\u2069 \\u200bhidden" in shown
    assert not {"\u202e", "\u2069", "\u200b"} & set(shown)
