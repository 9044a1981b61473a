"""``fake-beeper serve``: load a world, build the fake's state, serve it until a stop signal."""

from __future__ import annotations

import argparse
import dataclasses
import errno
import functools
import gc
import sys
import time
from typing import TYPE_CHECKING

from fake_beeper.cli.signals import StopSignals, fail, say
from fake_beeper.defaults import DEFAULT_ACCOUNTS, DEFAULT_TOKEN
from fake_beeper.http.guard import Access
from fake_beeper.world.scenario import Scenario
from fake_beeper.world.state import FakeState

if TYPE_CHECKING:
    from fake_beeper.data.checking import CheckWhileServing


def serve(args: argparse.Namespace, stop: StopSignals) -> int:
    """Bind first (a port in use is said at once, not after a long load), then load and build,
    then serve until a stop signal; every refusal is one line and exit 2."""
    from fake_beeper.http.app import create_app
    from fake_beeper.http.guard import is_loopback
    from fake_beeper.http.server import base_url, bind, server_for

    _check_combinations(args)
    started = time.perf_counter()
    scenario, access = _settings(args)
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}{_in_use_hint(exc)}")
    url = base_url(sock)
    if not is_loopback(args.host):
        sys.stderr.write(_exposed_warning(args, access))
    refusal: list[tuple[str, bool]] = []  # what the check while serving refused, and if it was killed
    try:
        state, check = _state(args, stop, scenario, refusal)
    except SystemExit:
        sock.close()
        raise
    try:
        log = None if args.quiet else AccessLog()
        server = server_for(create_app(state, access=access, log=log))
        stop.server = server  # from here a signal stops the server, even before it has started
        stop.check()
        if refusal:  # the check was done before the server was there to stop (_refused stops it after)
            server.should_exit = True
        _banner(args, state, scenario, url, time.perf_counter() - started, checking=check is not None)
        server.run(sockets=[sock])
    finally:
        if check is not None:  # however serving ends
            check.stop()
    if log is not None:
        log.close()
    refused = _refusal(refusal, stop)
    if refused is not None:
        fail(f"{refused} (found while serving: the server stopped)")
    say("fake-beeper: stopped")
    return 0


def _in_use_hint(exc: OSError) -> str:
    if exc.errno not in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", errno.EADDRINUSE)):
        return ""
    return ("; is Beeper Desktop or another fake-beeper on it? Choose another port: --port N "
            "(make serve PORT=N), or --port 0 for a free one")


def _exposed_warning(args: argparse.Namespace, access: Access) -> str:
    """What a bind beyond loopback means: who can reach it, and that other machines' requests are
    refused (403) until the names they use are allowed; the check stops DNS rebinding."""
    token = "yours" if args.token != DEFAULT_TOKEN else "the public default"
    control = "locked" if access.control_locked else "behind --control-token"
    hosts = ("" if args.allow_host else
             f"; requests are answered only when their Host is {args.host} or a loopback name, so give "
             "--allow-host NAME for each name or address other machines use (--allow-host '*' for any)")
    return (f"fake-beeper: warning: listening on {args.host}, reachable beyond this machine; the token is "
            f"{token}, and the control API is {control}{hosts}\n")


def _check_combinations(args: argparse.Namespace) -> None:
    for option in ("count", "accounts", "no_cache"):
        if getattr(args, option) not in (None, False) and args.seed is None:
            fail(f"--{option.replace('_', '-')} goes with --seed")
    if args.cors_control and not args.cors_origin:
        fail("--cors-control goes with --cors-origin")
    if args.check_while_serving and not args.fixtures:
        fail("--check-while-serving goes with --fixtures")


def _settings(args: argparse.Namespace) -> tuple[Scenario | None, Access]:
    """The scenario (``--scenario``, with ``--behaviour`` on top) and the bind's access rules."""
    from fake_beeper.contract.behaviour import BehaviourError, parse_flags
    from fake_beeper.errors import UsageError
    from fake_beeper.world.scenario import ScenarioError, load_scenario

    try:
        scenario = load_scenario(args.scenario) if args.scenario else None
        if args.behaviour:
            base = scenario or Scenario()
            scenario = dataclasses.replace(base, behaviour=parse_flags(args.behaviour, base=base.behaviour))
        access = Access.for_bind(args.host, allow_hosts=args.allow_host, control_token=args.control_token,
                                 cors_origins=args.cors_origin, cors_control=args.cors_control)
    except (BehaviourError, ScenarioError, UsageError) as exc:
        fail(str(exc))
    return scenario, access


