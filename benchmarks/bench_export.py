"""Exports of a big shop: CSV `export_orders` against the raw `sqlite3 -csv` tool and the sqlite-utils
CLI on equivalent SQL; XLSX rows per second.

    .venv/bin/python benchmarks/bench_export.py [--db /tmp/bench1m.db] [--orders 1000000] [--xlsx-orders 50000]

Uses the database at --db, building it with `tsshop demo` when it is missing (it is opened
read-only and never deleted). Each measurement runs in its own child process, so its peak memory
(ru_maxrss, from wait4) is its own; both write their CSV to a file in one temporary folder, which
is removed at the end.

The raw query is the export's own: every order of the "all" tab joined with its SKU lines, every
column of the export (as stored, unformatted: the current note and flag, the newest buyer request
of each kind), in the export's order (ship-by, then order ID, then line position). Its columns
follow ``domain.columns``: a field as stored, a constant, or the raw form of a computed column
(RAW_COMPUTED; the script stops naming a computed column it lacks). The same query without ORDER
BY is timed too, for reference, and the ordered query through `sqlite-utils query --csv`. The XLSX
run exports the first --xlsx-orders orders of the same tab. Targets: CSV at least half raw
sqlite3's rows/s and faster than sqlite-utils; XLSX at least 20,000 rows/s; peak memory under
200 MB each.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 0.5
TARGET_XLSX_ROWS = 20_000
TARGET_MB = 200


def _newest_request(label: str, kind: str) -> dict[str, str]:
    """The newest buyer request of *kind*: its status, times and reason, as the export reads them."""

    def newest(column: str) -> str:
        return (
            f"(SELECT r.{column} FROM requests r WHERE r.order_id = o.id AND r.type = '{kind}' "
            "ORDER BY r.id DESC LIMIT 1)"
        )

    return {
        f"{label} Request": newest("status"),
        f"{label} Requested Time": newest("created_at"),
        f"{label} Respond By": newest("respond_by"),
        f"{label} Request Reason": newest("reason"),
    }


# The export's computed columns as stored (orders o, line_items l, requests r). Every other column
# is its field as stored, or its constant (raw_columns).
RAW_COMPUTED: dict[str, str] = {
    "Order Status": "o.status",
    "Order Substatus": "o.status",
    "Cancelation/Return Type": "o.has_return",
    "SKU Subtotal Before Discount": "l.original_price * l.quantity",
    "SKU Subtotal After Discount": "l.sale_price * l.quantity",
    "Tracking ID": "coalesce(l.tracking_number, o.tracking_number)",
    "Seller Note": "coalesce(nullif(o.note, ''), o.seller_note)",
    **_newest_request("Cancellation", "CANCELLATION"),
    **_newest_request("Return", "RETURN_REFUND"),
}
RAW_FROM = "FROM orders o LEFT JOIN line_items l ON l.order_id = o.id"
RAW_ORDER = "ORDER BY o.ship_by_key, o.id, l.position"


def raw_sql(ordered: bool) -> str:
    return f"SELECT {', '.join(raw_columns())} {RAW_FROM}" + (f" {RAW_ORDER}" if ordered else "")


def raw_columns() -> list[str]:
    """Every column of the export (domain.columns), in its order, as stored and unformatted."""
    sys.path.insert(0, str(ROOT))
    from tsshop_tui.domain.columns import COLUMNS, Level

    found = []
    for column in COLUMNS:
        if column.header in RAW_COMPUTED:
            found.append(RAW_COMPUTED[column.header])
        elif column.constant is not None:
            found.append("'" + column.constant.replace("'", "''") + "'")
        elif column.field is not None:
            found.append(f"{'l' if column.level is Level.LINE else 'o'}.{column.field}")
        else:
            raise SystemExit(f"no raw SQL for the export column {column.header!r}: add it to RAW_COMPUTED")
    return found


def child_export(db: Path, out: Path, limit: int | None) -> None:
    """In the child: export the orders of the 'all' tab (the first *limit*, if given) to the format
    *out*'s suffix names; print what it did as JSON."""
    sys.path.insert(0, str(ROOT))
    from itertools import islice

    from tsshop_tui.io.export import export_orders
    from tsshop_tui.store import Store

    started = time.perf_counter()
    with Store(db, read_only=True, create=False) as store:
        result = export_orders(store, islice(store.export_ids("all"), limit), out, out.suffix.lstrip("."))
    seconds = time.perf_counter() - started
    print(json.dumps({"orders": result.orders, "rows": result.rows, "seconds": seconds}))


