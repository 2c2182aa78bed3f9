"""Reads: tab counts, keyset-paged tabs, bulk search, one order whole. SQL lives here."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from typing import Any

from ..domain.catalog import STATUS_TABS, TAB_IDS, TABS, TABS_BY_ID, TO_SHIP, Tab, TabKind
from ..domain.metrics import METRICS_BY_KEY, Direction, MetricKey, window_bounds
from ..domain.model import Order
from ..domain.query import Filters, Sort
from ..domain.rules import Reason
from .db import StoreBase
from .metrics import METRIC_SQL
from .rows import (
    ROW_COLUMNS,
    OrderRow,
    history_from_row,
    line_from_row,
    note_from_row,
    order_from_row,
    order_row_from_tuple,
    request_from_row,
)
from .schema import FAR_FUTURE, KEPT_COUNTS, in_tabs

DAY_SECONDS = 86_400
_TO_SHIP_SQL = ", ".join(f"'{s.value}'" for s in TO_SHIP)
# The to-ship orders by the tabs that hold them (a tab index serves it).
_TO_SHIP_TABS = in_tabs(TO_SHIP)

# The Action needed rules of domain.rules.action_items, in SQL: one (id, reason, deadline) per reason.
ACTION_ITEMS_SQL = f"""
    SELECT id, '{Reason.SHIPPING_OVERDUE.value}' AS reason, rts_sla_time AS deadline
      FROM orders WHERE {_TO_SHIP_TABS} AND ship_by_key < :now
    UNION ALL
    SELECT id, '{Reason.SHIP_WITHIN_24H.value}', rts_sla_time
      FROM orders WHERE {_TO_SHIP_TABS} AND ship_by_key >= :now AND ship_by_key < :day
    UNION ALL
    SELECT id, '{Reason.AUTO_CANCEL.value}', shipping_due_time
      FROM orders WHERE {_TO_SHIP_TABS} AND shipping_due_time >= :now AND shipping_due_time < :day
    UNION ALL
    SELECT id, '{Reason.CANCELLATION_REQUESTED.value}', cancel_request_due
      FROM orders WHERE cancel_request_due IS NOT NULL AND status IN ('ON_HOLD', {_TO_SHIP_SQL})
    UNION ALL
    SELECT id, '{Reason.RETURN_REQUESTED.value}', return_request_due
      FROM orders WHERE return_request_due IS NOT NULL
    UNION ALL
    SELECT id, '{Reason.ABNORMAL_PACKAGE.value}', NULL FROM orders WHERE abnormal
    UNION ALL
    SELECT id, '{Reason.REFUSED_BY_TIKTOK.value}', NULL FROM orders WHERE remote_error IS NOT NULL
"""
# One row per order: its most urgent reason (SQLite takes the bare columns from the min() row).
ACTION_CTE = f"""
WITH action_items AS ({ACTION_ITEMS_SQL}),
action AS (
    SELECT id, reason, min(coalesce(deadline, {FAR_FUTURE})) AS action_key, count(*) AS reason_count
      FROM action_items GROUP BY id
)
"""

_SORT_COLUMN = {
    Sort.SHIP_BY: "o.ship_by_key",
    Sort.CREATED: "o.create_time",
    Sort.TOTAL: "o.total_amount",
    Sort.DEADLINE: "a.action_key",
}
_SELECT_ROW = ", ".join(f"o.{name}" for name in ROW_COLUMNS)

# A search's matches, kept on the store's connection (ReadsMixin.matched): the hits by search number,
# each search's stamp (the last order rowid and history event it has seen, and how many orders
# there were), how many orders it matched in all and by ID once asked (``per_id``), its orders' tabs
# once counted (``tabbed``) and how many in each (``by_tab``), and the orders a refresh matches again.
_SEARCH_TABLES = (
    "CREATE TEMP TABLE IF NOT EXISTS searches (sid INTEGER PRIMARY KEY, search TEXT NOT NULL UNIQUE,"
    " last_order INTEGER, last_event INTEGER, orders INTEGER, found INTEGER, used INTEGER NOT NULL,"
    " tabbed INTEGER NOT NULL DEFAULT 0, per_id TEXT, by_tab TEXT)",
    "CREATE TEMP TABLE IF NOT EXISTS search_orders (sid INTEGER NOT NULL, order_id TEXT NOT NULL, tab TEXT,"
    " has_return INTEGER, PRIMARY KEY (sid, order_id)) WITHOUT ROWID",
    "CREATE TEMP TABLE IF NOT EXISTS search_hits (sid INTEGER NOT NULL, matched TEXT NOT NULL,"
    " order_id TEXT NOT NULL, PRIMARY KEY (sid, order_id, matched)) WITHOUT ROWID",
    "CREATE TEMP TABLE IF NOT EXISTS search_changed (id TEXT PRIMARY KEY) WITHOUT ROWID",
)
_STAMP_SQL = """
SELECT coalesce((SELECT max(rowid) FROM orders), 0), coalesce((SELECT max(id) FROM history), 0),
       coalesce((SELECT n FROM tab_counts WHERE tab = :every), 0)
