"""Small parsers for what people type: ids and numbers in commands, buttons and settings."""

from __future__ import annotations

MAX_ID_DIGITS = 18  # still fits the 64-bit integer columns ids are stored in


def whole_number(text: str, *, max_digits: int = MAX_ID_DIGITS) -> int | None:
    """'42' -> 42; None for anything else: '', '-1', '4.2', '¹' (a digit to str.isdigit only)."""
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) <= max_digits:
        return int(text)
    return None
