"""Opening the database safely (issue 11): read-only means read-only, a file that is not ours is left
alone, opening writes nothing, a bad --db is one clear line, a killed build or import is cleaned up.

The tests run as root, where file permissions do not stop a write. "Cannot be written" is therefore
made in two ways: chmod 444 (tsshop treats a file or folder with no write permission bit as
read-only, whoever runs it) and os.access monkeypatched to answer as it does for an ordinary user
or on a read-only mount.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import os
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tsshop_tui.cli import main
from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.io.demo import build_demo
from tsshop_tui.store import Store, StoreError

from .factories import NOW, make_order
from .seller_center_fixtures import standard_export
from .test_rollup import _make_version_1

ORDER = f"577{1:015d}"
TRACKING = "1Z999AA10123456784"


def run(db: Path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([*argv, "--db", str(db), "--now", NOW.isoformat()], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file of *folder* and its bytes' hash: to prove that nothing was written or left. A reader
    of a WAL database may leave SQLite's shared-memory index (-shm) and an empty log (-wal) beside it:
    they hold nothing of the shop."""
    return {
        p.name: hashlib.sha1(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.endswith("-shm") and not (p.name.endswith("-wal") and p.stat().st_size == 0)
    }


def one_line(err: str) -> str:
    assert "Traceback" not in err and err.endswith("\n") and err.count("\n") == 1, err
    return err


@pytest.fixture
def shop(tmp_path) -> Path:
    folder = tmp_path / "shop"
    folder.mkdir()
    path = folder / "shop.db"
    with Store(path, clock=FixedClock(NOW), actor="ana") as store:
        store.upsert_orders([make_order(n) for n in range(1, 6)], source="test")
    return path


@pytest.fixture
def export_file(tmp_path) -> Path:
    builder, _ = standard_export()
    return builder.write_csv(tmp_path / "export.csv")


@pytest.fixture
def no_tui(monkeypatch) -> list[bool]:
    """The terminal UI does not start in a test: its run() records the app's read_only instead."""
    from tsshop_tui.ui.app import TsshopApp

    started: list[bool] = []
    monkeypatch.setattr(TsshopApp, "run", lambda app: started.append(app.read_only))
    return started


def every_command(export_file: Path) -> list[list[str]]:
    return [
        [],  # the terminal UI
        ["counts"],
        ["search", ORDER],
        ["show", ORDER],
        ["metrics"],
        ["export", "-o", str(export_file.with_name("out.csv"))],
        ["print", "picking-list", "-o", str(export_file.with_name("out.pdf"))],
        ["note", ORDER, "--text", "x"],
        ["cancel", ORDER, "--reason", "seller_cancel_paid_reason_buyer_requested_cancellation"],
        ["ship", ORDER, "--tracking", TRACKING, "--carrier", "UPS"],
        ["request", "approve", ORDER, "--type", "cancellation"],
        ["simulate", "--count", "5", "--seconds", "0", "--seed", "1"],
        ["import", str(export_file)],
        ["demo", "--orders", "10"],
        ["demo", "--orders", "10", "--force"],
    ]


WRITING = [
    ["demo", "--orders", "10", "--force"],
    ["import", "EXPORT"],
    ["note", ORDER, "--text", "x"],
    ["simulate", "--count", "5", "--seconds", "0", "--seed", "1"],
]


def _argv(argv: list[str], export_file: Path) -> list[str]:
    return [str(export_file) if a == "EXPORT" else a for a in argv]


# 11.1 Read-only means read-only --------------------------------------------------------------


@pytest.mark.parametrize("argv", WRITING, ids=lambda a: a[0])
def test_read_only_flag_refuses_every_writing_command(shop, export_file, argv):
    before = fingerprint(shop.parent)
    code, out, err = run(shop, "--read-only", *_argv(argv, export_file))
    assert code == 2 and "read-only" in one_line(err) and "nothing was changed" in err and out == ""
    assert fingerprint(shop.parent) == before


@pytest.mark.parametrize("argv", WRITING, ids=lambda a: a[0])
def test_read_only_config_refuses_every_writing_command(shop, export_file, argv):
    Path(os.environ["TSSHOP_CONFIG"]).write_text("read_only = true\n")
    before = fingerprint(shop.parent)
    code, out, err = run(shop, *_argv(argv, export_file))
    assert code == 2 and "read-only" in one_line(err) and "config" in err and out == ""
    assert fingerprint(shop.parent) == before


def test_a_read_only_import_creates_no_database(tmp_path, export_file):
    code, _, err = run(tmp_path / "new.db", "--read-only", "import", str(export_file))
    assert code == 2 and "read-only" in one_line(err)
    assert not (tmp_path / "new.db").exists()


def test_demo_force_refuses_a_file_without_write_permission(shop):
    shop.chmod(0o444)
    before = fingerprint(shop.parent)
    code, _, err = run(shop, "demo", "--orders", "10", "--force")
    assert code == 2 and "cannot change" in one_line(err) and "read-only" in err
    assert fingerprint(shop.parent) == before and shop.stat().st_mode & 0o777 == 0o444


def test_demo_force_refuses_a_file_the_user_cannot_write(shop, monkeypatch):
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == shop and mode & os.W_OK
                        else real_access(p, mode, **kw))
    before = fingerprint(shop.parent)
    code, _, err = run(shop, "demo", "--orders", "10", "--force")
    assert code == 2 and "cannot change" in one_line(err)
    assert fingerprint(shop.parent) == before


