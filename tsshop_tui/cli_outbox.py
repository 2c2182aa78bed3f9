"""`tsshop outbox`: the changes waiting for TikTok (or refused by it), and sending them now."""

from __future__ import annotations

import argparse
from typing import Any

from .cli import EXIT_OK, EXIT_PARTIAL, Context, _int_arg, _text_arg, _when, dumps
from .cli_sync import _credentials, _remote_shops, _timeout
from .domain.shops import OutboxItem, OutboxState, Shop, TokenState
from .domain.text import visible
from .store import Store

LISTED = (OutboxState.SENDING, OutboxState.PENDING, OutboxState.REFUSED)
MAX_LIMIT = 10_000


def cmd_outbox(ctx: Context) -> int:
    args = ctx.args
    if args.send:
        ctx.check_writable("outbox --send")
    with ctx.store(read_only=not args.send) as store:
        shops = _remote_shops(store, args.shop)
        code = _send(ctx, store, shops) if args.send else EXIT_OK
        items = [
            item
            for state in LISTED
            for shop in shops
            # waiting: what goes next first; refused: the latest first, so new refusals are never cut off
            for item in store.outbox(state=state, shop_id=shop.id, limit=args.limit,
                                     newest_first=state is OutboxState.REFUSED)
        ]
    if args.json:
        ctx.print(dumps([item.model_dump(mode="json") for item in items]))
    else:
        _print_table(ctx, items, {shop.id: visible(shop.name) for shop in shops})
    return code


def _send(ctx: Context, store: Store, shops: list[Shop]) -> int:
    """Deliver each shop's due rows now; one line per shop. Exit 1 when some were not delivered."""
    from .io.credentials import CredentialsError
    from .io.tiktok.sender import deliver
    from .io.tiktok.sync import SessionOptions, ShopBusy, open_session

    credentials = _credentials()
    options = SessionOptions(timeout=_timeout())
    code = EXIT_OK
    for shop in shops:
        name = visible(shop.name)
        if shop.token_state in (TokenState.EXPIRED, TokenState.REVOKED):
            why = shop.last_error or f"the authorisation is {shop.token_state.value}; run 'tsshop shop add' again"
            print(f"tsshop: {name}: nothing sent: {visible(why)}", file=ctx.err, flush=True)
            code = EXIT_PARTIAL
            continue
        try:
            with open_session(store, credentials, shop, ctx.clock, options) as session:
                report = deliver(store, session, limit=MAX_LIMIT)
        except (CredentialsError, ShopBusy) as error:
            print(f"tsshop: {name}: nothing sent: {visible(str(error))}", file=ctx.err, flush=True)
            code = EXIT_PARTIAL
            continue
        print(f"{name}: {visible(report.line())}", file=ctx.err if ctx.args.json else ctx.out, flush=True)
        if report.refused or report.retried or report.stopped:
            code = EXIT_PARTIAL
    return code


def _print_table(ctx: Context, items: list[OutboxItem], names: dict[str, str]) -> None:
    if not items:
        ctx.print("Nothing waiting for TikTok.")
        return
    shop_width = max(len("SHOP"), *(len(names[item.shop_id]) for item in items))
    ctx.print(
        f"{'SHOP':<{shop_width}}  {'ORDER':<20} {'KIND':<20} {'STATE':<8} {'TRIES':>5}  {'NEXT TRY':<20} LAST ERROR"
    )
    for item in items:
        next_try = _when(item.next_attempt_at) if item.state is OutboxState.PENDING else ""
        ctx.print(
            f"{names[item.shop_id]:<{shop_width}}  {visible(item.order_id):<20} {item.kind.value:<20}"
            f" {item.state.value:<8} {item.attempts:>5}  {next_try:<20} {visible(item.last_error) or '—'}"
        )


def add_outbox_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    outbox = sub.add_parser(
        "outbox", parents=[common], help="changes waiting for TikTok or refused by it; --send delivers them",
        description="Cancels, shipments and answers to buyer requests made on orders of a TikTok shop wait here "
        "until TikTok has them: pending (not sent yet, or to be tried again), sending (sent, answer not yet "
        "recorded: sent again with the same key, which TikTok applies once), refused (rolled back; TikTok's "
        "message is on the order). --send delivers the due ones now; exit 1 when some were not delivered.",
    )
    outbox.add_argument("--send", action="store_true", help="deliver the due changes now")
    outbox.add_argument("--shop", type=_text_arg, default=None, metavar="S", help="only this shop (id or name)")
    outbox.add_argument("--limit", type=_int_arg(1, MAX_LIMIT), default=100, metavar="N",
                        help=f"list at most N rows of each state per shop, 1 to {MAX_LIMIT:,} (default 100)")
    outbox.add_argument("--json", action="store_true")
    outbox.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                        help="list only; refuse --send (as the config's read_only does)")
    outbox.set_defaults(handler=cmd_outbox)
