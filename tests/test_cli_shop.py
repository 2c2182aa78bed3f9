"""`tsshop shop add|list|remove`: connecting the double's test account, secrets kept out of sight."""

from __future__ import annotations

import io
import json
import stat
from datetime import datetime, timedelta, timezone

import pytest

from tsshop_tui.cli import main
from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.shops import LOCAL_SHOP, TokenState
from tsshop_tui.fake_tiktok import FakeTikTok
from tsshop_tui.io.credentials import CredentialStore
from tsshop_tui.store import Store

START = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=1)


class Terminal(io.StringIO):
    """Standard input that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def fake():
    with FakeTikTok(seed=21, shops=2, orders=40, clock=FixedClock(START)) as double:
        yield double


@pytest.fixture
def creds(tmp_path, monkeypatch):
    path = tmp_path / "private" / "credentials.json"
    monkeypatch.setenv("TSSHOP_CREDENTIALS", str(path))
    return path


def add(fake, db, *extra):
    codes = [arg for code in fake.auth_codes.values() for arg in ("--auth-code", code)]
    return run("shop", "add", "--db", str(db), "--api-base", fake.url, "--auth-base", fake.url,
               "--app-key", fake.app_key, *codes, *extra)


def test_add_connects_every_shop_and_keeps_secrets_in_the_private_file_only(tmp_path, fake, creds, monkeypatch):
    monkeypatch.setenv("TSSHOP_APP_SECRET", fake.app_secret)
    db = tmp_path / "new.db"
    code, out, err = add(fake, db, "--no-sync")
    assert code == 0, err
    assert "Added Glow & Co" in out and "Added Cloud Nine Goods" in out
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600 and stat.S_IMODE(creds.parent.stat().st_mode) == 0o700
    credentials = CredentialStore(creds)
    with Store(db, read_only=True) as store:
        shops = {shop.id: shop for shop in store.shops()}
    assert set(shops) == {LOCAL_SHOP, *fake.auth_codes}
    for shop_id in fake.auth_codes:
        shop = shops[shop_id]
        assert shop.remote and shop.token_state is TokenState.OK and shop.app_key == fake.app_key
        assert shop.cipher.startswith("ROW_") and shop.api_base == fake.url
        tokens = credentials.tokens(shop_id)
        secrets = (fake.app_secret, tokens.access_token.get_secret_value(), tokens.refresh_token.get_secret_value())
        for secret in secrets:
            assert secret not in out + err
            assert secret.encode() not in db.read_bytes()
    assert credentials.app(fake.app_key).app_secret.get_secret_value() == fake.app_secret


def test_add_asks_for_the_secret_without_echo_or_refuses_without_a_terminal(tmp_path, fake, creds, monkeypatch):
    monkeypatch.delenv("TSSHOP_APP_SECRET", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, out, err = add(fake, tmp_path / "a.db", "--no-sync")
    assert code == 2 and "TSSHOP_APP_SECRET" in err and not (tmp_path / "a.db").exists()
    asked: list[str] = []
    monkeypatch.setattr("sys.stdin", Terminal(""))
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or fake.app_secret)
    code, out, err = add(fake, tmp_path / "a.db", "--no-sync")
    assert code == 0, err
    assert asked and "not shown" in asked[0] and fake.app_secret not in out + err


def test_a_wrong_secret_or_auth_code_is_refused_and_nothing_is_written(tmp_path, fake, creds, monkeypatch):
    db = tmp_path / "shop.db"
    monkeypatch.setenv("TSSHOP_APP_SECRET", "not-the-secret-42")
    code, out, err = add(fake, db)
    assert code == 2 and "did not authorise" in err and "not-the-secret-42" not in out + err
    assert not db.exists() and not creds.exists()
    monkeypatch.setenv("TSSHOP_APP_SECRET", fake.app_secret)
    code, out, err = run("shop", "add", "--db", str(db), "--api-base", fake.url, "--auth-base", fake.url,
                         "--app-key", fake.app_key, "--auth-code", "ROW_NOT_A_CODE")
    assert code == 2 and "auth_code is not valid" in err and not db.exists()


def test_one_bad_code_of_two_adds_the_other_and_exits_partial(tmp_path, fake, creds, monkeypatch):
    monkeypatch.setenv("TSSHOP_APP_SECRET", fake.app_secret)
    first = next(iter(fake.auth_codes.values()))
    code, out, err = run("shop", "add", "--db", str(tmp_path / "s.db"), "--api-base", fake.url, "--auth-base",
                         fake.url, "--app-key", fake.app_key, "--auth-code", first, "--auth-code", "ROW_BAD",
                         "--no-sync")
    assert code == 1 and out.count("Added") == 1 and "auth code 2 of 2" in err and "ROW_BAD" not in err


def test_the_secret_is_never_an_argument_nor_in_any_help(fake, monkeypatch):
    monkeypatch.setenv("TSSHOP_APP_SECRET", fake.app_secret)
    code, out, _ = run("shop", "add", "--help")
    assert code == 0 and "TSSHOP_APP_SECRET" in out and "--app-secret" not in out
    for command in (["shop", "list"], ["shop", "remove"], ["sync"], ["webhook", "serve"], []):
        code, text, _ = run(*command, "--help")
        assert code == 0 and fake.app_secret not in text + out
    code, _, err = run("shop", "add", "--app-key", "k", "--auth-code", "c", "--app-secret", "s")
    assert code == 2 and "unrecognized arguments" in err


def test_list_says_token_state_last_sync_lag_and_error(tmp_path, fake, creds, monkeypatch):
    monkeypatch.setenv("TSSHOP_APP_SECRET", fake.app_secret)
    db = tmp_path / "shop.db"
    assert add(fake, db)[0] == 0
    synced_id, other_id = list(fake.auth_codes)
    with Store(db) as store:
        store.set_shop_state(other_id, token_state=TokenState.EXPIRED, last_error="the authorisation has expired")
    code, out, _ = run("shop", "list", "--db", str(db))
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert set(rows) == {LOCAL_SHOP, synced_id, other_id}
    assert " ok " in rows[synced_id] and "UTC" in rows[synced_id]
    assert "expired" in rows[other_id] and "the authorisation has expired" in rows[other_id]
    code, out, _ = run("shop", "list", "--db", str(db), "--json", "--now",
                       (datetime.now(timezone.utc) + timedelta(minutes=5)).isoformat())
    listed = {shop["id"]: shop for shop in json.loads(out)}
    assert listed[synced_id]["token_state"] == "ok" and 290 <= listed[synced_id]["lag_seconds"] <= 400
    assert listed[LOCAL_SHOP]["token_state"] == "local" and listed[LOCAL_SHOP]["lag_seconds"] is None
    tokens = CredentialStore(creds).tokens(synced_id)
    for secret in (fake.app_secret, tokens.access_token.get_secret_value(), tokens.refresh_token.get_secret_value()):
        assert secret not in out


def test_remove_asks_first_and_takes_the_orders_and_tokens(tmp_path, fake, creds, monkeypatch):
    monkeypatch.setenv("TSSHOP_APP_SECRET", fake.app_secret)
    db = tmp_path / "shop.db"
    assert add(fake, db)[0] == 0
    gone, kept = list(fake.auth_codes)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _, err = run("shop", "remove", gone, "--db", str(db))
    assert code == 2 and "--yes" in err
    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    code, out, err = run("shop", "remove", gone, "--db", str(db))
    assert code == 0 and "Nothing removed" in out and "[y/N]" in err
    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    code, out, _ = run("shop", "remove", gone, "--db", str(db))
    assert code == 0 and "Removed Glow & Co" in out and "orders" in out
    with Store(db, read_only=True) as store:
        assert store.shop(gone) is None and store.remote_state(gone) == {}
        assert store.remote_state(kept) == fake.snapshot()[kept]
    assert CredentialStore(creds).tokens(gone) is None and CredentialStore(creds).tokens(kept) is not None
    code, _, err = run("shop", "remove", gone, "--db", str(db), "--yes")
    assert code == 2 and f"no shop '{gone}'" in err
    code, _, err = run("shop", "remove", LOCAL_SHOP, "--db", str(db), "--yes")
    assert code == 2 and "cannot be removed" in err


def test_a_credentials_file_others_can_read_is_refused_in_one_line(tmp_path, fake, creds, monkeypatch):
    monkeypatch.setenv("TSSHOP_APP_SECRET", fake.app_secret)
    db = tmp_path / "shop.db"
    assert add(fake, db, "--no-sync")[0] == 0
    creds.chmod(0o644)
    code, out, err = add(fake, db, "--no-sync")
    assert code == 2 and f"chmod 600 {creds}" in err and len(err.strip().splitlines()) == 1
    code, out, err = run("sync", "--db", str(db))
    assert code == 1 and err.count("chmod 600") == 2 and "Traceback" not in err
    code, out, err = run("shop", "remove", next(iter(fake.auth_codes)), "--db", str(db), "--yes")
    assert code == 2 and "chmod 600" in err
    assert fake.app_secret not in out + err


def test_an_authorisation_ending_within_a_week_is_listed_as_expiring(tmp_path, creds, monkeypatch):
    with FakeTikTok(seed=22, shops=1, orders=10, clock=FixedClock(START), refresh_ttl=3 * 86_400) as double:
        monkeypatch.setenv("TSSHOP_APP_SECRET", double.app_secret)
        code, out, err = add(double, tmp_path / "shop.db", "--now", START.isoformat())
        assert code == 0, err
        code, listing, _ = run("shop", "list", "--db", str(tmp_path / "shop.db"), "--json")
    shop = next(s for s in json.loads(listing) if s["id"] != LOCAL_SHOP)
    assert shop["token_state"] == "expiring" and shop["token_expires_at"].startswith(
        (START + timedelta(days=3)).date().isoformat())
