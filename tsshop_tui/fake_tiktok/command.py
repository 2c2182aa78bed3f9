"""`tsshop fake-tiktok`: run the TikTok Shop API double until Ctrl-C, printing its test account."""

from __future__ import annotations

import argparse
import threading
from typing import Any, Protocol, TextIO

from .server import FakeTikTok, Faults

TICK = 1.0  # seconds between runs of the status machine (and webhook deliveries)
TIMEOUT_DELAY = 25.0  # a "timeout" fault answers this late: after the tsshop client's 20 s timeout


class _Context(Protocol):
    args: argparse.Namespace
    out: TextIO
    err: TextIO


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("give a fraction from 0 to 1, e.g. 0.2")
    return value


def _count(low: int, high: int) -> Any:
    def parse(text: str) -> int:
        if not text.isdigit() or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"give a whole number from {low} to {high:,}")
        return int(text)

    return parse


def _url(text: str) -> str:
    if not text.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"{text!r} is not an http:// or https:// URL")
    return text


def add_fake_tiktok_parser(sub: Any) -> None:
    """Register `fake-tiktok` on the CLI's subparsers."""
    fake = sub.add_parser(
        "fake-tiktok",
        help="run an offline TikTok Shop API double (a test account, for tests and demos)",
        description="Serve a fake TikTok Shop API on this machine, with a test account whose shops take new "
        "orders over time. It prints its URL, the app key and secret and an auth code per shop, for "
        "`tsshop shop add --api-base URL --auth-base URL`. Ctrl-C stops it.",
    )
    fake.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    fake.add_argument("--port", type=_count(0, 65535), default=0, help="port (default 0: any free port)")
    fake.add_argument("--orders", type=_count(0, 1_000_000), default=200, metavar="N",
                      help="orders the account starts with, spread over its shops (default 200)")
    fake.add_argument("--seed", type=int, default=1, help="the same seed gives the same shops and orders (default 1)")
    fake.add_argument("--shops", type=_count(1, 20), default=2, help="how many shops (default 2)")
    fake.add_argument("--faults", type=_fraction, default=0.0, metavar="RATE",
                      help="fraction of requests that misbehave: 429, 5xx, timeouts, duplicate or "
                      "out-of-order pages (default 0)")
    fake.add_argument("--timeout-delay", type=_count(0, 600), default=int(TIMEOUT_DELAY), metavar="SECONDS",
                      help=f"how late a 'timeout' fault answers (default {TIMEOUT_DELAY:.0f}: after the client "
                      "gave up)")
    fake.add_argument("--webhook-url", type=_url, metavar="URL", help="POST signed webhooks of every change here")
    fake.set_defaults(handler=run_fake_tiktok)


def run_fake_tiktok(ctx: _Context, stop: threading.Event | None = None) -> int:
    """Serve until Ctrl-C (or *stop* is set): exit code 0; 2 when it cannot listen."""
    args, out = ctx.args, ctx.out
    double = FakeTikTok(seed=args.seed, shops=args.shops, orders=args.orders, host=args.host, port=args.port,
                        faults=Faults(rate=args.faults, seed=args.seed, timeout_delay=args.timeout_delay),
                        webhook_url=args.webhook_url)
    try:
        url = double.start()
    except OSError as error:
        print(f"tsshop: cannot listen on {args.host}:{args.port}: {error.strerror or error}", file=ctx.err)
        return 2
    stop = stop or threading.Event()
    try:
        print(f"TikTok Shop API double (fake, for tests and demos) at {url}", file=out)
        print(f"app_key={double.app_key} app_secret={double.app_secret}", file=out)
        for shop_id, code in double.auth_codes.items():
            print(f"auth_code={code} shop={shop_id} name={double.world.shops[shop_id].name}", file=out)
        print("Ctrl-C stops it.", file=out, flush=True)
        while not stop.wait(TICK):
            double.tick()
    except KeyboardInterrupt:
        print("stopped", file=out)
    finally:
        double.stop()
    return 0
