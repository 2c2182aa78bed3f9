"""The campaign simulator: it feeds a shop database like live traffic, one short transaction per event."""

from __future__ import annotations

import io
import shutil
from collections import Counter

from tsshop_tui.cli import main
from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.model import ContentType, OrderStatus
from tsshop_tui.domain.rules import action_reasons, is_valid_tracking
from tsshop_tui.io.simulate import simulate
from tsshop_tui.store import Store

from .factories import NOW, make_order

S = OrderStatus


def small_shop(path):
    orders = (
        [make_order(n, creator_username=f"creator{n % 3}", campaign="Black Friday LIVE") for n in range(1, 13)]
        + [make_order(n, S.UNPAID) for n in range(13, 19)]
        + [make_order(n, S.DELIVERED, tracking_number="TT1234567890") for n in range(19, 25)]
    )
    with Store(path, clock=FixedClock(NOW), actor="setup") as store:
        store.upsert_orders(orders, source="test")
    return orders


def history_count(store: Store) -> int:
    return store.conn.execute("SELECT count(*) FROM history").fetchone()[0]


def test_simulate_raises_counts_and_writes_history(tmp_path):
    path = tmp_path / "shop.db"
    seeded = small_shop(path)
    skus = {line.sku_id for order in seeded for line in order.line_items}
    with Store(path, clock=FixedClock(NOW), actor="simulator") as store:
        before_counts, before_history = store.counts(), history_count(store)
        summary = simulate(store, rate=50, events=120, pace=False, seed=4)
        after = store.counts()
        assert summary.events == 120 and summary.refused == 0
        assert set(summary.counts) == {"order", "pay", "ship", "cancel-request", "return-request"}
        # one history event per event, each one its own change
        assert history_count(store) == before_history + 120
        assert after["all"] == before_counts["all"] + summary.counts["order"]
        assert after["awaiting-collection"] == summary.counts["ship"]
        assert after["returns"] == before_counts["returns"] + summary.counts["return-request"]
        assert after["action-needed"] > before_counts["action-needed"]
        actions = Counter(r[0] for r in store.conn.execute(
            "SELECT action FROM history WHERE actor = 'simulator'"))
        assert actions == {
            "imported": summary.counts["order"], "pay": summary.counts["pay"], "ship": summary.counts["ship"],
            "request": summary.counts["cancel-request"] + summary.counts["return-request"],
        }
        # the new orders look like the shop's own: its products, its creators, mostly one LIVE
        new = store.get_many(summary.new_orders)
        assert len(new) == summary.counts["order"]
        assert all(line.sku_id in skus for order in new for line in order.line_items)
        assert all(order.line_items and order.total_amount > 0 for order in new)
        assert {o.status for o in new} <= {S.UNPAID, S.AWAITING_SHIPMENT, S.AWAITING_COLLECTION}
        live = [o for o in new if o.content_type is ContentType.LIVE]
        assert len(live) > len(new) / 2 and len({o.creator_username for o in live}) == 1
        assert {o.creator_username for o in new if o.creator_username} <= {"creator0", "creator1", "creator2"}
        assert all(o.create_time == NOW for o in new)
        shipped = store.get_many(
            r[0] for r in store.conn.execute("SELECT order_id FROM history WHERE action = 'ship'"))
        assert all(is_valid_tracking(o.tracking_number) for o in shipped)
        # denormalised columns right: trigger counts == recount, Action needed SQL == pure rules
        kept = dict(store.conn.execute("SELECT tab, n FROM tab_counts").fetchall())
        for tab, n in store.conn.execute("SELECT tab, count(*) FROM orders GROUP BY tab"):
            assert kept[tab] == n
        orders = store.get_many(r[0] for r in store.conn.execute("SELECT id FROM orders"))
        assert store.action_reasons_sql() == {
            o.id: action_reasons(o, NOW) for o in orders if action_reasons(o, NOW)
        }
        assert store.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_same_seed_same_traffic(tmp_path):
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    small_shop(first)
    shutil.copy(first, second)
    runs = []
    for path in (first, second):
        with Store(path, clock=FixedClock(NOW), actor="simulator") as store:
            simulate(store, rate=10, events=40, pace=False, seed=9)
            runs.append(store.conn.execute(
                "SELECT order_id, action, before, after FROM history ORDER BY id").fetchall())
    assert runs[0] == runs[1]


def test_pacing_spreads_events_over_the_seconds(tmp_path):
    path = tmp_path / "shop.db"
    small_shop(path)
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    with Store(path, clock=FixedClock(NOW)) as store:
        summary = simulate(store, rate=4, events=8, seed=1, sleep=sleep, monotonic=lambda: now[0])
    assert summary.seconds == 2.0  # 8 events at 4 a second
    assert len(slept) == 8 and all(abs(s - 0.25) < 1e-9 for s in slept)


def test_simulate_command_prints_a_one_line_summary(tmp_path):
    path = tmp_path / "shop.db"
    small_shop(path)
    out, err = io.StringIO(), io.StringIO()
    code = main(["simulate", "--seconds", "0", "--count", "30", "--seed", "2", "--db", str(path),
                 "--now", NOW.isoformat()], out=out, err=err)
    assert (code, err.getvalue()) == (0, "")
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Simulated 30 events in ")
    with Store(path, read_only=True) as store:
        assert store.conn.execute("SELECT count(*) FROM history WHERE actor = 'simulator'").fetchone()[0] == 30


def test_simulate_command_refuses_bad_input(tmp_path):
    path = tmp_path / "shop.db"
    small_shop(path)
    for argv in (["--rate", "0"], ["--seconds", "0"], ["--count", "-1"]):
        err = io.StringIO()
        assert main(["simulate", *argv, "--db", str(path)], out=io.StringIO(), err=err) == 2
        assert err.getvalue().startswith("tsshop: ")
