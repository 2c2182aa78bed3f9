"""An offline double of the TikTok Shop Open API, for tests, the benchmark and demos (never the app).

It uses only the standard library and tsshop_tui.domain."""

from .server import FAULT_KINDS, FakeTikTok, Faults

__all__ = ["FAULT_KINDS", "FakeTikTok", "Faults"]