def _state(args: argparse.Namespace, stop: StopSignals, scenario: Scenario | None,
           refusal: list[tuple[str, bool]]) -> tuple[FakeState, CheckWhileServing | None]:
    """The world loaded (a file, a seed, or the default data) and the fake's state built over it,
    served as ``--profile`` or as the stage the file says; with ``--check-while-serving``, the
    check of its chats, started (what it refuses goes to ``refusal``, and stops the server)."""
    from fake_beeper.contract.stages import ProfileError
    from fake_beeper.data import FixtureError, load_world
    from fake_beeper.data.checking import CheckWhileServing, can_check_while_serving
    from fake_beeper.data.layout import in_list_order, release_free_memory
    from fake_beeper.data.parallel import collection_paused
    from fake_beeper.progress import Progress
    from fake_beeper.world.journal import Journal
    from fake_beeper.world.state import build_state

    try:
        # No cyclic collections while a million objects are made (they would scan them again
        # and again), and none of them scanned after (gc.freeze): they live as long as the server.
        with collection_paused():
            with Progress("loading", args.count if args.seed is not None else None, check=stop.check) as progress:
                world = load_world(args.fixtures, seed=args.seed, count=args.count, cache=not args.no_cache,
                                   accounts=args.accounts or DEFAULT_ACCOUNTS, progress=progress.update,
                                   check_later=args.check_while_serving and can_check_while_serving())
            # Pages read consecutive chats: laid out in that order, they read one stretch of memory.
            world = dataclasses.replace(world, chats=in_list_order(world.chats))
            release_free_memory()  # what the load freed, and the chats as read if they were copied
            state = build_state(world.chats, world.accounts, source=world.stage, stage=args.profile,
                                token=args.token, journal=Journal(args.journal), scenario=scenario,
                                messages=world.messages, generated_messages=world.generated_messages)
    except (FixtureError, ProfileError) as exc:
        fail(str(exc) if isinstance(exc, FixtureError) else f"{args.fixtures}: {exc}")
    gc.freeze()
    # Forked once the state is built (the check's workers would take the cores from the build),
    # and before the server's threads start.
    if world.unchecked is None:
        return state, None
    return state, CheckWhileServing(world.unchecked, functools.partial(_refused, refusal, stop, args.fixtures))


def _refused(refusal: list[tuple[str, bool]], stop: StopSignals, path: str, refused: str | None, seconds: float,
             killed: bool) -> None:
    """The check while serving is done (from its thread): say so, or stop the server."""
    if refused is None:
        say(f"fake-beeper: every chat of {path} keeps the contract (checked while serving, in {seconds:.1f} s)")
        return
    refusal.append((refused, killed))
    if stop.server is not None:
        stop.server.should_exit = True


def _refusal(refusal: list[tuple[str, bool]], stop: StopSignals) -> str | None:
    """What to fail with once the server stopped: the check's refusal, unless the check was
    killed by the same signal that stopped the server (a kill of every process of its name)."""
    if not refusal:
        return None
    refused, killed = refusal[0]
    return None if killed and stop.signum is not None else refused


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
            if not say(line, wait=0.2):
                self.dropped += 1

    def close(self) -> None:
        """Write what is queued (for up to a second), then stop."""
        try:
            self._lines.put(None, timeout=1)
        except self._full:
            return
        self._thread.join(1)
        if self.dropped and not self._thread.is_alive():
            say(f"fake-beeper: {self.dropped} access-log line(s) dropped: stdout was not read fast enough")


def _banner(args: argparse.Namespace, state: FakeState, scenario: Scenario | None, url: str, seconds: float, *,
            checking: bool = False) -> None:
    store = state.store
    source = args.fixtures or (f"seed {args.seed}" if args.seed is not None else "the default fixtures")
    stage = "" if state.stage.is_latest else f" as profile {state.stage}"
    checked = "; checking them against the contract while serving" if checking else ""
    lines = [f"fake-beeper: serving {len(store)} chats from {source}{stage} on {url} "
             f"(loaded in {seconds:.2f}s{checked})",
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
    say("\n".join(lines))


