"""`tsshop sync` against the TikTok double: the database ends equal to TikTok's state, whatever TikTok
(faults) or the machine (kill -9) does on the way; authorisation trouble stops only its own shop."""

from __future__ import annotations

import io
import logging
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tsshop_tui.cli import main
from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.shops import TokenState
from tsshop_tui.fake_tiktok import FakeTikTok, Faults
from tsshop_tui.io.credentials import CredentialStore
from tsshop_tui.io.tiktok.sync import SessionOptions, sync_all
from tsshop_tui.store import Store

from .test_outbox_delivery import secrets_of

START = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=1)
"""The double's clock starts here and moves only when a test advances it; each sync is told the
double's time with --now (or given its clock), as a real sync's clock agrees with TikTok's."""
REPO = Path(__file__).resolve().parent.parent


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def creds_env(tmp_path, monkeypatch):
    path = tmp_path / "secret" / "credentials.json"
    monkeypatch.setenv("TSSHOP_CREDENTIALS", str(path))
    return path


def now_of(fake: FakeTikTok) -> str:
    """The double's time, for --now."""
    return datetime.fromtimestamp(fake.now(), timezone.utc).isoformat()


def add_shops(fake: FakeTikTok, db: Path, monkeypatch, *extra: str) -> tuple[int, str, str]:
    monkeypatch.setenv("TSSHOP_APP_SECRET", fake.app_secret)
    codes = [arg for code in fake.auth_codes.values() for arg in ("--auth-code", code)]
    return run("shop", "add", "--db", str(db), "--api-base", fake.url, "--auth-base", fake.url,
               "--app-key", fake.app_key, *codes, "--now", now_of(fake), *extra)


def assert_same_as_the_double(db: Path, fake: FakeTikTok) -> None:
    snapshot = fake.snapshot()
    with Store(db, read_only=True) as store:
        for shop_id, orders in snapshot.items():
            assert store.remote_state(shop_id) == orders
    with sqlite3.connect(db) as conn:
        for shop_id, orders in snapshot.items():
            rows = conn.execute(
                "SELECT count(*), count(DISTINCT id) FROM orders WHERE shop_id = ?", (shop_id,)
            ).fetchone()
            assert rows == (len(orders), len(orders))
            requests = sum(len(order["requests"]) for order in orders.values())
            assert conn.execute("SELECT count(*) FROM requests WHERE shop_id = ?", (shop_id,)).fetchone()[0] == requests


def cancel_one(fake: FakeTikTok, db: Path):
    """Cancel an order to ship with the command line (its change waits for TikTok); the order."""
    with Store(db) as store:
        order = store.page("to-ship", limit=5).rows[0]
    code, _, err = run("cancel", "--db", str(db), order.id, "--reason", "seller_cancel_paid_reason_address_not_deliver",
                       "--now", now_of(fake))
    assert code == 0, err
    return order


def test_shop_add_syncs_both_shops_of_the_account_equal_to_the_double(tmp_path, creds_env, monkeypatch):
    db = tmp_path / "shop.db"
    with FakeTikTok(seed=2, shops=2, orders=300, clock=FixedClock(START)) as fake:
        code, out, err = add_shops(fake, db, monkeypatch)
        assert code == 0, err
        assert out.count("Added ") == 2 and out.count("orders,") == 2
        assert_same_as_the_double(db, fake)
        for secret in secrets_of(fake):
            assert secret not in out + err
            assert secret.encode() not in db.read_bytes()


def test_a_second_sync_reads_only_what_changed_and_catches_up(tmp_path, creds_env, monkeypatch):
    db = tmp_path / "shop.db"
    with FakeTikTok(seed=3, shops=2, orders=400, clock=FixedClock(START)) as fake:
        assert add_shops(fake, db, monkeypatch)[0] == 0
        fake.advance(600)
        with Store(db, clock=fake.clock) as store:
            outcomes = sync_all(store, CredentialStore(), fake.clock)
        assert_same_as_the_double(db, fake)
        for report in outcomes.values():
            assert report.pages <= 4 and report.requests_made <= 8  # ten minutes' changes, not 200 orders again


