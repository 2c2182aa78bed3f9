"""TikTok Shop Open API: request signing and the client."""

from .client import ApiError, AuthError, Credentials, Page, TikTokClient, TokenReply, TransientError
from .signing import sign, webhook_signature

__all__ = [
    "ApiError",
    "AuthError",
    "Credentials",
    "Page",
    "TikTokClient",
    "TokenReply",
    "TransientError",
    "sign",
    "webhook_signature",
]
