"""TikTok Shop's request and webhook signatures (lowercase hex HMAC-SHA256, key the app secret)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

UNSIGNED_PARAMS = frozenset({"sign", "access_token"})
"""Query parameters the signature leaves out."""


def sign(app_secret: str, path: str, query: Mapping[str, str], body: bytes = b"") -> str:
    """The `sign` query parameter of a request: HMAC-SHA256 of app_secret + path + the query pairs
    sorted by key (each key then value, without sign and access_token) + the raw body + app_secret.
    Pass an empty body for multipart uploads, which TikTok signs without their body."""
    pairs = "".join(f"{key}{query[key]}" for key in sorted(query) if key not in UNSIGNED_PARAMS)
    secret = app_secret.encode()
    message = secret + path.encode() + pairs.encode() + body + secret
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def webhook_signature(app_key: str, app_secret: str, body: bytes) -> str:
    """The `Authorization` header of a webhook delivery: HMAC-SHA256 of app_key + the raw body."""
    return hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()


def same_signature(expected: str, given: str) -> bool:
    """Whether two signatures match, compared in constant time."""
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())