def test_faults_retries_and_duplicate_pages_still_end_equal(tmp_path, creds_env, monkeypatch):
    db = tmp_path / "shop.db"
    faults = Faults(rate=0.3, seed=11, timeout_delay=0.8)
    with FakeTikTok(seed=4, shops=2, orders=300, clock=FixedClock(START)) as fake:
        assert add_shops(fake, db, monkeypatch, "--no-sync")[0] == 0
        fake.faults = faults
        with Store(db, clock=fake.clock) as store:
            outcomes = sync_all(store, CredentialStore(), fake.clock,
                                options=SessionOptions(timeout=0.5, sleep=lambda s: None))
        assert all(not isinstance(o, str) for o in outcomes.values()), outcomes
        assert_same_as_the_double(db, fake)


def test_since_reads_the_window_again(tmp_path, creds_env, monkeypatch):
    db = tmp_path / "shop.db"
    with FakeTikTok(seed=5, shops=1, orders=120, clock=FixedClock(START)) as fake:
        assert add_shops(fake, db, monkeypatch)[0] == 0
        code, out, err = run("sync", "--db", str(db), "--since", (START - timedelta(days=30)).isoformat(),
                             "--now", now_of(fake))
        assert code == 0, err
        assert "120 orders," in out
        assert_same_as_the_double(db, fake)


def test_the_access_token_is_renewed_when_tiktok_says_it_expired(tmp_path, creds_env, monkeypatch):
    db = tmp_path / "shop.db"
    with FakeTikTok(seed=6, shops=2, orders=60, clock=FixedClock(START)) as fake:
        assert add_shops(fake, db, monkeypatch)[0] == 0
        before = CredentialStore().tokens(next(iter(fake.auth_codes))).access_token
        fake.expire_tokens()
        fake.advance(1800)
        code, out, err = run("sync", "--db", str(db), "--now", now_of(fake))
        assert code == 0, err
        assert CredentialStore().tokens(next(iter(fake.auth_codes))).access_token != before
        assert_same_as_the_double(db, fake)


def test_a_token_close_to_expiry_is_renewed_before_the_call(tmp_path, creds_env, monkeypatch):
    db = tmp_path / "shop.db"
    with FakeTikTok(seed=6, shops=1, orders=30, clock=FixedClock(START), access_ttl=1800) as fake:
        assert add_shops(fake, db, monkeypatch, "--no-sync")[0] == 0
        shop_id = next(iter(fake.auth_codes))
        before = CredentialStore().tokens(shop_id)
        assert before.access_expires_at - START.timestamp() == 1800  # inside the hour before expiry
        with Store(db, clock=fake.clock) as store:
            report = sync_all(store, CredentialStore(), fake.clock)[shop_id]
            assert not isinstance(report, str)
            assert store.shop(shop_id).token_state is TokenState.OK
        assert CredentialStore().tokens(shop_id).access_token != before.access_token


