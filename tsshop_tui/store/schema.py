"""The database schema and its migrations, keyed by ``PRAGMA user_version``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from ..domain.catalog import STATUS_TABS, Tab, TabKind
from ..domain.model import OrderStatus
from ..domain.rules import TRACKING_MAX, TRACKING_MIN
from .rollup import REBUILD_ROLLUP, ROLLUP_TABLE, ROLLUP_TRIGGERS

FAR_FUTURE = 253402300799  # 9999-12-31T23:59:59Z: where orders without a ship-by time sort


def tab_case(tabs: tuple[Tab, ...]) -> str:
    """The SQL of the orders' generated ``tab`` column: each status to the tab that holds it."""
    return "CASE status " + " ".join(
        f"WHEN '{status.value}' THEN '{tab.id}'" for tab in tabs for status in tab.statuses
    ) + " END"


_TAB_CASE = tab_case(STATUS_TABS)


def in_tabs(statuses: Iterable[OrderStatus], alias: str = "") -> str:
    """The SQL term picking the orders in *statuses* by the tabs that hold them (catalog.TABS), so a
    tab index serves it; ``status`` narrows it only when such a tab also holds other statuses."""
    wanted = set(statuses)
    tabs = ", ".join(f"'{tab.id}'" for tab in STATUS_TABS if wanted & set(tab.statuses))
    term = f"{alias}tab IN ({tabs})"
    if any(wanted & set(tab.statuses) and not set(tab.statuses) <= wanted for tab in STATUS_TABS):
        codes = ", ".join(f"'{status.value}'" for status in OrderStatus if status in wanted)
        term += f" AND {alias}status IN ({codes})"
    return term


# The same test as rules.is_valid_tracking, in SQL.
VALID_TRACKING_SQL = (
    f"(tracking_number IS NOT NULL AND length(tracking_number) BETWEEN {TRACKING_MIN} AND {TRACKING_MAX}"
    " AND tracking_number NOT GLOB '*[^A-Za-z0-9]*')"
)

TABLES = [
    s.strip() + ";"
    for s in f"""
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    paid_time INTEGER,
    update_time INTEGER,
    rts_sla_time INTEGER,
    tts_sla_time INTEGER,
    shipping_due_time INTEGER,
    rts_time INTEGER,
    delivery_time INTEGER,
    cancel_time INTEGER,
    tracking_number TEXT,
    shipping_provider TEXT,
    delivery_option_name TEXT,
    shipping_type TEXT NOT NULL DEFAULT 'TIKTOK',
    order_type TEXT NOT NULL DEFAULT 'NORMAL',
    is_sample_order INTEGER NOT NULL DEFAULT 0,
    buyer_username TEXT NOT NULL DEFAULT '',
    buyer_message TEXT NOT NULL DEFAULT '',
    seller_note TEXT NOT NULL DEFAULT '',
    cancel_reason TEXT,
    cancellation_initiator TEXT,
    warehouse_id TEXT,
    warehouse_name TEXT,
    currency TEXT NOT NULL DEFAULT 'USD',
    sub_total INTEGER NOT NULL DEFAULT 0,
    shipping_fee INTEGER NOT NULL DEFAULT 0,
    seller_discount INTEGER NOT NULL DEFAULT 0,
    platform_discount INTEGER NOT NULL DEFAULT 0,
    tax INTEGER NOT NULL DEFAULT 0,
    total_amount INTEGER NOT NULL DEFAULT 0,
    refund_amount INTEGER NOT NULL DEFAULT 0,
    payment_method TEXT,
    recipient_name TEXT,
    recipient_phone TEXT,
    address_detail TEXT,
    address_extra TEXT,
    city TEXT,
    state TEXT,
    zipcode TEXT,
    country TEXT,
    creator_username TEXT,
    content_type TEXT,
    campaign TEXT,
    item_count INTEGER NOT NULL DEFAULT 0,
    flag TEXT,
    note TEXT,
    cancel_request_due INTEGER,
    return_request_due INTEGER,
    has_return INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    tab TEXT GENERATED ALWAYS AS ({_TAB_CASE}) VIRTUAL,
    ship_by_key INTEGER GENERATED ALWAYS AS (coalesce(rts_sla_time, {FAR_FUTURE})) VIRTUAL,
    abnormal INTEGER GENERATED ALWAYS AS (
    status IN ('AWAITING_COLLECTION', 'IN_TRANSIT') AND NOT {VALID_TRACKING_SQL}
    ) VIRTUAL
);

CREATE TABLE IF NOT EXISTS line_items (
    id INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    sku_id TEXT NOT NULL,
    seller_sku TEXT NOT NULL DEFAULT '',
    product_id TEXT NOT NULL DEFAULT '',
    product_name TEXT NOT NULL DEFAULT '',
    sku_name TEXT NOT NULL DEFAULT '',
    quantity INTEGER NOT NULL DEFAULT 1,
    original_price INTEGER NOT NULL DEFAULT 0,
    sale_price INTEGER NOT NULL DEFAULT 0,
    platform_discount INTEGER NOT NULL DEFAULT 0,
    seller_discount INTEGER NOT NULL DEFAULT 0,
    package_id TEXT,
    tracking_number TEXT,
    product_category TEXT NOT NULL DEFAULT '',
    repeats INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    flag TEXT,
    text TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    respond_by INTEGER NOT NULL,
    resolved_at INTEGER,
    resolved_by TEXT,
    reject_reason TEXT
);

CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    before TEXT NOT NULL DEFAULT '{{}}',
    after TEXT NOT NULL DEFAULT '{{}}'
);

CREATE TABLE IF NOT EXISTS tab_counts (
    tab TEXT PRIMARY KEY,
    n INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
)
""".split(";\n\n")
] + [ROLLUP_TABLE.strip() + ";"]


