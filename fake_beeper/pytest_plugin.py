"""The pytest plugin (registered through the ``pytest11`` entry point: installing is enough).

Fixtures, each giving a fresh ``FakeBeeper`` per test:

* ``fake_beeper``: in-process; reach it with ``fake_beeper.http_client()`` (or pass that client to
  the SDK). No port, no thread per request.
* ``fake_beeper_server``: the same fake, also on a 127.0.0.1 port (``.base_url``), for clients in
  other processes or languages. A test that asks for both gets one fake. The port belongs to one
  server for the whole session that serves each test's own fake in turn (starting a server per
  test would cost ~200 ms a test); between tests it answers 503.
* ``fake_beeper_env``: ``fake_beeper_server`` with ``BEEPER_BASE_URL``, ``BEEPER_DESKTOP_BASE_URL``
  and ``BEEPER_ACCESS_TOKEN`` set for the test, so unchanged client code talks to the fake.
* ``fake_beeper_chats``: the chats served, always a tuple of ``LoadedChat`` (each reads like the
  chat's dict: ``chat["title"]``); ``fake_beeper_accounts``: the accounts served as given (empty:
  derived from the chats).

The data is the default dataset unless the ``fake_beeper`` marker says otherwise::

    @pytest.mark.fake_beeper(seed=3, count=50, accounts=4)   # generated, the same every run
    @pytest.mark.fake_beeper(chats=[{...}, {...}])             # built by the test
    @pytest.mark.fake_beeper(fixtures="tests/my_beeper.jsonl")  # a file: generated, or recorded
    @pytest.mark.fake_beeper(token="another-token")
    @pytest.mark.fake_beeper(scenario={"rules": [{"match": {"page": 2}, "fault": {"status": 503}}]})
    @pytest.mark.fake_beeper(behaviour={"after": "newest"})   # where the contract is silent
    @pytest.mark.fake_beeper(profile="4.2")                    # an older stage of the API
    @pytest.mark.fake_beeper(profile="every")                  # once per stage: a compatibility matrix
    @pytest.mark.fake_beeper(raise_server_errors=False)        # see below

or a test module overrides the ``fake_beeper_chats`` (and ``fake_beeper_accounts``) fixture.

If the fake hits an internal error while a test runs (a bug in fake-beeper, answered with a 500),
the test errors at teardown with the fake's own traceback, so the client is not blamed for it;
``raise_server_errors=False`` turns that off.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from fake_beeper.defaults import DEFAULT_ACCOUNTS, DEFAULT_COUNT, DEFAULT_TOKEN

if TYPE_CHECKING:  # imported inside the fixtures: a pytest run that uses none pays nothing for them
    from fake_beeper.contract.stages import Stage
    from fake_beeper.data import World
    from fake_beeper.data.loaded import LoadedChat
    from fake_beeper.fake import FakeBeeper
    from fake_beeper.http.server import SharedServer

MARKER = "fake_beeper"
_MARKER_ARGUMENTS = {"seed", "count", "accounts", "chats", "fixtures", "token", "scenario", "behaviour",
                     "profile", "raise_server_errors", "messages", "generated_messages"}
EVERY_PROFILE = "every"  # profile="every": the test runs once under each profile, one test ID each
_DATA_ARGUMENTS = ("chats", "fixtures", "seed/count/accounts")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(seed=None, count=None, accounts={DEFAULT_ACCOUNTS}, chats=None, fixtures=None, "
        f"token='{DEFAULT_TOKEN}', "
        "scenario=None, behaviour=None, profile='latest', raise_server_errors=True, messages=None, "
        "generated_messages=True): the data, token, scenario (faults, activity), behaviour choices and API "
        "profile ('every', or a list: one run per profile) of the fake_beeper fixtures, and some chats' "
        "messages (default: the committed 400-chat dataset, no faults, messages made from each chat)",
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
    given = [name for name, keys in zip(_DATA_ARGUMENTS, ({"chats"}, {"fixtures"}, {"seed", "count", "accounts"}),
                                        strict=True) if keys & set(marker.kwargs)]
    if len(given) > 1:
        raise pytest.UsageError(f"@pytest.mark.{MARKER}: give one of chats=..., fixtures=... or seed/count/accounts, "
                                f"not {' and '.join(given)}")
    return dict(marker.kwargs)


@cache
def _generated(seed: int | None, count: int | None, accounts: int) -> tuple[LoadedChat, ...]:
    # Loaded chats are immutable, so one dataset serves every test that asks for it.
    from fake_beeper.data import load_chats

    if seed is None and count is None:
        return tuple(load_chats())
    return tuple(load_chats(seed=seed, count=DEFAULT_COUNT if count is None else count, accounts=accounts))


def _file(request: pytest.FixtureRequest, given: str | os.PathLike[str]) -> World:
    """A fixture file's world, read once per version of the file (its size and time)."""
    from fake_beeper.data import FixtureError

    path = _fixture_path(request, given)
    try:
        stat = path.stat()
    except OSError as exc:
        also = request.config.rootpath / Path(given).expanduser()
        tried = f"{path}" if also == path else f"{path} (beside the test) or {also} (under the rootdir)"
        pytest.fail(f"@pytest.mark.{MARKER}(fixtures={str(given)!r}): cannot read {tried}: {exc.strerror or exc}",
                    pytrace=False)
    try:
        return _read_file(str(path), stat.st_size, stat.st_mtime_ns)
    except FixtureError as exc:
        pytest.fail(f"@pytest.mark.{MARKER}: {exc}", pytrace=False)


