"""The commands other than ``serve``: generate, validate, check, record and profiles."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from fake_beeper.cli.arguments import token_argument
from fake_beeper.cli.signals import StopSignals, fail, say

if TYPE_CHECKING:
    from fake_beeper.record import Recording


def generate(args: argparse.Namespace, stop: StopSignals) -> int:
    from fake_beeper.data.files import FixtureError, write_chats
    from fake_beeper.data.generate import generate_chats
    from fake_beeper.progress import Progress

    try:
        with Progress("generating", args.count, check=stop.check) as progress:
            written = write_chats(generate_chats(args.seed, args.count, args.accounts), args.out,
                                  overwrite=args.force, progress=progress.update)
    except (FileExistsError, FixtureError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {args.out}: {exc.strerror or exc}")
    print(f"fake-beeper: wrote {written} chats (seed {args.seed}, {args.accounts} accounts) to {args.out}")
    return 0


def validate(args: argparse.Namespace, stop: StopSignals) -> int:
    from fake_beeper.data import FixtureError, read_world
    from fake_beeper.progress import Progress

    try:
        with Progress("validating", check=stop.check) as progress:
            world = read_world(args.path, progress=progress.update)
    except FixtureError as exc:
        fail(str(exc))
    accounts = f" and {len(world.accounts)} accounts" if world.accounts else ""
    stage = "" if world.stage.is_latest else f" as profile {world.stage} has it (the stage the file says)"
    print(f"fake-beeper: {args.path}: {len(world.chats)} chats{accounts}, all valid against openapi.yaml{stage}")
    return 0


def check(args: argparse.Namespace, stop: StopSignals) -> int:
    import importlib.util
    import json
    import os
    from pathlib import Path

    missing = [name for name in ("schemathesis", "hypothesis") if importlib.util.find_spec(name) is None]
    if missing:
        from fake_beeper.errors import install_command

        fail(f"check needs {' and '.join(missing)}: {install_command('check')}")
    token = _server_token(args)
    outputs = {kind: Path(path) for kind in ("json", "junit", "markdown") if (path := getattr(args, kind))}
    for kind, path in outputs.items():
        if os.path.lexists(path) and not args.force:
            fail(f"--{kind} {path} exists; pass --force to replace it")
        if not path.parent.is_dir():
            fail(f"--{kind} {path}: {path.parent} is not a directory")

    from fake_beeper.check import CheckerBug, CheckError, CheckInterrupted, CheckOptions, OperationsError, run_check
    from fake_beeper.check.operations import chosen

    def stage(name: str) -> None:
        stop.check()
        sys.stderr.write(f"fake-beeper check: {name}\n")

    options = CheckOptions(rate=args.rate, max_time=args.max_time, seed=args.seed, max_examples=args.max_examples,
                           profile=args.profile, operations=args.operations, max_messages=args.max_messages,
                           **({"phases": args.phases} if args.phases else {}))
    try:  # before any request: an unknown operation is said at once
        chosen(args.operations, args.profile)
    except OperationsError as exc:
        fail(f"--operations: {exc}")
    try:
        report = run_check(args.url, token, options, progress=stage, interrupted=lambda: stop.signum is not None)
    except CheckError as exc:
        fail(str(exc))
    except CheckerBug as bug:  # ours, never the server's: no verdict, and where it happened for the report
        if "json" in outputs:
            bug_report = {"baseURL": args.url, "bug": {"check": bug.check, "message": str(bug),
                                                       "traceback": bug.traceback}}
            outputs["json"].write_text(json.dumps(bug_report, indent=2) + "\n")
        where = f"the traceback is in {outputs['json']}" if "json" in outputs else "pass --json PATH for its traceback"
        fail(f"{bug} (no verdict on the server; please report it: {where})")
    except CheckInterrupted:
        stop.check()  # a stop signal: said as any other stop is
        fail("the check was stopped before it finished")
    stop.check()
    writers: dict[str, Callable[[], bytes]] = {
        "json": lambda: json.dumps(report.as_json(), indent=2).encode() + b"\n",
        "junit": report.junit, "markdown": lambda: report.markdown().encode()}
    for kind, path in outputs.items():
        path.write_bytes(writers[kind]())
    say(report.summary())
    return report.exit_status


def _before_recording(args: argparse.Namespace) -> None:
    """What can be refused before any request: a URL that is none, a file that cannot be written."""
    import httpx

    from fake_beeper.data.files import FixtureError, check_writable

    try:
        url = httpx.URL(args.source)
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        fail(f"--from {args.source!r}: expected an http:// or https:// URL, e.g. http://localhost:23373")
    try:  # before any request: a name that cannot be written is said at once, not after the walk
        check_writable(args.out, overwrite=args.force)
    except (FileExistsError, FixtureError) as exc:
        fail(str(exc))
    if not args.anonymise:
        sys.stderr.write(f"fake-beeper: WARNING: --no-anonymise: {args.out} will hold real names, messages and IDs "
                         "of the people you talk to. Do not commit or share it.\n")


def _recorded(args: argparse.Namespace, recording: Recording) -> str:
    """The summary of a recording written: what was fetched, how it was anonymised, how to serve it."""
    accounts = recording.accounts
    fetched = recording.fetched
    lines = [f"fake-beeper: recorded {len(recording.bodies):,} chats and "
             f"{'no accounts (the server has no /v1/accounts)' if accounts is None else f'{len(accounts):,} accounts'}"
             f" from {args.source}: {recording.requests:,} GET requests in {recording.seconds:.1f} s"]
    if fetched.messages:
        lines.append(f"fake-beeper: and {len(fetched.messages):,} messages, the newest {args.max_messages:,} or fewer "
                     f"of each of {fetched.message_chats:,} chats")
    if fetched.repeated:
        lines.append(f"fake-beeper: {fetched.repeated:,} chats met twice (the list changed during the walk), kept once")
    if args.anonymise:
        key = f"seed {args.seed}" if args.seed is not None else "a random key (--seed S to repeat a recording)"
        lines.append(f"fake-beeper: anonymised with {key}:")
        lines += [f"  {line}" for line in recording.summary.lines()]
    elif recording.summary.shifted:
        lines.append(f"fake-beeper: shifted {recording.summary.shifted:,} date-times")
    stage = "" if recording.stage.is_latest else f" (as profile {recording.stage}, which the file says)"
    lines.append(f"fake-beeper: wrote {args.out}; serve it: fake-beeper serve --fixtures {args.out}{stage}")
    return "\n".join(lines)


def _server_token(args: argparse.Namespace) -> str:
    """The token of the server ``check`` or ``record`` reads: ``--token``, else $BEEPER_ACCESS_TOKEN."""
    import os

    token: str | None = args.token or os.environ.get("BEEPER_ACCESS_TOKEN")
    if not token:
        fail(f"{args.command} needs the server's token: --token T, or BEEPER_ACCESS_TOKEN")
    try:
        return token_argument(token)
    except argparse.ArgumentTypeError as exc:
        fail(f"BEEPER_ACCESS_TOKEN: {exc}")


def record(args: argparse.Namespace, stop: StopSignals) -> int:
    from fake_beeper.data.files import FixtureError, write_chats
    from fake_beeper.progress import Progress

    token = _server_token(args)
    _before_recording(args)

    from fake_beeper.record import AnswerRefused, CheckInterrupted, LeakError, RecordError, RecordOptions, record

    if args.keep_unknown:
        sys.stderr.write("fake-beeper: warning: --keep-unknown: fields openapi.yaml does not describe are kept, "
                         "their names as they are and their values replaced as identifiers: a name may say "
                         "something\n")
    options = RecordOptions(rate=args.rate, max_chats=args.max_chats, max_time=args.max_time, seed=args.seed,
                            anonymise=args.anonymise, shift_days=args.shift_days, profile=args.profile,
                            keep_unknown=args.keep_unknown, max_messages=args.max_messages,
                            message_chats=args.message_chats)
    try:
        with Progress("recording", args.max_chats, check=stop.check) as progress:
            recording = record(args.source, token, options, progress=progress.update,
                               interrupted=lambda: stop.signum is not None)
    except AnswerRefused as exc:  # a bound the server passed: too large, deep, slow, long, or looping
        fail(f"{args.source}: {exc}; nothing was written")
    except (RecordError, LeakError) as exc:
        fail(f"{args.source}: {exc}; nothing was written", status=1)
    except CheckInterrupted:
        stop.check()
        fail("the recording was stopped before it finished; nothing was written", status=1)
    stop.check()
    accounts = recording.accounts
    try:
        write_chats(recording.bodies, args.out, overwrite=args.force, accounts=accounts, stage=recording.stage,
                    messages=recording.messages)
    except (FileExistsError, FixtureError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {args.out}: {exc.strerror or exc}")
    say(_recorded(args, recording))
    if not args.anonymise:
        sys.stderr.write(f"fake-beeper: WARNING: {args.out} is NOT anonymised: it holds real names, messages and IDs\n")
    return 0


def profiles() -> int:
    from fake_beeper.contract.stages import STAGES

    lines = ["profile       contract  published   SDK versions generated from it"]
    for found in STAGES:
        versions = ", ".join([*(f"beeper-desktop-api {v}" for v in found.python),
                              *(f"@beeper/desktop-api {v}" for v in found.npm)])
        name = f"{found.name} (latest)" if found.is_latest else found.name
        lines.append(f"{name:<13} {found.contract:<9} {found.published}  {versions}")
    say("\n".join(lines))
    return 0


