"""The server under test: the fake (default) or any server given by URL and token.

    pytest contract_tests                                   # a live fake on a free loopback port
    pytest contract_tests --beeper-base-url http://localhost:23373 --beeper-token $TOKEN
    BEEPER_BASE_URL=… BEEPER_ACCESS_TOKEN=… make contract   # the same, from the environment

Every test goes over real HTTP, so the same suite reports drift between the fake and a real
Beeper Desktop. Tests marked ``needs_fake_data`` compare with the fake's own dataset (exact
counts, the generator's accounts) and are skipped, with the reason, against another server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from beeper_desktop_api import BeeperDesktop

from fake_beeper import DEFAULT_TOKEN, FakeBeeper
from fake_beeper.check.pagination import Walk, walk

SCHEMATHESIS_STATUSES: list[int] = []  # the status of every request Schemathesis sent this run
# The target's token, known once options are parsed: Schemathesis builds some cases (the
# examples phase) at collection, before any fixture runs.
TARGET_TOKEN = [DEFAULT_TOKEN]
# True when the target is another server (maybe a person's real Beeper Desktop): then nothing but
# GET and the harmless OPTIONS/TRACE probes is sent to it.
TARGET_IS_FOREIGN = [False]


@dataclass(frozen=True)
class Target:
    """Where the contract tests send their requests."""

    base_url: str
    token: str
    fake: FakeBeeper | None  # None: a foreign server (a real Beeper Desktop, another fake)

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


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("beeper_base_url"):
        TARGET_TOKEN[:] = [config.getoption("beeper_token") or ""]
        TARGET_IS_FOREIGN[:] = [True]
    config.addinivalue_line("markers", "needs_fake_data: compares with the fake's own dataset; "
                                       "skipped against another server")


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> Iterator[Target]:
    base_url = pytestconfig.getoption("beeper_base_url")
    if base_url:
        if not TARGET_TOKEN[0]:
            raise pytest.UsageError("--beeper-base-url needs --beeper-token (or BEEPER_ACCESS_TOKEN)")
        yield Target(base_url.rstrip("/"), TARGET_TOKEN[0], fake=None)
        return
    with FakeBeeper(token=TARGET_TOKEN[0]).start() as fake:
        yield Target(fake.base_url, fake.token, fake)


@pytest.fixture(autouse=True)
def _skip_without_fake_data(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("needs_fake_data") is None:
        return
    base_url = request.config.getoption("beeper_base_url")
    if base_url:
        pytest.skip(f"compares with the fake's own dataset; the target is another server ({base_url})")


@pytest.fixture(scope="session")
def http(target: Target) -> Iterator[httpx.Client]:
    with target.client() as client:
        yield client


@pytest.fixture(scope="module")
def full_walk(http: httpx.Client) -> Walk:
    """Every chat of the target, walked at ``limit=200``: what the clients' walks are held to."""
    return walk(http, limit=200)


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
