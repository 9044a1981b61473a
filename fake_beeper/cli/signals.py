"""What every command shares: stop signals noted instead of raised, and the two ways it speaks
(``fail``: one line on stderr and an exit; ``say``: a line on stdout that never blocks)."""

from __future__ import annotations

import signal
import sys
from types import FrameType
from typing import Any, NoReturn

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(Exception):
    """Ctrl-C or SIGTERM arrived during long work; raised from the work's own progress check."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class StopSignals:
    """Notes SIGINT/SIGTERM instead of raising; stops the server once there is one."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.server: Any = None  # uvicorn.Server, once serving

    def install(self) -> dict[int, Any]:
        """Note SIGINT and SIGTERM from now on; returns the handlers they had, for ``restore``."""
        return {signum: signal.signal(signum, self._noted) for signum in STOP_SIGNALS}

    @staticmethod
    def restore(previous: dict[int, Any]) -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    def _noted(self, signum: int, frame: FrameType | None) -> None:
        self.note(signum)

    def note(self, signum: int) -> None:
        """A stop signal came (the first one counts); the server, once there is one, stops."""
        if self.signum is None:
            self.signum = signum
        if self.server is not None:
            self.server.should_exit = True

    def check(self) -> None:
        """Raise ``Interrupted`` if a stop signal came (called between chats by long work)."""
        if self.signum is not None:
            raise Interrupted(self.signum)


def fail(message: str, status: int = 2) -> NoReturn:
    """One line on stderr, then exit: a message may quote a server or a file, so it is printed
    as ``fake_beeper.text.shown`` makes it (no control characters, bounded)."""
    from fake_beeper.text import shown

    sys.stderr.write(f"fake-beeper: error: {shown(message, 2000)}\n")
    raise SystemExit(status)


def say(line: str, *, wait: float = 1.0) -> bool:
    """Write a line to stdout, never waiting more than ``wait`` seconds for room in it.

    ``False`` if the line could not be written: nobody reads stdout (a full pipe) or nobody will
    (a broken pipe). Writes go straight to the file descriptor, so nothing is left in Python's
    buffer to block or fail when the process exits.
    """
    import os
    import select

    data = (line + "\n").encode()
    try:
        sys.stdout.flush()
        fd = sys.stdout.fileno()
        if os.name == "nt":  # select() takes sockets only there: a plain write, which may wait
            os.write(fd, data)
            return True
        while data:
            if not select.select([], [fd], [], wait)[1]:
                return False
            data = data[os.write(fd, data[:4096]):]  # a pipe with room takes a page without blocking
    except (OSError, ValueError):  # BrokenPipeError among them; ValueError: stdout closed
        return False
    return True


