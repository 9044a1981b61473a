"""``fake-beeper``: serve the fake, generate fixture files, check them.

    fake-beeper serve [--host 127.0.0.1] [--port 23373] [--fixtures PATH | --seed N [--count N] [--accounts N]]
                      [--profile P] [--token T] [--scenario FILE] [--behaviour KEY=VALUE]... [--journal N] [--quiet]
                      [--allow-host NAME]... [--cors-origin ORIGIN]... [--cors-control] [--control-token T]
    fake-beeper generate [--seed N] [--count N] [--accounts N] --out PATH.jsonl|PATH.json [--force]
    fake-beeper validate PATH
    fake-beeper check URL [--token T] [--rate N] [--max-time S] [--seed N] [--max-examples N] [--profile P]
                      [--operations ID,ID] [--json PATH] [--junit PATH] [--markdown PATH] [--force]
    fake-beeper record --from URL --out PATH.jsonl|PATH.json [--token T] [--seed S] [--max-chats N] [--max-time S]
                      [--rate N] [--shift-days N] [--profile P] [--keep-unknown] [--no-anonymise] [--force]
    fake-beeper profiles
    fake-beeper --version

Bad input gets one line on stderr and exit status 2, and so does a server that passes a bound of
``check`` or ``record`` (``fake_beeper.polite``); a recording the server breaks off exits 1;
nothing the user owns is overwritten unless ``--force`` says so.

Stopping: Ctrl-C and SIGTERM never raise here. A handler notes the signal (and tells uvicorn to
stop, once it serves); long work (loading, generating) checks the note between chats and stops
there. So a stop at any moment is clean: exit 0 once serving began, 130 (SIGINT) or 143 (SIGTERM)
before, one line, no traceback. Heavy modules are imported after the handlers are in place.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from fake_beeper.cli.arguments import build_parser
from fake_beeper.cli.signals import Interrupted, StopSignals

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None, *, early: Sequence[int] = ()) -> int:
    """The command; ``early``: stop signals noted before this was called (``fake_beeper.entry``)."""
    stop = StopSignals()
    previous = stop.install()  # first, so that a stop during start-up is as clean as any other
    for signum in early[:1]:
        stop.note(signum)
    try:
        args = build_parser().parse_args(argv)
        try:
            stop.check()  # a stop that came while Python started: before any work
            if args.command == "serve":
                from fake_beeper.cli.serve import serve

                return serve(args, stop)
            from fake_beeper.cli import commands

            if args.command == "profiles":
                return commands.profiles()
            run = {"generate": commands.generate, "validate": commands.validate, "check": commands.check,
                   "record": commands.record}
            return run[args.command](args, stop)
        except Interrupted as interrupted:
            sys.stderr.write(f"fake-beeper: stopped by {interrupted} before {args.command} finished\n")
            return 128 + interrupted.signum
    finally:
        stop.restore(previous)  # a caller of main() in-process (a test) gets its own handlers back
