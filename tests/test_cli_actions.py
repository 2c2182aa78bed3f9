"""The changing commands: note, cancel, ship, request — exit codes, messages, nothing changed on refusal."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest

from tsshop_tui.cli import main
from tsshop_tui.domain.catalog import CANCEL_REASONS, CARRIERS
from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.model import OrderStatus, RequestStatus, RequestType
from tsshop_tui.store import Store

from .factories import NOW, make_order, request

S = OrderStatus
TO_SHIP, TRANSIT, CANCELLED, CANCEL_REQ, RETURN_REQ, TO_SHIP_2, UNPAID = (f"577{n:015d}" for n in range(1, 8))
TRACKING = "1Z999AA10123456784"


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "shop.db"
    with Store(path, clock=FixedClock(NOW), actor="ana") as store:
        store.upsert_orders(
            [
                make_order(1),
                make_order(2, S.IN_TRANSIT, tracking_number=TRACKING),
                make_order(3, S.CANCELLED, requests=[
                    request(CANCELLED, RequestType.CANCELLATION, status=RequestStatus.APPROVED)]),
                make_order(4, requests=[request(CANCEL_REQ, RequestType.CANCELLATION)]),
                make_order(5, S.DELIVERED, tracking_number=TRACKING,
                           requests=[request(RETURN_REQ, RequestType.RETURN_REFUND)]),
                make_order(6),
                make_order(7, S.UNPAID),
            ],
            source="test",
        )
    return path


def run(db: Path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([*argv, "--db", str(db), "--now", NOW.isoformat()], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def state(db: Path) -> dict[str, object]:
    """Versions, statuses, notes and history of every order: to prove a refusal changed nothing."""
    with Store(db, read_only=True) as store:
        return {
            "orders": store.conn.execute("SELECT id, status, version, flag, note FROM orders ORDER BY id").fetchall(),
            "history": store.conn.execute("SELECT count(*) FROM history").fetchone()[0],
            "notes": store.conn.execute("SELECT count(*) FROM notes").fetchone()[0],
            "requests": store.conn.execute("SELECT id, status FROM requests ORDER BY id").fetchall(),
        }


def get(db: Path, order_id: str):
    with Store(db, read_only=True) as store:
        return store.get(order_id)


# The refusals the issue names: exit 2, the order and its status named, nothing changed -------


def test_cancelling_a_shipped_order_is_refused(db):
    before = state(db)
    code, out, err = run(db, "cancel", TRANSIT, "--reason", "seller_cancel_reason_out_of_stock")
    assert code == 2
    assert f"order {TRANSIT} is in transit: cancel is only possible before shipping" in err
    assert results(out) == []
    assert state(db) == before


def test_approving_an_already_answered_request_is_refused(db):
    before = state(db)
    code, _, err = run(db, "request", "approve", CANCELLED, "--type", "cancellation")
    assert code == 2
    assert f"order {CANCELLED} is cancelled: its buyer cancellation request was already answered (approved)" in err
    assert state(db) == before


def test_shipping_a_cancelled_order_is_refused(db):
    before = state(db)
    code, _, err = run(db, "ship", CANCELLED, "--tracking", TRACKING, "--carrier", "UPS")
    assert code == 2
    assert f"order {CANCELLED} is cancelled: a cancelled order cannot be shipped" in err
    assert state(db) == before


# Success, bulk and partial ---------------------------------------------------------------------


def results(out: str) -> list[str]:
    """The per-order lines of a bulk command's output (after its 'job ID: N orders' line)."""
    first, *rest = out.splitlines()
    assert re.fullmatch(r"job [0-9a-f]{12}: [\d,]+ orders?", first)
    return rest


def test_note_with_a_flag_then_clearing_it(db):
    code, out, err = run(db, "note", TO_SHIP, "--flag", "RED", "--text", "fragile")
    assert (code, err) == (0, "")
    assert results(out) == [f"{TO_SHIP}: note added (flag red)"]
    order = get(db, TO_SHIP)
    assert (order.flag.value, order.current_note.text, order.current_note.author) == ("red", "fragile", "tester")
    assert order.history[-1].action == "note"
    code, out, _ = run(db, "note", TO_SHIP, "--flag", "none", "--text", "resolved")
    assert code == 0 and results(out) == [f"{TO_SHIP}: note added (flag cleared)"]
    assert get(db, TO_SHIP).flag is None