def test_demo_force_keeps_the_permissions_of_the_file_it_replaces(shop):
    shop.chmod(0o640)
    code, out, _ = run(shop, "demo", "--orders", "10", "--force")
    assert code == 0 and "10 orders" in out
    assert shop.stat().st_mode & 0o777 == 0o640


# 11.2 A database that is not tsshop's is left alone -------------------------------------------


def _foreign(path: Path, user_version: int = 0) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE foo (x)")
    conn.execute("INSERT INTO foo VALUES (1)")
    conn.execute(f"PRAGMA user_version = {user_version}")
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize("user_version", [0, 1])
def test_a_foreign_sqlite_file_is_refused_by_every_command_and_left_untouched(
    tmp_path, export_file, no_tui, user_version
):
    db = _foreign(tmp_path / "u.db", user_version)
    before = fingerprint(tmp_path)
    for argv in every_command(export_file):
        code, out, err = run(db, *argv)
        assert code == 2, (argv, err)
        assert f"{db} is not a tsshop database" in one_line(err), (argv, err)
        assert fingerprint(tmp_path) == before, argv
    assert no_tui == []


def test_a_foreign_sqlite_file_is_refused_by_the_store(tmp_path):
    db = _foreign(tmp_path / "u.db")
    before = db.read_bytes()
    for read_only in (False, True):
        with pytest.raises(StoreError, match="not a tsshop database"):
            Store(db, read_only=read_only)
    assert db.read_bytes() == before
    assert sqlite3.connect(db).execute("SELECT name FROM sqlite_master").fetchall() == [("foo",)]


# 11.5 Opening writes nothing -------------------------------------------------------------------


def test_a_writable_open_writes_nothing_and_wakes_no_other_terminal(shop):
    before = shop.read_bytes()
    watcher = sqlite3.connect(shop)
    version = watcher.execute("PRAGMA data_version").fetchone()[0]
    with Store(shop, clock=FixedClock(NOW)) as store:
        assert store.data_version() >= 1
    assert watcher.execute("PRAGMA data_version").fetchone()[0] == version
    watcher.close()
    assert shop.read_bytes() == before


def test_a_refused_change_leaves_the_header_alone(shop):
    before = shop.read_bytes()
    code, _, err = run(shop, "note", "577999999999999999", "--text", "x")
    assert code == 2 and "refused" in err
    after = shop.read_bytes()
    assert after[24:28] == before[24:28] and after[92:96] == before[92:96]
    assert after == before


def test_an_older_database_is_still_upgraded_once(shop):
    _make_version_1(shop)
    code, _, err = run(shop, "counts")
    assert code == 0 and "from schema 1 to" in err
    assert sqlite3.connect(shop).execute("PRAGMA user_version").fetchone()[0] > 1
    before = shop.read_bytes()
    assert run(shop, "counts")[2] == "" and shop.read_bytes() == before


# 11.6 A bad --db is one clear line, exit 2 ------------------------------------------------------


