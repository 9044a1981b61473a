"""Progress of long loads and generations, for the CLI: silent for the first second, then a tqdm
bar on a terminal, or a plain line every few seconds in a log (CI, ``make serve | tee``).

The loaders call ``Progress.update(done)`` every ``STEP`` chats; that call is also where the CLI
stops a load cleanly on Ctrl-C or SIGTERM (``check`` raises), since it runs in the loader's own
code rather than at an arbitrary point as a signal handler's exception would.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import IO, Any

STEP = 500  # chats between two updates: about 0.1 s of generation, 10 ms of loading
# What long work calls with the number of items done so far, every ``STEP`` (``Progress.update``).
OnProgress = Callable[[int], None]
DELAY = 1.0  # seconds before anything is shown
LINE_EVERY = 5.0  # seconds between plain lines


def ignore_progress(count: int) -> None:
    """An ``OnProgress`` for work nobody watches."""


class Progress:
    """``update(done)`` as work goes; ``close()`` at the end (also as a context manager)."""

    def __init__(self, what: str, total: int | None = None, *, check: Callable[[], None] = lambda: None,
                 stream: IO[str] | None = None) -> None:
        self.what = what
        self.total = total
        self.check = check
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.monotonic()
        self._last_line = self.started
        self._done = 0
        self._bar: Any = None
        self._terminal = self.stream.isatty()

    def update(self, done: int) -> None:
        self.check()
        self._done = done
        now = time.monotonic()
        if now - self.started < DELAY:
            return
        if self._terminal:
            self._update_bar(done)
        elif now - self._last_line >= LINE_EVERY or self._last_line == self.started:
            self._last_line = now
            of = f" of {self.total:,}" if self.total else ""
            rate = done / (now - self.started)
            self.stream.write(f"fake-beeper: {self.what}: {done:,}{of} chats ({rate:,.0f}/s)\n")
            self.stream.flush()

    def _update_bar(self, done: int) -> None:
        if self._bar is None:
            import tqdm  # only a terminal on a long load needs it

            tqdm.tqdm.monitor_interval = 0  # no monitor thread: the loader forks only without threads
            self._bar = tqdm.tqdm(total=self.total, desc=f"fake-beeper: {self.what}", unit=" chats",
                                  file=self.stream, unit_scale=True, leave=False)
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
