"""What a client's writes may make a fake hold.

A fake keeps every message sent or changed and every chat created or changed for as long as it
lives, so a client in a loop could make it hold memory without end. One budget per fake bounds
both: at most ``MAX_WRITES`` writes and ``MAX_WRITTEN_BYTES`` of what they store (each written
record's JSON, counted when written). Past either, a write is refused with a 400 that says so;
reads go on as before.
"""

from __future__ import annotations

import threading

from fake_beeper.errors import refused

MAX_WRITES = 100_000
MAX_WRITTEN_BYTES = 64 * 2**20


class WriteBudget:
    """The writes left to one fake; thread-safe."""

    def __init__(self, writes: int = MAX_WRITES, size: int = MAX_WRITTEN_BYTES) -> None:
        self._lock = threading.Lock()
        self._writes_left = writes
        self._bytes_left = size
        self._limits = (writes, size)

    def spend(self, size: int) -> None:
        """Count one write that stores ``size`` bytes, or refuse it with a 400."""
        with self._lock:
            if self._writes_left <= 0 or size > self._bytes_left:
                writes, total = self._limits
                raise refused(("body",), f"this fake holds at most {writes:,} writes and {total // 2**20} MiB "
                                         "of what they store; start a new one")
            self._writes_left -= 1
            self._bytes_left -= size