"""
_EVERY_COUNT = KEPT_COUNTS[TabKind.EVERY].row
_SEARCHES_KEPT = 4
# More orders changed than this since a search was matched: it is matched whole again.
_REMATCH_AT = 20_000
# A search matching at least this share of the orders pages by walking the tab's own sort index and
# probing the matches (a page costs about limit * DENSE rows); a smaller one pages from its matches,
# sorted (about as many rows as it matched).
_DENSE = 20
# A search's orders with their tabs (into temp.search_orders).
_TABBED_SQL = """
SELECT DISTINCT :sid, h.order_id, o.tab, o.has_return
  FROM temp.search_hits h CROSS JOIN orders o ON o.id = h.order_id WHERE h.sid = :sid
"""
_SEARCH_PROBE = (
    "EXISTS (SELECT 1 FROM temp.search_hits h WHERE h.sid = :f_sid AND h.order_id = o.id)"
)


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the sort value and order ID of its last row (keyset pagination)."""

    key: int
    id: str


@dataclass
class Page:
    rows: list[OrderRow]
    next: Cursor | None
    sort: Sort
    descending: bool


@dataclass
class SearchResult:
    """The first *limit* matching orders in ship-by order, and how many each ID matched in all."""

    ids: list[str]
    rows: list[OrderRow]
    counts: dict[str, int] = field(default_factory=dict)
    total: int = 0

    @property
    def not_found(self) -> list[str]:
        return [i for i in self.ids if not self.counts.get(i)]


def _epoch_of_day(day: Any, *, end: bool = False) -> int:
    moment = datetime.combine(day, time.min, tzinfo=timezone.utc)
    if end:
        moment += timedelta(days=1)
    return int(moment.timestamp())


Term = tuple[str, dict[str, Any]]


def _ids_term(ids: tuple[str, ...], now: int) -> Term:
    names = [f"f_id{i}" for i in range(len(ids))]
    return (f"o.id IN ({', '.join(':' + n for n in names)})" if names else "0"), dict(zip(names, ids, strict=True))


def _metric_term(metric: MetricKey, now: int) -> Term:
    # The orders counting against a health figure (with window_days: store.metrics.metric_order_ids).
    numerator, denominator = METRIC_SQL[metric]
    if METRICS_BY_KEY[metric].direction is Direction.MIN:
        numerator = f"{denominator} AND NOT {numerator}"
    return f"o.is_sample_order = 0 AND {numerator}", {}


def _window_term(days: int, now: int) -> Term:
    # The window of the health figures and scorecards (store.metrics.WINDOW_SQL), so they add up.
    since, until = window_bounds(now, days)
    return "o.create_time BETWEEN :f_wsince AND :f_wuntil AND o.is_sample_order = 0", {"f_wsince": since, "f_wuntil": until}


def _search_key(search: tuple[str, ...]) -> str:
    """What names a search in the connection's temp table of searches (ReadsMixin.matched)."""
    return json.dumps(search)


def _search_term(search: tuple[str, ...], now: int) -> Term:
    # The matches ReadsMixin.matched kept for this search (it runs first: counts, _page_sql, in_view).
    return (
        "o.id IN (SELECT order_id FROM temp.search_hits"
        " WHERE sid = (SELECT sid FROM temp.searches WHERE search = :f_search))",
        {"f_search": _search_key(search)},
    )


