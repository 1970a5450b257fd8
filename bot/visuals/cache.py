"""A small render cache: the same data draws the same picture, so draw it once.

Keys are tuples built from exactly the data a picture shows (never a clock), so a cached
picture is reused only while nothing visible has changed. Rendering runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


class RenderCache:
    """Least-recently-used bytes by key; safe to share between the event loop and threads."""

    def __init__(self, maxsize: int = 32) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self._maxsize = maxsize
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> bytes | None:
        """The cached bytes for `key`, or None."""
        with self._lock:
            data = self._items.get(key)
            if data is not None:
                self._items.move_to_end(key)
                self.hits += 1
            return data

    def put(self, key: Hashable, data: bytes) -> None:
        """Remember `data` under `key`, forgetting the least recently used beyond `maxsize`."""
        with self._lock:
            self._items[key] = data
            self._items.move_to_end(key)
            while len(self._items) > self._maxsize:
                self._items.popitem(last=False)

    def clear(self) -> None:
        """Forget everything (counters too)."""
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0

    async def render(self, key: Hashable, draw: Callable[[], bytes]) -> bytes:
        """The cached bytes for `key`, else `draw()` run in a worker thread and cached."""
        cached = self.get(key)
        if cached is not None:
            return cached
        with self._lock:
            self.misses += 1
        # Two concurrent misses may both draw; the pictures are identical, so that is harmless
        # and cheaper than holding a lock across a render.
        data = await asyncio.to_thread(_draw_alone, draw)
        self.put(key, data)
        return data


# Matplotlib keeps global state (font cache, text layout cache) that is not thread-safe, so
# worker threads take turns; a render takes a fraction of a second.
_RENDER_LOCK = threading.Lock()


def _draw_alone(draw: Callable[[], bytes]) -> bytes:
    with _RENDER_LOCK:
        return draw()


# One cache for the process: keys carry all the data drawn, so sharing it is safe.
DEFAULT_CACHE = RenderCache()
