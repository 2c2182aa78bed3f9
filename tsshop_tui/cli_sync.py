"""`tsshop shop add|list|remove`, `tsshop sync` and `tsshop webhook serve`: connecting TikTok shops and
keeping their orders in step. Secrets come from the environment or a hidden prompt, never argv, and
are never printed."""

from __future__ import annotations

import argparse
import getpass
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr

from .cli import (
    EXIT_BAD_INPUT, EXIT_OK, EXIT_PARTIAL, Context, UsageError, _number_arg, _parse_now, _text_arg, _when, dumps,
)
from .domain.clock import from_epoch
from .domain.rules import duration
from .domain.shops import Shop
from .domain.text import visible
from .io.credentials import CredentialsError, CredentialStore
from .store import Store

API_BASE = "https://open-api.tiktokglobalshop.com"
AUTH_BASE = "https://auth.tiktok-shops.com"
SECRET_ENV = "TSSHOP_APP_SECRET"
TIMEOUT_ENV = "TSSHOP_TIKTOK_TIMEOUT"
MIN_INTERVAL, MAX_INTERVAL = 1.0, 3_600.0


def _url_arg(text: str) -> str:
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(f"not an http(s) address: '{visible(text)}'")
    return text.strip().rstrip("/")


def _port_arg(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: '{visible(text)}'") from None
    if not 0 <= port <= 65_535:
        raise argparse.ArgumentTypeError(f"{port} is out of range: give 0 to 65535")
    return port


def _timeout() -> float:
    """Seconds one request to TikTok may take: $TSSHOP_TIKTOK_TIMEOUT, else the client's default."""
    from .io.tiktok.client import DEFAULT_TIMEOUT

    text = os.environ.get(TIMEOUT_ENV)
    if not text:
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0.05 <= value <= 600:
        raise UsageError(f"{TIMEOUT_ENV} must be a number of seconds from 0.05 to 600, not '{visible(text)}'")
    return value


def _credentials() -> CredentialStore:
    """The credentials file ($TSSHOP_CREDENTIALS, else the user data directory)."""
    return CredentialStore()


def _remote_shops(store: Store, wanted: str | None) -> list[Shop]:
    """The TikTok shops, or the one named with --shop (by id or name); UsageError when there is none."""
    shops = [shop for shop in store.shops() if shop.remote]
    if not shops:
        raise UsageError(f"{store.path} has no TikTok shop yet: connect one with 'tsshop shop add'")
    if wanted is None:
        return shops
    chosen = [shop for shop in shops if wanted in (shop.id, shop.name)]
    if not chosen:
        known = ", ".join(f"{shop.id} ({visible(shop.name)})" for shop in shops)
        raise UsageError(f"no TikTok shop '{visible(wanted)}'; TikTok shops: {known}")
    return chosen


@contextmanager
def _stoppable(ctx: Context, stopping: str) -> Iterator[threading.Event]:
    """An event set by the first Ctrl-C (the work stops after the page it is on); a second Ctrl-C
    stops at once (KeyboardInterrupt). Nothing is installed outside the main thread."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def interrupted(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print(f"{stopping} (Ctrl-C again to stop at once) ...", file=ctx.err, flush=True)

    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


# shop add / list / remove ------------------------------------------------------------------


def _app_secret(credentials: CredentialStore, app_key: str) -> SecretStr:
    """$TSSHOP_APP_SECRET, else the one kept for this app, else asked for without echo."""
    from_env = os.environ.get(SECRET_ENV)
    if from_env:
        return SecretStr(from_env.strip())
    kept = credentials.app(app_key)
    if kept is not None:
        return kept.app_secret
    if not sys.stdin.isatty():
        raise UsageError(f"give the app secret in {SECRET_ENV} (or run this in a terminal to be asked for it)")
    typed = getpass.getpass(f"App secret of app key {app_key} (not shown): ")
    if not typed.strip():
        raise UsageError("no app secret given (nothing was changed)")
    return SecretStr(typed.strip())


def _credentials_refused(command: Callable[[Context], int]) -> Callable[[Context], int]:
    """The command, with a credentials file it cannot use refused in one line (exit 2)."""

    def run(ctx: Context) -> int:
        try:
            return command(ctx)
        except CredentialsError as error:
            raise UsageError(str(error)) from error

    return run


@_credentials_refused
def cmd_shop_add(ctx: Context) -> int:
    args = ctx.args
    ctx.check_writable("shop add")
    credentials = _credentials()
    secret = _app_secret(credentials, args.app_key)
    grants: list[tuple[Any, list[dict[str, Any]]]] = []
    for number, code in enumerate(args.auth_codes, 1):
        try:
            grants.append(_exchange(ctx, secret, code))
        except UsageError as error:
            which = f"auth code {number} of {len(args.auth_codes)}: " if len(args.auth_codes) > 1 else ""
            print(f"tsshop: {which}{error}", file=ctx.err, flush=True)
    if not grants:
        return EXIT_BAD_INPUT
    result = EXIT_OK if len(grants) == len(args.auth_codes) else EXIT_PARTIAL
    credentials.save_app(args.app_key, secret, args.api_base, args.auth_base)
    ctx.upgrade()
    with Store(ctx.db_path, clock=ctx.clock, actor=ctx.settings.operator) as store:
        added = [
            shop for reply, authorised in grants for shop in _add_shops(ctx, store, credentials, reply, authorised)
        ]
        if args.no_sync:
            return result
        return max(result, _sync(ctx, store, added, since=None))


def _exchange(ctx: Context, secret: SecretStr, code: str) -> tuple[Any, list[dict[str, Any]]]:
    """TikTok's tokens for one auth code and the shops they cover; UsageError when it refuses."""
    from .io.tiktok.client import ApiError, Credentials, TikTokClient, TransientError

    args = ctx.args
    client = TikTokClient(
        api_base=args.api_base, auth_base=args.auth_base, credentials=Credentials(args.app_key, secret),
        clock=ctx.clock, http=_http_client(),
    )
    try:
        with client:
            reply = client.get_token(code)
            authorised = [data for data in client.authorized_shops() if data.get("id")]
    except (ApiError, TransientError) as error:
        raise UsageError(f"TikTok did not authorise: {error} (nothing was changed)") from error
    if not authorised:
        raise UsageError("TikTok says this authorisation covers no shop (nothing was changed)")
    return reply, authorised


def _add_shops(
    ctx: Context, store: Store, credentials: CredentialStore, reply: Any, authorised: list[dict[str, Any]]
) -> list[Shop]:
    """Keep an authorisation's tokens and add (or update) the shops it covers, a line for each."""
    from .io.credentials import ShopTokens
    from .io.tiktok.sync import token_state

    args = ctx.args
    tokens = ShopTokens(args.app_key, reply.access_token, reply.access_expires_at, reply.refresh_token,
                        reply.refresh_expires_at)
    added: list[Shop] = []
    for data in authorised:
        shop_id = str(data["id"])
        credentials.save_tokens(shop_id, tokens)
        known = store.shop(shop_id)
        fields = {
            "id": shop_id, "name": str(data.get("name") or shop_id), "region": str(data.get("region") or ""),
            "cipher": str(data.get("cipher") or ""), "seller_type": str(data.get("seller_type") or ""),
            "app_key": args.app_key, "api_base": args.api_base, "auth_base": args.auth_base,
            "token_state": token_state(reply.refresh_expires_at, ctx.clock.now()),
            "token_expires_at": from_epoch(reply.refresh_expires_at),
            "last_error": None,
        }
        shop = known.model_copy(update=fields) if known is not None else Shop(**fields)
        store.save_shop(shop)
        added.append(shop)
        ctx.print(
            f"{'Connected again' if known else 'Added'} {visible(shop.name)} ({visible(shop.id)},"
            f" {visible(shop.region) or 'no region'}); authorised until {_when(shop.token_expires_at)}"
        )
    return added


def _http_client() -> Any:
    import httpx

    return httpx.Client(timeout=_timeout())


def _lag(shop: Shop, now: datetime) -> int | None:
    return max(int((now - shop.last_sync_at).total_seconds()), 0) if shop.last_sync_at else None


def cmd_shop_list(ctx: Context) -> int:
    with ctx.store(read_only=True) as store:
        shops = store.shops()
    now = ctx.clock.now()
    if ctx.args.json:
        ctx.print(dumps([shop.model_dump(mode="json") | {"lag_seconds": _lag(shop, now)} for shop in shops]))
        return EXIT_OK
    ctx.print(f"{'ID':<20} {'NAME':<24} {'REGION':<6} {'TOKEN':<9} {'LAST SYNC':<20} {'LAG':>8}  LAST ERROR")
    for shop in shops:
        lag = _lag(shop, now)
        lag_text = "—" if lag is None else (f"{lag}s" if lag < 60 else duration(lag))
        ctx.print(
            f"{visible(shop.id):<20} {visible(shop.name)[:24]:<24} {visible(shop.region):<6}"
            f" {shop.token_state.value:<9} {_when(shop.last_sync_at):<20} {lag_text:>8}"
            f"  {visible(shop.last_error) if shop.last_error else '—'}"
        )
    return EXIT_OK


def _confirm(ctx: Context, question: str) -> bool:
    if not sys.stdin.isatty():
        raise UsageError("not asked: standard input is not a terminal; give --yes to go ahead (nothing was changed)")
    print(f"{question} [y/N] ", end="", file=ctx.err, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


@_credentials_refused
def cmd_shop_remove(ctx: Context) -> int:
    args = ctx.args
    ctx.check_writable("shop remove")
    with ctx.store() as store:
        shop = store.shop(args.id)
        if shop is None:
            known = ", ".join(f"{s.id} ({visible(s.name)})" for s in store.shops())
            raise UsageError(f"no shop '{visible(args.id)}' in {ctx.db_path}; shops: {known}")
        question = f"Remove {visible(shop.name)} ({visible(shop.id)}) with all its orders and history, and its tokens?"
        if not args.yes and not _confirm(ctx, question):
            ctx.print("Nothing removed.")
            return EXIT_OK
        removed = store.remove_shop(shop.id)
    forgot = _credentials().forget(shop.id)
    ctx.print(
        f"Removed {visible(shop.name)} ({visible(shop.id)}): {removed:,} orders"
        + (", and its tokens" if forgot else "")
    )
    return EXIT_OK


# sync ----------------------------------------------------------------------------------------


def _sync(ctx: Context, store: Store, shops: list[Shop], since: datetime | None) -> int:
    """One pass over *shops* (the changes waiting for TikTok sent first, then the pull); a line per shop
    as it ends; exit 1 when one of them did not finish."""
    from .io.tiktok.sync import SessionOptions, sync_one

    credentials = _credentials()
    code = EXIT_OK
    with _stoppable(ctx, "Stopping the sync after the page it is on") as stop:
        options = SessionOptions(timeout=_timeout(), sleep=stop.wait)
        for shop in shops:
            if stop.is_set():
                code = EXIT_PARTIAL
                break
            outcome = sync_one(store, credentials, shop, ctx.clock, since=since, options=options, stop=stop,
                               send=True)
            name = visible(shop.name)
            if isinstance(outcome, str):
                print(f"tsshop: {name}: stopped: {visible(outcome)}", file=ctx.err, flush=True)
                code = EXIT_PARTIAL
                continue
            ctx.print(f"{name}: {visible(outcome.line())}")
            if outcome.bad or outcome.stopped:
                code = EXIT_PARTIAL
    return code


def cmd_sync(ctx: Context) -> int:
    args = ctx.args
    if args.webhook_port is not None and not args.follow:
        raise UsageError("--webhook-port goes with --follow (or run 'tsshop webhook serve')")
    ctx.check_writable("sync")
    with ctx.store() as store:
        shops = _remote_shops(store, args.shop)
        try:
            code = _sync(ctx, store, shops, since=args.since) if args.since or not args.follow else EXIT_OK
            if args.follow and code == EXIT_OK:
                code = _follow(ctx, store, args.shop)
        except KeyboardInterrupt:
            print("tsshop: stopped; the next sync goes on from the last page written", file=ctx.err, flush=True)
            return EXIT_OK if args.follow else EXIT_PARTIAL
    return code


def _follow(ctx: Context, store: Store, shop: str | None) -> int:
    from .io.tiktok.sync import follow

    def report(outcomes: dict[str, Any]) -> None:
        for shop_id, outcome in outcomes.items():
            text = outcome if isinstance(outcome, str) else outcome.line()
            print(f"{_when(ctx.clock.now())} {visible(shop_id)}: {visible(text)}", file=ctx.err, flush=True)

    credentials = _credentials()
    with ExitStack() as stack:
        if ctx.args.webhook_port is not None:
            server = stack.enter_context(_webhook_server(ctx, credentials, "127.0.0.1", ctx.args.webhook_port))
            print(f"Listening for TikTok webhooks on {server.start()}", file=ctx.err, flush=True)
        stop = stack.enter_context(_stoppable(ctx, "Stopping after the page the sync is on"))
        follow(
            store, credentials, ctx.clock, stop.wait, ctx.args.interval, stop,
            shop=shop, timeout=_timeout(), on_pass=report,
        )
    return EXIT_OK


# webhook serve -------------------------------------------------------------------------------


def _webhook_server(ctx: Context, credentials: CredentialStore, host: str, port: int) -> Any:
    from .io.tiktok.webhook import WebhookServer

    try:
        return WebhookServer(ctx.db_path, credentials, host=host, port=port, clock=ctx.clock)
    except OSError as error:
        raise UsageError(f"cannot listen on {host}:{port}: {error.strerror or error}") from error


def cmd_webhook_serve(ctx: Context) -> int:
    args = ctx.args
    ctx.check_writable("webhook serve")
    ctx.store().close()
    server = _webhook_server(ctx, _credentials(), args.host, args.port)
    with server, _stoppable(ctx, "Stopping the webhook server") as stop:
        ctx.print(f"Listening for TikTok webhooks on {server.url} (Ctrl-C stops)")
        server.start()
        stop.wait()
    return EXIT_OK


# parsers -------------------------------------------------------------------------------------


def add_sync_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """shop add|list|remove, sync, webhook serve."""
    writes = argparse.ArgumentParser(add_help=False)
    writes.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                        help="refuse every change (as the config's read_only does)")

    shop = sub.add_parser("shop", help="TikTok shops: add (connect), list, remove")
    shops = shop.add_subparsers(title="shop commands", metavar="COMMAND", required=True)
    add = shops.add_parser(
        "add", parents=[common, writes], help="connect the shops of an authorisation",
        description=f"Exchange the auth code of the authorisation link for tokens, add every shop it covers and "
        f"sync them once. The app secret is read from {SECRET_ENV}, else the one kept for this app key, else "
        f"asked for (not shown). Secrets and tokens go to the credentials file (TSSHOP_CREDENTIALS, else the "
        f"user data directory), readable by you alone.",
    )
    add.add_argument("--app-key", required=True, type=_text_arg, metavar="K", help="the app's key (not a secret)")
    add.add_argument("--auth-code", required=True, type=_text_arg, metavar="C", action="append", dest="auth_codes",
                     help="the code from the authorisation link (used once); give it again for each authorisation")
    add.add_argument("--api-base", type=_url_arg, default=API_BASE, metavar="URL",
                     help=f"the Open API host (default {API_BASE})")
    add.add_argument("--auth-base", type=_url_arg, default=AUTH_BASE, metavar="URL",
                     help=f"the token host (default {AUTH_BASE})")
    add.add_argument("--no-sync", action="store_true", help="do not sync the shops now")
    add.set_defaults(handler=cmd_shop_add)

    listing = shops.add_parser("list", parents=[common], help="shops: token state, last sync, lag, last error")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_shop_list)

    remove = shops.add_parser("remove", parents=[common, writes],
                              help="remove a shop, its orders and its tokens (asks first)")
    remove.add_argument("id", type=_text_arg, metavar="ID")
    remove.add_argument("--yes", action="store_true", help="do not ask")
    remove.set_defaults(handler=cmd_shop_remove)

    sync = sub.add_parser(
        "sync", parents=[common, writes], help="send waiting changes to TikTok, pull its orders and buyer requests",
        description="Send each TikTok shop's changes waiting for TikTok (see tsshop outbox), then pull its orders, "
        "cancellations and returns changed since its last sync "
        "(page by page; a stopped sync goes on from where it was). Exit 1 when a shop stopped (each says why). "
        f"{TIMEOUT_ENV} sets how many seconds one request may take.",
    )
    sync.add_argument("--shop", type=_text_arg, default=None, metavar="S", help="only this shop (id or name)")
    sync.add_argument("--since", type=_parse_now, default=None, metavar="ISO",
                      help="read everything changed since then again")
    sync.add_argument("--follow", action="store_true",
                      help="keep polling: pull, fetch orders webhooks named, send the outbox; Ctrl-C stops")
    sync.add_argument("--interval", type=_number_arg(MIN_INTERVAL, MAX_INTERVAL), default=10.0, metavar="S",
                      help=f"seconds between passes with --follow, {MIN_INTERVAL:g} to {MAX_INTERVAL:,g} (default 10)")
    sync.add_argument("--webhook-port", type=_port_arg, default=None, metavar="P",
                      help="with --follow, also take TikTok's webhooks on 127.0.0.1:P (as 'webhook serve')")
    sync.set_defaults(handler=cmd_sync)

    webhook = sub.add_parser("webhook", help="receive TikTok's webhooks")
    hooks = webhook.add_subparsers(title="webhook commands", metavar="COMMAND", required=True)
    serve = hooks.add_parser(
        "serve", parents=[common, writes], help="listen for TikTok's webhooks and queue the orders they name",
        description="Check each delivery's signature (401 otherwise), drop repeated deliveries, queue the orders "
        "named for 'tsshop sync --follow' to fetch at once, and mark a shop whose seller removed the "
        "authorisation. Polling stays the safety net.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port_arg, required=True, metavar="P")
    serve.set_defaults(handler=cmd_webhook_serve)