# The WHERE term (on alias ``o``) and parameters of each Filters field once it is set (Filters.is_set),
# keyed like domain.query.FILTER_FIELDS.
FILTER_SQL: dict[str, Callable[[Any, int], Term]] = {
    "overdue": lambda on, now: (f"{in_tabs(TO_SHIP, 'o.')} AND o.ship_by_key < :f_now", {"f_now": now}),
    "at_risk_hours": lambda hours, now: (
        f"{in_tabs(TO_SHIP, 'o.')} AND o.ship_by_key >= :f_now AND o.ship_by_key < :f_risk",
        {"f_now": now, "f_risk": now + hours * 3600},
    ),
    "flag": lambda flag, now: ("o.flag = :f_flag", {"f_flag": flag.value}),
    "has_note": lambda has, now: ("o.note IS NOT NULL" if has else "o.note IS NULL", {}),
    "creator": lambda creator, now: (
        "o.creator_username = :f_creator COLLATE NOCASE", {"f_creator": creator.lstrip("@")}
    ),
    "campaign": lambda campaign, now: ("o.campaign = :f_campaign COLLATE NOCASE", {"f_campaign": campaign}),
    "content_type": lambda content, now: ("o.content_type = :f_content", {"f_content": content.value}),
    "product": lambda product, now: (
        "o.id IN (SELECT order_id FROM line_items WHERE product_id = :f_product"
        " UNION SELECT order_id FROM line_items WHERE sku_id = :f_product"
        " UNION SELECT order_id FROM line_items WHERE seller_sku = :f_product)",
        {"f_product": product},
    ),
    "created_from": lambda day, now: ("o.create_time >= :f_from", {"f_from": _epoch_of_day(day)}),
    "created_to": lambda day, now: ("o.create_time < :f_to", {"f_to": _epoch_of_day(day, end=True)}),
    "order_type": lambda kind, now: ("o.order_type = :f_type", {"f_type": kind.value}),
    "sample": lambda sample, now: ("o.is_sample_order = :f_sample", {"f_sample": int(sample)}),
    "ids": _ids_term,
    "metric": _metric_term,
    "window_days": _window_term,
    "search": _search_term,
}


def filter_sql(filters: Filters, now: int) -> tuple[list[str], dict[str, Any]]:
    """WHERE terms (on alias ``o``) and their parameters for *filters*."""
    terms: list[str] = []
    params: dict[str, Any] = {}
    for name in type(filters).model_fields:
        if filters.is_set(name):
            term, values = FILTER_SQL[name](getattr(filters, name), now)
            terms.append(term)
            params.update(values)
    return terms, params


def _known(tab: str) -> Tab:
    if tab not in TABS_BY_ID:
        raise ValueError(f"unknown tab {tab!r}; tabs are: {', '.join(TAB_IDS)}")
    return TABS_BY_ID[tab]


def tab_sort(tab: str, sort: Sort | None) -> Sort:
    """The sort a tab's orders take: *sort* when the tab offers it, else the tab's default (catalog)."""
    sorts = _known(tab).sorts
    return Sort(sort) if sort is not None and sort in sorts else Sort(sorts[0])


_EVERY_TAB = next(tab.id for tab in TABS if tab.kind is TabKind.EVERY)


def _count_row(tab: Tab) -> str:
    """The tab_counts row (kept by schema's triggers) that counts *tab*: a status tab's is its id."""
    return KEPT_COUNTS[tab.kind].row if tab.kind in KEPT_COUNTS else tab.id


def _is_action(tab: str) -> bool:
    return _known(tab).kind is TabKind.ACTION


def _tab_terms(tab: str) -> list[str]:
    """The WHERE terms of a tab's kind (Action needed's rules are the ACTION_CTE it is joined with)."""
    kind = _known(tab).kind
    if kind is TabKind.RETURNS:
        return ["o.has_return = 1"]
    if kind is TabKind.STATUSES:
        return [f"o.tab = '{tab}'"]
    return []