def _damaged(shop: Path, how: str) -> Path:
    data = bytearray(shop.read_bytes())
    if how == "truncated":
        shop.write_bytes(bytes(data[: len(data) // 2]))
    elif how == "truncated header":
        shop.write_bytes(bytes(data[:50]))
    elif how == "last page lost":
        page = int.from_bytes(data[16:18], "big")
        shop.write_bytes(bytes(data[:-page]))
    else:  # the schema page overwritten
        data[100:4000] = b"\xa5" * 3900
        shop.write_bytes(bytes(data))
    return shop


@pytest.mark.parametrize("how", ["truncated", "truncated header", "last page lost", "overwritten"])
def test_a_damaged_database_says_so_and_how_to_recover(shop, export_file, no_tui, how):
    _damaged(shop, how)
    before = fingerprint(shop.parent)
    for argv in every_command(export_file):
        code, _, err = run(shop, *argv)
        assert code == 2, (argv, err)
        assert f"{shop} is damaged" in one_line(err) and ".recover" in err, (argv, err)
        assert fingerprint(shop.parent) == before, argv


def test_a_damage_found_by_a_query_is_one_line_with_the_recovery(shop, monkeypatch):
    def damaged(self, *args, **kwargs):
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(Store, "counts", damaged)
    code, _, err = run(shop, "counts")
    assert code == 2 and f"{shop} is damaged" in one_line(err) and ".recover" in err


@pytest.mark.parametrize("what", ["directory", "text file", "fifo"])
def test_what_is_not_a_database_file_is_refused_by_every_command(tmp_path, export_file, no_tui, what):
    if what == "directory":
        db = tmp_path / "folder.db"
        db.mkdir()
        expected = "is a directory"
    elif what == "text file":
        db = tmp_path / "notes.txt"
        db.write_text("my precious notes\n" * 200)
        expected = "is not a tsshop database (not an SQLite file)"
    else:
        db = tmp_path / "pipe.db"
        os.mkfifo(db)
        expected = "is not a regular file"
    before = fingerprint(tmp_path)
    for argv in every_command(export_file):
        code, _, err = run(db, *argv)
        assert code == 2 and expected in one_line(err), (argv, err)
        assert fingerprint(tmp_path) == before, argv


def test_a_database_without_write_permission_is_read_but_never_written(shop, export_file, no_tui):
    shop.chmod(0o444)
    before = fingerprint(shop.parent)
    for argv in WRITING[1:]:
        code, _, err = run(shop, *_argv(argv, export_file))
        assert code == 2 and "cannot change" in one_line(err) and "read-only" in err, (argv, err)
    assert fingerprint(shop.parent) == before
    code, out, err = run(shop, "counts")
    assert code == 0 and err == "" and "All" in out
    code, _, _ = run(shop, "--read-only", "counts")
    assert code == 0
    code, _, _ = run(shop)
    assert code == 0 and no_tui == [True]  # the terminal UI opens it read-only
    assert fingerprint(shop.parent) == before and shop.stat().st_mode & 0o777 == 0o444


@pytest.fixture
def read_only_folder(shop, monkeypatch) -> Path:
    """The shop's folder answers as a read-only mount would: no writing in it."""
    real_access = os.access
    folder = shop.parent

    def access(path, mode, **kwargs):
        if mode & os.W_OK and Path(path).resolve().is_relative_to(folder.resolve()):
            return False
        return real_access(path, mode, **kwargs)

    monkeypatch.setattr(os, "access", access)
    return folder


def test_a_read_only_folder_can_be_monitored_and_is_never_written(shop, read_only_folder, export_file, no_tui):
    before = fingerprint(read_only_folder)
    for read_only in ([], ["--read-only"]):
        code, out, err = run(shop, *read_only, "counts")
        assert code == 0 and err == "" and "All" in out
        code, out, _ = run(shop, *read_only, "show", ORDER)
        assert code == 0 and ORDER in out
    code, _, _ = run(shop)
    assert code == 0 and no_tui == [True]
    for argv in WRITING:
        code, _, err = run(shop, *_argv(argv, export_file))
        assert code == 2 and "cannot change" in one_line(err) and "folder" in err, (argv, err)
    # Opened immutable: not even the -wal and -shm side files appear.
    assert fingerprint(read_only_folder) == before


def test_a_read_only_folder_whose_changes_wait_in_the_log_says_how_to_read_it(tmp_path, monkeypatch):
    source = tmp_path / "source.db"
    writer = sqlite3.connect(source, isolation_level=None)
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    Store(source, clock=FixedClock(NOW)).close()
    writer.execute("INSERT INTO meta (key, value) VALUES ('shop_name', 'x')")  # waits in the log
    folder = tmp_path / "mount"
    folder.mkdir()
    for suffix in ("", "-wal"):  # a copy without the shared-memory file, as a backup might be
        Path(f"{folder / 'shop.db'}{suffix}").write_bytes(Path(f"{source}{suffix}").read_bytes())
    writer.close()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if mode & os.W_OK and Path(p).resolve()
                        .is_relative_to(folder.resolve()) else real_access(p, mode, **kw))
    before = fingerprint(folder)
    code, _, err = run(folder / "shop.db", "--read-only", "counts")
    assert code == 2 and "latest changes wait in" in one_line(err) and "-wal" in err
    assert fingerprint(folder) == before


def _read_only_mount_works() -> bool:
    try:
        probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount --bind / /mnt && mount -o remount,ro,bind /mnt"],
                               capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


@pytest.mark.skipif(not _read_only_mount_works(), reason="needs a mount namespace (root, unshare) for a real read-only mount")
def test_a_real_read_only_mount_can_be_monitored(shop):
    """The same on a real read-only mount (EROFS, which stops root too): reading works, writing is one line."""
    folder = shop.parent
    before = fingerprint(folder)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    for argv, expected_code, expected in (
        (["counts"], 0, ""),
        (["note", ORDER, "--text", "x"], 2, "is read-only; nothing was changed"),
        (["demo", "--orders", "10", "--force"], 2, "is read-only; nothing was changed"),
    ):
        command = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "tsshop_tui.cli", "--db", str(shop),
                                                    "--now", NOW.isoformat(), *argv])
        result = subprocess.run(
            ["unshare", "-m", "sh", "-c", f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder}"
             f" && exec {command}"], capture_output=True, text=True, env=env, timeout=60,
        )
        assert result.returncode == expected_code, (argv, result.stderr)
        assert expected in result.stderr and "Traceback" not in result.stderr, (argv, result.stderr)
    assert fingerprint(folder) == before
    assert sorted(p.name for p in folder.iterdir()) == ["shop.db"]


