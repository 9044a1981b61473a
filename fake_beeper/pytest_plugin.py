"""The pytest plugin (registered through the ``pytest11`` entry point: installing is enough).

Fixtures, each giving a fresh ``FakeBeeper`` per test:

* ``fake_beeper``: in-process; reach it with ``fake_beeper.http_client()`` (or pass that client to
  the SDK). No port, no thread per request.
* ``fake_beeper_server``: the same on a free 127.0.0.1 port (``.base_url``), for clients in other
  processes or languages.
* ``fake_beeper_env``: ``fake_beeper_server`` with ``BEEPER_BASE_URL``, ``BEEPER_DESKTOP_BASE_URL``
  and ``BEEPER_ACCESS_TOKEN`` set for the test, so unchanged client code talks to the fake.

The data is the default dataset unless the ``fake_beeper`` marker says otherwise::

    @pytest.mark.fake_beeper(seed=3, count=50, accounts=4)   # generated, the same every run
    @pytest.mark.fake_beeper(chats=[{...}, {...}])             # built by the test
    @pytest.mark.fake_beeper(token="another-token")
    @pytest.mark.fake_beeper(scenario={"rules": [{"match": {"page": 2}, "fault": {"status": 503}}]})

or a test module overrides the ``fake_beeper_chats`` fixture.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from typing import Any

import pytest

from fake_beeper.app import DEFAULT_TOKEN
from fake_beeper.data import DEFAULT_ACCOUNTS, DEFAULT_COUNT, LoadedChat, load_chats
from fake_beeper.fake import FakeBeeper

MARKER = "fake_beeper"
_MARKER_ARGUMENTS = {"seed", "count", "accounts", "chats", "token", "scenario"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(seed=None, count=None, accounts={DEFAULT_ACCOUNTS}, chats=None, token='{DEFAULT_TOKEN}', "
        "scenario=None): the data, token and scenario (faults, activity) of the fake_beeper fixtures "
        "(default: the committed 400-chat dataset, no faults)",
    )


def _marker_arguments(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        return {}
    if marker.args:
        raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keyword arguments only: {sorted(_MARKER_ARGUMENTS)}")
    unknown = set(marker.kwargs) - _MARKER_ARGUMENTS
    if unknown:
        raise pytest.UsageError(f"@pytest.mark.{MARKER}: unknown argument(s) {sorted(unknown)}; "
                                f"expected {sorted(_MARKER_ARGUMENTS)}")
    if "chats" in marker.kwargs and {"seed", "count", "accounts"} & set(marker.kwargs):
        raise pytest.UsageError(f"@pytest.mark.{MARKER}: give chats=... or seed/count/accounts, not both")
    return dict(marker.kwargs)


@cache
def _generated(seed: int | None, count: int | None, accounts: int) -> tuple[LoadedChat, ...]:
    # Loaded chats are immutable, so one dataset serves every test that asks for it.
    if seed is None and count is None:
        return tuple(load_chats())
    return tuple(load_chats(seed=seed, count=DEFAULT_COUNT if count is None else count, accounts=accounts))


@pytest.fixture
def fake_beeper_chats(request: pytest.FixtureRequest) -> Sequence[Mapping[str, Any] | LoadedChat]:
    """The chats the fake serves; override this fixture, or use the marker, to change them."""
    arguments = _marker_arguments(request)
    if "chats" in arguments:
        return list(arguments["chats"])
    return _generated(arguments.get("seed"), arguments.get("count"), arguments.get("accounts", DEFAULT_ACCOUNTS))


def _fake(request: pytest.FixtureRequest, chats: Sequence[Mapping[str, Any] | LoadedChat]) -> FakeBeeper:
    arguments = _marker_arguments(request)
    return FakeBeeper(chats, token=arguments.get("token", DEFAULT_TOKEN), scenario=arguments.get("scenario"))


@pytest.fixture
def fake_beeper(request: pytest.FixtureRequest,
                fake_beeper_chats: Sequence[Mapping[str, Any] | LoadedChat]) -> Iterator[FakeBeeper]:
    """A fake Beeper Desktop in-process: ``fake_beeper.http_client()`` reaches it without a port."""
    with _fake(request, fake_beeper_chats) as fake:
        yield fake


@pytest.fixture
def fake_beeper_server(request: pytest.FixtureRequest,
                       fake_beeper_chats: Sequence[Mapping[str, Any] | LoadedChat]) -> Iterator[FakeBeeper]:
    """A fake Beeper Desktop on a free 127.0.0.1 port: ``fake_beeper_server.base_url``."""
    with _fake(request, fake_beeper_chats).start() as fake:
        yield fake


@pytest.fixture
def fake_beeper_env(fake_beeper_server: FakeBeeper, monkeypatch: pytest.MonkeyPatch) -> FakeBeeper:
    """``fake_beeper_server``, with the SDKs' environment variables pointing at it for this test."""
    for name, value in fake_beeper_server.env().items():
        monkeypatch.setenv(name, value)
    return fake_beeper_server
