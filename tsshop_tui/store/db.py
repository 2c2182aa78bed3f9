"""Opening the database: WAL, busy timeout, foreign keys, migrations, one short transaction per write."""

from __future__ import annotations

import getpass
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from ..domain.clock import Clock, SystemClock, to_epoch
from . import schema

BUSY_TIMEOUT_MS = 10_000


class StoreError(Exception):
    """A problem with the database a user can act on (missing, read-only, newer schema)."""


class StaleError(StoreError):
    """A change based on a stale view: another terminal changed the order meanwhile."""


class ReadOnlyError(StoreError):
    pass


def default_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "tsshop"


def connect(path: str | Path, *, read_only: bool = False, create: bool = True) -> sqlite3.Connection:
    path = Path(path)
    if read_only or not create:
        if not path.exists():
            raise StoreError(f"no database at {path}: build one with 'tsshop demo' or 'tsshop import'")
    if read_only:
        conn = sqlite3.connect(
            f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
        )
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if not read_only:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def pending_upgrade(path: str | Path) -> int | None:
    """The older schema version of the tsshop database at *path*, which a writable open will upgrade
    (a minute or so on a big shop: worth telling the user first); None if there is nothing to do."""
    path = Path(path)
    if not path.exists():
        return None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()
    return version if 0 < version < schema.SCHEMA_VERSION else None


class StoreBase:
    """The connection and its helpers; the read and write mixins build on it.

    One Store per thread: a SQLite connection belongs to the thread that uses it.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Clock | None = None,
        read_only: bool = False,
        actor: str | None = None,
        create: bool = True,
    ) -> None:
        self.path = Path(path)
        self.clock: Clock = clock or SystemClock()
        self.read_only = read_only
        self.actor = actor or default_actor()
        self.conn = connect(self.path, read_only=read_only, create=create)
        self.db = sqlite_utils.Database(self.conn)
        try:
            self._open_schema()
        except BaseException:
            self.conn.close()
            raise

    def _open_schema(self) -> None:
        """Upgrade an older schema (writable) or say who can (read-only); refuse a newer one."""
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > schema.SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was made by a newer tsshop (schema {version}; this one knows up to"
                f" {schema.SCHEMA_VERSION})"
            )
        if not self.read_only:
            with self.transaction():
                schema.migrate(self.conn)
        elif version == 0:
            raise StoreError(f"{self.path} is not a tsshop database")
        elif version < schema.SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was made by an older tsshop (schema {version}): open it once without"
                " --read-only to upgrade it"
            )

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> StoreBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now_epoch(self) -> int:
        return to_epoch(self.clock.now())

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction; BEGIN IMMEDIATE waits (busy timeout) rather than fails."""
        if self.read_only:
            raise ReadOnlyError("this terminal is read-only: changes are switched off")
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def data_version(self) -> int:
        """Changes when another connection commits: the cheap poll behind live refresh."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def record(
        self,
        conn: sqlite3.Connection,
        order_id: str,
        action: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        *,
        at: int | None = None,
        actor: str | None = None,
    ) -> None:
        """Append a history event inside the caller's transaction."""
        conn.execute(
            "INSERT INTO history (order_id, at, actor, action, before, after) VALUES (?, ?, ?, ?, ?, ?)",
            (
                order_id,
                at if at is not None else self.now_epoch(),
                actor or self.actor,
                action,
                json.dumps(before or {}, default=str),
                json.dumps(after or {}, default=str),
            ),
        )

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, conn: sqlite3.Connection, key: str, value: str) -> None:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
