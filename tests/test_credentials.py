"""The credentials file: the user's own (0600 in a 0700 folder), replaced whole, never shown."""

from __future__ import annotations

import os
import stat

import pytest
from pydantic import SecretStr

from tsshop_tui.io.credentials import CredentialsError, CredentialStore, ShopTokens, credentials_path

SECRET, ACCESS, REFRESH = "app-secret-6f1d", "access-token-93ab", "refresh-token-07cc"


def tokens(app_key: str = "key1", access: str = ACCESS, refresh: str = REFRESH) -> ShopTokens:
    return ShopTokens(app_key, SecretStr(access), 2_000_000_000, SecretStr(refresh), 2_100_000_000)


def test_the_file_is_made_for_the_user_alone_and_reads_back(tmp_path):
    path = tmp_path / "new" / "folder" / "credentials.json"
    creds = CredentialStore(path)
    creds.save_app("key1", SecretStr(SECRET), "http://127.0.0.1:1", "http://127.0.0.1:2")
    creds.save_tokens("shop1", tokens())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    app = creds.app("key1")
    assert app.app_secret.get_secret_value() == SECRET and app.api_base == "http://127.0.0.1:1"
    again = CredentialStore(path).tokens("shop1")
    assert again.access_token.get_secret_value() == ACCESS and again.refresh_expires_at == 2_100_000_000
    assert creds.tokens("shop2") is None and creds.app("key2") is None
    assert [p.name for p in path.parent.iterdir() if not p.name.endswith(".lock")] == ["credentials.json"]


def test_secrets_never_show_in_a_repr_or_str(tmp_path):
    creds = CredentialStore(tmp_path / "c.json")
    creds.save_app("key1", SECRET, "a", "b")
    creds.save_tokens("shop1", tokens())
    shown = " ".join([repr(creds), repr(creds.app("key1")), str(creds.app("key1")), repr(creds.tokens("shop1"))])
    assert SECRET not in shown and ACCESS not in shown and REFRESH not in shown


def test_the_environment_chooses_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TSSHOP_CREDENTIALS", str(tmp_path / "elsewhere.json"))
    assert credentials_path() == tmp_path / "elsewhere.json"
    CredentialStore().save_app("key1", SECRET, "a", "b")
    assert (tmp_path / "elsewhere.json").exists()
    monkeypatch.delenv("TSSHOP_CREDENTIALS")
    assert credentials_path().name == "credentials.json" and credentials_path() != tmp_path / "elsewhere.json"


def test_a_file_others_can_read_is_refused_and_says_chmod(tmp_path):
    path = tmp_path / "c.json"
    creds = CredentialStore(path)
    creds.save_tokens("shop1", tokens())
    os.chmod(path, 0o644)
    with pytest.raises(CredentialsError) as caught:
        creds.tokens("shop1")
    assert f"chmod 600 {path}" in str(caught.value) and ACCESS not in str(caught.value)
    with pytest.raises(CredentialsError):
        creds.save_tokens("shop2", tokens())  # nothing is written over it either
    os.chmod(path, 0o600)
    assert creds.tokens("shop1") is not None and creds.tokens("shop2") is None


def test_a_damaged_file_is_refused_without_quoting_it(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('{"apps": {"k": {"app_secret": "' + SECRET + '"')
    os.chmod(path, 0o600)
    with pytest.raises(CredentialsError) as caught:
        CredentialStore(path).app("k")
    assert "not a tsshop credentials file" in str(caught.value) and SECRET not in str(caught.value)


def test_saving_replaces_one_shop_and_keeps_the_others(tmp_path):
    creds = CredentialStore(tmp_path / "c.json")
    creds.save_app("key1", SECRET, "a", "b")
    creds.save_tokens("shop1", tokens())
    creds.save_tokens("shop2", tokens(access="other-access", refresh="other-refresh"))
    creds.save_tokens("shop1", tokens(access="renewed-access"))
    assert creds.tokens("shop1").access_token.get_secret_value() == "renewed-access"
    assert creds.tokens("shop2").access_token.get_secret_value() == "other-access"


def test_forgetting_the_last_shop_of_an_app_forgets_the_app(tmp_path):
    creds = CredentialStore(tmp_path / "c.json")
    creds.save_app("key1", SECRET, "a", "b")
    creds.save_tokens("shop1", tokens())
    creds.save_tokens("shop2", tokens())
    assert creds.forget("shop1") and creds.app("key1") is not None
    assert creds.forget("shop2") and creds.app("key1") is None
    assert not creds.forget("shop2")
    assert SECRET not in (tmp_path / "c.json").read_text()


def test_shops_of_one_authorisation_get_its_renewed_tokens_together(tmp_path):
    creds = CredentialStore(tmp_path / "c.json")
    creds.save_tokens("shop1", tokens())
    creds.save_tokens("shop2", tokens())
    creds.save_tokens("shop3", ShopTokens("key1", SecretStr("a3"), 1, SecretStr("another-grant"), 2))
    renewed = ShopTokens("key1", SecretStr("renewed-access"), 3, SecretStr("renewed-refresh"), 4)
    creds.save_tokens("shop1", renewed)
    assert creds.tokens("shop2") == renewed and creds.tokens("shop1") == renewed
    assert creds.tokens("shop3").refresh_token.get_secret_value() == "another-grant"


def test_the_lock_may_be_taken_again_by_its_holder(tmp_path):
    creds = CredentialStore(tmp_path / "c.json")
    with creds.locked(), creds.locked():
        creds.save_tokens("shop1", tokens())
    assert creds.tokens("shop1") is not None
