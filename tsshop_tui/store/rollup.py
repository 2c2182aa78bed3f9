"""The product scorecard's daily rollup: line items summed per day, product, SKU and order facts.

A 30-day product scorecard on a 1,000,000-order shop would otherwise join and sort about 300,000
line items. ``product_days`` holds, per UTC day of order creation, content type, order facts (the
mask below), product, SKU and repeat bits, the number of lines, their units and their money. The
scorecard reads the whole days of its window from here and only the two partial days at its edges
from the line items themselves.

Triggers keep the rollup true on every write, whoever writes:
- a line item inserted adds itself (and stores its repeat bits); deleted, it takes itself away;
- an order whose facts, day, content type or sample flag change moves its lines from the old key to
  the new one; an order deleted takes its lines away before they are cascaded.
Line items are replaced (deleted and inserted, in position order), never re-pointed: an update of a
line's order, position, product or SKU is refused, since the repeat bits of its later lines hang on
them. A bulk load drops the triggers and rebuilds the rollup once at the end (``REBUILD_ROLLUP``).
"""

from __future__ import annotations

from ..domain.catalog import SELLER_FAULT_REASONS

DAY_SECONDS = 86_400

# The seller-fault cancel reasons as an SQL list.
SELLER_FAULT_CODES = ", ".join(f"'{code}'" for code in SELLER_FAULT_REASONS)

# The order facts a scorecard needs, as bits of one integer (bit k -> MASK_FIELDS[k]): cancelled,
# seller-fault cancellation, shipped, late, delivered, returned (the tests prove it equals the pure
# definitions of domain.metrics); written as CASEs so that most orders skip most tests.
MASK_FIELDS = ("cancelled", "seller_fault_cancellations", "shipped", "late_shipments", "delivered", "returns")


def order_mask(o: str = "") -> str:
    """The facts mask of an order, its columns prefixed by *o* ('', 'o.', 'OLD.', 'NEW.')."""
    return f"""(
    CASE WHEN {o}status = 'CANCELLED' THEN 1 | (coalesce({o}cancellation_initiator = 'SELLER'
         AND {o}cancel_reason IN ({SELLER_FAULT_CODES}), 0) << 1) ELSE 0 END
    | CASE WHEN {o}rts_time IS NULL THEN 0 WHEN {o}rts_time > {o}rts_sla_time THEN 4 | 8 ELSE 4 END
    | CASE WHEN {o}delivery_time IS NULL THEN 0 ELSE 16 | (({o}has_return) << 5) END
)"""


def line_repeats(li: str) -> str:
    """Whether an earlier line of the same order has the same product (bit 0) / product and SKU (bit 1)
    as the line *li* ('line_items' or 'NEW'): an order counts once per product and per SKU however
    many lines it has of them."""
    return f"""coalesce((
    SELECT max(l2.product_id = {li}.product_id)
           | (max(l2.product_id = {li}.product_id AND l2.sku_id = {li}.sku_id) << 1)
      FROM line_items l2 WHERE l2.order_id = {li}.order_id AND l2.position < {li}.position
), 0)"""


ROLLUP_TABLE = """
CREATE TABLE IF NOT EXISTS product_days (
    day INTEGER NOT NULL,
    content TEXT NOT NULL,
    m INTEGER NOT NULL,
    product_id TEXT NOT NULL,
    sku_id TEXT NOT NULL,
    repeats INTEGER NOT NULL,
    lines INTEGER NOT NULL,
    units INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    PRIMARY KEY (day, content, m, product_id, sku_id, repeats)
) WITHOUT ROWID
"""

_ADD = """INSERT INTO product_days (day, content, m, product_id, sku_id, repeats, lines, units, amount)
    {select}
    ON CONFLICT DO UPDATE SET lines = lines + excluded.lines, units = units + excluded.units,
                              amount = amount + excluded.amount;"""


def _order_lines(o: str, sign: str) -> str:
    """Add (sign '') or take away (sign '-') all lines of the order *o* ('OLD' or 'NEW') under its key."""
    return _ADD.format(select=f"""SELECT {o}.create_time / {DAY_SECONDS}, coalesce({o}.content_type, ''),
           {order_mask(o + '.')}, product_id, sku_id, repeats,
           {sign}count(*), {sign}sum(quantity), {sign}sum(quantity * sale_price)
      FROM line_items WHERE order_id = {o}.id AND {o}.is_sample_order = 0
     GROUP BY product_id, sku_id, repeats""")


