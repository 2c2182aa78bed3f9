"""The fixed shop of tests/ui_shop.py with two TikTok shops beside its local one: one in step (synced
12 s ago), one whose authorisation expired; an order of each waiting for TikTok, and one refused."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tsshop_tui.config import Settings
from tsshop_tui.domain.clock import FixedClock
from tsshop_tui.domain.model import OrderStatus
from tsshop_tui.domain.shops import Shop, TokenState
from tsshop_tui.store import Store
from tsshop_tui.ui.app import TsshopApp

from .factories import HOUR, NOW, make_order
from .ui_shop import build_shop

API = "http://127.0.0.1:9"  # never reached: these apps do not sync
EXPIRED_ERROR = "the authorisation has expired (105002); authorise the shop again and run 'tsshop shop add'"
REFUSAL = "[b]Package already picked up[/b] by the carrier"
IN_STEP = Shop(id="7495001", name="Glow Studio US", region="US", cipher="ROW_a1", app_key="app1", api_base=API,
               auth_base=API, token_state=TokenState.OK, token_expires_at=NOW + 200 * HOUR,
               last_sync_at=NOW - timedelta(seconds=12), last_attempt_at=NOW - timedelta(seconds=12))
EXPIRED = Shop(id="7495002", name="Glow Studio UK", region="GB", cipher="ROW_b2", app_key="app1", api_base=API,
               auth_base=API, token_state=TokenState.EXPIRED, token_expires_at=NOW - HOUR,
               last_sync_at=NOW - timedelta(minutes=19), last_attempt_at=NOW - timedelta(minutes=1),
               last_error=EXPIRED_ERROR)
PENDING_ORDER = "577000000000000101"  # cancelled here, waiting for TikTok
REFUSED_ORDER = "577000000000000102"  # marked shipped here, refused by TikTok: back to To ship
QUIET_ORDER = "577000000000000201"  # of the expired shop, nothing waiting


def build_two_shops(path: Path) -> Path:
    build_shop(path)
    with Store(path, clock=FixedClock(NOW), actor="tester") as store:
        store.save_shop(IN_STEP)
        store.save_shop(EXPIRED)
        store.upsert_remote(IN_STEP.id, [
            make_order(101, OrderStatus.AWAITING_SHIPMENT, rts_sla_time=NOW + 5 * HOUR, buyer_username="tt_buyer1"),
            make_order(102, OrderStatus.AWAITING_SHIPMENT, rts_sla_time=NOW + 30 * HOUR, buyer_username="tt_buyer2"),
        ])
        store.upsert_remote(EXPIRED.id, [
            make_order(201, OrderStatus.AWAITING_SHIPMENT, rts_sla_time=NOW + 11 * HOUR, buyer_username="uk_buyer"),
        ])
        store.cancel(PENDING_ORDER, reason_code="seller_cancel_reason_out_of_stock")
        store.ship(REFUSED_ORDER, tracking_number="1Z999AA10123456784", carrier="UPS")
        (sent,) = [item for item in store.claim_outbox(IN_STEP.id) if item.order_id == REFUSED_ORDER]
        store.outbox_refused(sent.id, REFUSAL)
    return path


def sync_app(path: Path, *, read_only: bool = False, tab: str = "to-ship") -> TsshopApp:
    """The app on *path* at the fixed clock, showing what the database holds of the sync (it runs none)."""
    settings = Settings(refresh_seconds=300.0, default_tab=tab)
    return TsshopApp(db_path=path, settings=settings, clock=FixedClock(NOW), read_only=read_only, sync=False)
