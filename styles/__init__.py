"""Textual CSS for the command centre (installed as tsshop_tui.styles)."""
