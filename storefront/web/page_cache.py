"""A small in-process cache for rendered page fragments that are the same for many viewers.

Only a cache: every process fills its own, entries expire after a few seconds, and nothing is
ever read from it that could not be recomputed. Used for the anonymous catalogue grid, which
depends only on the filters, the viewer's country and language.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class FragmentCache:
    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, ttl: float, make: Callable[[], T]) -> T:
        """The cached value for ``key`` if younger than ``ttl`` seconds, else ``make()``."""
        if ttl <= 0:
            return make()
        now = time.monotonic()
        with self._lock:
            found = self._items.get(key)
            if found is not None and found[0] > now:
                self._items.move_to_end(key)
                return found[1]  # type: ignore[return-value]
        value = make()
        with self._lock:
            self._items[key] = (now + ttl, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value
