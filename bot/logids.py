"""Pseudonyms for chat ids in logs, so a log line never carries a resident's real id.

Issue 6 allows ids in logs; issue 9 wants no log line with a resident's id after /forget. A
keyed hash reconciles both: lines about one chat still correlate within a run, but the id
cannot be read back, and the key lives only in memory, so once the process ends nobody can
link a pseudonym to a chat id (not even by hashing every possible id).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

# A fresh key per process: pseudonyms are stable within a run and meaningless outside it.
_KEY = secrets.token_bytes(32)


def chat_pseudonym(chat_id: int | None, *, key: bytes | None = None) -> str:
    """`chat#` and 10 hex digits of HMAC-SHA256 over the id; `chat#-` for no chat."""
    if chat_id is None:
        return "chat#-"
    digest = hmac.new(key or _KEY, str(chat_id).encode(), hashlib.sha256).hexdigest()
    return f"chat#{digest[:10]}"
