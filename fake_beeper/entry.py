"""The ``fake-beeper`` command as a program: Ctrl-C and SIGTERM are noted from this module's first
statements on, before anything else of the package is imported.

Until a process installs a handler of its own, Python's raises ``KeyboardInterrupt`` wherever the
start happens to be, and a library that catches too much there swallows it: the server then
starts and serves as if nothing had been asked. So the command's entry point notes the signals at
once, and ``cli.main`` takes the note over (a stop noted this early ends the command with exit
130 or 143 and one line, before any work). What remains is the interpreter's own start, before
any of this package runs.

Only the command imports this module: importing it sets the process's signal handlers, which
is the program's to do and no library's (``cli.main`` puts back what it found when it returns).
"""

from __future__ import annotations

import signal

EARLY: list[int] = []  # stop signals that came before cli.main took over, in order


def _note(signum: int, frame: object) -> None:
    EARLY.append(signum)


signal.signal(signal.SIGINT, _note)  # first: nothing else is imported before these two lines
signal.signal(signal.SIGTERM, _note)

import sys  # noqa: E402 (after the handlers, on purpose)


def run() -> None:
    """The console script's target."""
    from fake_beeper.cli import main

    sys.exit(main(early=EARLY))
