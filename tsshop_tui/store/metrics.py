"""Seller health metrics, scorecards, the daily trend and the live monitor, in SQL.

The definitions are ``tsshop_tui.domain.metrics`` (read its docstring); every figure here equals the
reference implementation of the same name in ``tests/metric_reference.py`` over the same orders, and
the tests check that they do.
Windows bound ``create_time`` so SQLite walks one index range; all time comes from ``self.clock``.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

from ..domain.catalog import TO_SHIP
from ..domain.metrics import (
    DEFAULT_DAYS,
    METRICS,
    METRICS_BY_KEY,
    PACE_HOURS,
    SPIKE_RULE,
    BacklogForecast,
    CampaignScore,
    CreatorScore,
    Direction,
    Metric,
    MetricKey,
    ProductScore,
    Score,
    ScoreSort,
    SkuScore,
    Spike,
    SpikeRule,
    TrendDay,
    detect_spike,
    forecast_backlog,
    sort_scores,
    trend_bounds,
    window_bounds,
)
from ..domain.model import ContentType
from .db import StoreBase
from .rollup import MASK_FIELDS, SELLER_FAULT_CODES, order_mask, split_window
from .rows import ROW_COLUMNS, OrderRow, from_cents, order_row_from_tuple
from .schema import FAR_FUTURE, VALID_TRACKING_SQL, in_tabs

# The per-order tests of the metric definitions (tests/metric_reference.py), in SQL; each is 0 or 1, never NULL.
CANCELLED_SQL = "(status = 'CANCELLED')"
SELLER_FAULT_SQL = (
    "coalesce(status = 'CANCELLED' AND cancellation_initiator = 'SELLER'"
    f" AND cancel_reason IN ({SELLER_FAULT_CODES}), 0)"
)
PAID_SQL = "(paid_time IS NOT NULL)"
SHIPPED_SQL = "(rts_time IS NOT NULL)"
LATE_SQL = "(rts_time IS NOT NULL AND rts_sla_time IS NOT NULL AND rts_time > rts_sla_time)"
VALID_SQL = f"(rts_time IS NOT NULL AND {VALID_TRACKING_SQL})"
DELIVERED_SQL = "(delivery_time IS NOT NULL)"
RETURN_SQL = "(delivery_time IS NOT NULL AND has_return = 1)"

# (numerator, denominator) per metric, as METRIC_TESTS in tests/metric_reference.py.
METRIC_SQL: dict[MetricKey, tuple[str, str]] = {
    MetricKey.SFCR: (f"({PAID_SQL} AND {SELLER_FAULT_SQL})", PAID_SQL),
    MetricKey.LDR: (LATE_SQL, SHIPPED_SQL),
    MetricKey.VTR: (VALID_SQL, SHIPPED_SQL),
    MetricKey.RETURN_RATE: (RETURN_SQL, DELIVERED_SQL),
}

# The window: created in [since, until], no sample orders.
WINDOW_SQL = "create_time BETWEEN :since AND :until AND is_sample_order = 0"

_ORDER_MASK = order_mask()


def _count_in(score: Score, mask: int, orders: int, units: int, amount: int) -> None:
    """Add *orders* orders sharing the facts *mask* (with their units and money in cents) to *score*."""
    score.orders += orders
    score.units += units
    if not mask & 1:
        score.gmv += from_cents(amount)
    for bit, name in enumerate(MASK_FIELDS):
        if mask >> bit & 1:
            setattr(score, name, getattr(score, name) + orders)


def _content_value(content_type: ContentType | str | None) -> str | None:
    return ContentType(content_type).value if content_type is not None else None


class MetricsMixin(StoreBase):
    """Seller health and creator insights. Every method reads only; all are fast on a 1M-order shop."""

    def _window(self, days: int) -> dict[str, int]:
        since, until = window_bounds(self.now_epoch(), days)
        return {"since": since, "until": until}

    # Health ------------------------------------------------------------------------------

    def metrics(self, days: int = DEFAULT_DAYS) -> list[Metric]:
        """SFCR, LDR, VTR and return rate (in that order) over the orders created in the last *days* days."""
        sums = ",\n".join(
            f"coalesce(sum({numerator}), 0), coalesce(sum({denominator}), 0)"
            for numerator, denominator in (METRIC_SQL[m.key] for m in METRICS)
        )
        row = self.conn.execute(
            f"SELECT {sums} FROM orders WHERE {WINDOW_SQL}", self._window(days)
        ).fetchone()
        return [m.result(row[2 * i], row[2 * i + 1]) for i, m in enumerate(METRICS)]

    def _metric_where(self, key: MetricKey | str) -> str:
        key = MetricKey(key)
        numerator, denominator = METRIC_SQL[key]
        if METRICS_BY_KEY[key].direction is Direction.MIN:
            return f"{WINDOW_SQL} AND {denominator} AND NOT {numerator}"
        return f"{WINDOW_SQL} AND {numerator}"

    def metric_order_ids(self, key: MetricKey | str, days: int = DEFAULT_DAYS) -> list[str]:
        """The IDs of the orders counting against metric *key* (newest first): seller-fault
        cancellations, late shipments, shipped orders without valid tracking, returns."""
        sql = f"SELECT id FROM orders WHERE {self._metric_where(key)} ORDER BY create_time DESC, id DESC"
        return [oid for (oid,) in self.conn.execute(sql, self._window(days))]

    def metric_orders(
        self, key: MetricKey | str, days: int = DEFAULT_DAYS, *, limit: int | None = None
    ) -> list[OrderRow]:
        """List rows of the orders counting against metric *key* (newest first), at most *limit*."""
        columns = ", ".join(ROW_COLUMNS)
        sql = (
            f"SELECT {columns} FROM orders WHERE {self._metric_where(key)}"
            " ORDER BY create_time DESC, id DESC LIMIT :limit"
        )
        params = {**self._window(days), "limit": -1 if limit is None else limit}
        return [order_row_from_tuple(values) for values in self.conn.execute(sql, params)]

    # Scorecards --------------------------------------------------------------------------

    def creator_scorecard(
        self,
        days: int = 30,
        sort: ScoreSort | str = ScoreSort.GMV,
        content_type: ContentType | str | None = None,
        *,
        limit: int | None = None,
    ) -> list[CreatorScore]:
        """Per creator: orders, units, GMV, cancellations, seller-fault cancellations, returns,
        late shipments and their rates, split by content type; biggest first by *sort*."""
        scores = self._group_scorecard("creator_username", CreatorScore, "creator", days, sort, content_type)
        return scores[:limit] if limit is not None else scores

    def campaign_scorecard(
        self,
        days: int = 30,
        sort: ScoreSort | str = ScoreSort.GMV,
        content_type: ContentType | str | None = None,
        *,
        limit: int | None = None,
    ) -> list[CampaignScore]:
        """Per campaign, the same figures as the creator scorecard."""
        scores = self._group_scorecard("campaign", CampaignScore, "campaign", days, sort, content_type)
        return scores[:limit] if limit is not None else scores

    def _group_scorecard(self, column, model, name_field, days, sort, content_type):  # type: ignore[no-untyped-def]
        params: dict[str, Any] = self._window(days)
        where = f"{WINDOW_SQL} AND {column} IS NOT NULL"
        content = _content_value(content_type)
        if content is not None:
            where += " AND content_type = :content"
            params["content"] = content
        groups: dict[str, Any] = {}
        for name, kind, mask, orders, units, amount in self.conn.execute(
            f"SELECT {column}, content_type, {_ORDER_MASK} AS m, count(*), sum(item_count),"
            f" sum(total_amount) FROM orders WHERE {where} GROUP BY 1, 2, 3",
            params,
        ):
            score = groups.get(name)
            if score is None:
                score = groups[name] = model(**{name_field: name})
            _count_in(score, mask, orders, units, amount)
            if kind is not None:
                _count_in(score.by_content.setdefault(ContentType(kind), Score()), mask, orders, units, amount)
        for score in groups.values():
            score.by_content = {c: score.by_content[c] for c in ContentType if c in score.by_content}
        return sort_scores(list(groups.values()), ScoreSort(sort), lambda s: getattr(s, name_field))

    def product_scorecard(
        self,
        days: int = 30,
        sort: ScoreSort | str = ScoreSort.GMV,
        content_type: ContentType | str | None = None,
        *,
        limit: int | None = None,
    ) -> list[ProductScore]:
        """Per product, each with its SKUs: orders, units, GMV (sale price × quantity of its own lines
        in orders not cancelled), cancellations, seller-fault cancellations, returns, late shipments.

        A product (or SKU) counts an order once however many of its lines the order holds. Names
        (product, seller SKU, variation) are those of the SKU's newest line in the shop.
        """
        window = self._window(days)
        content = _content_value(content_type)
        products: dict[str, ProductScore] = {}
        skus: dict[tuple[str, str], SkuScore] = {}
        for product_id, sku_id, mask, repeats, lines, units, amount in self._product_lines(window, content):
            sku = skus.get((product_id, sku_id))
            if sku is None:
                sku = skus[product_id, sku_id] = SkuScore(sku_id=sku_id, product_id=product_id)
            product = products.get(product_id)
            if product is None:
                product = products[product_id] = ProductScore(product_id=product_id)
            # A product or SKU counts an order only on its first line of them; units and money on all.
            for score, repeated in ((sku, repeats & 2), (product, repeats & 1)):
                _count_in(score, mask, 0 if repeated else lines, units, amount)
        self._name_skus(skus, products)
        for product in products.values():
            product.skus = sort_scores(product.skus, sort, lambda s: s.sku_id)
        scores = sort_scores(list(products.values()), sort, lambda s: s.product_id)
        return scores[:limit] if limit is not None else scores

    def _product_lines(self, window: dict[str, int], content: str | None) -> sqlite3.Cursor:
        """Rows of (product, SKU, order facts, repeat bits, lines, units, cents) over the window: its
        whole days from the rollup, the partial days at its edges from the line items."""
        params: dict[str, Any] = {"content": content}
        and_content = "" if content is None else " AND content_type = :content"
        parts = []
        days, edges = split_window(window["since"], window["until"])
        if days is not None:
            params["first_day"], params["last_day"] = days
            parts.append(
                "SELECT product_id, sku_id, m, repeats, lines, units, amount FROM product_days"
                " WHERE day BETWEEN :first_day AND :last_day AND lines > 0"
                + ("" if content is None else " AND content = :content")
            )
        for i, (since, until) in enumerate(edges):
            params[f"since{i}"], params[f"until{i}"] = since, until
            # LIMIT -1 keeps SQLite from flattening the subquery (which would recompute the facts per line).
            parts.append(f"""
            SELECT li.product_id, li.sku_id, w.m, li.repeats, 1 AS lines, li.quantity AS units,
                   li.quantity * li.sale_price AS amount
              FROM (SELECT id, {_ORDER_MASK} AS m FROM orders
                     WHERE create_time BETWEEN :since{i} AND :until{i} AND is_sample_order = 0{and_content}
                     LIMIT -1) AS w
              JOIN line_items li ON li.order_id = w.id""")
        union = "\nUNION ALL\n".join(parts)
        return self.conn.execute(
            f"SELECT product_id, sku_id, m, repeats, sum(lines), sum(units), sum(amount)"
            f" FROM ({union}) GROUP BY 1, 2, 3, 4",
            params,
        )

    def _name_skus(self, skus: dict[tuple[str, str], SkuScore], products: dict[str, ProductScore]) -> None:
        """Names from each SKU's newest line; a product takes the name on its newest line of all."""
        newest: dict[str, int] = {}
        for (product_id, sku_id), sku in sorted(skus.items()):
            found = self.conn.execute(
                "SELECT id, product_name, seller_sku, sku_name FROM line_items"
                " WHERE sku_id = ? AND product_id = ? ORDER BY id DESC LIMIT 1",
                (sku_id, product_id),
            ).fetchone()
            line_id, product_name, sku.seller_sku, sku.sku_name = found
            product = products[product_id]
            product.skus.append(sku)
            if line_id > newest.get(product_id, -1):
                newest[product_id] = line_id
                product.product_name = product_name

    # Trend and live monitor -----------------------------------------------------------------

    def daily_trend(self, days: int = 30) -> list[TrendDay]:
        """(day, orders, cancellations, returns) per UTC day, oldest first, today last; see TrendDay."""
        since, until, first = trend_bounds(self.now_epoch(), days)
        found = {
            index: (orders, cancelled, returns)
            for index, orders, cancelled, returns in self.conn.execute(
                f"SELECT (create_time - :since) / 86400, count(*), sum({CANCELLED_SQL}), sum(has_return)"
                f" FROM orders WHERE {WINDOW_SQL} GROUP BY 1",
                {"since": since, "until": until},
            )
        }
        return [TrendDay(first + timedelta(days=i), *found.get(i, (0, 0, 0))) for i in range(days)]

    def orders_per_minute(self, minutes: int = 60) -> list[int]:
        """Non-sample orders created per minute over the last *minutes* minutes, oldest first;
        the last count is the minute ending now (``now - 59 s .. now``)."""
        if minutes < 1:
            raise ValueError("minutes must be at least 1")
        now = self.now_epoch()
        counts = [0] * minutes
        for age, n in self.conn.execute(
            "SELECT (:now - create_time) / 60, count(*) FROM orders"
            " WHERE create_time > :now - :span AND create_time <= :now AND is_sample_order = 0 GROUP BY 1",
            {"now": now, "span": minutes * 60},
        ):
            counts[minutes - 1 - age] = n
        return counts

    def spike(self, rule: SpikeRule = SPIKE_RULE) -> Spike:
        """Whether orders are spiking now (domain.metrics.SpikeRule: last 5 min > 3x the 55 before)."""
        return detect_spike(self.orders_per_minute(rule.minutes), rule)

    def backlog_forecast(self, pace_hours: int = PACE_HOURS) -> BacklogForecast:
        """To-ship orders, the shipping pace of the last *pace_hours* hours, and how many will miss
        their ship-by time at that pace (see domain.metrics.forecast_backlog)."""
        now = self.now_epoch()
        shipped = self.conn.execute(
            "SELECT count(*) FROM orders WHERE rts_time > :start AND rts_time <= :now",
            {"start": now - pace_hours * 3600, "now": now},
        ).fetchone()[0]
        ship_by = [
            None if key == FAR_FUTURE else key
            for (key,) in self.conn.execute(
                # The tab index's order, one walk however many tabs hold them; forecast_backlog sorts them.
                f"SELECT ship_by_key FROM orders WHERE {in_tabs(TO_SHIP)} ORDER BY tab, ship_by_key"
            )
        ]
        return forecast_backlog(ship_by, now, shipped, pace_hours)

