"""Small parsers for what people type: ids and numbers in commands, buttons and settings."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

MAX_ID_DIGITS = 18  # still fits the 64-bit integer columns ids are stored in


def whole_number(text: str, *, max_digits: int = MAX_ID_DIGITS) -> int | None:
    """'42' -> 42; None for anything else: '', '-1', '4.2', '¹' (a digit to str.isdigit only)."""
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) <= max_digits:
        return int(text)
    return None


_OFFSET_RE = re.compile(r"^(\d+)([mhdw])$")
_OFFSET_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_offset(value: Any) -> dt.timedelta | None:
    """Read a reminder offset like '7d', '1d', '2h', '30m', '0m'."""
    match = _OFFSET_RE.match(str(value).strip())
    if not match:
        return None
    return dt.timedelta(**{_OFFSET_UNITS[match.group(2)]: int(match.group(1))})
