"""Schemathesis over every operation of ``openapi.yaml``: examples, coverage, fuzzing, stateful.

The contract is loaded with the ``OlderPage``/``NewerPage`` links added (the Beeper document has
none), so the stateful phase walks pages with cursors the server issued, and with
``schemathesis.toml`` (beside this module; every built-in check on, and the reason for each
widened expectation). For ``fake-beeper check`` the run is made safe for a real Beeper Desktop:
the coverage phase probes undeclared methods with ``OPTIONS`` and ``TRACE`` only, and every
request Schemathesis sends passes the check's ``Polite`` gate, which refuses anything but safe
methods and keeps the rate. What a server answers to those probes is hygiene: a failure on an
``OPTIONS`` or ``TRACE`` request (a 501, no ``Allow`` header) is a warning, not a violation.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable
from importlib import resources
from typing import Any

from fake_beeper.check.gate import gate
from fake_beeper.check.phases import SCHEMATHESIS_PHASES
from fake_beeper.check.report import Finding, Kind, curl
from fake_beeper.contract import spec
from fake_beeper.contract.stages import LATEST, Stage
from fake_beeper.polite import Polite

HYGIENE_CHECKS = frozenset({"unsupported_method", "allow_header_conformance"})
SAFE_UNEXPECTED_METHODS = {"options", "trace"}
WRITE_METHODS = [method.upper() for method in spec.METHODS if method != "get"]
SAFE_UNEXPECTED_METHODS_UPPER = {method.upper() for method in SAFE_UNEXPECTED_METHODS}


def contract(stage: Stage = LATEST) -> dict[str, Any]:
    """``openapi.yaml`` (as ``stage`` has it), a copy Schemathesis may change. Its ``links``
    lead from a page to the next one older and newer, from a page's first chat to its retrieve,
    and from the accounts to one."""
    return copy.deepcopy(stage.document)


def config_path() -> Any:
    return resources.files("fake_beeper.check").joinpath("schemathesis.toml")


def load_schema(token: Callable[[], str], stage: Stage = LATEST) -> Any:
    """The contract (of ``stage``) as a Schemathesis schema, with the project's
    configuration and ``token()`` given through an auth provider (so the cases that test
    authentication really leave it out)."""
    import schemathesis

    with resources.as_file(config_path()) as path:
        config = schemathesis.Config.from_path(path)
    schema = schemathesis.openapi.from_dict(contract(stage), config=config)

    @schema.auth()
    class TargetToken:
        def get(self, case: Any, context: Any) -> str:
            return token()

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    # Its reads only: fake-beeper never sends a write to a server it checks (``polite.py`` would
    # refuse one). The writes stay in the document, so that a server's ``Allow`` is read right.
    return without_unsendable_queries(schema.exclude(method=WRITE_METHODS))


def without_unsendable_queries(schema: Any) -> Any:
    """``schema``, drawing no case whose query a server cannot receive as drawn.

    Schemathesis 4.32 draws negative query values that sending changes into valid ones, then
    fails a server for accepting them (``negative_data_rejection``; its issues #2900, #4600):

    * ``null`` or an empty list (not sent at all), or an object (sent as its keys);
    * a number or a boolean for a string parameter (``accountIDs=9.2e-226`` is a valid ID);
    * an empty value where ``openapi.yaml`` says ``allowEmptyValue`` (``maxParticipantCount=``,
      ``includeMuted=``, ``unreadOnly=``: the JS SDK sends ``maxParticipantCount=`` for ``null``),
      which it ignores.

    Found by ``make stress`` against the fake; the fake's own tests send these requests themselves.
    """
    parameters = {name: parameter for path in spec.operation_paths()
                  for name, parameter in spec.query_parameters(path).items()}
    empty_allowed = {name for name, parameter in parameters.items() if parameter.get("allowEmptyValue")}
    strings = {name for name, parameter in parameters.items()
               if parameter["schema"].get("type") == "string"
               or parameter["schema"].get("items", {}).get("type") == "string"}

    def sendable(name: str, value: Any) -> bool:
        if isinstance(value, list):
            return bool(value) and all(sendable(name, item) and not isinstance(item, list) for item in value)
        if value is None or isinstance(value, dict):
            return False
        if name in strings and isinstance(value, bool | int | float):
            return False
        return not (value == "" and name in empty_allowed)

    def filter_query(context: Any, query: dict[str, Any] | None) -> bool:
        return not query or all(sendable(name, value) for name, value in query.items())

    schema.hook(filter_query)  # a hook by its name: Schemathesis calls it for every query it draws
    return schema


def only(schema: Any, operations: Iterable[str]) -> Any:
    """``schema`` with the operations named (operation IDs) only.

    By excluding the others: Schemathesis 4.32 ORs ``include()`` with the filter its loader puts
    on every schema (one that matches every operation), so an include selects nothing away.
    """
    keep = frozenset(operations)

    def other(ctx: Any) -> bool:  # a function of its own each time: a schema may be narrowed twice
        return (ctx.operation.definition.raw or {}).get("operationId") not in keep

    return schema.exclude(other)


def run_schemathesis(base_url: str, token: str, polite: Polite, *, seed: int, max_examples: int,
                     deadline: float, stage: Stage = LATEST,
                     operations: tuple[str, ...] | None = None,
                     phases: Iterable[str] = SCHEMATHESIS_PHASES) -> tuple[list[Finding], list[str], bool]:
    """Run the ``phases`` (Schemathesis's names) once against ``base_url``; the findings, the
    checks that passed, and whether the run was cut short.

    ``deadline`` is a ``time.monotonic()`` past which the run is stopped where it is.
    """
    import time

    from schemathesis.engine import events, from_schema

    schema = load_schema(lambda: token, stage)
    if operations is not None:  # those chosen and served only
        schema = only(schema, operations)
    schema.config.seed = seed
    schema.config.generation.max_examples = max_examples
    schema.config.phases.coverage.unexpected_methods = set(SAFE_UNEXPECTED_METHODS)
    chosen = set(phases)
    for phase in SCHEMATHESIS_PHASES:
        schema.config.phases.get_by_name(name=phase).enabled = phase in chosen
    findings: dict[tuple[str, str, str], Finding] = {}
    ran: set[str] = set()
    errors: list[tuple[str, str | None]] = []  # the message, and the request that shows it
    with gate(base_url, polite) as gated:
        schema.config.update(base_url=gated.url)  # every request through the gate: see check/gate.py
        stream = from_schema(schema).execute()
        cut = threading.Event()

        def stop() -> None:
            cut.set()
            stream.stop()

        timer = threading.Timer(max(0.0, deadline - time.monotonic()), stop)
        if deadline != float("inf"):  # no deadline: no timer (one of infinite length cannot wait)
            timer.start()
        try:
            for event in stream:
                if isinstance(event, events.ScenarioFinished):
                    _collect(event.recorder, findings, ran)
                elif isinstance(event, events.NonFatalError):
                    errors.append((f"{event.label}: {event.info.title}: {event.info.message}",
                                   _curl_of_label(base_url, str(event.label))))
                elif isinstance(event, events.FatalError):
                    errors.append((f"Schemathesis stopped: {event.exception}", None))
        finally:
            timer.cancel()
    found = [Finding(f.kind, f.check, gated.real(f.message), gated.real(f.curl) if f.curl else None)
             for f in findings.values()]
    found += [Finding("violation", "schemathesis: errors", gated.real(error), request) for error, request in errors]
    failed = {f.check for f in found}
    passed = sorted(f"schemathesis: {name}" for name in ran if f"schemathesis: {name}" not in failed)
    return found, passed, cut.is_set()


def _curl_of_label(base_url: str, label: str) -> str | None:
    """The request an operation's error names (``GET /v1/chats``), as a ``curl``: its path alone,
    a template's braces left for the reader to fill."""
    method, _, path = label.partition(" ")
    return curl(base_url, path, method=method) if path.startswith("/") else None


def _collect(recorder: Any, findings: dict[tuple[str, str, str], Finding], ran: set[str]) -> None:
    for case_id, checks in recorder.checks.items():
        case = recorder.cases.get(case_id)
        method = str(getattr(getattr(case, "value", None), "method", "GET")).upper()
        interaction = recorder.interactions.get(case_id)
        status = getattr(getattr(interaction, "response", None), "status_code", None)
        for check in checks:
            ran.add(check.name)
            info = check.failure_info
            if info is None:
                continue
            failure = info.failure
            hygiene = check.name in HYGIENE_CHECKS or method in SAFE_UNEXPECTED_METHODS_UPPER
            kind: Kind = "warning" if hygiene else "violation"
            detail = " ".join(str(failure.message).split()) or f"HTTP {status} for {method}"
            message = f"{failure.title}: {detail}"
            key = (check.name, failure.title, message)
            findings.setdefault(key, Finding(kind, f"schemathesis: {check.name}", message, info.code_sample))