class ReadsMixin(StoreBase):
    def _action_params(self, now: int | None = None) -> dict[str, int]:
        now = self.now_epoch() if now is None else now
        return {"now": now, "day": now + DAY_SECONDS}

    # Counts -------------------------------------------------------------------------------

    def counts(self, filters: Filters | None = None) -> dict[str, int]:
        """Every tab's count. Unfiltered counts come from trigger-kept totals: a lookup, not a scan."""
        params = self._action_params()
        if filters is None or not filters.active:
            kept = dict(self.conn.execute("SELECT tab, n FROM tab_counts").fetchall())
            action = f"SELECT count(DISTINCT id) FROM ({ACTION_ITEMS_SQL})"
            return {
                tab.id: self.conn.execute(action, params).fetchone()[0] if tab.kind is TabKind.ACTION
                else kept.get(_count_row(tab), 0)
                for tab in TABS
            }
        self._match_search(filters)
        terms, fparams = filter_sql(filters, params["now"])
        where = " AND ".join(terms)
        params.update(fparams)
        if [name for name in type(filters).model_fields if filters.is_set(name)] == ["search"]:
            by_tab = self._by_tab(filters.search)
            grouped = {tab: n for tab, n, _returns in by_tab}
            returns: int | None = sum(r for _tab, _n, r in by_tab)
        else:
            grouped = dict(
                self.conn.execute(
                    f"SELECT o.tab, count(*) FROM orders o WHERE {where} GROUP BY o.tab", params
                ).fetchall()
            )
            returns = None
        by_kind = {
            TabKind.EVERY: lambda: sum(grouped.get(tab.id, 0) for tab in STATUS_TABS),
            TabKind.RETURNS: lambda: returns if returns is not None else self.conn.execute(
                f"SELECT count(*) FROM orders o WHERE o.has_return = 1 AND {where}", params
            ).fetchone()[0],
            TabKind.ACTION: lambda: self.conn.execute(
                f"{ACTION_CTE} SELECT count(*) FROM action a JOIN orders o ON o.id = a.id WHERE {where}", params
            ).fetchone()[0],
        }
        return {tab.id: by_kind[tab.kind]() if tab.kind in by_kind else grouped.get(tab.id, 0) for tab in TABS}

    # Pages --------------------------------------------------------------------------------

    def page(
        self,
        tab: str,
        *,
        filters: Filters | None = None,
        sort: Sort | None = None,
        descending: bool = False,
        after: Cursor | None = None,
        limit: int = 50,
        inclusive: bool = False,
    ) -> Page:
        """One page of a tab in sort order, starting after *after* (keyset pagination).

        With ``inclusive`` the page starts at *after* itself, if that row is still there.
        """
        sort = tab_sort(tab, sort)
        sql, params = self._page_sql(tab, filters or Filters(), sort, descending, after, limit, inclusive)
        rows = self._rows(sql, params, action=_is_action(tab))
        next_cursor = None
        if len(rows) == limit:
            last = rows[-1]
            next_cursor = Cursor(self.sort_value(last, sort), last.id)
        return Page(rows, next_cursor, sort, descending)

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
        params: dict[str, Any] = {"limit": limit}
        terms = _tab_terms(tab)
        now = self.now_epoch()
        filters, probe, probe_params = self._page_filters(tab, filters)
        fterms, fparams = filter_sql(filters, now)
        terms += fterms + probe
        params.update(fparams, **probe_params)
        column = _SORT_COLUMN[sort]
        direction = "DESC" if descending else "ASC"
        if after is not None:
            operator = ("<" if descending else ">") + ("=" if inclusive else "")
            terms.append(f"({column}, o.id) {operator} (:k_key, :k_id)")
            params.update(k_key=after.key, k_id=after.id)
        where = ("WHERE " + " AND ".join(terms)) if terms else ""
        order = f"ORDER BY {column} {direction}, o.id {direction} LIMIT :limit"
        if _is_action(tab):
            params.update(self._action_params(now))
            sql = (
                f"{ACTION_CTE} SELECT {_SELECT_ROW}, a.reason, a.action_key, a.reason_count "
                f"FROM action a JOIN orders o ON o.id = a.id {where} {order}"
            )
        else:
            sql = f"SELECT {_SELECT_ROW} FROM orders o {where} {order}"
        return sql, params

    def _rows(self, sql: str, params: dict[str, Any], *, action: bool = False) -> list[OrderRow]:
        width = len(ROW_COLUMNS)
        return [
            order_row_from_tuple(values[:width], values[width:] if action else None)
            for values in self.conn.execute(sql, params)
        ]

    @staticmethod
    def sort_value(row: OrderRow, sort: Sort) -> int:
        """The key a row sorts by, as stored; with its ID it makes the keyset cursor."""
        if sort is Sort.DEADLINE:
            return int(row.deadline.timestamp()) if row.deadline else FAR_FUTURE
        if sort is Sort.CREATED:
            return int(row.create_time.timestamp())
        if sort is Sort.TOTAL:
            return int(row.total_amount * 100)
        return int(row.rts_sla_time.timestamp()) if row.rts_sla_time else FAR_FUTURE

    def page_before(
        self,
        tab: str,
        before: Cursor,
        *,
        filters: Filters | None = None,
        sort: Sort | None = None,
        descending: bool = False,
        limit: int = 50,
    ) -> list[OrderRow]:
        """The rows just before *before* in sort order (for scrolling up), nearest last."""
        page = self.page(
            tab, filters=filters, sort=sort, descending=not descending, after=before, limit=limit
        )
        return page.rows[::-1]

    # Search -------------------------------------------------------------------------------

    def search(self, ids: list[str], *, limit: int = 500) -> SearchResult:
        """Orders matching any of *ids*: order IDs, tracking numbers, product IDs, SKU IDs, seller SKUs.

        A popular product matches thousands of orders: the rows are the first *limit* by ship-by
        time (the rest page in through ``page(filters=Filters(search=...))``); the counts are whole.
        The matches are found once (``matched``); the counts, the rows and later pages read them.
        """
        if not ids:
            return SearchResult([], [])
        sid = self.matched(tuple(ids))
        total, per_id = self.conn.execute("SELECT found, per_id FROM temp.searches WHERE sid = ?", (sid,)).fetchone()
        if per_id is None:
            per_id = json.dumps(self.conn.execute(
                "SELECT matched, count(*) FROM temp.search_hits WHERE sid = ? GROUP BY matched", (sid,)
            ).fetchall())
            self.conn.execute("UPDATE temp.searches SET per_id = ? WHERE sid = ?", (per_id, sid))
        counts = dict.fromkeys(ids, 0)
        counts.update(json.loads(per_id))
        rows = self.page(_EVERY_TAB, filters=Filters(search=tuple(ids)), limit=limit).rows
        return SearchResult(ids, rows, counts, total)

    def _match_search(self, filters: Filters) -> None:
        if filters.is_set("search"):
            self.matched(filters.search)

    def _page_filters(self, tab: str, filters: Filters) -> tuple[Filters, list[str], dict[str, Any]]:
        """*filters* less a search that matched many orders, and the term that probes its matches
        instead (a page then walks the tab's sort index); a smaller search stays in *filters*."""
        if not filters.is_set("search") or _is_action(tab):
            self._match_search(filters)
            return filters, [], {}
        sid = self.matched(filters.search)
        found, orders = self.conn.execute("SELECT found, orders FROM temp.searches WHERE sid = ?", (sid,)).fetchone()
        if found * _DENSE < orders:
            return filters, [], {}
        return filters.model_copy(update={"search": None}), [_SEARCH_PROBE], {"f_sid": sid}

    def matched(self, search: tuple[str, ...]) -> int:
        """Keep *search*'s matches, (matched ID, order ID), in this connection's temp table
        ``search_hits`` under the search's number, and return the number.

        The first time the search is matched whole. Later only the orders added since (a rowid past
        the one seen) or changed since (a history event past the one seen: every change writes one)
        are matched again; orders removed since (fewer orders than that accounts for) or many
        changes at once match it whole again. The last few searches are kept.
        """
        conn = self.conn
        for table in _SEARCH_TABLES:
            conn.execute(table)
        stamp = tuple(conn.execute(_STAMP_SQL, {"every": _EVERY_COUNT}).fetchone())
        key = _search_key(search)
        seen = conn.execute(
            "SELECT sid, last_order, last_event, orders FROM temp.searches WHERE search = ?", (key,)
        ).fetchone()
        if seen is not None and tuple(seen[1:]) == stamp:
            conn.execute("UPDATE temp.searches SET used = (SELECT max(used) + 1 FROM temp.searches) WHERE sid = ?",
                         (seen[0],))
            return int(seen[0])
        names = [f"s{i}" for i in range(len(search))]
        params: dict[str, Any] = dict(zip(names, search, strict=True))
        in_list = ", ".join(":" + n for n in names) or "NULL"
        conn.execute("SAVEPOINT search_match")
        try:
            changed = None if seen is None else self._changed_since(tuple(seen[1:]), stamp)
            params["sid"] = sid = conn.execute(
                "INSERT INTO temp.searches (search, last_order, last_event, orders, used)"
                " VALUES (:search, :order, :event, :orders, (SELECT coalesce(max(used), 0) + 1 FROM temp.searches))"
                " ON CONFLICT (search) DO UPDATE SET last_order = excluded.last_order,"
                " last_event = excluded.last_event, orders = excluded.orders, used = excluded.used,"
                " per_id = NULL, by_tab = NULL RETURNING sid",
                {"search": key, "order": stamp[0], "event": stamp[1], "orders": stamp[2]},
            ).fetchone()[0]
            if changed is None:
                conn.execute("DELETE FROM temp.search_hits WHERE sid = :sid", params)
                conn.execute("DELETE FROM temp.search_orders WHERE sid = :sid", params)
                conn.execute("UPDATE temp.searches SET tabbed = 0 WHERE sid = :sid", params)
                conn.execute(
                    f"INSERT OR IGNORE INTO temp.search_hits"
                    f" SELECT :sid, matched, order_id FROM ({_matches_sql(in_list)})",
                    params,
                )
            elif changed:
                conn.execute(
                    "DELETE FROM temp.search_hits WHERE sid = :sid"
                    " AND order_id IN (SELECT id FROM temp.search_changed)", params
                )
                conn.execute(
                    f"INSERT OR IGNORE INTO temp.search_hits"
                    f" SELECT :sid, matched, order_id FROM ({_changed_matches_sql(in_list)})",
                    params,
                )
                conn.execute(
                    "DELETE FROM temp.search_orders WHERE sid = :sid"
                    " AND order_id IN (SELECT id FROM temp.search_changed)", params
                )
                conn.execute(
                    f"INSERT INTO temp.search_orders {_TABBED_SQL}"
                    " AND h.order_id IN (SELECT id FROM temp.search_changed)"
                    " AND (SELECT tabbed FROM temp.searches WHERE sid = :sid)",
                    params,
                )
            conn.execute(
                "UPDATE temp.searches SET found = (SELECT count(DISTINCT order_id) FROM temp.search_hits"
                " WHERE sid = :sid) WHERE sid = :sid", params
            )
            for (old,) in conn.execute(
                "SELECT sid FROM temp.searches ORDER BY used DESC LIMIT -1 OFFSET ?", (_SEARCHES_KEPT,)
            ).fetchall():
                conn.execute("DELETE FROM temp.search_hits WHERE sid = ?", (old,))
                conn.execute("DELETE FROM temp.search_orders WHERE sid = ?", (old,))
                conn.execute("DELETE FROM temp.searches WHERE sid = ?", (old,))
        except BaseException:
            conn.execute("ROLLBACK TO search_match")
            conn.execute("RELEASE search_match")
            raise
        conn.execute("RELEASE search_match")
        return int(sid)

    def _by_tab(self, search: tuple[str, ...]) -> list[tuple[str, int, int]]:
        """(tab, orders, orders with a return) of *search*'s orders, counted once until a refresh."""
        sid = self._tabbed(search)
        (by_tab,) = self.conn.execute("SELECT by_tab FROM temp.searches WHERE sid = ?", (sid,)).fetchone()
        if by_tab is None:
            by_tab = json.dumps(self.conn.execute(
                "SELECT tab, count(*), sum(has_return) FROM temp.search_orders WHERE sid = ? GROUP BY tab", (sid,)
            ).fetchall())
            self.conn.execute("UPDATE temp.searches SET by_tab = ? WHERE sid = ?", (by_tab, sid))
        return [tuple(row) for row in json.loads(by_tab)]

    def _tabbed(self, search: tuple[str, ...]) -> int:
        """Match *search* (``matched``) and keep its orders' tabs, once, in temp.search_orders (a
        refresh keeps them for the orders it matches again); the search's number."""
        sid = self.matched(search)
        if not self.conn.execute("SELECT tabbed FROM temp.searches WHERE sid = ?", (sid,)).fetchone()[0]:
            self.conn.execute("SAVEPOINT search_tabs")
            try:
                self.conn.execute(f"INSERT INTO temp.search_orders {_TABBED_SQL}", {"sid": sid})
                self.conn.execute("UPDATE temp.searches SET tabbed = 1 WHERE sid = ?", (sid,))
            except BaseException:
                self.conn.execute("ROLLBACK TO search_tabs")
                self.conn.execute("RELEASE search_tabs")
                raise
            self.conn.execute("RELEASE search_tabs")
        return sid

    def _changed_since(self, seen: tuple[int, int, int], stamp: tuple[int, int, int]) -> int | None:
        """Put the orders added or changed between *seen* and *stamp* in temp.search_changed and
        say how many; None when the search is better matched whole (orders removed, many changed)."""
        conn = self.conn
        conn.execute("DELETE FROM temp.search_changed")
        conn.execute(
            "INSERT OR IGNORE INTO temp.search_changed SELECT id FROM orders WHERE rowid > :order",
            {"order": seen[0]},
        )
        added = conn.execute("SELECT count(*) FROM temp.search_changed").fetchone()[0]
        if seen[2] + added != stamp[2]:
            return None
        conn.execute(
            "INSERT OR IGNORE INTO temp.search_changed SELECT order_id FROM history WHERE id > :event",
            {"event": seen[1]},
        )
        changed = conn.execute("SELECT count(*) FROM temp.search_changed").fetchone()[0]
        return None if changed > _REMATCH_AT else changed

    def unmatched(self, ids: list[str]) -> list[str]:
        """Which of *ids* match no order at all, in the order given: six index probes an ID."""
        if not ids:
            return []
        missing = {
            value
            for (value,) in self.conn.execute(
                """
                WITH wanted(v) AS (SELECT value FROM json_each(:ids))
                SELECT v FROM wanted
                 WHERE NOT EXISTS (SELECT 1 FROM orders WHERE id = v)
                   AND NOT EXISTS (SELECT 1 FROM orders WHERE tracking_number = v)
                   AND NOT EXISTS (SELECT 1 FROM line_items INDEXED BY ix_lines_tracking
                                    WHERE tracking_number = v AND tracking_number IS NOT NULL)
                   AND NOT EXISTS (SELECT 1 FROM line_items INDEXED BY ix_lines_product WHERE product_id = v)
                   AND NOT EXISTS (SELECT 1 FROM line_items INDEXED BY ix_lines_sku WHERE sku_id = v)
                   AND NOT EXISTS (SELECT 1 FROM line_items INDEXED BY ix_lines_seller_sku WHERE seller_sku = v)
                """,
                {"ids": json.dumps(ids)},
            )
        }
        return [i for i in ids if i in missing]

    def in_view(self, tab: str, order_ids: Iterable[str], *, filters: Filters | None = None) -> set[str]:
        """Which of *order_ids* *tab* shows now under *filters*: tagged orders that left it
        (their status changed, or they no longer match) are not among them."""
        now = self.now_epoch()
        self._match_search(filters or Filters())
        shown: set[str] = set()
        for chunk in _chunks(list(dict.fromkeys(order_ids)), 500):
            terms, params = filter_sql(filters or Filters(), now)
            names = [f"v{i}" for i in range(len(chunk))]
            terms = [*_tab_terms(tab), *terms, f"o.id IN ({', '.join(':' + n for n in names)})"]
            params.update(zip(names, chunk, strict=True))
            where = " AND ".join(terms)
            if _is_action(tab):
                params.update(self._action_params(now))
                sql = f"{ACTION_CTE} SELECT o.id FROM action a JOIN orders o ON o.id = a.id WHERE {where}"
            else:
                sql = f"SELECT o.id FROM orders o WHERE {where}"
            shown.update(oid for (oid,) in self.conn.execute(sql, params))
        return shown

    def rows_for(self, order_ids: list[str]) -> list[OrderRow]:
        """List rows for these orders, in ship-by order."""
        rows: list[OrderRow] = []
        for chunk in _chunks(order_ids, 500):
            marks = ", ".join("?" * len(chunk))
            rows += [
                order_row_from_tuple(values)
                for values in self.conn.execute(
                    f"SELECT {_SELECT_ROW} FROM orders o WHERE o.id IN ({marks})", chunk
                )
            ]
        rows.sort(key=lambda r: (r.rts_sla_time is None, r.rts_sla_time or r.create_time, r.id))
        return rows

    # One order ----------------------------------------------------------------------------

    def get(self, order_id: str) -> Order | None:
        orders = self.get_many([order_id])
        return orders[0] if orders else None

    def get_many(self, order_ids: Iterable[str]) -> list[Order]:
        """Whole orders (lines, notes newest first, requests, history), in the order asked."""
        wanted = list(dict.fromkeys(order_ids))
        found: dict[str, Order] = {}
        for chunk in _chunks(wanted, 500):
            marks = ", ".join("?" * len(chunk))
            children: dict[str, dict[str, list[Any]]] = {
                oid: {"line_items": [], "notes": [], "requests": [], "history": []} for oid in chunk
            }
            for row in self.db.query(
                f"SELECT * FROM line_items WHERE order_id IN ({marks}) ORDER BY order_id, position", chunk
            ):
                children[row["order_id"]]["line_items"].append(line_from_row(row))
            for row in self.db.query(
                f"SELECT id, order_id, flag, text, author, created_at FROM notes "
                f"WHERE order_id IN ({marks}) ORDER BY id DESC",
                chunk,
            ):
                children[row["order_id"]]["notes"].append(note_from_row(row))
            for row in self.db.query(
                f"SELECT * FROM requests WHERE order_id IN ({marks}) ORDER BY id", chunk
            ):
                children[row["order_id"]]["requests"].append(request_from_row(row))
            for row in self.db.query(
                f"SELECT * FROM history WHERE order_id IN ({marks}) ORDER BY id", chunk
            ):
                children[row["order_id"]]["history"].append(history_from_row(row))
            for row in self.db.query(f"SELECT * FROM orders WHERE id IN ({marks})", chunk):
                found[row["id"]] = order_from_row(row, **children[row["id"]])
        return [found[oid] for oid in wanted if oid in found]

    def iter_ids(self, tab: str, *, filters: Filters | None = None, sort: Sort | None = None,
                 descending: bool = False, batch: int = 1000) -> Iterator[str]:
        """Every order ID of a tab in sort order, a keyset page at a time (flat memory)."""
        after: Cursor | None = None
        while True:
            page = self.page(tab, filters=filters, sort=sort, descending=descending, after=after, limit=batch)
            yield from (row.id for row in page.rows)
            if page.next is None:
                return
            after = page.next

    def action_reasons_sql(self) -> dict[str, set[Reason]]:
        """Every order's Action needed reasons by the SQL rules (checked against domain.rules)."""
        reasons: dict[str, set[Reason]] = {}
        for oid, reason, _deadline in self.conn.execute(ACTION_ITEMS_SQL, self._action_params()):
            reasons.setdefault(oid, set()).add(Reason(reason))
        return reasons