# A status tab's count is the tab_counts row named by its id (the generated ``tab`` column); the
# other tabs with a count kept by triggers (so counting is a lookup) have a KeptCount row.
@dataclass(frozen=True)
class KeptCount:
    """A tab_counts row that is no status tab's: its name and the order's 0/1 column it counts
    (None: it counts every order)."""

    row: str
    column: str | None = None

    def of(self, order: str) -> str:
        """What one order (``NEW`` or ``OLD`` in a trigger) adds to the count, in SQL."""
        return f"{order}.{self.column}" if self.column else "1"


# The kept counts by the kind of tab that shows them (reads.counts looks them up here).
KEPT_COUNTS: dict[TabKind, KeptCount] = {
    TabKind.EVERY: KeptCount("all"),
    TabKind.RETURNS: KeptCount("returns", "has_return"),
}
_CLASHES = sorted({count.row for count in KEPT_COUNTS.values()} & {tab.id for tab in STATUS_TABS})
if _CLASHES:
    raise RuntimeError(f"the status tabs {_CLASHES} have the tab_counts row of a KEPT_COUNTS count")


def count_triggers(kept: tuple[KeptCount, ...]) -> list[str]:
    """The triggers that keep the status tabs' counts and the *kept* counts as orders come, go and
    change status or the counted columns."""

    def add(row: str, amount: str) -> str:
        return (
            f"\n    INSERT INTO tab_counts (tab, n) VALUES ({row}, {amount})"
            f"\n    ON CONFLICT (tab) DO UPDATE SET n = n + {amount};"
        )

    by_column = [count for count in kept if count.column is not None]
    every = ", ".join(["OLD.tab", *(f"'{count.row}'" for count in kept if count.column is None)])
    insert = add("NEW.tab", "1") + "".join(add(f"'{count.row}'", count.of("NEW")) for count in kept)
    delete = f"\n    UPDATE tab_counts SET n = n - 1 WHERE tab IN ({every});" + "".join(
        f"\n    UPDATE tab_counts SET n = n - {count.of('OLD')} WHERE tab = '{count.row}';" for count in by_column
    )
    update = "\n    UPDATE tab_counts SET n = n - 1 WHERE tab = OLD.tab;" + add("NEW.tab", "1") + "".join(
        f"\n    UPDATE tab_counts SET n = n - {count.of('OLD')} + {count.of('NEW')} WHERE tab = '{count.row}';"
        for count in by_column
    )
    columns = ", ".join(["status", *(count.column for count in kept if count.column is not None)])
    return [
        f"CREATE TRIGGER IF NOT EXISTS orders_count_insert AFTER INSERT ON orders BEGIN{insert} END;",
        f"CREATE TRIGGER IF NOT EXISTS orders_count_delete AFTER DELETE ON orders BEGIN{delete} END;",
        f"CREATE TRIGGER IF NOT EXISTS orders_count_update AFTER UPDATE OF {columns} ON orders BEGIN{update} END;",
    ]


