"""Opening the database: what lies at the path is checked first (a folder, a file of another program,
a damaged or read-only database is refused in one line and left untouched), then WAL, busy timeout,
foreign keys, migrations, one short transaction per write."""

from __future__ import annotations

import getpass
import json
import os
import shlex
import sqlite3
import stat
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..domain.clock import Clock, SystemClock, to_epoch
from . import schema

if TYPE_CHECKING:
    import sqlite_utils

    from ..domain.model import Order
    from ..domain.query import Filters, Sort
    from .reads import Cursor

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


SQLITE_MAGIC = b"SQLite format 3\x00"
OUR_TABLES = frozenset({"orders", "line_items", "notes", "requests", "history", "meta"})
START_HINT = "build one with 'tsshop demo' or 'tsshop import'"


def damaged(path: Path, why: str) -> StoreError:
    """The refusal of a damaged database, with the way to save what it holds."""
    quoted = shlex.quote(str(path))
    return StoreError(
        f"{path} is damaged ({why}); nothing was changed. Recover what it holds into a new file with"
        f" \"sqlite3 {quoted} .recover | sqlite3 recovered.db\" and use --db recovered.db"
    )


def database_problem(path: Path, error: sqlite3.Error) -> StoreError:
    """A one-line account of what SQLite found wrong with the database at *path*."""
    text = str(error)
    if any(word in text for word in ("malformed", "not a database", "encrypted")):
        return damaged(path, text)
    if "readonly" in text or "read-only" in text:
        return StoreError(f"cannot change {path}: SQLite finds it read-only ({text}); nothing was changed")
    if "locked" in text or "busy" in text:
        return StoreError(
            f"{path} is busy: another program held it for {BUSY_TIMEOUT_MS // 1000} s ({text}); try again"
        )
    if "full" in text:
        return StoreError(f"cannot write {path}: the disk is full ({text})")
    return StoreError(f"cannot use {path}: {text}")


def _can_write(path: Path, *, folder: bool = False) -> bool:
    """*path* can be written: the system allows it and some write permission bit is set (a file or
    folder made read-only with chmod is taken as read-only even by root, who could write it)."""
    try:
        return os.access(path, os.W_OK | (os.X_OK if folder else 0)) and bool(path.stat().st_mode & 0o222)
    except OSError:
        return False


def _cannot_create(path: Path) -> str:
    """Why a new database cannot be made at *path* ('' if it can): its nearest existing folder."""
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        return f"{folder} is a file, not a folder"
    return "" if _can_write(folder, folder=True) else f"its folder {folder} is read-only"


@dataclass(frozen=True)
class Place:
    """What lies at a database path, seen before SQLite opens it."""

    path: Path
    size: int | None  # None: nothing there yet
    cannot_write: str  # why it cannot be changed or created ('' if it can)
    folder_writable: bool  # SQLite can make its side files (-wal, -shm) beside it
    logged: bool  # changes are waiting in its write-ahead log (-wal)

    @property
    def empty(self) -> bool:
        return not self.size

    def read_uri(self) -> str:
        """The URI that opens it read-only, never writing. In a folder that cannot be written (a
        read-only mount, say) SQLite cannot make the side files WAL mode reads with: with no change
        waiting in the log, the file alone is the whole database and opens immutable."""
        if self.folder_writable or (self.logged and Path(f"{self.path}-shm").exists()):
            mode = "mode=ro"
        elif not self.logged:
            mode = "immutable=1"
        else:
            raise StoreError(
                f"cannot read {self.path}: its folder is read-only and its latest changes wait in"
                f" {self.path}-wal; open it once where it can be written"
            )
        return f"file:{quote(str(self.path.absolute()))}?{mode}"


def examine(path: Path) -> Place:
    """Look at *path* before SQLite does: refuse (StoreError, one line) a folder, a special file, a
    file that is not SQLite, and a database cut short; say whether it can be written."""
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return Place(path, None, _cannot_create(path), False, False)
    except OSError as error:
        raise StoreError(f"cannot read {path}: {error.strerror or error}") from None
    if stat.S_ISDIR(info.st_mode):
        raise StoreError(f"{path} is a directory: give the database file in it with --db")
    if not stat.S_ISREG(info.st_mode):
        raise StoreError(f"{path} is not a regular file, so not a tsshop database: give another --db")
    try:
        wal = Path(f"{path}-wal")
        logged = wal.exists() and wal.stat().st_size > 0
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError as error:
        raise StoreError(f"cannot read {path}: {error.strerror or error}") from None
    if header:
        _check_header(path, header, info.st_size, logged)
    folder_writable = _can_write(path.parent, folder=True)
    if not folder_writable:
        cannot_write = f"its folder {path.parent} is read-only"
    elif not _can_write(path):
        cannot_write = "the file is read-only"
    else:
        cannot_write = ""
    return Place(path, info.st_size, cannot_write, folder_writable, logged)


