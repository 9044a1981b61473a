"""The server under test: the fake (default) or any server given by URL and token.

    pytest contract_tests                                   # a live fake on a free loopback port
    pytest contract_tests --beeper-base-url http://localhost:23373 --beeper-token $TOKEN
    BEEPER_BASE_URL=… BEEPER_ACCESS_TOKEN=… make contract   # the same, from the environment
    pytest contract_tests --beeper-profile 4.2              # held to an older stage (the fake serves it)
    pytest contract_tests --beeper-operations listChats,getChat  # held to those operations only
    pytest contract_tests --beeper-max-examples 10          # a quicker, thinner Schemathesis run

Every test goes over real HTTP, so the same suite reports drift between the fake and a real
Beeper Desktop. Tests marked ``needs_fake_data`` compare with the fake's own dataset (exact
counts, the generator's accounts) and are skipped, with the reason, against another server.

``--beeper-profile P`` (``BEEPER_PROFILE``) holds the target to stage ``P`` of the contract
(``fake_beeper.contract.stages``): the fake serves that stage, Schemathesis and the walks read its
document, and walks send ``limit`` only where it has one. Tests marked ``latest_sdks`` run the
newest SDKs (PyPI 6.0.0, npm 5.0.0), made for the newest stage, and are skipped under an older
one, where ``test_compatibility_matrix`` runs each stage's own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from beeper_desktop_api import BeeperDesktop

from fake_beeper import DEFAULT_TOKEN, FakeBeeper
from fake_beeper.check.operations import OperationsError, chosen
from fake_beeper.check.pagination import Walk, walk
from fake_beeper.contract import stages
from fake_beeper.contract.stages import LATEST, ProfileError, Stage

SCHEMATHESIS_STATUSES: list[int] = []  # the status of every request Schemathesis sent this run
# The target's token, known once options are parsed: Schemathesis builds some cases (the
# examples phase) at collection, before any fixture runs.
TARGET_TOKEN = [DEFAULT_TOKEN]
# True when the target is another server (maybe a person's real Beeper Desktop): then nothing but
# GET and the harmless OPTIONS/TRACE probes is sent to it.
TARGET_IS_FOREIGN = [False]
# The stage of the contract the target is held to (``--beeper-profile``), known as TARGET_TOKEN is.
TARGET_PROFILE: list[Stage] = [LATEST]
# The operations it is held to (``--beeper-operations``; all of its stage by default), known as TARGET_TOKEN is.
TARGET_OPERATIONS: list[str] = []
# At most this many Schemathesis examples per operation and phase (``--beeper-max-examples``; None:
# schemathesis.toml's), known as TARGET_TOKEN is.
TARGET_MAX_EXAMPLES: list[int | None] = [None]


@dataclass(frozen=True)
class Target:
    """Where the contract tests send their requests."""

    base_url: str
    token: str
    fake: FakeBeeper | None  # None: a foreign server (a real Beeper Desktop, another fake)
    stage: Stage = LATEST  # the stage it is held to

    def client(self, token: str | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30,
                            headers={"Authorization": f"Bearer {self.token if token is None else token}"})

    def env(self) -> dict[str, str]:
        """The SDKs' environment variables for this server."""
        return {"BEEPER_BASE_URL": self.base_url, "BEEPER_DESKTOP_BASE_URL": self.base_url,
                "BEEPER_ACCESS_TOKEN": self.token}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("beeper contract", "the server contract_tests/ runs against")
    group.addoption("--beeper-base-url", default=os.environ.get("BEEPER_BASE_URL"),
                    help="a running server to test instead of the fake (env: BEEPER_BASE_URL)")
    group.addoption("--beeper-token", default=os.environ.get("BEEPER_ACCESS_TOKEN"),
                    help="its access token (env: BEEPER_ACCESS_TOKEN)")
    group.addoption("--beeper-profile", default=os.environ.get("BEEPER_PROFILE") or "latest",
                    help="the stage of the contract to hold it to, e.g. 4.2 (env: BEEPER_PROFILE; "
                         "see fake-beeper profiles)")
    group.addoption("--beeper-operations", default=os.environ.get("BEEPER_OPERATIONS") or None,
                    help="hold it to these operations only: operationIds of openapi.yaml, comma-separated, "
                         "listChats always (env: BEEPER_OPERATIONS); default: every operation of its stage")
    group.addoption("--beeper-max-examples", default=os.environ.get("BEEPER_MAX_EXAMPLES") or None,
                    help="at most N Schemathesis examples per operation and phase, and at most N runs of each "
                         "state machine: a quicker, thinner run (env: BEEPER_MAX_EXAMPLES); default: "
                         "schemathesis.toml's 150, and each machine's own")