def rebuild_counts(kept: tuple[KeptCount, ...]) -> list[str]:
    """Every status tab's count and the *kept* counts, counted afresh."""
    return [
        "DELETE FROM tab_counts",
        "INSERT INTO tab_counts (tab, n) SELECT tab, count(*) FROM orders GROUP BY tab",
        *(
            f"INSERT INTO tab_counts (tab, n) SELECT '{count.row}', count(*) FROM orders"
            + (f" WHERE {count.column} = 1" if count.column else "")
            for count in kept
        ),
    ]


_KEPT = tuple(KEPT_COUNTS.values())
TRIGGERS = count_triggers(_KEPT)
REBUILD_COUNTS = rebuild_counts(_KEPT)

_SORT_KEYS = ("ship_by_key", "create_time", "total_amount")

INDEXES = [
    *(f"CREATE INDEX IF NOT EXISTS ix_orders_tab_{k} ON orders (tab, {k}, id);" for k in _SORT_KEYS),
    *(f"CREATE INDEX IF NOT EXISTS ix_orders_{k} ON orders ({k}, id);" for k in _SORT_KEYS),
    *(
        f"CREATE INDEX IF NOT EXISTS ix_orders_returns_{k} ON orders ({k}, id) WHERE has_return = 1;"
        for k in _SORT_KEYS
    ),
    "CREATE INDEX IF NOT EXISTS ix_orders_tab_due ON orders (tab, shipping_due_time);",
    "CREATE INDEX IF NOT EXISTS ix_orders_cancel_req ON orders (cancel_request_due)"
    " WHERE cancel_request_due IS NOT NULL;",
    "CREATE INDEX IF NOT EXISTS ix_orders_return_req ON orders (return_request_due)"
    " WHERE return_request_due IS NOT NULL;",
    "CREATE INDEX IF NOT EXISTS ix_orders_abnormal ON orders (id) WHERE abnormal;",
    "CREATE INDEX IF NOT EXISTS ix_orders_tracking ON orders (tracking_number);",
    "CREATE INDEX IF NOT EXISTS ix_orders_flag ON orders (flag, create_time) WHERE flag IS NOT NULL;",
    "CREATE INDEX IF NOT EXISTS ix_orders_creator ON orders (creator_username, create_time);",
    "CREATE INDEX IF NOT EXISTS ix_orders_campaign ON orders (campaign, create_time);",
    "CREATE INDEX IF NOT EXISTS ix_lines_sku ON line_items (sku_id);",
    "CREATE INDEX IF NOT EXISTS ix_lines_seller_sku ON line_items (seller_sku);",
    "CREATE INDEX IF NOT EXISTS ix_lines_product ON line_items (product_id);",
    "CREATE INDEX IF NOT EXISTS ix_lines_tracking ON line_items (tracking_number)"
    " WHERE tracking_number IS NOT NULL;",
    "CREATE INDEX IF NOT EXISTS ix_notes_order ON notes (order_id, id);",
    "CREATE INDEX IF NOT EXISTS ix_requests_order ON requests (order_id, id);",
    "CREATE INDEX IF NOT EXISTS ix_history_order ON history (order_id, id);",
    # Metrics: the shipping pace (orders shipped in the last hours) and the product scorecard's
    # join from a window of orders to their lines, index-only (also its first-line-of-SKU probes).
    "CREATE INDEX IF NOT EXISTS ix_orders_rts_time ON orders (rts_time) WHERE rts_time IS NOT NULL;",
    "CREATE INDEX IF NOT EXISTS ix_lines_order_cover ON line_items"
    " (order_id, position, product_id, sku_id, quantity, sale_price);",
]