def _check_header(path: Path, header: bytes, size: int, logged: bool) -> None:
    """Refuse a file that is not SQLite, and a database whose file is shorter than its header says."""
    if not header.startswith(SQLITE_MAGIC):
        if SQLITE_MAGIC.startswith(header):
            raise damaged(path, "cut short inside its header")
        raise StoreError(f"{path} is not a tsshop database (not an SQLite file): tsshop leaves it alone")
    if len(header) < 100:
        raise damaged(path, "cut short inside its header")
    page = int.from_bytes(header[16:18], "big")
    page = 65536 if page == 1 else page
    if page < 512 or page & (page - 1):
        raise damaged(path, "its header is garbled")
    if logged:  # a checkpoint may be under way: the log, not the file, says how long it is
        return
    pages = int.from_bytes(header[28:32], "big")
    if size % page or (header[24:28] == header[92:96] and pages * page > size):
        raise damaged(path, f"cut short: {size:,} bytes of {max(pages * page, size):,}")


def schema_version(conn: sqlite3.Connection, path: Path) -> int | None:
    """The tsshop schema version of the open database; None if it is empty (a new file, or one whose
    first open was killed). Refuses (StoreError) a database of another program, a newer tsshop's,
    and a damaged one — having read only."""
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        objects = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.Error as error:
        raise database_problem(path, error) from None
    if version == 0 and objects == 0:
        return None
    if version < 1 or not OUR_TABLES <= tables:
        raise StoreError(
            f"{path} is not a tsshop database (it holds {len(tables)} table{'' if len(tables) == 1 else 's'}"
            " of another program): tsshop leaves it untouched; give another --db"
        )
    if version > schema.SCHEMA_VERSION:
        raise StoreError(
            f"{path} was made by a newer tsshop (schema {version}; this one knows up to"
            f" {schema.SCHEMA_VERSION})"
        )
    return version