def test_a_new_database_in_a_read_only_folder_is_one_line(tmp_path, read_only_folder, export_file):
    code, _, err = run(read_only_folder / "new.db", "import", str(export_file))
    assert code == 2 and "cannot create" in one_line(err)
    assert not (read_only_folder / "new.db").exists()


def test_a_database_under_a_file_is_one_line(tmp_path, export_file):
    (tmp_path / "file").write_text("x")
    for argv in (["import", str(export_file)], ["demo", "--orders", "10"], ["counts"]):
        code, _, err = run(tmp_path / "file" / "shop.db", *argv)
        assert code == 2 and str(tmp_path / "file" / "shop.db") in one_line(err), (argv, err)


def test_a_path_with_uri_characters_is_opened_as_given(tmp_path):
    path = tmp_path / "shop ?mode=rwc#%20.db"
    with Store(path, clock=FixedClock(NOW)) as store:
        store.upsert_orders([make_order(1)], source="test")
    with Store(path, read_only=True) as reader:
        assert reader.counts()["all"] == 1


# 11.9 A killed demo or import is cleaned up or reused ------------------------------------------


def _killed_first_open(path: Path) -> Path:
    """What a first import killed before its schema was committed leaves: a WAL header, no tables."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    return path


@pytest.mark.parametrize("leftover", ["no tables", "zero bytes"])
def test_an_empty_database_left_by_a_killed_import_is_new_not_foreign(tmp_path, export_file, leftover):
    path = tmp_path / "shop.db"
    if leftover == "zero bytes":
        path.touch()
    else:
        _killed_first_open(path)
    before = fingerprint(tmp_path)
    code, _, err = run(path, "counts")
    assert code == 2 and "empty" in one_line(err) and "tsshop demo" in err
    assert fingerprint(tmp_path) == before
    code, out, err = run(path, "import", str(export_file))
    assert code in (0, 1) and "13 new" in out, err
    path.unlink()
    if leftover == "zero bytes":
        path.touch()
    else:
        _killed_first_open(path)
    code, out, err = run(path, "demo", "--orders", "10")
    assert code == 0 and "10 orders" in out, err


@pytest.mark.parametrize("target", ["missing", "zero bytes", "no tables", "older schema"])
def test_an_import_refused_by_the_format_check_leaves_the_database_as_it_was(tmp_path, shop, target):
    db = tmp_path / "target.db"
    if target == "zero bytes":
        db.touch()
    elif target == "no tables":
        _killed_first_open(db)
    elif target == "older schema":
        db.write_bytes(shop.read_bytes())
        _make_version_1(db)
    before = fingerprint(tmp_path)
    notes = tmp_path / "notes.csv"
    notes.write_text("not,an,export\n1,2,3\n")
    code, _, err = run(db, "import", str(notes))
    assert code == 2 and "nothing was imported" in one_line(err)
    assert fingerprint(tmp_path) == {**before, "notes.csv": fingerprint(tmp_path)["notes.csv"]}


def test_a_stale_build_is_removed_and_a_running_one_is_left_alone(tmp_path):
    path = tmp_path / "shop.db"
    building = tmp_path / ".shop.db.building"
    building.write_bytes(b"half a database" * 1000)
    with open(building, "rb+") as held:  # a build still running elsewhere holds this lock
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(StoreError, match="another tsshop is building"):
            build_demo(path, orders=10, now=NOW)
        assert building.read_bytes() == b"half a database" * 1000 and not path.exists()
    summary = build_demo(path, orders=10, now=NOW)  # the lock's owner is gone: a dead build
    assert summary.orders == 10 and not building.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shop.db"]


def test_a_failed_build_leaves_no_side_file(tmp_path, monkeypatch):
    import tsshop_tui.io.demo as demo

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(demo, "bulk_load", fail)
    code, _, err = run(tmp_path / "shop.db", "demo", "--orders", "10")
    assert code == 2 and "No space left on device" in one_line(err)
    assert list(tmp_path.iterdir()) == []