SCHEMA_VERSION = 3

# Version 1 -> 2: the product scorecard's rollup (and the line items' repeat bits it needs), every
# index added since version 1 was first built, and ix_lines_order gone (ix_lines_order_cover leads
# with order_id). On a 1,000,000-order shop this takes about 11 s, once.
UPGRADE_2 = [
    "ALTER TABLE line_items ADD COLUMN repeats INTEGER NOT NULL DEFAULT 0;",
    ROLLUP_TABLE,
    "DROP INDEX IF EXISTS ix_lines_order;",
    *INDEXES,
    *ROLLUP_TRIGGERS,
    *REBUILD_ROLLUP,
]


# Version 2 -> 3: shops. Every order, line, note, request and history event carries its shop's id
# (the orders already there belong to the local shop), orders say which change waits for TikTok and
# what TikTok refused last, requests carry TikTok's id; the sync's cursors, fetch queue, webhook
# deliveries and the outbox of changes to send. Columns are added with constant defaults: SQLite
# rewrites no row, so a big shop upgrades in a moment.
COLUMNS_3 = {
    "orders": ("shop_id TEXT NOT NULL DEFAULT 'local'", "pending_action TEXT", "remote_error TEXT"),
    "line_items": ("shop_id TEXT NOT NULL DEFAULT 'local'",),
    "notes": ("shop_id TEXT NOT NULL DEFAULT 'local'",),
    "requests": ("shop_id TEXT NOT NULL DEFAULT 'local'", "external_id TEXT"),
    "history": ("shop_id TEXT NOT NULL DEFAULT 'local'",),
}

TABLES_3 = [
    """CREATE TABLE IF NOT EXISTS shops (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    region TEXT NOT NULL DEFAULT '',
    cipher TEXT NOT NULL DEFAULT '',
    seller_type TEXT NOT NULL DEFAULT '',
    app_key TEXT NOT NULL DEFAULT '',
    api_base TEXT NOT NULL DEFAULT '',
    auth_base TEXT NOT NULL DEFAULT '',
    token_state TEXT NOT NULL DEFAULT 'local',
    token_expires_at INTEGER,
    last_sync_at INTEGER,
    last_attempt_at INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL
);""",
    """CREATE TABLE IF NOT EXISTS sync_cursors (
    shop_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    window_ge INTEGER,
    window_lt INTEGER,
    page_token TEXT,
    watermark INTEGER,
    PRIMARY KEY (shop_id, stream)
);""",
    """CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    shop_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    idempotency_key TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    history_id INTEGER
);""",
    """CREATE TABLE IF NOT EXISTS webhook_deliveries (
    digest TEXT PRIMARY KEY,
    received_at INTEGER NOT NULL
);""",
    """CREATE TABLE IF NOT EXISTS fetch_queue (
    shop_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    queued_at INTEGER NOT NULL,
    PRIMARY KEY (shop_id, order_id)
);""",
    """CREATE TABLE IF NOT EXISTS sync_leases (
    shop_id TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);""",
    # The local shop has always been there: it is made at 0, so the same seed builds the same file.
    "INSERT OR IGNORE INTO shops (id, name, token_state, created_at) VALUES ('local', 'Local shop', 'local', 0);",
]

INDEXES_3 = [
    "CREATE INDEX IF NOT EXISTS ix_orders_shop ON orders (shop_id, update_time);",
    "CREATE UNIQUE INDEX IF NOT EXISTS ix_requests_external ON requests (shop_id, external_id)"
    " WHERE external_id IS NOT NULL;",
    "CREATE INDEX IF NOT EXISTS ix_orders_refused ON orders (id) WHERE remote_error IS NOT NULL;",
    "CREATE INDEX IF NOT EXISTS ix_outbox_state ON outbox (state, next_attempt_at);",
    "CREATE INDEX IF NOT EXISTS ix_outbox_order ON outbox (order_id, state);",
]