def _fixture_path(request: pytest.FixtureRequest, given: str | os.PathLike[str]) -> Path:
    """A relative ``fixtures=`` path is looked up beside the test file, then under pytest's rootdir,
    not in the current directory: a test must find its file wherever pytest is started from."""
    path = Path(given).expanduser()
    if path.is_absolute():
        return path
    beside, under_root = request.path.parent / path, request.config.rootpath / path
    return under_root if not beside.exists() and under_root.exists() else beside


@cache
def _read_file(path: str, size: int, mtime_ns: int) -> World:
    from fake_beeper.data import read_world

    return read_world(path)


@pytest.fixture
def fake_beeper_chats(request: pytest.FixtureRequest) -> tuple[LoadedChat, ...]:
    """The chats the fake serves, as ``LoadedChat``s; override this fixture, or use the marker."""
    arguments = _marker_arguments(request)
    if "chats" in arguments:
        from fake_beeper.fake import loaded_chats

        return tuple(loaded_chats(arguments["chats"]))
    if "fixtures" in arguments:
        return tuple(_file(request, arguments["fixtures"]).chats)
    return _generated(arguments.get("seed"), arguments.get("count"), arguments.get("accounts", DEFAULT_ACCOUNTS))


@pytest.fixture
def fake_beeper_accounts(request: pytest.FixtureRequest) -> tuple[Mapping[str, Any], ...]:
    """The accounts the fake serves as they are (those of a ``fixtures=`` file that lists them);
    empty: derived from the chats. Override this fixture to choose them."""
    arguments = _marker_arguments(request)
    return _file(request, arguments["fixtures"]).accounts if "fixtures" in arguments else ()


