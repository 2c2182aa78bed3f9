"""tsshop: a keyboard-driven terminal command centre for TikTok Shop order operations."""

__version__ = "0.1.0"
