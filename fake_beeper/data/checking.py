"""A fixture file served while its chats are checked (``serve --check-while-serving``).

A million chats take most of their load time in the contract's check of each one. With this,
the fake serves as soon as it has what its indexes need, and a forked process (with its own
forked workers, on every core) checks every chat against the contract meanwhile, reading the
file again (``Unchecked.check``: a file changed since it was read is refused). The first chat the
contract refuses stops the server, with the message a check before serving would have given.
Until the check is done, a chat that breaks the contract may be served, or make a request fail.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import threading
import time
from collections.abc import Callable

from fake_beeper.data.files import Unchecked
from fake_beeper.data.parallel import can_fork

_PASSED = b"ok"


def can_check_while_serving() -> bool:
    """Forking is how (``can_fork``), and a process group of its own is how it is stopped."""
    return can_fork() and hasattr(os, "killpg")


class CheckWhileServing:
    """The check of ``unchecked`` in a forked process of its own, started at once.

    ``on_done(refused, seconds, killed)`` is called once, from a thread of its own, when the check
    ends: with the first refused chat's message, or ``None`` if every chat keeps the contract; how
    long it took; and whether it was killed before its verdict (``refused`` then says so: a
    ``kill`` of every process of the server's name, say). ``stop()`` ends the check (and its
    workers) if it still runs; then nothing is called. Fork before any thread starts.
    """

    def __init__(self, unchecked: Unchecked, on_done: Callable[[str | None, float, bool], None]) -> None:
        self.started = time.perf_counter()
        self.seconds: float | None = None  # how long it took, once done
        reading, writing = os.pipe()
        self._pid = os.fork()
        if self._pid == 0:  # the child: it never returns
            os.close(reading)
            _check_and_exit(unchecked, writing)
        os.close(writing)
        with contextlib.suppress(OSError):  # the child does it too: a stop() before it did must reach it
            os.setpgid(self._pid, self._pid)
        self._reading = reading
        self._on_done = on_done
        self._reaped = False  # once it is, its process ID may be another's: never signalled then
        self._stopping = False
        self._path = unchecked.path
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._wait, name="fake-beeper check while serving", daemon=True)
        self._thread.start()

    def _wait(self) -> None:
        said = b""
        while chunk := os.read(self._reading, 65536):
            said += chunk[:65536 - len(said)]
        os.close(self._reading)
        with self._lock:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self._pid, 0)
            self._reaped = True
        self.seconds = time.perf_counter() - self.started
        if said == _PASSED:
            self._on_done(None, self.seconds, False)
        elif said:
            self._on_done(said.decode("utf-8", "replace"), self.seconds, False)
        elif not self._stopping:  # killed from outside, or out of memory: the chats are not known to be good
            self._on_done(f"{self._path}: the check while serving ended without a verdict (was it killed?)",
                          self.seconds, True)

    def stop(self) -> None:
        """End the check and its workers (a process group of their own), if it still runs."""
        self._stopping = True
        with self._lock, contextlib.suppress(ProcessLookupError, PermissionError):
            if not self._reaped:  # (a child not yet reaped keeps its ID: the signal reaches it)
                os.killpg(self._pid, signal.SIGTERM)
        self._thread.join(5)


def _check_and_exit(unchecked: Unchecked, writing: int) -> None:
    """In the forked child: check every chat (on every core), say how it went, exit."""
    status = 0
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the CLI's "note it and carry on"
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to answer
        os.setpgid(0, 0)  # its workers with it: stop() ends them all
        # Nothing the server holds is collected or scanned here: a collection writes to every
        # object it scans, and each page written is a copy of the server's memory.
        gc.freeze()
        refused = unchecked.check()
        os.write(writing, _PASSED if refused is None else refused.encode("utf-8", "replace")[:65536])
    except BaseException as exc:  # our own failure, said as such
        os.write(writing, f"{unchecked.path}: the check while serving failed (a bug of fake-beeper): {exc!r}".encode())
        status = 1
    finally:
        os._exit(status)