def _one_line(li: str, sign: str, repeats: str) -> str:
    """Add or take away the line *li* ('OLD' or 'NEW') under its order's current key."""
    return _ADD.format(select=f"""SELECT o.create_time / {DAY_SECONDS}, coalesce(o.content_type, ''),
           {order_mask('o.')}, {li}.product_id, {li}.sku_id, {repeats},
           {sign}1, {sign}{li}.quantity, {sign}{li}.quantity * {li}.sale_price
      FROM orders o WHERE o.id = {li}.order_id AND o.is_sample_order = 0""")


_KEY_CHANGED = " OR ".join(
    (
        f"{order_mask('OLD.')} <> {order_mask('NEW.')}",
        f"OLD.create_time / {DAY_SECONDS} <> NEW.create_time / {DAY_SECONDS}",
        "OLD.content_type IS NOT NEW.content_type",
        "OLD.is_sample_order <> NEW.is_sample_order",
    )
)

ROLLUP_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS rollup_line_insert AFTER INSERT ON line_items BEGIN
    UPDATE line_items SET repeats = {line_repeats('NEW')} WHERE id = NEW.id AND NEW.position > 0;
    {_one_line('NEW', '', '(SELECT repeats FROM line_items WHERE id = NEW.id)')}
END;""",
    f"""CREATE TRIGGER IF NOT EXISTS rollup_line_delete AFTER DELETE ON line_items BEGIN
    {_one_line('OLD', '-', 'OLD.repeats')}
END;""",
    f"""CREATE TRIGGER IF NOT EXISTS rollup_line_amounts AFTER UPDATE OF quantity, sale_price ON line_items BEGIN
    {_one_line('OLD', '-', 'OLD.repeats')}
    {_one_line('NEW', '', 'NEW.repeats')}
END;""",
    """CREATE TRIGGER IF NOT EXISTS rollup_line_fixed BEFORE UPDATE OF order_id, position, product_id, sku_id
    ON line_items BEGIN
    SELECT RAISE(ABORT, 'line items are replaced, not re-pointed: delete the line and insert it anew');
END;""",
    f"""CREATE TRIGGER IF NOT EXISTS rollup_order_update AFTER UPDATE OF status, cancellation_initiator,
    cancel_reason, rts_time, rts_sla_time, delivery_time, has_return, create_time, content_type,
    is_sample_order ON orders WHEN {_KEY_CHANGED} BEGIN
    {_order_lines('OLD', '-')}
    {_order_lines('NEW', '')}
END;""",
    f"""CREATE TRIGGER IF NOT EXISTS rollup_order_delete BEFORE DELETE ON orders BEGIN
    {_order_lines('OLD', '-')}
END;""",
]

# Every line's repeat bits, then the rollup from scratch: after a bulk load or an upgrade.
REBUILD_ROLLUP = [
    f"UPDATE line_items SET repeats = {line_repeats('line_items')} WHERE position > 0",
    "DELETE FROM product_days",
    f"""INSERT INTO product_days (day, content, m, product_id, sku_id, repeats, lines, units, amount)
    SELECT o.create_time / {DAY_SECONDS}, coalesce(o.content_type, ''), {order_mask('o.')},
           li.product_id, li.sku_id, li.repeats, count(*), sum(li.quantity), sum(li.quantity * li.sale_price)
      FROM orders o JOIN line_items li ON li.order_id = o.id
     WHERE o.is_sample_order = 0
     GROUP BY 1, 2, 3, 4, 5, 6""",
]


def split_window(since: int, until: int) -> tuple[tuple[int, int] | None, list[tuple[int, int]]]:
    """[since, until] as the first and last rollup day lying wholly inside it (None if none does)
    and the ranges outside those days, to be read from the line items themselves."""
    first, last = -(-since // DAY_SECONDS), (until + 1) // DAY_SECONDS - 1
    if first > last:
        return None, [(since, until)]
    edges = []
    if since < first * DAY_SECONDS:
        edges.append((since, first * DAY_SECONDS - 1))
    if (last + 1) * DAY_SECONDS <= until:
        edges.append(((last + 1) * DAY_SECONDS, until))
    return (first, last), edges
