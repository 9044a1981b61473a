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

import argparse
import dataclasses
import gc
import signal
import sys
import time
from collections.abc import Callable, Sequence
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

from fake_beeper.defaults import (
    DEFAULT_ACCOUNTS,
    DEFAULT_CHECK_MAX_EXAMPLES,
    DEFAULT_CHECK_MAX_TIME,
    DEFAULT_CHECK_RATE,
    DEFAULT_CHECK_SEED,
    DEFAULT_COUNT,
    DEFAULT_HOST,
    DEFAULT_JOURNAL,
    DEFAULT_PORT,
    DEFAULT_RECORD_MAX_TIME,
    DEFAULT_RECORD_RATE,
    DEFAULT_SEED,
    DEFAULT_TOKEN,
)

if TYPE_CHECKING:
    from fake_beeper.world.scenario import Scenario
    from fake_beeper.world.state import FakeState

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


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``fake-beeper: error: …``), not a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _fail(message: str, status: int = 2) -> NoReturn:
    """One line on stderr, then exit: a message may quote a server or a file, so it is printed
    as ``fake_beeper.text.shown`` makes it (no control characters, bounded)."""
    from fake_beeper.text import shown

    sys.stderr.write(f"fake-beeper: error: {shown(message, 2000)}\n")
    raise SystemExit(status)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}: not a number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port {port}: must be 0..65535")
    return port


