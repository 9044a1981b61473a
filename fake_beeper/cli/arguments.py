"""The command line: ``build_parser`` and the argument types that bound every value at the edge.

A stage's name becomes a ``Stage`` here (``--profile``), a token is checked, and every count has a
ceiling, so that what reaches the commands is already known good.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from fake_beeper.defaults import (
    DEFAULT_ACCOUNTS,
    DEFAULT_CHECK_MAX_EXAMPLES,
    DEFAULT_CHECK_MAX_MESSAGES,
    DEFAULT_CHECK_MAX_TIME,
    DEFAULT_CHECK_RATE,
    DEFAULT_CHECK_SEED,
    DEFAULT_COUNT,
    DEFAULT_HOST,
    DEFAULT_JOURNAL,
    DEFAULT_PORT,
    DEFAULT_RECORD_MAX_MESSAGES,
    DEFAULT_RECORD_MAX_TIME,
    DEFAULT_RECORD_MESSAGE_CHATS,
    DEFAULT_RECORD_RATE,
    DEFAULT_SEED,
    DEFAULT_TOKEN,
)

if TYPE_CHECKING:
    from fake_beeper.check.phases import Phase
    from fake_beeper.contract.stages import Stage


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``fake-beeper: error: …``), not a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


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
_messages = _up_to(1_000_000, "messages", _positive)
_some_messages = _up_to(1_000_000, "messages")  # 0 allowed: none


def token_argument(text: str) -> str:
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


def _profile(text: str) -> Stage:
    """A stage of the API by its name: where ``--profile`` becomes a ``Stage``."""
    from fake_beeper.contract.stages import ProfileError, stage

    try:
        return stage(text)
    except ProfileError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _phases(text: str) -> frozenset[Phase]:
    """``--phases pagination,coverage`` as the check's phases."""
    from fake_beeper.check.phases import Phase

    try:
        return Phase.parse(text)
    except ValueError as exc:
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
    serve.add_argument("--check-while-serving", action="store_true",
                       help="with a .jsonl --fixtures file: serve once its chats are indexed, and check them "
                            "against the contract meanwhile; the first that breaks it stops the server (exit 2)")
    serve.add_argument("--no-cache", action="store_true",
                       help="with --seed: generate afresh, neither reading nor writing the dataset cache "
                            "($FAKE_BEEPER_CACHE_DIR, else the user cache directory)")
    serve.add_argument("--profile", type=_profile, default=None, metavar="P",
                       help="serve the API as this stage of it: 4.1, js-4.2.3, 4.2, 5.0 or 6.0/latest (default; "
                            "see fake-beeper profiles)")
    serve.add_argument("--token", type=token_argument, default=DEFAULT_TOKEN,
                       help=f"the bearer token to accept (default {DEFAULT_TOKEN})")
    serve.add_argument("--scenario", metavar="FILE",
                       help="faults and live activity to apply (YAML or JSON; see docs/failures.md); "
                            "change them later through /_fake-beeper/scenario")
    serve.add_argument("--behaviour", action="append", default=[], metavar="KEY=VALUE",
                       help="answer like another server where the contract is silent (repeatable; e.g. "
                            "after=newest; see docs/behaviour.md, or the line fake-beeper check prints); on top of a "
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
    serve.add_argument("--control-token", type=token_argument, metavar="T",
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
    check.add_argument("--token", type=token_argument, help="its access token (default: $BEEPER_ACCESS_TOKEN)")
    check.add_argument("--rate", type=_rate, default=DEFAULT_CHECK_RATE, metavar="N",
                       help=f"at most N requests a second (default {DEFAULT_CHECK_RATE:g})")
    check.add_argument("--max-time", type=_seconds, default=DEFAULT_CHECK_MAX_TIME, metavar="S",
                       help=f"the whole check's time: Schemathesis is stopped where it is near the end, and a "
                            f"server that holds any other phase past it ends the check with exit 2 "
                            f"(default {DEFAULT_CHECK_MAX_TIME:g})")
    check.add_argument("--seed", type=_natural, default=DEFAULT_CHECK_SEED, help=f"default {DEFAULT_CHECK_SEED}")
    check.add_argument("--max-examples", type=_examples, default=DEFAULT_CHECK_MAX_EXAMPLES, metavar="N",
                       help=f"Schemathesis's fuzzing cases per operation (default {DEFAULT_CHECK_MAX_EXAMPLES})")
    check.add_argument("--max-messages", type=_messages, default=DEFAULT_CHECK_MAX_MESSAGES, metavar="N",
                       help=f"messages walked per chat, of the first three with any "
                            f"(default {DEFAULT_CHECK_MAX_MESSAGES:,})")
    check.add_argument("--profile", type=_profile, default="latest", metavar="P",
                       help="hold the server to an older stage of the contract (default latest; "
                            "see fake-beeper profiles)")
    check.add_argument("--operations", metavar="ID,ID", type=lambda text: tuple(filter(None, text.split(","))),
                       help="hold the server to these operations only: operationIds of openapi.yaml (listChats "
                            "always; an unknown one is refused with the list of them); default: all, less those "
                            "it does not serve (each such one a finding)")
    check.add_argument("--phases", type=_phases, metavar="NAME,NAME",
                       help="run these phases only (the first walk and the probes always run): "
                            "pagination, machines, and Schemathesis's examples, coverage, fuzzing, stateful "
                            "(default: all); the report names those left out")
    check.add_argument("--json", metavar="PATH", help="write the findings as JSON")
    check.add_argument("--junit", metavar="PATH", help="write JUnit XML, for CI systems")
    check.add_argument("--markdown", metavar="PATH", help="write a report to read afterwards")
    check.add_argument("--force", action="store_true", help="replace report files that exist")

    record = commands.add_parser("record", help="write a server's chats and accounts, anonymised, to a fixture "
                                                "file (GET requests only)")
    record.add_argument("--from", dest="source", required=True, metavar="URL",
                        help="the server, e.g. http://localhost:23373 (your Beeper Desktop)")
    record.add_argument("--token", type=token_argument, help="its access token (default: $BEEPER_ACCESS_TOKEN)")
    record.add_argument("--out", required=True, metavar="PATH",
                        help="where to write: PATH.jsonl (JSON Lines) or PATH.json")
    record.add_argument("--seed", type=_natural,
                        help="the pseudonyms' key: the same seed and source give the same file (default: a "
                             "random key, never stored). Keep it private: with it, a guess can be checked")
    record.add_argument("--max-chats", type=_some_chats, metavar="N",
                        help="record the newest N chats only (default: all of them, up to 50,000; a server that "
                             "lists more is refused, as one that never ends)")
    record.add_argument("--max-messages", type=_some_messages, default=DEFAULT_RECORD_MAX_MESSAGES, metavar="N",
                        help=f"record the newest N messages of each chat read (default {DEFAULT_RECORD_MAX_MESSAGES}; "
                             "0: none)")
    record.add_argument("--message-chats", type=_chats, default=DEFAULT_RECORD_MESSAGE_CHATS, metavar="M",
                        help=f"read the messages of the newest M chats (default {DEFAULT_RECORD_MESSAGE_CHATS})")
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


