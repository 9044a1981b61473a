"""``fake-beeper check URL``: validate any Beeper Desktop API server, and learn how it behaves.

    from fake_beeper.check import run_check
    report = run_check("http://localhost:23373", token)
    report.exit_status          # 0: keeps the contract, 1: violations
    report.behaviour            # {"after": "adjacent", "undated": "last", ...}

In this order, all through one ``Polite`` gate (GET and harmless probes only, at a bounded rate):

1. one request to see that the server answers and takes the token (``CheckError`` if not);
2. one full walk at ``limit=200`` (pages of the server's size, under a profile without ``limit``),
   which every later check compares with;
3. the behaviour probes (``probes``): facts where the contract is silent;
4. the pagination checks (``walks``) and the walker state machine (``machine``), told how
   ``after`` behaves, so a server is held to what it does where the contract leaves it open;
5. Schemathesis over every operation of ``openapi.yaml`` (``schema``).

``CheckOptions(profile="4.2")`` holds the server to an older stage of the contract instead
(``fake_beeper.contract.stages``): its document for Schemathesis and every validation, only the query
parameters it has (before 6.0 no ``limit``: the walks take the pages the server gives), and
no complaint about what that stage allowed (a ``limit`` ignored). ``CheckOptions(phases=...)``
runs some of steps 4 and 5 only (``Phase``: a quick verdict on the walks, say); the report names
the phases left out.

It needs the ``check`` extra (Schemathesis and Hypothesis; the error says the pip command).
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import httpx

from fake_beeper.check.operations import LIST_MESSAGES, SEARCH, OperationsError, chosen, served
from fake_beeper.check.pagination import LIST_CHATS, SEARCH_CHATS, Walk, walk
from fake_beeper.check.phases import SCHEMATHESIS_PHASES, Phase
from fake_beeper.check.probes import Probing, fitting_stages, learn, serve_flags
from fake_beeper.check.report import PROBES_CHECK, CheckerBug, Finding, Report, Violation, curl
from fake_beeper.check.search_probes import learn_search
from fake_beeper.contract import stages
from fake_beeper.contract.stages import LATEST, Stage
from fake_beeper.defaults import (
    DEFAULT_CHECK_MAX_EXAMPLES,
    DEFAULT_CHECK_MAX_MESSAGES,
    DEFAULT_CHECK_MAX_TIME,
    DEFAULT_CHECK_RATE,
    DEFAULT_CHECK_SEED,
)
from fake_beeper.errors import FakeBeeperError
from fake_beeper.polite import (
    AnswerRefused,
    CheckInterrupted,
    OutOfTime,
    PhaseTimeUp,
    Polite,
    UnsafeRequest,
    polite_client,
)

T = TypeVar("T")
_REQUEST = re.compile(r"\(GET (/v1/[^)\s]*)\)")
# The search the walker model runs over: one whose matches a client can tell from the chats.
SEARCHED = {"type": "group"}
MESSAGE_WALKS = "messages: every message of a chat once, and an end"
SCHEMATHESIS_MARGIN = 5.0  # seconds before the deadline at which Schemathesis is asked to stop
# Each phase's share of --max-time, at most; Schemathesis has the rest (30% at least, and whatever
# the phases before it left). A server slow in one phase has that phase cut short, and said so,
# rather than every later one left out.
SHARES = {"walk": 0.15, "probes": 0.10, "pagination": 0.20, "machines": 0.25}

__all__ = ["CheckError", "CheckInterrupted", "CheckOptions", "CheckerBug", "OperationsError", "Phase", "Report",
           "UnsafeRequest", "run_check"]


class CheckError(FakeBeeperError):
    """The check could not run: the server is unreachable, refuses the token, or is no API."""


@dataclass(frozen=True)
class CheckOptions:
    rate: float = DEFAULT_CHECK_RATE  # requests a second, at most
    max_time: float = DEFAULT_CHECK_MAX_TIME  # seconds; Schemathesis is stopped where it is past it
    seed: int = DEFAULT_CHECK_SEED
    max_examples: int = DEFAULT_CHECK_MAX_EXAMPLES  # Schemathesis's fuzzing phase, per operation
    machine_examples: int = 25  # walker state machine runs
    profile: str | Stage = LATEST  # the stage of the contract the server is held to (a name, or a Stage)
    operations: tuple[str, ...] | None = None  # operation IDs to hold it to (None: all; listChats always)
    max_messages: int = DEFAULT_CHECK_MAX_MESSAGES  # messages walked per chat by the message checks
    phases: frozenset[Phase] = field(default_factory=lambda: frozenset(Phase))  # those left out are said in the report


def run_check(base_url: str, token: str, options: CheckOptions | None = None,
              progress: Callable[[str], None] | None = None,
              interrupted: Callable[[], bool] | None = None) -> Report:
    """Check the server at ``base_url``; ``progress`` is told each stage as it starts. Once
    ``interrupted()`` is true, no more requests are sent and ``CheckInterrupted`` is raised."""
    options = options or CheckOptions()
    say = progress or (lambda stage: None)
    base_url = base_url.rstrip("/")
    started = time.monotonic()
    deadline = started + options.max_time
    polite = Polite(rate=options.rate, interrupted=interrupted, deadline=deadline)
    try:
        return _run(base_url, token, options, polite, say, started)
    except AnswerRefused as exc:  # a bound a walk keeps (chats, bytes) rather than the gate
        raise _stopped(polite.stopped or exc, options) from None
    except BaseException:
        if polite.stopped is not None:  # whatever a library made of it (a group, a failed case): the reason
            raise _stopped(polite.stopped, options) from None
        raise


def _run(base_url: str, token: str, options: CheckOptions, polite: Polite, say: Callable[[str], None],
         started: float) -> Report:
    stage = stages.stage(options.profile)
    limit = stage.largest_page
    report = Report(base_url, seed=options.seed, stage=stage, left_out=[p for p in Phase if p not in options.phases])
    operations = chosen(options.operations, stage)
    with polite_client(base_url, token, polite) as http:
        _reachable(http, base_url, stage)
        say(f"walking every chat at limit={limit}" if limit else "walking every chat (this stage has no limit)")
        with polite.phase(_share("walk", options)):
            full = _contract_holds(report, "pagination: a full walk", lambda: walk(http, limit=limit))
        operations = served(http, base_url, operations, full, report.findings)
        report.operations = list(operations)
        if full is not None:
            say("probing behaviour where the contract is silent")
            probing = Probing(http, base_url, full, report.findings, stage=stage)

            def learn_all() -> tuple[dict[str, str], list[Stage]]:
                searched = learn_search(probing) if SEARCH in operations else {}
                return {**learn(probing), **searched}, fitting_stages(probing)

            with polite.phase(_share("probes", options)):
                learned = _contract_holds(report, PROBES_CHECK, learn_all)
            report.behaviour, report.stages = learned or ({}, [])
            # A server whose data fits an older stage is served as that stage (which ignores limit
            # itself), not as the newest told to ignore limit.
            fits = stage if stage in report.stages or not report.stages else report.stages[-1]
            report.serve_flags = serve_flags(report.behaviour, fits)
            _pagination(report, http, full, options, say, polite, operations)
    fuzzed = [phase for phase in SCHEMATHESIS_PHASES if phase in options.phases]
    found: list[Finding] = []
    passed: list[str] = []
    if fuzzed:
        say(f"Schemathesis: {', '.join(fuzzed)}")
        from fake_beeper.check.schema import run_schemathesis

        # Stopped where it is a little before the deadline, so that the case under way can finish.
        soft = polite.deadline - min(SCHEMATHESIS_MARGIN, options.max_time / 10) if polite.deadline else float("inf")
        found, passed, cut = run_schemathesis(base_url, token, polite, seed=options.seed,
                                              max_examples=options.max_examples, deadline=soft, stage=stage,
                                              operations=operations, phases=fuzzed)
        if cut:
            report.cut_short.append("schemathesis")
    if polite.stopped is not None:
        raise polite.stopped
    if polite.interrupted is not None and polite.interrupted():  # Schemathesis stopped between requests
        raise CheckInterrupted("stopped before the check finished")
    report.findings += found
    report.passed += passed
    report.requests = polite.requests
    report.methods = dict(polite.methods)
    report.seconds = time.monotonic() - started
    report.scrub(token)
    return report


def _stopped(reason: FakeBeeperError, options: CheckOptions) -> FakeBeeperError:
    """The error a stopped check ends with: a Ctrl-C as it is, a bound the server passed as a ``CheckError``."""
    if isinstance(reason, CheckInterrupted):
        return reason
    if isinstance(reason, OutOfTime):
        return CheckError(f"the check did not finish within --max-time {options.max_time:g} s ({reason})")
    return CheckError(str(reason))


def _reachable(http: httpx.Client, base_url: str, stage: Stage) -> None:
    params = {"limit": 1} if stage.has_list_limit else {}
    try:
        response = http.get(LIST_CHATS, params=params)
    except httpx.HTTPError as exc:
        raise CheckError(f"cannot reach {base_url}: {exc}") from None
    if response.status_code == 401:
        raise CheckError(f"{base_url} refuses the token (401): check --token or BEEPER_ACCESS_TOKEN")
    if response.status_code != 200:
        query = f"?{httpx.QueryParams(params)}" if params else ""
        raise CheckError(f"GET {base_url}{LIST_CHATS}{query} answered {response.status_code}, not 200: "
                         f"{' '.join(response.text[:200].split())}")
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise CheckError(f"{base_url}{LIST_CHATS} is not a Beeper Desktop API: no page of chats in its answer")


def _pagination(report: Report, http: httpx.Client, full: Walk, options: CheckOptions,
                say: Callable[[str], None], polite: Polite, operations: tuple[str, ...]) -> None:
    """The walks and the walker machines (those of the search and of messages only where the server
    is held to them)."""
    from hypothesis.reporting import with_reporter

    from fake_beeper.check.machine import run_machine
    from fake_beeper.check.messages import every_message_once_and_an_end
    from fake_beeper.check.walks import CHECKS, Server

    searched = SEARCH in operations
    server = Server(http, full, after=report.behaviour.get("after", "other"), stage=report.stage,
                    max_messages=options.max_messages)
    checks = {**CHECKS, MESSAGE_WALKS: every_message_once_and_an_end} if LIST_MESSAGES in operations else CHECKS
    if Phase.PAGINATION not in options.phases:
        checks = {}
    with polite.phase(_share("pagination", options)):
        for name, check in checks.items():
            if name.startswith("search:") and not searched:
                continue
            say(name)
            _contract_holds(report, name, functools.partial(check, server))
    if not full.chats or Phase.MACHINES not in options.phases:
        return
    machines = {"pagination: interleaved walkers match the model": (LIST_CHATS, {}),
                "search: interleaved walkers match the model": (SEARCH_CHATS, SEARCHED)}
    with polite.phase(_share("machines", options)):
        for name, (path, filters) in machines.items():
            if path == SEARCH_CHATS and not searched:
                continue
            say(name)

            def run(path: str = path, filters: dict[str, str] = filters) -> None:
                model = full if path == LIST_CHATS else walk(http, path=path, filters=filters, limit=200)
                run_machine(http, model.chats, after=server.after, max_examples=options.machine_examples,
                            steps=10, path=path, filters=filters,
                            page_size=None if path != LIST_CHATS else server.page_size)

            with with_reporter(lambda text: None):  # the violation names the page; the steps stay out of the way
                _contract_holds(report, name, run)


def _share(phase: str, options: CheckOptions) -> float:
    return SHARES[phase] * options.max_time


def _contract_holds(report: Report, name: str, check: Callable[[], T]) -> T | None:
    """Run one check. A ``Violation`` is the server's: a finding, with the request it names as a
    curl. A request that could not be sent or answered is the server's too (a finding with that
    request). Anything else is a bug of the check itself (``CheckerBug``), never blamed on the
    server; a stop (Ctrl-C, a bound) goes on up as it is."""
    try:
        result = check()
    except PhaseTimeUp:
        report.cut_short.append(name)
        return None
    except (Violation, BaseExceptionGroup) as raised:
        exc = _first_violation(raised)
        if exc is None and _holds(raised, PhaseTimeUp):  # Hypothesis's group around the phase's end
            report.cut_short.append(name)
            return None
        if exc is None:
            raise CheckerBug(name, raised) from raised
        message = " ".join(str(exc).split("\n")[0].split())  # Hypothesis appends its steps below
        request = _REQUEST.search(message)
        reproduce = curl(report.base_url, request.group(1)) if request else None
        report.findings.append(Finding("violation", name, message, reproduce))
        return None
    except httpx.HTTPError as exc:
        sent = exc.request if isinstance(exc, httpx.RequestError) else None
        target = sent.url.raw_path.decode("ascii", "replace") if sent is not None else None
        report.findings.append(Finding("violation", name, f"no answer: {type(exc).__name__}: {exc}"
                                       + (f" (GET {target})" if target else ""),
                                       curl(report.base_url, target) if target else None))
        return None
    except FakeBeeperError:
        raise
    except Exception as exc:
        if _holds(exc, PhaseTimeUp):  # the phase's end, as a library reported it
            report.cut_short.append(name)
            return None
        raise CheckerBug(name, exc) from exc
    report.passed.append(name)
    return result


def _holds(raised: BaseException | None, kind: type[BaseException], depth: int = 0) -> bool:
    """Whether ``raised`` is a ``kind``, holds one (a group), or was raised while one was being
    handled (Hypothesis, replaying a run that a phase's end broke, may raise its own error)."""
    if raised is None or depth > 20:
        return False
    if isinstance(raised, kind):
        return True
    if isinstance(raised, BaseExceptionGroup) and any(_holds(inner, kind, depth + 1) for inner in raised.exceptions):
        return True
    return _holds(raised.__cause__, kind, depth + 1) or _holds(raised.__context__, kind, depth + 1)


def _first_violation(raised: BaseException) -> Violation | None:
    """The violation itself, or the first one in a group (Hypothesis raises a group when it finds
    several distinct failures)."""
    if isinstance(raised, Violation):
        return raised
    if isinstance(raised, BaseExceptionGroup):
        for inner in raised.exceptions:
            found = _first_violation(inner)
            if found is not None:
                return found
    return None