def test_a_note_changes_only_what_it_is_given(db):
    """Contract 1: no --flag keeps the flag, no --text keeps the comment, --flag none clears the flag."""
    assert run(db, "note", TO_SHIP, "--flag", "orange", "--text", "pack with bubble wrap")[0] == 0
    code, out, _ = run(db, "note", TO_SHIP, "--text", "call the buyer first")
    assert code == 0 and results(out) == [f"{TO_SHIP}: note added (flag kept)"]
    order = get(db, TO_SHIP)
    assert (order.flag.value, order.current_note.text) == ("orange", "call the buyer first")
    code, out, _ = run(db, "note", TO_SHIP, "--flag", "blue")
    assert code == 0 and results(out) == [f"{TO_SHIP}: flag blue (comment kept)"]
    order = get(db, TO_SHIP)
    assert (order.flag.value, order.current_note.text) == ("blue", "call the buyer first")
    code, out, _ = run(db, "note", TO_SHIP, "--flag", "none")
    assert code == 0 and results(out) == [f"{TO_SHIP}: flag cleared (comment kept)"]
    order = get(db, TO_SHIP)
    assert (order.flag, order.current_note.text) == (None, "call the buyer first")


def test_operator_from_the_config_is_the_author(db, tmp_path):
    Path(os.environ["TSSHOP_CONFIG"]).write_text('operator = "warehouse-2"\n')
    assert run(db, "note", TO_SHIP, "--text", "hi")[0] == 0
    assert get(db, TO_SHIP).history[-1].actor == "warehouse-2"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("note", TO_SHIP), "a note needs --text, --flag or both"),
        (("note", TO_SHIP, "--text", "  "), "a note needs --text, --flag or both"),
        (("note", TO_SHIP, "--flag", "pink"), ""),  # argparse: invalid value, exit 2
        (("cancel", TO_SHIP, "--reason", "because"), "unknown cancel reason 'because'; valid codes: "
         "seller_cancel_reason_out_of_stock, seller_cancel_reason_wrong_price"),
        (("ship", TO_SHIP, "--tracking", "abc-1", "--carrier", "UPS"), "has 5 characters"),
        (("ship", TO_SHIP, "--tracking", TRACKING, "--carrier", "Pigeon"), "unknown carrier 'Pigeon'"),
        (("request", "reject", CANCEL_REQ, "--type", "cancellation"), "rejecting a buyer request needs --reason"),
        (("request", "maybe", CANCEL_REQ, "--type", "cancellation"), ""),
        (("cancel", "123456789", "--reason", "seller_cancel_reason_out_of_stock"), "no order '123456789'"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(db, argv, message):
    before = state(db)
    code, _, err = run(db, *argv)
    assert code == 2
    assert message in err
    assert state(db) == before


def test_cancel_bulk_all_ok_and_partial(db):
    code, out, err = run(db, "cancel", TO_SHIP, TO_SHIP_2, "--reason", "seller_cancel_paid_reason_address_not_deliver")
    assert code == 0 and err == ""
    assert results(out) == [
        f"{TO_SHIP}: cancelled (seller_cancel_paid_reason_address_not_deliver)",
        f"{TO_SHIP_2}: cancelled (seller_cancel_paid_reason_address_not_deliver)",
    ]
    code, out, err = run(db, "cancel", f"{TO_SHIP},{CANCEL_REQ}", "--reason", "seller_cancel_reason_wrong_price")
    assert code == 1
    assert results(out) == [f"{CANCEL_REQ}: cancelled (seller_cancel_reason_wrong_price)"]
    assert "warning: wrong price is seller fault and counts towards SFCR" in err
    assert f"refused: order {TO_SHIP} is cancelled: it is already cancelled" in err
    assert "1 of 2 orders changed; 1 refused and left unchanged" in err


def test_cancel_help_lists_every_reason_code(capsys):
    assert main(["cancel", "--help"]) == 0
    shown = capsys.readouterr().out
    for reason in CANCEL_REASONS:
        assert reason.code in shown
    assert "(seller fault)" in shown


def test_ship_help_lists_the_carriers(capsys):
    assert main(["ship", "--help"]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert all(carrier in shown for carrier in CARRIERS)


def test_ship_bulk_is_partial_when_some_cannot_ship(db):
    code, out, err = run(db, "ship", f"{TO_SHIP}=1Z999AA10000000001", f"{TRANSIT}=1Z999AA10000000002",
                         f"{TO_SHIP_2}=1Z999AA10000000003", "--carrier", "fedex")
    assert code == 1
    assert results(out) == [
        f"{TO_SHIP}: shipped with FedEx 1Z999AA10000000001",
        f"{TO_SHIP_2}: shipped with FedEx 1Z999AA10000000003",
    ]
    assert f"order {TRANSIT} is in transit: it has already shipped" in err
    order = get(db, TO_SHIP)
    assert (order.status, order.tracking_number, order.shipping_provider) == (
        S.AWAITING_COLLECTION, "1Z999AA10000000001", "FedEx",
    )


def test_one_tracking_number_for_several_orders_is_refused(db):
    before = state(db)
    for argv in (
        ("ship", TO_SHIP, TO_SHIP_2, "--tracking", "1Z999AA10000000001"),
        ("ship", f"{TO_SHIP}=1Z999AA10000000001", f"{TO_SHIP_2}=1Z999AA10000000001"),
    ):
        code, out, err = run(db, *argv, "--carrier", "UPS")
        assert (code, out) == (2, "")
        assert err == (f"tsshop: tracking number 1Z999AA10000000001 is given to 2 orders ({TO_SHIP}, {TO_SHIP_2}): "
                       "a tracking number is one package, so give each order its own as ID=TRACKING "
                       "(nothing was shipped)\n")
        assert state(db) == before
    code, _, err = run(db, "ship", TO_SHIP, "--carrier", "UPS")
    assert code == 2 and f"order {TO_SHIP} has no tracking number" in err
    assert state(db) == before


def test_a_tracking_number_another_order_has_is_a_warning(db):
    code, out, err = run(db, "ship", TO_SHIP, "--tracking", TRACKING, "--carrier", "UPS")
    assert code == 0 and results(out) == [f"{TO_SHIP}: shipped with UPS {TRACKING}"]
    assert err == f"tsshop: warning: tracking number {TRACKING} is already used by {TRANSIT}, 577000000000000005\n"
    assert get(db, TO_SHIP).tracking_number == TRACKING


def test_request_approve_and_reject(db):
    code, out, _ = run(db, "request", "approve", CANCEL_REQ, "--type", "cancellation")
    assert code == 0 and results(out) == [f"{CANCEL_REQ}: cancellation request approved"]
    assert get(db, CANCEL_REQ).status is S.CANCELLED
    code, out, _ = run(db, "request", "reject", RETURN_REQ, "--type", "return", "--reason", "worn")
    assert code == 0 and results(out) == [f"{RETURN_REQ}: return request rejected"]
    assert get(db, RETURN_REQ).requests[0].reject_reason == "worn"
    code, _, err = run(db, "request", "reject", RETURN_REQ, "--type", "return", "--reason", "worn out")
    assert code == 2 and "already answered (rejected by tester)" in err


def test_ids_can_come_from_stdin(db, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{TO_SHIP}\n{TO_SHIP_2}\n"))
    code, out, _ = run(db, "note", "-", "--flag", "green")
    assert code == 0 and len(results(out)) == 2


# Bulk jobs: reported as they commit, resumable ---------------------------------------------------


class KilledAfter(io.StringIO):
    """An output whose process is killed (Ctrl-C) when it is about to print its line number *lines* + 1."""

    def __init__(self, lines: int) -> None:
        super().__init__()
        self.lines = lines

    def write(self, text: str) -> int:
        if text.strip() and self.getvalue().count("\n") >= self.lines:
            raise KeyboardInterrupt
        return super().write(text)


def notes_of(db: Path, order_id: str) -> int:
    with Store(db, read_only=True) as store:
        return store.conn.execute("SELECT count(*) FROM notes WHERE order_id = ?", (order_id,)).fetchone()[0]


def test_a_killed_bulk_run_has_said_how_far_it_got_and_its_rerun_applies_nothing_twice(db):
    orders = [TO_SHIP, TO_SHIP_2, CANCELLED, UNPAID]
    argv = ["note", *orders, "--text", "n1", "--db", str(db), "--now", NOW.isoformat()]
    killed = KilledAfter(lines=2)  # the job line and the first order's
    with pytest.raises(KeyboardInterrupt):
        main(argv, out=killed, err=io.StringIO())
    job, first = killed.getvalue().splitlines()
    assert job.startswith("job ") and job.endswith(": 4 orders") and first == f"{TO_SHIP}: note added (flag kept)"
    # Killed while printing the second order: it had committed, the third and fourth had not begun.
    assert [notes_of(db, o) for o in orders] == [1, 1, 0, 0]
    code, out, err = run(db, "note", *orders, "--text", "n1")
    assert code == 0
    assert out.splitlines() == [
        job,
        f"{TO_SHIP}: skipped, already done by this job",
        f"{TO_SHIP_2}: skipped, already done by this job",
        f"{CANCELLED}: note added (flag kept)",
        f"{UNPAID}: note added (flag kept)",
    ]
    assert err == "tsshop: 2 of 4 orders changed; 2 already done by this job\n"
    assert [notes_of(db, o) for o in orders] == [1, 1, 1, 1]
    with Store(db, read_only=True) as store:
        jobs = {json.loads(after).get("job") for (after,) in store.conn.execute(
            "SELECT after FROM history WHERE action = 'note'")}
    assert jobs == {job.split()[1].rstrip(":")}


def test_the_job_id_is_made_of_operator_command_options_and_the_set_of_orders(db):
    def job(*argv: str) -> str:
        code, out, _ = run(db, "note", *argv)
        assert code == 0
        return out.splitlines()[0]

    first = job(TO_SHIP, TO_SHIP_2, "--text", "a")
    assert job(f"{TO_SHIP_2},{TO_SHIP}", "--text", "a") == first  # same set of orders, any order
    assert len({first, job(TO_SHIP, "--text", "a"), job(TO_SHIP, TO_SHIP_2, "--text", "b"),
                job(TO_SHIP, TO_SHIP_2, "--text", "a", "--flag", "red")}) == 4
    Path(os.environ["TSSHOP_CONFIG"]).write_text('operator = "warehouse-2"\n')
    assert job(TO_SHIP, TO_SHIP_2, "--text", "a") != first
    code, out, _ = run(db, "note", TO_SHIP, TO_SHIP_2, "--text", "a", "--job", "again-monday")
    assert code == 0 and out.splitlines() == [
        "job again-monday: 2 orders", f"{TO_SHIP}: note added (flag kept)", f"{TO_SHIP_2}: note added (flag kept)",
    ]


@pytest.mark.parametrize("command", ["note", "cancel", "ship", "request"])
def test_bulk_help_says_how_a_rerun_is_treated(capsys, command):
    assert main([command, "--help"]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "running the job again skips the orders it already changed ('already done by this job')" in shown
    assert "--job NAME" in shown


# Read-only ------------------------------------------------------------------------------------

CHANGES = [
    ("note", TO_SHIP, "--text", "x"),
    ("cancel", TO_SHIP, "--reason", "seller_cancel_reason_out_of_stock"),
    ("ship", TO_SHIP, "--tracking", TRACKING, "--carrier", "UPS"),
    ("request", "approve", CANCEL_REQ, "--type", "cancellation"),
    ("simulate", "--seconds", "0", "--count", "5"),
]


@pytest.mark.parametrize("argv", CHANGES, ids=lambda a: a[0])
@pytest.mark.parametrize("where", ["before", "after"])
def test_read_only_flag_refuses_every_change(db, argv, where):
    before = state(db)
    args = ("--read-only", *argv) if where == "before" else (*argv, "--read-only")
    code, out, err = run(db, *args)
    assert code == 2
    assert "read-only" in err and "nothing was changed" in err
    assert out == ""
    assert state(db) == before


@pytest.mark.parametrize("argv", CHANGES, ids=lambda a: a[0])
def test_read_only_config_refuses_every_change(db, argv):
    Path(os.environ["TSSHOP_CONFIG"]).write_text("read_only = true\n")
    before = state(db)
    code, _, err = run(db, *argv)
    assert code == 2 and "read-only" in err
    assert state(db) == before


def test_a_missing_database_is_not_created(tmp_path):
    missing = tmp_path / "nope.db"
    code, _, err = run(missing, "note", TO_SHIP, "--text", "x")
    assert code == 2 and "no database" in err
    assert not missing.exists()