def _natural(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative")
    return value


def _positive(text: str) -> int:
    value = _natural(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _up_to(high: int, what: str, parse: Callable[[str], int] = _natural) -> Callable[[str], int]:
    """An argparse type: ``parse``, and at most ``high`` (a count that no machine could hold or
    wait for is refused at once, not found out hours into the work)."""
    def bounded(text: str) -> int:
        value = parse(text)
        if value > high:
            raise argparse.ArgumentTypeError(f"at most {high:,} {what}, got {value:,}")
        return value

    return bounded


MAX_CHATS = 10_000_000  # generate, serve --seed and record: far past any inbox, within a machine's reach
_chats = _up_to(MAX_CHATS, "chats")
_some_chats = _up_to(MAX_CHATS, "chats", _positive)
_accounts = _up_to(10_000, "accounts", _positive)
_journal = _up_to(1_000_000, "requests")
_examples = _up_to(100_000, "examples", _positive)


def _token(text: str) -> str:
    from fake_beeper.errors import UsageError
    from fake_beeper.world.token import check_token

    try:
        return check_token(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class _Version(argparse.Action):
    """``--version``, reading the installed version only when asked (importlib.metadata is slow to import)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        from importlib import metadata

        try:
            version = metadata.version("fake-beeper")
        except metadata.PackageNotFoundError:  # pragma: no cover (run from a source tree)
            version = "unknown"
        print(f"fake-beeper {version}")
        parser.exit(0)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="fake-beeper", description="A fake Beeper Desktop API (GET /v1/chats) for tests.")
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and exit")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    serve = commands.add_parser("serve", help="serve GET /v1/chats on a local port")
    serve.add_argument("--host", default=DEFAULT_HOST,
                       help=f"address to bind (default {DEFAULT_HOST}; any other warns and locks the control API)")
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free)")
    source = serve.add_mutually_exclusive_group()
    source.add_argument("--fixtures", metavar="PATH", help="a .jsonl or .json fixture file instead of the default data")
    source.add_argument("--seed", type=_natural, help="generate chats from this seed instead")
    serve.add_argument("--count", type=_chats, help=f"with --seed: how many chats (default {DEFAULT_COUNT})")
    serve.add_argument("--accounts", type=_accounts,
                       help=f"with --seed: how many accounts (default {DEFAULT_ACCOUNTS})")
    serve.add_argument("--no-cache", action="store_true",
                       help="with --seed: generate afresh, neither reading nor writing the dataset cache "
                            "($FAKE_BEEPER_CACHE_DIR, else the user cache directory)")
    serve.add_argument("--profile", type=_profile, default=None, metavar="P",
                       help="serve the API as this stage of it: 4.1, js-4.2.3, 4.2, 5.0 or 6.0/latest (default; "
                            "see fake-beeper profiles)")
    serve.add_argument("--token", type=_token, default=DEFAULT_TOKEN,
                       help=f"the bearer token to accept (default {DEFAULT_TOKEN})")
    serve.add_argument("--scenario", metavar="FILE",
                       help="faults and live activity to apply (YAML or JSON; see the README); "
                            "change them later through /_fake-beeper/scenario")
    serve.add_argument("--behaviour", action="append", default=[], metavar="KEY=VALUE",
                       help="answer like another server where the contract is silent (repeatable; e.g. "
                            "after=newest; see the README, or the line fake-beeper check prints); on top of a "
                            "scenario's behaviour section")
    serve.add_argument("--journal", type=_journal, default=DEFAULT_JOURNAL, metavar="N",
                       help=f"keep the newest N requests for GET /_fake-beeper/requests (default {DEFAULT_JOURNAL}; "
                            "0: none)")
    serve.add_argument("--quiet", action="store_true", help="no access-log line per request")
    serve.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                       help="also answer requests whose Host is NAME (repeatable; '*': any). Loopback names "
                            "and the bound host are always allowed")
    serve.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                       help="let web pages from ORIGIN call the Beeper API (repeatable; '*': any)")
    serve.add_argument("--cors-control", action="store_true", help="with --cors-origin: the control API too")
    serve.add_argument("--control-token", type=_token, metavar="T",
                       help="require 'Authorization: Bearer T' on the control API (needed to unlock it on a "
                            "non-loopback --host)")

    generate = commands.add_parser("generate", help="write a deterministic fixture file")
    generate.add_argument("--seed", type=_natural, default=DEFAULT_SEED, help=f"default {DEFAULT_SEED}")
    generate.add_argument("--count", type=_chats, default=DEFAULT_COUNT, help=f"default {DEFAULT_COUNT}")
    generate.add_argument("--accounts", type=_accounts, default=DEFAULT_ACCOUNTS, help=f"default {DEFAULT_ACCOUNTS}")
    generate.add_argument("--out", required=True, metavar="PATH",
                          help="where to write: PATH.jsonl (JSON Lines) or PATH.json (an array)")
    generate.add_argument("--force", action="store_true", help="replace PATH if it exists")

    commands.add_parser("profiles", help="list the stages of the API that serve --profile can serve")

    validate = commands.add_parser("validate", help="check a fixture file against openapi.yaml")
    validate.add_argument("path")

    check = commands.add_parser("check", help="check a server against the contract (GET requests only) and "
                                              "learn how it behaves where the contract is silent")
    check.add_argument("url", help="the server, e.g. http://localhost:23373")
    check.add_argument("--token", type=_token, help="its access token (default: $BEEPER_ACCESS_TOKEN)")
    check.add_argument("--rate", type=_rate, default=DEFAULT_CHECK_RATE, metavar="N",
                       help=f"at most N requests a second (default {DEFAULT_CHECK_RATE:g})")
    check.add_argument("--max-time", type=_seconds, default=DEFAULT_CHECK_MAX_TIME, metavar="S",
                       help=f"the whole check's time: Schemathesis is stopped where it is near the end, and a "
                            f"server that holds any other phase past it ends the check with exit 2 "
                            f"(default {DEFAULT_CHECK_MAX_TIME:g})")
    check.add_argument("--seed", type=_natural, default=DEFAULT_CHECK_SEED, help=f"default {DEFAULT_CHECK_SEED}")
    check.add_argument("--max-examples", type=_examples, default=DEFAULT_CHECK_MAX_EXAMPLES, metavar="N",
                       help=f"Schemathesis's fuzzing cases per operation (default {DEFAULT_CHECK_MAX_EXAMPLES})")
    check.add_argument("--profile", type=_profile, default="latest", metavar="P",
                       help="hold the server to an older stage of the contract (default latest; "
                            "see fake-beeper profiles)")
    check.add_argument("--operations", metavar="ID,ID", type=lambda text: tuple(filter(None, text.split(","))),
                       help="hold the server to these operations only: operationIds of openapi.yaml (listChats "
                            "always; an unknown one is refused with the list of them); default: all, less those "
                            "it does not serve (each such one a finding)")
    check.add_argument("--json", metavar="PATH", help="write the findings as JSON")
    check.add_argument("--junit", metavar="PATH", help="write JUnit XML, for CI systems")
    check.add_argument("--markdown", metavar="PATH", help="write a report to read afterwards")
    check.add_argument("--force", action="store_true", help="replace report files that exist")

    record = commands.add_parser("record", help="write a server's chats and accounts, anonymised, to a fixture "
                                                "file (GET requests only)")
    record.add_argument("--from", dest="source", required=True, metavar="URL",
                        help="the server, e.g. http://localhost:23373 (your Beeper Desktop)")
    record.add_argument("--token", type=_token, help="its access token (default: $BEEPER_ACCESS_TOKEN)")
    record.add_argument("--out", required=True, metavar="PATH",
                        help="where to write: PATH.jsonl (JSON Lines) or PATH.json")
    record.add_argument("--seed", type=_natural,
                        help="the pseudonyms' key: the same seed and source give the same file (default: a "
                             "random key, never stored). Keep it private: with it, a guess can be checked")
    record.add_argument("--max-chats", type=_some_chats, metavar="N",
                        help="record the newest N chats only (default: all of them, up to 50,000; a server that "
                             "lists more is refused, as one that never ends)")
    record.add_argument("--max-time", type=_seconds, default=DEFAULT_RECORD_MAX_TIME, metavar="S",
                        help=f"give up after S seconds, writing nothing (default {DEFAULT_RECORD_MAX_TIME:g})")
    record.add_argument("--keep-unknown", action="store_true",
                        help="keep fields openapi.yaml does not describe (their names as they are, their values "
                             "anonymised as identifiers) instead of leaving them out")
    record.add_argument("--rate", type=_rate, default=DEFAULT_RECORD_RATE, metavar="N",
                        help=f"at most N requests a second (default {DEFAULT_RECORD_RATE:g})")
    record.add_argument("--shift-days", type=_days, default=0, metavar="N",
                        help="move every timestamp N days (negative: back), all by the same offset")
    record.add_argument("--no-anonymise", "--no-anonymize", dest="anonymise", action="store_false",
                        help="write the raw recording: real names, messages and IDs")
    record.add_argument("--profile", type=_profile, default="latest", metavar="P",
                        help="the stage of the contract the server is in, for an older Beeper Desktop (default "
                             "latest; see fake-beeper profiles); the file says it, and is served as it")
    record.add_argument("--force", action="store_true", help="replace PATH if it exists")
    return parser


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
                return _serve(args, stop)
            if args.command == "generate":
                return _generate(args, stop)
            if args.command == "check":
                return _check(args, stop)
            if args.command == "record":
                return _record(args, stop)
            if args.command == "profiles":
                return _profiles()
            return _validate(args, stop)
        except Interrupted as interrupted:
            sys.stderr.write(f"fake-beeper: stopped by {interrupted} before {args.command} finished\n")
            return 128 + interrupted.signum
    finally:
        stop.restore(previous)  # a caller of main() in-process (a test) gets its own handlers back


def _serve(args: argparse.Namespace, stop: StopSignals) -> int:
    from fake_beeper.contract.behaviour import BehaviourError, parse_flags
    from fake_beeper.contract.stages import ProfileError, projected
    from fake_beeper.data import FixtureError, load_world
    from fake_beeper.errors import UsageError
    from fake_beeper.http.app import create_app
    from fake_beeper.http.guard import Access, is_loopback
    from fake_beeper.http.server import base_url, bind, server_for
    from fake_beeper.progress import Progress
    from fake_beeper.world.journal import Journal
    from fake_beeper.world.scenario import Scenario, ScenarioError, load_scenario
    from fake_beeper.world.state import FakeState
    from fake_beeper.world.store import ChatStore

    for option in ("count", "accounts", "no_cache"):
        if getattr(args, option) not in (None, False) and args.seed is None:
            _fail(f"--{option.replace('_', '-')} goes with --seed")
    if args.cors_control and not args.cors_origin:
        _fail("--cors-control goes with --cors-origin")
    started = time.perf_counter()
    try:
        scenario = load_scenario(args.scenario) if args.scenario else None
        if args.behaviour:
            base = scenario or Scenario()
            scenario = dataclasses.replace(base, behaviour=parse_flags(args.behaviour, base=base.behaviour))
        access = Access.for_bind(args.host, allow_hosts=args.allow_host, control_token=args.control_token,
                                 cors_origins=args.cors_origin, cors_control=args.cors_control)
    except (BehaviourError, ScenarioError, UsageError) as exc:
        _fail(str(exc))
    try:  # before loading: a port in use is said at once, not after a long load
        sock = bind(args.host, args.port)
    except OSError as exc:
        _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
    url = base_url(sock)
    if not is_loopback(args.host):
        sys.stderr.write(f"fake-beeper: warning: listening on {args.host}, reachable beyond this machine; the "
                         f"token is {'yours' if args.token != DEFAULT_TOKEN else 'the public default'}, and the "
                         f"control API is {'locked' if access.control_locked else 'behind --control-token'}\n")
    try:
        with Progress("loading", args.count if args.seed is not None else None, check=stop.check) as progress:
            world = load_world(args.fixtures, seed=args.seed, count=args.count, cache=not args.no_cache,
                               accounts=args.accounts or DEFAULT_ACCOUNTS, progress=progress.update)
        stage = args.profile or world.profile  # a recording of an older server: its stage
        store = ChatStore(projected(world.chats, stage, world.profile), world.accounts)
        gc.freeze()  # the chats live as long as the server: later collections need not scan them
    except FixtureError as exc:
        sock.close()
        _fail(str(exc))
    except ProfileError as exc:
        sock.close()
        _fail(f"{args.fixtures}: {exc}")
    log = None if args.quiet else AccessLog()
    state = FakeState(store, token=args.token, journal=Journal(args.journal), scenario=scenario, profile=stage)
    server = server_for(create_app(state, access=access, log=log))
    stop.server = server  # from here a signal stops the server, even before it has started
    stop.check()
    _banner(args, state, scenario, url, time.perf_counter() - started)
    server.run(sockets=[sock])
    if log is not None:
        log.close()
    _say("fake-beeper: stopped")
    return 0


class AccessLog:
    """One line per request on stdout, written by a thread of its own, so that the server never
    waits for its output: if nobody reads it (a full pipe) or nobody can (a broken pipe), lines
    are dropped and counted instead."""

    def __init__(self, capacity: int = 10_000) -> None:
        import queue
        import threading

        self._lines: queue.Queue[str | None] = queue.Queue(capacity)
        self._full = queue.Full
        self.dropped = 0
        self._thread = threading.Thread(target=self._write, name="fake-beeper access log", daemon=True)
        self._thread.start()

    def __call__(self, line: str) -> None:
        try:
            self._lines.put_nowait(f"fake-beeper: {line}")
        except self._full:
            self.dropped += 1

    def _write(self) -> None:
        while (line := self._lines.get()) is not None:
            if not _say(line, wait=0.2):
                self.dropped += 1

    def close(self) -> None:
        """Write what is queued (for up to a second), then stop."""
        try:
            self._lines.put(None, timeout=1)
        except self._full:
            return
        self._thread.join(1)
        if self.dropped and not self._thread.is_alive():
            _say(f"fake-beeper: {self.dropped} access-log line(s) dropped: stdout was not read fast enough")


def _say(line: str, *, wait: float = 1.0) -> bool:
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
        while data:
            if not select.select([], [fd], [], wait)[1]:
                return False
            data = data[os.write(fd, data[:4096]):]  # a pipe with room takes a page without blocking
    except (OSError, ValueError):  # BrokenPipeError among them; ValueError: stdout closed
        return False
    return True


def _banner(args: argparse.Namespace, state: FakeState, scenario: Scenario | None, url: str, seconds: float) -> None:
    from fake_beeper.contract.stages import LATEST

    store = state.store
    source = args.fixtures or (f"seed {args.seed}" if args.seed is not None else "the default fixtures")
    stage = "" if state.profile == LATEST else f" as profile {state.profile}"
    lines = [f"fake-beeper: serving {len(store)} chats from {source}{stage} on {url} (loaded in {seconds:.2f}s)",
             "Point the Beeper SDKs at it:",
             f"  export BEEPER_BASE_URL={url} BEEPER_DESKTOP_BASE_URL={url} BEEPER_ACCESS_TOKEN={args.token}"]
    if args.scenario and scenario is not None:
        lines.append(f"Scenario: {args.scenario}: {len(scenario.rules)} fault rule(s)"
                     f"{f', a change every {scenario.activity.every} pages' if scenario.activity else ''}")
    changes = scenario.behaviour.changes() if scenario is not None else {}
    if changes:
        chosen = ", ".join(f"{key}={value}" for key, value in changes.items())
        lines.append(f"Behaviour where the contract is silent: {chosen}")
    lines.append(f"Contract: {url}/openapi.json   Swagger UI: {url}/docs   Control: {url}/_fake-beeper/scenario   "
                 "Stop: Ctrl-C")
    _say("\n".join(lines))


def _generate(args: argparse.Namespace, stop: StopSignals) -> int:
    from fake_beeper.data.files import FixtureError, write_chats
    from fake_beeper.data.generate import generate_chats
    from fake_beeper.progress import Progress

    try:
        with Progress("generating", args.count, check=stop.check) as progress:
            written = write_chats(generate_chats(args.seed, args.count, args.accounts), args.out,
                                  overwrite=args.force, progress=progress.update)
    except (FileExistsError, FixtureError) as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot write {args.out}: {exc.strerror or exc}")
    print(f"fake-beeper: wrote {written} chats (seed {args.seed}, {args.accounts} accounts) to {args.out}")
    return 0


def _validate(args: argparse.Namespace, stop: StopSignals) -> int:
    from fake_beeper.contract.stages import LATEST
    from fake_beeper.data import FixtureError, read_world
    from fake_beeper.progress import Progress

    try:
        with Progress("validating", check=stop.check) as progress:
            world = read_world(args.path, progress=progress.update)
    except FixtureError as exc:
        _fail(str(exc))
    accounts = f" and {len(world.accounts)} accounts" if world.accounts else ""
    stage = "" if world.profile == LATEST else f" as profile {world.profile} has it (the stage the file says)"
    print(f"fake-beeper: {args.path}: {len(world.chats)} chats{accounts}, all valid against openapi.yaml{stage}")
    return 0


def _check(args: argparse.Namespace, stop: StopSignals) -> int:
    import importlib.util
    import json
    import os
    from pathlib import Path

    missing = [name for name in ("schemathesis", "hypothesis") if importlib.util.find_spec(name) is None]
    if missing:
        _fail(f"check needs {' and '.join(missing)}: pip install 'fake-beeper[check]'")
    token = _server_token(args)
    outputs = {kind: Path(path) for kind in ("json", "junit", "markdown") if (path := getattr(args, kind))}
    for kind, path in outputs.items():
        if os.path.lexists(path) and not args.force:
            _fail(f"--{kind} {path} exists; pass --force to replace it")
        if not path.parent.is_dir():
            _fail(f"--{kind} {path}: {path.parent} is not a directory")

    from fake_beeper.check import CheckerBug, CheckError, CheckInterrupted, CheckOptions, OperationsError, run_check
    from fake_beeper.check.operations import chosen

    def stage(name: str) -> None:
        stop.check()
        sys.stderr.write(f"fake-beeper check: {name}\n")

    options = CheckOptions(rate=args.rate, max_time=args.max_time, seed=args.seed, max_examples=args.max_examples,
                           profile=args.profile, operations=args.operations)
    try:  # before any request: an unknown operation is said at once
        chosen(args.operations, options.profile)
    except OperationsError as exc:
        _fail(f"--operations: {exc}")
    try:
        report = run_check(args.url, token, options, progress=stage, interrupted=lambda: stop.signum is not None)
    except CheckError as exc:
        _fail(str(exc))
    except CheckerBug as bug:  # ours, never the server's: no verdict, and where it happened for the report
        if "json" in outputs:
            bug_report = {"baseURL": args.url, "bug": {"check": bug.check, "message": str(bug),
                                                       "traceback": bug.traceback}}
            outputs["json"].write_text(json.dumps(bug_report, indent=2) + "\n")
        where = f"the traceback is in {outputs['json']}" if "json" in outputs else "pass --json PATH for its traceback"
        _fail(f"{bug} (no verdict on the server; please report it: {where})")
    except CheckInterrupted:
        stop.check()  # a stop signal: said as any other stop is
        _fail("the check was stopped before it finished")
    stop.check()
    writers: dict[str, Callable[[], bytes]] = {
        "json": lambda: json.dumps(report.as_json(), indent=2).encode() + b"\n",
        "junit": report.junit, "markdown": lambda: report.markdown().encode()}
    for kind, path in outputs.items():
        path.write_bytes(writers[kind]())
    _say(report.summary())
    return report.exit_status


def _server_token(args: argparse.Namespace) -> str:
    """The token of the server ``check`` or ``record`` reads: ``--token``, else $BEEPER_ACCESS_TOKEN."""
    import os

    token: str | None = args.token or os.environ.get("BEEPER_ACCESS_TOKEN")
    if not token:
        _fail(f"{args.command} needs the server's token: --token T, or BEEPER_ACCESS_TOKEN")
    try:
        return _token(token)
    except argparse.ArgumentTypeError as exc:
        _fail(f"BEEPER_ACCESS_TOKEN: {exc}")


def _record(args: argparse.Namespace, stop: StopSignals) -> int:
    import httpx

    from fake_beeper.data.files import FixtureError, check_writable, write_chats
    from fake_beeper.progress import Progress

    token = _server_token(args)
    try:
        url = httpx.URL(args.source)
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        _fail(f"--from {args.source!r}: expected an http:// or https:// URL, e.g. http://localhost:23373")
    try:  # before any request: a name that cannot be written is said at once, not after the walk
        check_writable(args.out, overwrite=args.force)
    except (FileExistsError, FixtureError) as exc:
        _fail(str(exc))
    if not args.anonymise:
        sys.stderr.write(f"fake-beeper: WARNING: --no-anonymise: {args.out} will hold real names, messages and IDs "
                         "of the people you talk to. Do not commit or share it.\n")

    from fake_beeper.contract.stages import LATEST
    from fake_beeper.record import AnswerRefused, CheckInterrupted, LeakError, RecordError, RecordOptions, record

    if args.keep_unknown:
        sys.stderr.write("fake-beeper: warning: --keep-unknown: fields openapi.yaml does not describe are kept, "
                         "their names as they are and their values replaced as identifiers: a name may say "
                         "something\n")
    options = RecordOptions(rate=args.rate, max_chats=args.max_chats, max_time=args.max_time, seed=args.seed,
                            anonymise=args.anonymise, shift_days=args.shift_days, profile=args.profile,
                            keep_unknown=args.keep_unknown)
    try:
        with Progress("recording", args.max_chats, check=stop.check) as progress:
            recording = record(args.source, token, options, progress=progress.update,
                               interrupted=lambda: stop.signum is not None)
    except AnswerRefused as exc:  # a bound the server passed: too large, deep, slow, long, or looping
        _fail(f"{args.source}: {exc}; nothing was written")
    except (RecordError, LeakError) as exc:
        _fail(f"{args.source}: {exc}; nothing was written", status=1)
    except CheckInterrupted:
        stop.check()
        _fail("the recording was stopped before it finished; nothing was written", status=1)
    stop.check()
    accounts = recording.accounts
    try:
        write_chats(recording.bodies, args.out, overwrite=args.force, accounts=accounts, profile=recording.profile)
    except (FileExistsError, FixtureError) as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot write {args.out}: {exc.strerror or exc}")
    fetched = recording.fetched
    lines = [f"fake-beeper: recorded {len(recording.bodies):,} chats and "
             f"{'no accounts (the server has no /v1/accounts)' if accounts is None else f'{len(accounts):,} accounts'}"
             f" from {args.source}: {recording.requests:,} GET requests in {recording.seconds:.1f} s"]
    if fetched.repeated:
        lines.append(f"fake-beeper: {fetched.repeated:,} chats met twice (the list changed during the walk), kept once")
    if args.anonymise:
        key = f"seed {args.seed}" if args.seed is not None else "a random key (--seed S to repeat a recording)"
        lines.append(f"fake-beeper: anonymised with {key}:")
        lines += [f"  {line}" for line in recording.summary.lines()]
    elif recording.summary.shifted:
        lines.append(f"fake-beeper: shifted {recording.summary.shifted:,} date-times")
    stage = "" if recording.profile == LATEST else f" (as profile {recording.profile}, which the file says)"
    lines.append(f"fake-beeper: wrote {args.out}; serve it: fake-beeper serve --fixtures {args.out}{stage}")
    _say("\n".join(lines))
    if not args.anonymise:
        sys.stderr.write(f"fake-beeper: WARNING: {args.out} is NOT anonymised: it holds real names, messages and IDs\n")
    return 0


def _profiles() -> int:
    from fake_beeper.contract.stages import LATEST, PROFILES

    lines = ["profile       contract  published   SDK versions generated from it"]
    for found in PROFILES:
        versions = ", ".join([*(f"beeper-desktop-api {v}" for v in found.python),
                              *(f"@beeper/desktop-api {v}" for v in found.npm)])
        name = f"{found.name} (latest)" if found.name == LATEST else found.name
        lines.append(f"{name:<13} {found.contract:<9} {found.published}  {versions}")
    _say("\n".join(lines))
    return 0


def _profile(text: str) -> str:
    from fake_beeper.contract.stages import ProfileError, profile

    try:
        return profile(text).name
    except ProfileError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from None
    if abs(days) > 36_500:
        raise argparse.ArgumentTypeError(f"{days} days is more than a hundred years")
    return days


def _number_of(what: str, low: float, high: float, *, low_allowed: bool = True) -> Callable[[str], float]:
    """An argparse type: a number of ``what`` from ``low`` (or just above it) to ``high``."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number of {what}: {text!r}") from None
        if not ((low <= value) if low_allowed else (low < value)) or not value <= high:
            raise argparse.ArgumentTypeError(f"must be {'from' if low_allowed else 'more than'} {low:g} "
                                             f"{'to' if low_allowed else 'and at most'} {high:g}, got {text}")
        return value

    return parse


_rate = _number_of("requests a second", 0, 10_000, low_allowed=False)
_seconds = _number_of("seconds", 1, 86_400)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