@pytest.mark.parametrize("trouble", ["revoked", "bad secret", "expired"])
def test_authorisation_trouble_stops_only_that_shop_with_a_clear_message(
    tmp_path, creds_env, monkeypatch, caplog, trouble
):
    """Two apps (two doubles): shop A of the first has trouble, shop B of the second syncs on. No
    secret in any output or log line."""
    caplog.set_level(logging.DEBUG)
    db = tmp_path / "shop.db"
    with FakeTikTok(seed=7, shops=1, orders=60, clock=FixedClock(START)) as first, \
            FakeTikTok(seed=8, shops=2, orders=80, clock=FixedClock(START)) as second:
        assert add_shops(first, db, monkeypatch, "--no-sync")[0] == 0
        bad = next(iter(first.auth_codes))
        good = list(second.auth_codes)[1]
        monkeypatch.setenv("TSSHOP_APP_SECRET", second.app_secret)
        assert run("shop", "add", "--db", str(db), "--api-base", second.url, "--auth-base", second.url, "--no-sync",
                   "--app-key", second.app_key, "--auth-code", second.auth_codes[good])[0] == 0
        monkeypatch.delenv("TSSHOP_APP_SECRET")
        secrets = secrets_of(first) + secrets_of(second)
        credentials = CredentialStore()
        if trouble == "revoked":
            first.revoke(bad)
        elif trouble == "bad secret":
            credentials.save_app(first.app_key, "a-wrong-secret-1234", first.url, first.url)
            secrets.append("a-wrong-secret-1234")
        else:  # TikTok calls the access token expired, and the refresh token has lapsed too
            first.expire_tokens(bad)
            tokens = credentials.tokens(bad)
            credentials.save_tokens(bad, replace(tokens, refresh_expires_at=int(START.timestamp()) - 1))
        code, out, err = run("sync", "--db", str(db), "--now", now_of(first))
        assert code == 1
        assert out.count("orders,") == 1 and len(err.strip().splitlines()) == 1
        words = {"revoked": "revoked", "bad secret": "signature", "expired": "expired"}[trouble]
        assert words in err and "tsshop shop add" in err
        with Store(db, read_only=True) as store:
            stopped, fine = store.shop(bad), store.shop(good)
            assert store.remote_state(good) == second.snapshot()[good]
        assert stopped.last_error and words in stopped.last_error and fine.last_error is None
        expected_state = {"revoked": TokenState.REVOKED, "bad secret": TokenState.OK, "expired": TokenState.EXPIRED}
        assert stopped.token_state is expected_state[trouble]
        code, listing, _ = run("shop", "list", "--db", str(db))
        assert words in listing
        for secret in secrets:
            assert secret not in out + err + listing + caplog.text


