"""The secrets of TikTok apps and shops (app secret, access and refresh tokens) in a file of the user's own.

The file is JSON at ``$TSSHOP_CREDENTIALS``, else ``credentials.json`` in the user data directory. It is
created 0600 in a folder created 0700, always replaced whole (written beside it, then renamed), and a
file that others may read is refused until it is ``chmod 600``. Nothing here ever puts a secret in a
message, a log or a repr: secrets are ``SecretStr`` from the moment they are read.
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import SecretStr

APP_NAME = "tsshop"
FILE_NAME = "credentials.json"
FORMAT_VERSION = 1


class CredentialsError(Exception):
    """The credentials file cannot be used as it is; the message says what to do, never a secret."""


@dataclass(frozen=True)
class AppCredentials:
    """A TikTok app: its key (not a secret), its secret, and the hosts it talks to."""

    app_key: str
    app_secret: SecretStr
    api_base: str
    auth_base: str


@dataclass(frozen=True)
class ShopTokens:
    """A shop's authorisation: which app it was granted to, and the tokens with their expiry (epoch s)."""

    app_key: str
    access_token: SecretStr
    access_expires_at: int
    refresh_token: SecretStr
    refresh_expires_at: int


def credentials_path() -> Path:
    """``$TSSHOP_CREDENTIALS``, else ``credentials.json`` in the user data directory."""
    override = os.environ.get("TSSHOP_CREDENTIALS")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME)) / FILE_NAME


class CredentialStore:
    """Read and write the credentials file; every change re-reads it under a lock, so several
    tsshop processes (a sync, the webhook server, the command centre) never lose each other's tokens."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else credentials_path()
        self._thread_lock = threading.RLock()
        self._depth = 0

    def __repr__(self) -> str:
        return f"CredentialStore({str(self.path)!r})"

    # reading -----------------------------------------------------------------------------

    def app(self, app_key: str) -> AppCredentials | None:
        entry = self._read()["apps"].get(app_key)
        return None if entry is None else _app(app_key, entry)

    def apps(self) -> list[AppCredentials]:
        """Every app kept (to check a webhook's signature against)."""
        return [_app(key, entry) for key, entry in self._read()["apps"].items()]

    def tokens(self, shop_id: str) -> ShopTokens | None:
        entry = self._read()["shops"].get(shop_id)
        if entry is None:
            return None
        return ShopTokens(
            app_key=entry["app_key"],
            access_token=SecretStr(entry["access_token"]),
            access_expires_at=int(entry["access_expires_at"]),
            refresh_token=SecretStr(entry["refresh_token"]),
            refresh_expires_at=int(entry["refresh_expires_at"]),
        )

    # writing -----------------------------------------------------------------------------

    def save_app(self, app_key: str, app_secret: SecretStr | str, api_base: str, auth_base: str) -> None:
        secret = app_secret.get_secret_value() if isinstance(app_secret, SecretStr) else app_secret
        with self._changing() as data:
            data["apps"][app_key] = {"app_secret": secret, "api_base": api_base, "auth_base": auth_base}

    def save_tokens(self, shop_id: str, tokens: ShopTokens) -> None:
        """Keep a shop's tokens. One authorisation covers every shop of a seller: the other shops that
        held the same refresh token get the new tokens too (TikTok retires the old ones on refresh)."""
        entry = {
            "app_key": tokens.app_key,
            "access_token": tokens.access_token.get_secret_value(),
            "access_expires_at": tokens.access_expires_at,
            "refresh_token": tokens.refresh_token.get_secret_value(),
            "refresh_expires_at": tokens.refresh_expires_at,
        }
        with self._changing() as data:
            shops = data["shops"]
            old = shops.get(shop_id)
            grant = None if old is None else (old["app_key"], old["refresh_token"])
            sharing = [other for other, held in shops.items() if (held["app_key"], held["refresh_token"]) == grant]
            for other in {shop_id, *sharing}:
                shops[other] = dict(entry)

    def forget(self, shop_id: str) -> bool:
        """Drop a shop's tokens (an app nobody uses any more goes too); whether there were any."""
        with self._changing() as data:
            entry = data["shops"].pop(shop_id, None)
            if entry is not None and not any(s["app_key"] == entry["app_key"] for s in data["shops"].values()):
                data["apps"].pop(entry["app_key"], None)
        return entry is not None

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the file's lock (another process or thread waits; the holder may take it again): read,
        talk to TikTok, save, as one step."""
        with self._thread_lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._ensure_folder()
            lock_path = self.path.with_name(self.path.name + ".lock")
            try:
                fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as error:
                raise CredentialsError(f"cannot lock {lock_path}: {error.strerror or error}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._depth = 1
                yield
            finally:
                self._depth = 0
                os.close(fd)

    # the file ----------------------------------------------------------------------------

    def _read(self) -> dict[str, Any]:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return _empty()
        except OSError as error:
            raise CredentialsError(f"cannot read {self.path}: {error.strerror or error}") from None
        try:
            mode = os.fstat(fd).st_mode
            if not stat.S_ISREG(mode):
                raise CredentialsError(f"{self.path} is not a file")
            if mode & 0o077:
                raise CredentialsError(
                    f"{self.path} may be read by other users (mode {stat.S_IMODE(mode):o}); it holds secrets,"
                    f" so tsshop will not use it until you run: chmod 600 {self.path}"
                )
            with os.fdopen(os.dup(fd), "rb") as file:
                raw = file.read()
        finally:
            os.close(fd)
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise CredentialsError(f"{self.path} is not a tsshop credentials file (not JSON)") from None
        if not isinstance(data, dict) or not isinstance(data.get("apps"), dict) or not isinstance(
            data.get("shops"), dict
        ):
            raise CredentialsError(f"{self.path} is not a tsshop credentials file")
        return data

    @contextmanager
    def _changing(self) -> Iterator[dict[str, Any]]:
        with self.locked():
            data = self._read()
            yield data
            self._write(data)

    def _ensure_folder(self) -> None:
        folder = self.path.parent
        if folder.is_dir():
            return
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise CredentialsError(f"cannot make {folder}: {error.strerror or error}") from None

    def _write(self, data: dict[str, Any]) -> None:
        data["version"] = FORMAT_VERSION
        raw = json.dumps(data, indent=2, sort_keys=True).encode()
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as file:
                file.write(raw)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise CredentialsError(f"cannot write {self.path}: {error.strerror or error}") from None


def _app(app_key: str, entry: dict[str, Any]) -> AppCredentials:
    return AppCredentials(
        app_key=app_key,
        app_secret=SecretStr(entry["app_secret"]),
        api_base=entry.get("api_base", ""),
        auth_base=entry.get("auth_base", ""),
    )


def _empty() -> dict[str, Any]:
    return {"version": FORMAT_VERSION, "apps": {}, "shops": {}}
