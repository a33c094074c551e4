"""The read cache, with the TypeScript client's rules (client/cache.ts) where they fit a thread:

- an entry is served for ``ttl`` seconds, and never at or after the secret's own ``expiresAt``;
  an expired secret is never cached, and neither is an error;
- ``invalidate`` drops an entry, and a read that was in flight meanwhile is not cached (its
  answer may be older than whatever made the caller invalidate);
- at most ``max_entries`` keys, the least recently used dropped first.

Unlike the TypeScript cache, concurrent misses of one key each ask the store (no single flight)
and nothing stale is served when the store cannot answer.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Callable, Generic, Hashable, Optional, Tuple, TypeVar

T = TypeVar("T")


class TTLCache(Generic[T]):
    def __init__(self, ttl: float, max_entries: int = 1000, clock: Optional[Callable[[], float]] = None) -> None:
        if not ttl >= 0 or not max_entries >= 1:
            raise ValueError("cache: ttl must be >= 0 seconds and max_entries >= 1")
        self.ttl = float(ttl)
        self.max_entries = max_entries
        self._clock = clock or time.time
        self._lock = threading.Lock()
        # key -> (value, served until: the earlier of the TTL's end and the secret's expiry)
        self._entries: "OrderedDict[Hashable, Tuple[T, float]]" = OrderedDict()
        # Grows on every invalidation: a read that began before one does not store its answer.
        self._generation = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def get(self, key: Hashable) -> Optional[T]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if not self._clock() < entry[1]:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def generation(self) -> int:
        """Taken before a read; ``put`` with it stores only if nothing was invalidated since."""
        with self._lock:
            return self._generation

    def put(self, key: Hashable, value: T, generation: int, expires_at: Optional[float] = None) -> None:
        """Keeps ``value`` until the TTL ends or ``expires_at`` (epoch seconds), whichever comes first."""
        with self._lock:
            if self.ttl == 0 or generation != self._generation:
                return
            now = self._clock()
            until = now + self.ttl if expires_at is None else min(now + self.ttl, expires_at)
            if not now < until:
                return
            self._entries[key] = (value, until)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def invalidate(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)
            self._generation += 1

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generation += 1