def _upgrade_3(conn: sqlite3.Connection) -> None:
    """Version 2 -> 3 (see COLUMNS_3); a column already there is left as it is."""
    for table, columns in COLUMNS_3.items():
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        _run(conn, [
            f"ALTER TABLE {table} ADD COLUMN {column};" for column in columns if column.split()[0] not in have
        ])
    _run(conn, TABLES_3 + INDEXES_3)


_TAB_INDEXES = [index for index in INDEXES if " ON orders (tab," in index]


def retab(case: str) -> list[str]:
    """Make the generated ``tab`` column *case* (it is VIRTUAL: nothing stored but its indexes): the
    column is dropped and added back, its indexes and the count triggers built again, the counts
    recounted. On a 1,000,000-order shop this takes seconds, once."""
    return [
        *_DROP_COUNT_TRIGGERS,
        *(f"DROP INDEX IF EXISTS {index.split()[5]};" for index in _TAB_INDEXES),
        "ALTER TABLE orders DROP COLUMN tab;",
        f"ALTER TABLE orders ADD COLUMN tab TEXT GENERATED ALWAYS AS ({case}) VIRTUAL;",
        *TRIGGERS,
        *_TAB_INDEXES,
        *REBUILD_COUNTS,
    ]


# The count triggers as SQLite keeps them in sqlite_master (no IF NOT EXISTS, no closing semicolon).
_COUNT_TRIGGERS = {
    trigger.split()[5]: trigger.replace(" IF NOT EXISTS", "", 1).removesuffix(";") for trigger in TRIGGERS
}
_DROP_COUNT_TRIGGERS = [f"DROP TRIGGER IF EXISTS {name};" for name in _COUNT_TRIGGERS]


def recount(kept: tuple[KeptCount, ...]) -> list[str]:
    """Keep the *kept* counts: the count triggers built again for them, every count counted afresh."""
    return [*_DROP_COUNT_TRIGGERS, *count_triggers(kept), *rebuild_counts(kept)]


def _column_drifted(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'orders'").fetchone()
    return row is not None and f"GENERATED ALWAYS AS ({_TAB_CASE}) VIRTUAL" not in row[0]


def _counts_drifted(conn: sqlite3.Connection) -> bool:
    names = ", ".join(f"'{name}'" for name in _COUNT_TRIGGERS)
    stored = conn.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({names})")
    return dict(stored.fetchall()) != _COUNT_TRIGGERS


def tabs_drifted(conn: sqlite3.Connection) -> bool:
    """Whether the database puts statuses in other tabs than the catalog does now (a tab was added
    or its statuses changed since the database was made: its ``tab`` column is generated by the
    expression it was created with) or keeps other counts than KEPT_COUNTS. Reads only."""
    return _column_drifted(conn) or _counts_drifted(conn)


def _put_tabs_right(conn: sqlite3.Connection) -> None:
    if _column_drifted(conn):
        _run(conn, retab(_TAB_CASE))
    elif _counts_drifted(conn):
        _run(conn, recount(_KEPT))


def _run(conn: sqlite3.Connection, statements: list[str]) -> None:
    # Statement by statement: executescript() would commit the caller's transaction.
    for statement in statements:
        conn.execute(statement)


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the schema up to SCHEMA_VERSION and its tabs to the catalog's inside the caller's
    transaction; a schema already there (another terminal may have just upgraded it) is left unwritten."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        _put_tabs_right(conn)
        return
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"this database has schema version {version}; this tsshop knows up to {SCHEMA_VERSION}"
        )
    if version < 1:
        _run(conn, TABLES + TRIGGERS + ROLLUP_TRIGGERS + INDEXES)
    elif version < 2:
        _run(conn, UPGRADE_2)
    _upgrade_3(conn)
    _put_tabs_right(conn)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def finish_bulk_load(conn: sqlite3.Connection) -> None:
    """After a bulk load without indexes and triggers: build them, recount the tabs, roll the line
    items up, analyse."""
    _run(conn, TRIGGERS + ROLLUP_TRIGGERS + INDEXES + INDEXES_3 + REBUILD_COUNTS + REBUILD_ROLLUP + ["ANALYZE"])
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
