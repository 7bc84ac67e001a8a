"""In-process caches shared by one process's threads, on cachetools.

Only caches: every process fills its own, and nothing is read from them that could not be
recomputed, so a second web node never depends on what the first one cached.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from cachetools import TLRUCache

T = TypeVar("T")


class ProcessCache:
    """Least recently used entries go first; each entry may also carry a time to live."""

    def __init__(self, size: int, timer: Callable[[], float] = time.monotonic) -> None:
        # Entries are (seconds to live, value); the cache drops them once that has passed.
        self._entries: TLRUCache[Hashable, tuple[float, Any]] = TLRUCache(
            maxsize=size, ttu=lambda _key, entry, now: now + entry[0], timer=timer
        )
        self._lock = threading.Lock()  # cachetools' caches are not thread-safe on their own

    def get_or_make(
        self, key: Hashable, make: Callable[[], T], ttl: float | Callable[[T], float] = math.inf
    ) -> T:
        """The cached value for ``key``, else ``make()``'s, kept ``ttl`` seconds (0: not kept).

        ``ttl`` may be a function of the value made, for a value built from others that
        are already part way through their own lifetime."""
        if not callable(ttl) and ttl <= 0:
            return make()
        with self._lock:
            found = self._entries.get(key)
        if found is not None:
            return found[1]
        value = make()  # outside the lock: a slow make() must not hold up other keys
        seconds = ttl(value) if callable(ttl) else ttl
        if seconds > 0:
            with self._lock:
                self._entries[key] = (seconds, value)
        return value

    def get(self, key: Hashable) -> Any:
        """The cached value for ``key``, or None."""
        with self._lock:
            found = self._entries.get(key)
        return None if found is None else found[1]

    def put(self, key: Hashable, value: Any, ttl: float = math.inf) -> None:
        """Keep ``value`` for ``key`` for ``ttl`` seconds, replacing what was there."""
        with self._lock:
            self._entries[key] = (ttl, value)
