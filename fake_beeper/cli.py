"""``fake-beeper``: serve the fake, generate fixture files, check them.

    fake-beeper serve [--host 127.0.0.1] [--port 23373] [--fixtures PATH | --seed N --count N] [--token T]
                      [--scenario FILE]
    fake-beeper generate --seed N --count N [--accounts N] --out PATH [--force]
    fake-beeper validate PATH

Bad input gets one line on stderr and exit status 2; nothing the user owns is overwritten
unless ``--force`` says so.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Sequence
from typing import NoReturn

from fake_beeper.app import DEFAULT_TOKEN, create_app
from fake_beeper.data import DEFAULT_ACCOUNTS, DEFAULT_COUNT, DEFAULT_SEED, FixtureError, load_chats
from fake_beeper.data.files import read_chats, write_chats
from fake_beeper.data.generate import generate_chats
from fake_beeper.scenario import Scenario, ScenarioError, load_scenario
from fake_beeper.server import DEFAULT_HOST, DEFAULT_PORT, base_url, bind, serve_forever
from fake_beeper.store import ChatStore


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``fake-beeper: error: …``), not a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _fail(message: str) -> NoReturn:
    sys.stderr.write(f"fake-beeper: error: {message}\n")
    raise SystemExit(2)


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


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="fake-beeper", description="A fake Beeper Desktop API (GET /v1/chats) for tests.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    serve = commands.add_parser("serve", help="serve GET /v1/chats on a local port")
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})")
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free)")
    source = serve.add_mutually_exclusive_group()
    source.add_argument("--fixtures", metavar="PATH", help="a .jsonl or .json fixture file instead of the default data")
    source.add_argument("--seed", type=_natural, help="generate chats from this seed instead")
    serve.add_argument("--count", type=_natural, help=f"with --seed: how many chats (default {DEFAULT_COUNT})")
    serve.add_argument("--accounts", type=_positive, default=DEFAULT_ACCOUNTS, help="with --seed: how many accounts")
    serve.add_argument("--token", default=DEFAULT_TOKEN, help=f"the bearer token to accept (default {DEFAULT_TOKEN})")
    serve.add_argument("--scenario", metavar="FILE",
                       help="faults and live activity to apply (YAML or JSON; see the README); "
                            "change them later through /_fake-beeper/scenario")

    generate = commands.add_parser("generate", help="write a deterministic fixture file")
    generate.add_argument("--seed", type=_natural, default=DEFAULT_SEED, help=f"default {DEFAULT_SEED}")
    generate.add_argument("--count", type=_natural, default=DEFAULT_COUNT, help=f"default {DEFAULT_COUNT}")
    generate.add_argument("--accounts", type=_positive, default=DEFAULT_ACCOUNTS, help=f"default {DEFAULT_ACCOUNTS}")
    generate.add_argument("--out", required=True, metavar="PATH", help="where to write the .jsonl file")
    generate.add_argument("--force", action="store_true", help="overwrite PATH if it exists")

    validate = commands.add_parser("validate", help="check a fixture file against openapi.yaml")
    validate.add_argument("path")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "generate":
        return _generate(args)
    return _validate(args)


def _serve(args: argparse.Namespace) -> int:
    if args.count is not None and args.seed is None:
        _fail("--count goes with --seed")
    started = time.perf_counter()
    try:
        scenario = load_scenario(args.scenario) if args.scenario else None
    except ScenarioError as exc:
        _fail(str(exc))
    try:
        store = ChatStore(load_chats(args.fixtures, seed=args.seed, count=args.count, accounts=args.accounts))
    except FixtureError as exc:
        _fail(str(exc))
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
    app = create_app(store, token=args.token, scenario=scenario)
    # Both signals end in KeyboardInterrupt from here on, so a stop that comes before uvicorn has
    # installed its own handlers (right after the banner, say) is as clean as one that comes later;
    # uvicorn re-raises the signal after its graceful shutdown, which lands here too.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        _banner(args, store, scenario, base_url(sock), time.perf_counter() - started)
        serve_forever(app, sock)
    except KeyboardInterrupt:
        pass
    print("fake-beeper: stopped", flush=True)
    return 0


def _banner(args: argparse.Namespace, store: ChatStore, scenario: Scenario | None, url: str, seconds: float) -> None:
    source = args.fixtures or (f"seed {args.seed}" if args.seed is not None else "the default fixtures")
    print(f"fake-beeper: serving {len(store)} chats from {source} on {url} (loaded in {seconds:.2f}s)")
    print("Point the Beeper SDKs at it:")
    print(f"  export BEEPER_BASE_URL={url} BEEPER_DESKTOP_BASE_URL={url} BEEPER_ACCESS_TOKEN={args.token}")
    if scenario is not None:
        print(f"Scenario: {args.scenario}: {len(scenario.rules)} fault rule(s)"
              f"{f', a change every {scenario.activity.every} pages' if scenario.activity else ''}")
    print(f"Contract: {url}/openapi.json   Swagger UI: {url}/docs   Control: {url}/_fake-beeper/scenario   "
          "Stop: Ctrl-C", flush=True)


def _generate(args: argparse.Namespace) -> int:
    try:
        written = write_chats(generate_chats(args.seed, args.count, args.accounts), args.out, overwrite=args.force)
    except FileExistsError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot write {args.out}: {exc.strerror or exc}")
    print(f"fake-beeper: wrote {written} chats (seed {args.seed}, {args.accounts} accounts) to {args.out}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    try:
        chats = read_chats(args.path)
    except FixtureError as exc:
        _fail(str(exc))
    print(f"fake-beeper: {args.path}: {len(chats)} chats, all valid against openapi.yaml")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