def _connect(place: Place, *, read_only: bool) -> sqlite3.Connection:
    try:
        if read_only:
            return sqlite3.connect(place.read_uri(), uri=True, isolation_level=None, check_same_thread=False)
        if place.size is None:
            place.path.parent.mkdir(parents=True, exist_ok=True)
        return sqlite3.connect(place.path, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as error:
        raise database_problem(place.path, error) from None
    except OSError as error:
        raise StoreError(f"cannot create {place.path}: {error.strerror or error}") from None


def connect(path: str | Path, *, read_only: bool = False, create: bool = True) -> sqlite3.Connection:
    """Open the tsshop database at *path* after checking what it is; writing nothing unless it is new
    (then it is put in WAL mode). Every refusal is a StoreError of one line."""
    path = Path(path)
    place = examine(path)
    if place.size is None and (read_only or not create):
        raise StoreError(f"no database at {path}: {START_HINT}")
    if place.empty and (read_only or not create):
        raise StoreError(f"{path} is an empty database: {START_HINT}")
    if not read_only:
        _refuse_writing(place)
    conn = _connect(place, read_only=read_only)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        if schema_version(conn, path) is None and (read_only or not create):
            raise StoreError(f"{path} is an empty database: {START_HINT}")
        if not read_only:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.Error as error:
        conn.close()
        raise database_problem(path, error) from None
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def _peek(path: Path) -> Iterator[tuple[sqlite3.Connection, int] | None]:
    """A read-only look at the tsshop database at *path* and its schema version; None if there is
    none yet (no file, or an empty one); StoreError (one line) if it is anything else."""
    place = examine(path)
    if place.empty:
        yield None
        return
    try:
        conn = sqlite3.connect(place.read_uri(), uri=True)
    except sqlite3.Error as error:
        raise database_problem(path, error) from None
    try:
        version = schema_version(conn, path)
        yield None if version is None else (conn, version)
    except sqlite3.Error as error:
        raise database_problem(path, error) from None
    finally:
        conn.close()


def inspect_database(path: str | Path) -> int | None:
    """The tsshop schema version of the database at *path*, None if there is none yet (no file, or an
    empty one); StoreError (one line) if it is anything else. Reads only."""
    with _peek(Path(path)) as found:
        return None if found is None else found[1]


def holds_orders(path: str | Path) -> bool:
    """Whether the tsshop database at *path* holds any order (False if there is none yet); StoreError
    (one line) if it is not a tsshop database. Reads only."""
    with _peek(Path(path)) as found:
        return found is not None and bool(found[0].execute("SELECT EXISTS (SELECT 1 FROM orders)").fetchone()[0])


def _refuse_writing(place: Place) -> None:
    if place.cannot_write:
        verb = "change" if place.size is not None else "create"
        raise StoreError(f"cannot {verb} {place.path}: {place.cannot_write}; nothing was changed")


def check_writable(path: str | Path) -> None:
    """Refuse (StoreError, one line) what a writable open of *path* would refuse, before anything is
    written: something that is not a tsshop database nor an empty one, or that cannot be written."""
    path = Path(path)
    inspect_database(path)
    _refuse_writing(examine(path))


def write_problem(path: str | Path) -> str:
    """Why the database at *path* cannot be changed or created here ('' if it can)."""
    return examine(Path(path)).cannot_write


def pending_upgrade(path: str | Path) -> int | None:
    """The older schema version of the tsshop database at *path*, which a writable open will upgrade
    (a minute or so on a big shop: worth telling the user first); None if there is nothing to do
    (or nothing tsshop can open: the open says why)."""
    try:
        version = inspect_database(path)
    except StoreError:
        return None
    return version if version is not None and version < schema.SCHEMA_VERSION else None


class StoreBase(ABC):
    """The connection and its helpers; the read and write mixins build on it.

    What one mixin uses of another is declared here (abstract, typed) and nowhere else, so the
    Store must have every mixin that provides it. One Store per thread: a SQLite connection
    belongs to the thread that uses it.
    """

    # The bulk job whose change is being written: record() tags its history events with it.
    _change_job: str | None = None

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
        try:
            # As sqlite-utils sets it on a connection it is given (see db): triggers fire on REPLACE's deletes.
            self.conn.execute("PRAGMA recursive_triggers = ON")
            self._open_schema()
        except BaseException:
            self.conn.close()
            raise

    @cached_property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils on the connection, imported when first used (counts never uses it)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    def _open_schema(self) -> None:
        """Create a new schema or upgrade an older one (writable) or say who can (read-only). A
        database already at this schema is not written at all: no header change, no terminal woken."""
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version == schema.SCHEMA_VERSION and (self.read_only or not schema.tabs_drifted(self.conn)):
            return
        if self.read_only:
            raise StoreError(
                f"{self.path} was made by an older tsshop (schema {version}): open it once without"
                " --read-only to upgrade it"
            )
        with self.transaction():
            schema.migrate(self.conn)

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
        """Append a history event, of the order's shop, inside the caller's transaction; inside a
        bulk job's change its ``after`` carries ``"job": <id>`` (see ActionsMixin.apply_bulk)."""
        if self._change_job is not None:
            after = {**(after or {}), "job": self._change_job}
        conn.execute(
            "INSERT INTO history (order_id, shop_id, at, actor, action, before, after) VALUES"
            " (?1, coalesce((SELECT shop_id FROM orders WHERE id = ?1), 'local'), ?2, ?3, ?4, ?5, ?6)",
            (
                order_id,
                at if at is not None else self.now_epoch(),
                actor or self.actor,
                action,
                json.dumps(before or {}, default=str),
                json.dumps(after or {}, default=str),
            ),
        )

    # Provided by ReadsMixin; ActionsMixin reads orders back with get, ExportMixin pages with _page_sql.

    @abstractmethod
    def get(self, order_id: str) -> Order | None:
        """The whole order (lines, notes newest first, requests, history); None if there is none."""

    @abstractmethod
    def _page_sql(
        self,
        tab: str,
        filters: Filters,
        sort: Sort,
        descending: bool,
        after: Cursor | None,
        limit: int,
        inclusive: bool = False,
    ) -> tuple[str, dict[str, Any]]:
        """(SQL, parameters) of one keyset page of a tab's orders: the query behind ReadsMixin.page."""

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, conn: sqlite3.Connection, key: str, value: str) -> None:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