def pytest_configure(config: pytest.Config) -> None:
    if not __debug__:  # python -O or PYTHONOPTIMIZE: every assert of these tests would pass, silently
        raise pytest.UsageError("contract_tests decide some of their verdicts with assert, which python -O "
                                "(PYTHONOPTIMIZE) removes: run them without it (make contract does)")
    try:
        TARGET_PROFILE[:] = [stages.stage(config.getoption("beeper_profile"))]
    except ProfileError as exc:
        raise pytest.UsageError(f"--beeper-profile: {exc}") from None
    asked = config.getoption("beeper_operations")
    try:
        TARGET_OPERATIONS[:] = chosen(None if not asked else asked.split(","), TARGET_PROFILE[0])
    except OperationsError as exc:
        raise pytest.UsageError(f"--beeper-operations: {exc}") from None
    examples = config.getoption("beeper_max_examples")
    if examples is not None:
        if not str(examples).isdigit() or int(examples) < 1:
            raise pytest.UsageError(f"--beeper-max-examples: a whole number of 1 or more, not {examples!r}")
        TARGET_MAX_EXAMPLES[:] = [int(examples)]
    if config.getoption("beeper_base_url"):
        TARGET_TOKEN[:] = [config.getoption("beeper_token") or ""]
        TARGET_IS_FOREIGN[:] = [True]
    config.addinivalue_line("markers", "needs_fake_data: compares with the fake's own dataset; "
                                       "skipped against another server")
    config.addinivalue_line("markers", "latest_sdks: runs the newest SDKs, made for the newest stage; "
                                       "skipped under an older --beeper-profile")
    config.addinivalue_line("markers", "operations(*ids): needs these operations (operationIds of openapi.yaml); "
                                       "skipped when --beeper-operations leaves one out")


def at_most(examples: int) -> int:
    """``examples``, or fewer where ``--beeper-max-examples`` asks for fewer."""
    asked = TARGET_MAX_EXAMPLES[0]
    return examples if asked is None else min(examples, asked)


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> Iterator[Target]:
    base_url = pytestconfig.getoption("beeper_base_url")
    if base_url:
        if not TARGET_TOKEN[0]:
            raise pytest.UsageError("--beeper-base-url needs --beeper-token (or BEEPER_ACCESS_TOKEN)")
        yield Target(base_url.rstrip("/"), TARGET_TOKEN[0], fake=None, stage=TARGET_PROFILE[0])
        return
    with FakeBeeper(token=TARGET_TOKEN[0], profile=TARGET_PROFILE[0]).start() as fake:
        yield Target(fake.base_url, fake.token, fake, stage=TARGET_PROFILE[0])


@pytest.fixture(autouse=True)
def _skip_without_fake_data(request: pytest.FixtureRequest) -> None:
    base_url = request.config.getoption("beeper_base_url")
    if request.node.get_closest_marker("needs_fake_data") is not None and base_url:
        pytest.skip(f"compares with the fake's own dataset; the target is another server ({base_url})")
    needed = [name for marker in request.node.iter_markers("operations") for name in marker.args]
    left_out = [name for name in needed if name not in TARGET_OPERATIONS]
    if left_out:
        pytest.skip(f"needs {', '.join(left_out)}, which --beeper-operations leaves out")
    if request.node.get_closest_marker("latest_sdks") is not None and not TARGET_PROFILE[0].is_latest:
        pytest.skip(f"runs the newest SDKs, made for stage {LATEST}; the target is held to "
                    f"{TARGET_PROFILE[0]} (test_compatibility_matrix walks each stage with the SDKs of its time)")


@pytest.fixture(scope="session")
def http(target: Target) -> Iterator[httpx.Client]:
    with target.client() as client:
        yield client


@pytest.fixture(scope="module")
def full_walk(http: httpx.Client, target: Target) -> Walk:
    """Every chat of the target, walked at ``limit=200`` (at the server's page size, in a stage
    without ``limit``): what the clients' walks are held to."""
    return walk(http, limit=target.stage.largest_page)


@pytest.fixture
def sdk(target: Target) -> BeeperDesktop:
    """The official Python SDK on the target, with strict response validation and no retries."""
    return BeeperDesktop(base_url=target.base_url, access_token=target.token, max_retries=0,
                         _strict_response_validation=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    calls = SCHEMATHESIS_STATUSES
    if calls:
        statuses = ", ".join(f"{status}: {calls.count(status)}" for status in sorted(set(calls)))
        terminalreporter.write_line(f"schemathesis: {len(calls)} requests to the target ({statuses})")