def test_kill_nine_three_times_under_faults_then_the_database_equals_the_double(tmp_path, creds_env, monkeypatch):
    """THE test of issue 13: 20% faults (429, 5xx, timeouts, duplicate and shuffled pages) and a
    `kill -9` of `tsshop sync` at three random moments; one more sync, and every order, status, line
    and request equals the double's, none twice."""
    db = tmp_path / "shop.db"
    rng = random.Random(int(os.environ.get("TSSHOP_TEST_SEED", "13")))
    faults = Faults(rate=0.2, seed=rng.randrange(1000), timeout_delay=1.0)
    env = {**os.environ, "TSSHOP_TIKTOK_TIMEOUT": "0.6", "PYTHONPATH": str(REPO)}
    with FakeTikTok(seed=8, shops=2, orders=700, clock=FixedClock(START), faults=faults) as fake:
        code, _, err = add_shops(fake, db, monkeypatch, "--no-sync")
        assert code == 0, err
        env["TSSHOP_CREDENTIALS"] = str(creds_env)
        env.pop("TSSHOP_APP_SECRET", None)
        killed_mid_sync = 0
        for kill in range(3):
            sync = subprocess.Popen([sys.executable, "-m", "tsshop_tui.cli", "sync", "--db", str(db), "--now",
                                     now_of(fake)], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
            progress = _pages_written(db)
            deadline = time.monotonic() + 15
            while _pages_written(db) == progress and sync.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(rng.uniform(0.0, 0.6))
            if sync.poll() is None:
                killed_mid_sync += 1
            os.kill(sync.pid, signal.SIGKILL)
            sync.wait()
            fake.advance(rng.uniform(60, 1200))  # TikTok moves on while the sync is down
        assert killed_mid_sync >= 2
        final = subprocess.run([sys.executable, "-m", "tsshop_tui.cli", "sync", "--db", str(db), "--now", now_of(fake)],
                               env=env,
                               capture_output=True, text=True, cwd=REPO, timeout=60)
        assert final.returncode == 0, final.stderr
        fake.faults = Faults()
        assert_same_as_the_double(db, fake)
        for secret in secrets_of(fake):
            assert secret not in final.stdout + final.stderr


def _pages_written(db: Path) -> tuple:
    """The sync cursors as they stand (a new page written changes them)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return tuple(conn.execute("SELECT * FROM sync_cursors ORDER BY shop_id, stream"))
    except sqlite3.Error:
        return ()


def test_ctrl_c_stops_the_sync_after_its_page_and_the_next_sync_completes(tmp_path, creds_env, monkeypatch):
    db = tmp_path / "shop.db"
    env = {**os.environ, "TSSHOP_CREDENTIALS": str(creds_env)}
    env.pop("TSSHOP_APP_SECRET", None)
    with FakeTikTok(seed=9, shops=1, orders=800, clock=FixedClock(START),
                    faults=Faults(rate=0.5, kinds=("timeout",), timeout_delay=0.05)) as fake:
        assert add_shops(fake, db, monkeypatch, "--no-sync")[0] == 0
        command = [sys.executable, "-m", "tsshop_tui.cli", "sync", "--db", str(db), "--now", now_of(fake)]
        sync = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
        deadline = time.monotonic() + 15
        while not _pages_written(db) and time.monotonic() < deadline:
            time.sleep(0.02)
        sync.send_signal(signal.SIGINT)
        out, err = sync.communicate(timeout=30)
        assert sync.returncode == 1 and "Stopping the sync after the page it is on" in err
        assert "Traceback" not in err and "stopped before the end" in out
        code, out, err = run("sync", "--db", str(db), "--now", now_of(fake))
        assert code == 0, err
        assert_same_as_the_double(db, fake)


def test_one_tsshop_at_a_time_syncs_a_shop_and_a_killed_one_leaves_no_lock(tmp_path, creds_env, monkeypatch):
    with FakeTikTok(seed=5, shops=1, orders=20, clock=FixedClock(START)) as fake:
        db = tmp_path / "shop.db"
        assert add_shops(fake, db, monkeypatch, "--no-sync")[0] == 0
        with Store(db) as store:
            shop_id = next(s.id for s in store.shops() if s.remote)
            other = "warehouse-pc pid 4242"  # another machine's terminal, alive as far as we can know
            assert store.take_lease(shop_id, other, 600) is None
            code, out, err = run("sync", "--db", str(db), "--now", now_of(fake))
            assert code == 1 and "another tsshop (warehouse-pc pid 4242) is syncing this shop now" in err
            assert store.shop(shop_id).last_error is None  # nothing wrong with the shop
            assert store.remote_state(shop_id) == {}

            dead = subprocess.Popen([sys.executable, "-c", "pass"])
            dead.wait()  # a tsshop of this machine that was killed while it held the lease
            store.release_lease(shop_id, other)
            assert store.take_lease(shop_id, f"{socket.gethostname()} pid {dead.pid}", 600) is None
        code, out, err = run("sync", "--db", str(db), "--now", now_of(fake))
        assert code == 0, err
        assert_same_as_the_double(db, fake)


def test_a_renewal_tiktok_refuses_for_any_reason_stops_the_shop_and_never_its_changes(
    tmp_path, creds_env, monkeypatch
):
    from tsshop_tui.io.tiktok.client import ApiError, TikTokClient

    db = tmp_path / "shop.db"
    with FakeTikTok(seed=8, shops=1, orders=40, clock=FixedClock(START)) as fake:
        assert add_shops(fake, db, monkeypatch)[0] == 0
        order = cancel_one(fake, db)

        def refused(self):
            raise ApiError(36004004, "The refresh request is not valid")

        monkeypatch.setattr(TikTokClient, "refresh", refused)
        fake.expire_tokens()
        code, out, err = run("outbox", "--db", str(db), "--send", "--now", now_of(fake))
        assert code == 1 and "authorisation has expired" in err + out
        with Store(db) as store:
            shop = next(s for s in store.shops() if s.remote)
            assert shop.token_state is TokenState.EXPIRED
            waiting = store.outbox()
            assert [(item.order_id, item.state.value) for item in waiting] == [(order.id, "pending")]
            assert store.get(order.id).remote_error is None


def test_a_sync_sends_the_changes_made_here_first_then_pulls_tiktoks_copy(tmp_path, creds_env, monkeypatch):
    db = tmp_path / "shop.db"
    with FakeTikTok(seed=9, shops=1, orders=40, clock=FixedClock(START)) as fake:
        assert add_shops(fake, db, monkeypatch)[0] == 0
        order = cancel_one(fake, db)
        code, out, err = run("sync", "--db", str(db), "--now", now_of(fake))
        assert code == 0, err
        assert [(kind, target) for kind, target, _ in fake.applied] == [("cancel", order.id)]
        with Store(db) as store:
            assert store.get(order.id).pending_action is None and store.outbox(state="pending") == []
        assert_same_as_the_double(db, fake)