def _chats_stage(request: pytest.FixtureRequest, arguments: Mapping[str, Any]) -> Stage:
    """The stage the marker's chats are in: a ``fixtures=`` file's (what it says), else the newest."""
    from fake_beeper.contract.stages import LATEST

    return _file(request, arguments["fixtures"]).stage if "fixtures" in arguments else LATEST


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``@pytest.mark.fake_beeper(profile="every")`` (or a list of profiles): one run per profile."""
    marker = metafunc.definition.get_closest_marker(MARKER)
    if marker is None or "fake_beeper_profile" not in metafunc.fixturenames:
        return
    wanted = marker.kwargs.get("profile")
    if wanted == EVERY_PROFILE or isinstance(wanted, (list, tuple)):
        from fake_beeper.contract.stages import NAMES

        names = list(NAMES) if wanted == EVERY_PROFILE else list(wanted)
        metafunc.parametrize("fake_beeper_profile", names, indirect=True, ids=names)


@pytest.fixture
def fake_beeper_profile(request: pytest.FixtureRequest) -> str:
    """The name of the stage of the API the fake serves (``fake_beeper.contract.stages``): the
    marker's ``profile``, one of them in turn for ``profile="every"``, else the stage of a
    ``fixtures=`` file (a recording of an older server), else the newest."""
    from fake_beeper.contract.stages import ProfileError, served, stage

    arguments = _marker_arguments(request)
    wanted = getattr(request, "param", None) or arguments.get("profile")
    try:
        requested = stage(wanted) if wanted else None
    except (ProfileError, TypeError) as exc:
        pytest.fail(f"@pytest.mark.{MARKER}(profile={wanted!r}): {exc}", pytrace=False)
    error = None
    try:
        return served(requested, _chats_stage(request, arguments)).name
    except ProfileError as exc:  # chats of an older stage (a fixtures= file) asked to be served as another
        error = str(exc)  # said outside the handler: the message alone, not the exception it replaces
    pytest.fail(f"@pytest.mark.{MARKER}(fixtures={str(arguments.get('fixtures'))!r}): {error}", pytrace=False)


@pytest.fixture
def fake_beeper(request: pytest.FixtureRequest, fake_beeper_chats: tuple[Mapping[str, Any], ...],
                fake_beeper_accounts: tuple[Mapping[str, Any], ...], fake_beeper_profile: str) -> Iterator[FakeBeeper]:
    """A fake Beeper Desktop in-process: ``fake_beeper.http_client()`` reaches it without a port."""
    from fake_beeper.errors import FakeBeeperError
    from fake_beeper.fake import FakeBeeper, FakeBeeperServerError

    arguments = _marker_arguments(request)
    error: str | None = None
    try:
        world = _file(request, arguments["fixtures"]) if "fixtures" in arguments else None
        fake = FakeBeeper(fake_beeper_chats, accounts=fake_beeper_accounts,
                          token=arguments.get("token", DEFAULT_TOKEN), scenario=arguments.get("scenario"),
                          behaviour=arguments.get("behaviour"), profile=fake_beeper_profile,
                          chats_profile=_chats_stage(request, arguments),
                          messages=arguments.get("messages", world.messages if world is not None else None),
                          generated_messages=arguments.get(
                              "generated_messages", world.generated_messages if world is not None else True))
    except FakeBeeperError as exc:
        error = str(exc)  # said outside the handler: the message alone, not the exception it replaces
    if error is not None:
        where = f"(fixtures={str(arguments['fixtures'])!r})" if "fixtures" in arguments else ""
        pytest.fail(f"@pytest.mark.{MARKER}{where}: {error}", pytrace=False)
    with fake:
        yield fake
        if arguments.get("raise_server_errors", True):
            try:
                fake.check()
            except FakeBeeperServerError as exc:
                pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def fake_beeper_shared_server() -> Iterator[SharedServer]:
    """One live server for the session (per xdist worker), lent to each test's fake in turn."""
    from fake_beeper.http.server import SharedServer

    with SharedServer() as server:
        yield server


@pytest.fixture
def fake_beeper_server(fake_beeper: FakeBeeper, fake_beeper_shared_server: SharedServer) -> FakeBeeper:
    """The test's fake, also on a 127.0.0.1 port: ``fake_beeper_server.base_url``.

    The port is the session's shared server, serving this test's fake only while the test runs.
    """
    return fake_beeper.start(server=fake_beeper_shared_server)


@pytest.fixture
def fake_beeper_env(fake_beeper_server: FakeBeeper, monkeypatch: pytest.MonkeyPatch) -> FakeBeeper:
    """``fake_beeper_server``, with the SDKs' environment variables pointing at it for this test."""
    for name, value in fake_beeper_server.env().items():
        monkeypatch.setenv(name, value)
    return fake_beeper_server
