"""The thin data-access module: every SQL statement of tsshop lives in this package.

It never imports Textual. Open one Store per thread.
"""

from .actions import (
    KEEP,
    ActionsMixin,
    AlreadyDoneError,
    BulkOutcome,
    BulkResult,
    OrderChangedError,
    OrderNotFoundError,
)
from .db import ReadOnlyError, StaleError, StoreError, pending_upgrade
from .export import ExportMixin
from .imports import ImportMixin, UpsertResult
from .metrics import MetricsMixin
from .outbox import OutboxMixin
from .reads import Cursor, Page, ReadsMixin, SearchResult
from .remote import RemoteMixin, RemoteRequest, SyncCursor
from .rows import OrderRow
from .shops import ShopsMixin


class Store(
    ActionsMixin, ImportMixin, ReadsMixin, MetricsMixin, ExportMixin, ShopsMixin, RemoteMixin, OutboxMixin
):
    """The database: the local shop's orders and those of every connected TikTok shop."""


__all__ = [
    "KEEP",
    "AlreadyDoneError",
    "BulkOutcome",
    "BulkResult",
    "Cursor",
    "OrderChangedError",
    "OrderNotFoundError",
    "OrderRow",
    "Page",
    "ReadOnlyError",
    "RemoteRequest",
    "SearchResult",
    "StaleError",
    "Store",
    "StoreError",
    "SyncCursor",
    "UpsertResult",
    "pending_upgrade",
]