def measure(command: list[str], stdout_path: Path | None) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak RSS in MB, stdout text) of one child process."""
    started = time.perf_counter()
    with open(stdout_path, "wb") if stdout_path else tempfile.TemporaryFile() as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.PIPE)
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        errors = process.stderr.read().decode() if process.stderr else ""
        if process.returncode:
            raise SystemExit(f"{command[0]} failed ({process.returncode}): {errors}")
        text = ""
        if stdout_path is None:
            sink.seek(0)
            text = sink.read().decode()
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text


def count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            count += block.count(b"\n")
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/bench1m.db"))
    parser.add_argument("--orders", type=int, default=1_000_000, help="size of a database built when --db is missing")
    parser.add_argument("--xlsx-orders", type=int, default=50_000, help="orders in the XLSX run")
    parser.add_argument("--child", nargs=3, metavar=("DB", "OUT", "LIMIT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        db_arg, out_arg, limit_arg = args.child
        child_export(Path(db_arg), Path(out_arg), int(limit_arg) or None)
        return 0

    sqlite3 = shutil.which("sqlite3")
    if sqlite3 is None:
        raise SystemExit("the sqlite3 command-line tool is missing: apt-get install -y sqlite3")
    db: Path = args.db
    if not db.exists():
        print(f"building {db} with {args.orders:,} orders (a minute or two)...", flush=True)
        subprocess.run(
            [sys.executable, "-m", "tsshop_tui.cli", "demo", "--db", str(db), "--orders", str(args.orders)],
            check=True, cwd=ROOT,
        )
    orders = int(subprocess.run(
        [sqlite3, "-readonly", str(db), "SELECT count(*) FROM orders"], capture_output=True, text=True, check=True
    ).stdout)
    load = os.getloadavg()
    # Warm the operating system's file cache, so neither side pays for the first read of the file.
    with db.open("rb") as handle:
        while handle.read(1 << 24):
            pass

    with tempfile.TemporaryDirectory(prefix="tsshop-bench-export-", dir=tempfile.gettempdir()) as folder:
        out = Path(folder)
        results = []
        for label, ordered in (("raw sqlite3 -csv, export order", True), ("raw sqlite3 -csv, no ORDER BY", False)):
            target = out / f"raw-{int(ordered)}.csv"
            seconds, cpu, peak, _ = measure([sqlite3, "-readonly", "-csv", str(db), raw_sql(ordered)], target)
            results.append((label, count_lines(target), seconds, cpu, peak))
            target.unlink()
        target = out / "utils.csv"
        utils = str(Path(sys.executable).with_name("sqlite-utils"))
        seconds, cpu, peak, _ = measure([utils, "query", str(db), raw_sql(True), "--csv"], target)
        results.append(("sqlite-utils query --csv", count_lines(target) - 1, seconds, cpu, peak))
        target.unlink()
        target = out / "export.csv"
        seconds, cpu, peak, text = measure(
            [sys.executable, str(Path(__file__).resolve()), "--child", str(db), str(target), "0"], None
        )
        done = json.loads(text)
        rows = count_lines(target) - 1  # less the header row
        assert rows == done["rows"], (rows, done)
        results.append(("tsshop export_orders (csv)", rows, seconds, cpu, peak))
        target.unlink()
        target = out / "export.xlsx"
        seconds, cpu, peak, text = measure(
            [sys.executable, str(Path(__file__).resolve()), "--child", str(db), str(target), str(args.xlsx_orders)],
            None,
        )
        xlsx = ("tsshop export_orders (xlsx)", json.loads(text)["rows"], seconds, cpu, peak)

    print(f"CSV export of {db} ({orders:,} orders); each run in a fresh child process, file cache warm")
    print(f"load average before: {load[0]:.2f} (other work on the machine slows every run)")
    print(f"{'':34} {'rows':>11} {'wall s':>7} {'rows/s':>9} {'CPU s':>7} {'rows/CPU s':>11} {'peak MB':>8}")
    for label, rows, seconds, cpu, peak in [*results, xlsx]:
        print(f"{label:34} {rows:>11,} {seconds:>7.1f} {rows / seconds:>9,.0f} {cpu:>7.1f} {rows / cpu:>11,.0f} {peak:>8.1f}")
    (_, raw_rows, raw_s, raw_cpu, _), (_, _, free_s, _, _), (_, _, utils_s, _, _), (_, rows, ours_s, ours_cpu, ours_peak) = (
        results
    )
    ratio = (rows / ours_s) / (raw_rows / raw_s)
    ratio_cpu = (rows / ours_cpu) / (raw_rows / raw_cpu)
    ratio_unordered = (rows / ours_s) / (raw_rows / free_s)
    speed_ok = ratio >= TARGET_RATIO and ours_s < utils_s
    xlsx_rate = xlsx[1] / xlsx[2]
    xlsx_ok = xlsx_rate >= TARGET_XLSX_ROWS
    memory_ok = max(ours_peak, xlsx[4]) < TARGET_MB
    print(
        f"speed: {ratio:.2f}x raw sqlite3's rows/s on the same query in the same order "
        f"({ratio_cpu:.2f}x per CPU second; {ratio_unordered:.2f}x its unordered scan); "
        f"sqlite-utils took {utils_s:.1f} s; target >= {TARGET_RATIO:.2f}x and faster than sqlite-utils: "
        f"{'PASS' if speed_ok else 'MISS'}"
    )
    print(f"xlsx: {xlsx_rate:,.0f} rows/s; target >= {TARGET_XLSX_ROWS:,}: {'PASS' if xlsx_ok else 'MISS'}")
    print(f"memory: peak {ours_peak:.0f} MB (csv), {xlsx[4]:.0f} MB (xlsx); target < {TARGET_MB} MB: "
          f"{'PASS' if memory_ok else 'MISS'}")
    return 0 if speed_ok and xlsx_ok and memory_ok else 1


if __name__ == "__main__":
    sys.exit(main())
