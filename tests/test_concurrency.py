"""Many terminals, one database: 4 processes race 250 changes each on the same few orders.

Each process reads an order's version (what its screen shows), then acts with that
expected_version. Every change must be either applied together with its history event or refused
(stale view, or a rule such as "already cancelled") — none lost, none applied twice.
"""

from __future__ import annotations

import multiprocessing
import random
import sqlite3
import time
from collections import Counter

from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.model import Flag, OrderStatus
from tsshop_tui.domain.rules import RuleError
from tsshop_tui.store import StaleError, Store
from tsshop_tui.store.rollup import REBUILD_ROLLUP

from .factories import NOW, make_order

PROCESSES = 4
CHANGES = 250
ORDERS = 12
ACTIONS = ("note", "flag", "cancel", "ship")
WEIGHTS = (45, 30, 12, 13)
HISTORY_ACTION = {"note": "note", "flag": "note", "cancel": "cancel", "ship": "ship"}


def _worker(path: str, actor: str, seed: int, order_ids: list[str], start, results) -> None:
    """One terminal: read the version its view shows, maybe dawdle, then act with it."""
    rng = random.Random(seed)
    done: list[tuple[str, str, str, str]] = []
    with Store(path, clock=FixedClock(NOW), actor=actor, create=False) as store:
        start.wait()
        for n in range(CHANGES):
            order_id = rng.choice(order_ids)
            action = rng.choices(ACTIONS, WEIGHTS)[0]
            version = store.rows_for([order_id])[0].version
            if rng.random() < 0.3:
                time.sleep(rng.random() / 1000)
            text = f"{actor}-{n}"
            try:
                if action == "note":  # a note takes no version: never stale
                    store.add_note(order_id, text=text)
                elif action == "flag":
                    store.add_note(order_id, flag=rng.choice(list(Flag)), text=text)
                elif action == "cancel":
                    store.cancel(order_id, reason_code="seller_cancel_reason_out_of_stock",
                                 expected_version=version)
                else:
                    store.ship(order_id, tracking_number=f"TT{actor}{n:08d}", carrier="UPS",
                               expected_version=version)
            except StaleError:
                done.append((order_id, action, "stale", text))
            except RuleError:
                done.append((order_id, action, "rule", text))
            else:
                done.append((order_id, action, "ok", text))
    results.put((actor, done))


def test_racing_terminals_lose_nothing_and_apply_nothing_twice(tmp_path):
    path = tmp_path / "shop.db"
    order_ids = [f"577{n:015d}" for n in range(1, ORDERS + 1)]
    with Store(path, clock=FixedClock(NOW), actor="setup") as store:
        store.upsert_orders([make_order(n) for n in range(1, ORDERS + 1)], source="test")

    began = time.monotonic()
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    workers = [
        ctx.Process(target=_worker, args=(str(path), f"w{i}", i, order_ids, start, results))
        for i in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    outcomes: dict[str, list[tuple[str, str, str, str]]] = dict(results.get(timeout=60) for _ in workers)
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    seconds = time.monotonic() - began

    every = [item for done in outcomes.values() for item in done]
    assert len(every) == PROCESSES * CHANGES
    ok = [item for item in every if item[2] == "ok"]
    tally = Counter(outcome for _, _, outcome, _ in every)

    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        # Every applied change has exactly one history event by its process, and no refusal has one.
        events = conn.execute(
            "SELECT order_id, actor, action, json_extract(after, '$.version') FROM history"
            " WHERE actor LIKE 'w%' ORDER BY id"
        ).fetchall()
        assert len(events) == len(ok)
        by_actor = Counter((order_id, actor, action) for order_id, actor, action, _ in events)
        expected = Counter(
            (order_id, actor, HISTORY_ACTION[action])
            for actor, done in outcomes.items()
            for order_id, action, outcome, _ in done
            if outcome == "ok"
        )
        assert by_actor == expected
        # Every successful note is stored, exactly once; no refused one is.
        notes = Counter(conn.execute("SELECT order_id, author, text FROM notes").fetchall())
        assert notes == Counter(
            (order_id, text.split("-")[0], text)
            for order_id, action, outcome, text in ok
            if action in ("note", "flag")
        )
        assert max(notes.values(), default=1) == 1
        for order_id in order_ids:
            applied = [item for item in ok if item[0] == order_id]
            status, version, flag, note = conn.execute(
                "SELECT status, version, flag, note FROM orders WHERE id = ?", (order_id,)
            ).fetchone()
            # version == 1 + applied changes, and the history numbers them 2, 3, ... without a gap
            assert version == 1 + len(applied)
            versions = [e[3] for e in events if e[0] == order_id]
            assert versions == list(range(2, version + 1))
            # cancelled or shipped at most once, and the status says which
            finals = [action for _, action, _, _ in applied if action in ("cancel", "ship")]
            assert len(finals) <= 1
            expected_status = {
                (): OrderStatus.AWAITING_SHIPMENT, ("cancel",): OrderStatus.CANCELLED,
                ("ship",): OrderStatus.AWAITING_COLLECTION,
            }[tuple(finals)]
            assert status == expected_status.value
            # the order's current note is the newest applied note
            newest = conn.execute(
                "SELECT flag, text FROM notes WHERE order_id = ? ORDER BY id DESC LIMIT 1", (order_id,)
            ).fetchone()
            assert (flag, note) == (newest if newest else (None, None))
        kept = dict(conn.execute("SELECT tab, n FROM tab_counts").fetchall())
        for tab, n in conn.execute("SELECT tab, count(*) FROM orders GROUP BY tab"):
            assert kept[tab] == n
        # The product rollup, kept by triggers through the race, equals one built from scratch.
        rollup = "SELECT * FROM product_days WHERE lines <> 0 ORDER BY 1, 2, 3, 4, 5, 6"
        kept_rollup = conn.execute(rollup).fetchall()
        for statement in REBUILD_ROLLUP:
            conn.execute(statement)
        assert kept_rollup and kept_rollup == conn.execute(rollup).fetchall()
        conn.rollback()
    finally:
        conn.close()

    # The race really happened: views went stale, and one-shot actions were refused afterwards.
    assert tally["stale"] > 0 and tally["rule"] > 0 and tally["ok"] > 0
    print(
        f"\n{PROCESSES} processes x {CHANGES} changes on {ORDERS} orders in {seconds:.1f} s: "
        f"{tally['ok']} applied (= {len(events)} history events), {tally['stale']} refused as stale, "
        f"{tally['rule']} refused by rule; "
        + ", ".join(f"{a} {sum(1 for i in ok if i[1] == a)}" for a in ACTIONS)
    )
    assert seconds < 20