def _matches_sql(in_list: str) -> str:
    """(matched ID, order ID) for each kind of ID in *in_list*, every lookup on its own index; a
    pair may come twice (UNION ALL: the table it goes into drops repeats, cheaper than a UNION).

    The line-item indexes are named: with ANALYZE's figures for popular products the planner
    would otherwise scan all line items for a 100-value IN list.
    """
    return f"""
        SELECT id AS matched, id AS order_id FROM orders WHERE id IN ({in_list})
        UNION ALL SELECT tracking_number, id FROM orders WHERE tracking_number IN ({in_list})
        UNION ALL SELECT tracking_number, order_id FROM line_items INDEXED BY ix_lines_tracking
               WHERE tracking_number IN ({in_list}) AND tracking_number IS NOT NULL
        UNION ALL SELECT product_id, order_id FROM line_items INDEXED BY ix_lines_product WHERE product_id IN ({in_list})
        UNION ALL SELECT sku_id, order_id FROM line_items INDEXED BY ix_lines_sku WHERE sku_id IN ({in_list})
        UNION ALL SELECT seller_sku, order_id FROM line_items INDEXED BY ix_lines_seller_sku WHERE seller_sku IN ({in_list})
    """


def _changed_matches_sql(in_list: str) -> str:
    """``_matches_sql`` for the orders in temp.search_changed only: their own rows, not the indexes
    of every order an ID matches."""
    changed = "id IN (SELECT id FROM temp.search_changed)"
    lines = "temp.search_changed c CROSS JOIN line_items l ON l.order_id = c.id"
    return f"""
        SELECT id AS matched, id AS order_id FROM orders WHERE {changed} AND id IN ({in_list})
        UNION ALL SELECT tracking_number, id FROM orders WHERE {changed} AND tracking_number IN ({in_list})
        UNION ALL SELECT l.tracking_number, l.order_id FROM {lines} WHERE l.tracking_number IN ({in_list})
        UNION ALL SELECT l.product_id, l.order_id FROM {lines} WHERE l.product_id IN ({in_list})
        UNION ALL SELECT l.sku_id, l.order_id FROM {lines} WHERE l.sku_id IN ({in_list})
        UNION ALL SELECT l.seller_sku, l.order_id FROM {lines} WHERE l.seller_sku IN ({in_list})
    """


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
