"""The compatibility matrix: each official SDK, in strict mode, walking the fake under each profile.

Each stage's own SDKs walk their profile (PyPI 4.1.296 on 4.1, 4.3.0 on 4.2, 5.0.0 on 5.0, 6.0.0
on 6.0; npm 4.2.3 on js-4.2.3 and 5.0.0 on 5.0), and every other pairing is measured too. The
expected outcomes are ``version-history.md`` §5.3's, typed in here; docs/profiles.md's table is this
test's measured matrix (``test_the_readme_shows_the_measured_matrix``). The Python SDKs other
than 6.0.0 live in virtualenvs of their own (``make test`` builds them: ``.venv-sdks/``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fake_beeper import FakeBeeper
from fake_beeper.contract.stages import NAMES

ROOT = Path(__file__).resolve().parent.parent
PYTHON_SDKS = {"4.1.296": ROOT / ".venv-sdks" / "4.1.296" / "bin" / "python",
               "4.3.0": ROOT / ".venv-sdks" / "4.3.0" / "bin" / "python",
               "5.0.0": ROOT / ".venv-sdks" / "5.0.0" / "bin" / "python",
               "6.0.0": Path(sys.executable)}
NPM_SDKS = {"4.2.3": "desktop-api-4.2.3", "5.0.0": "@beeper/desktop-api"}
OK = None
# version-history.md §5.3: the field strict Python rejects, per SDK and profile (None: it walks).
EXPECTED = {
    "4.1.296": {"4.1": OK, "js-4.2.3": "title", "4.2": "network", "5.0": OK, "6.0": OK},
    "4.3.0": {"4.1": OK, "js-4.2.3": "title", "4.2": OK, "5.0": OK, "6.0": OK},
    "5.0.0": {"4.1": OK, "js-4.2.3": "title", "4.2": "network", "5.0": OK,
              "6.0": "capabilities.disappearingTimer.types"},
    "6.0.0": {"4.1": OK, "js-4.2.3": "title", "4.2": "network", "5.0": OK, "6.0": OK},
}


@pytest.fixture(scope="module")
def fakes() -> Iterator[dict[str, FakeBeeper]]:
    """One live fake per profile, over the default data."""
    started = {name: FakeBeeper(profile=name).start() for name in NAMES}
    yield started
    for fake in started.values():
        fake.stop()


def python_walk(version: str, fake: FakeBeeper, *chat_ids: str) -> dict[str, Any]:
    outcome: dict[str, Any] = _sdk_walk(version, fake.base_url, fake.token, *chat_ids)
    assert outcome["sdk"] == version
    return outcome


def python_walks(version: str, fakes: Iterable[FakeBeeper]) -> list[dict[str, Any]]:
    """The chats of each fake walked by one interpreter with SDK ``version``, in order."""
    outcomes: list[dict[str, Any]] = _sdk_walk(version, "--each", *(part for fake in fakes
                                                                     for part in (fake.base_url, fake.token)))
    assert all(outcome["sdk"] == version for outcome in outcomes)
    return outcomes


def _sdk_walk(version: str, *arguments: str) -> Any:
    python = PYTHON_SDKS[version]
    assert python.exists(), f"{python} is missing: make test builds the SDK virtualenvs (.venv-sdks/)"
    done = subprocess.run([str(python), str(ROOT / "contract_tests" / "sdk_walk.py"), *arguments],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def npm_walk(package: str, fake: FakeBeeper, params: str = "{}", operation: str = "list") -> dict[str, Any]:
    node = shutil.which("node")
    assert node, "Node.js is needed for the TypeScript SDKs"
    env = {"PATH": os.environ.get("PATH", ""), "FAKE_BEEPER_SDK": package, "BEEPER_ACCESS_TOKEN": fake.token,
           "BEEPER_BASE_URL": fake.base_url, "BEEPER_DESKTOP_BASE_URL": fake.base_url}  # 5.0.0 and 4.2.3 names
    done = subprocess.run([node, "walk.mjs", params, operation], cwd=ROOT / "contract_tests" / "typescript", env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    outcome: dict[str, Any] = json.loads(done.stdout)
    return outcome


@pytest.fixture(scope="module")
def matrix(fakes: dict[str, FakeBeeper]) -> dict[str, dict[str, dict[str, Any]]]:
    """SDK → profile → outcome, measured."""
    measured = {f"beeper-desktop-api {version}": dict(zip(fakes, python_walks(version, fakes.values()), strict=True))
                for version in PYTHON_SDKS}
    for version, package in NPM_SDKS.items():
        measured[f"@beeper/desktop-api {version}"] = {name: npm_walk(package, fake) for name, fake in fakes.items()}
    return measured


def test_each_strict_python_sdk_fails_exactly_where_the_reference_says(
        matrix: dict[str, dict[str, dict[str, Any]]]) -> None:
    for version, row in EXPECTED.items():
        measured = matrix[f"beeper-desktop-api {version}"]
        assert {name: None if outcome["ok"] else outcome["field"] for name, outcome in measured.items()} == row, \
            version
        for name, outcome in measured.items():
            assert not outcome["ok"] or outcome["chats"] == 400, (version, name)


def test_the_typescript_sdks_walk_every_profile(matrix: dict[str, dict[str, dict[str, Any]]],
                                                fakes: dict[str, FakeBeeper]) -> None:
    """They validate nothing at run time, so every shape reaches the caller (a null title as null)."""
    for version in NPM_SDKS:
        for name, outcome in matrix[f"@beeper/desktop-api {version}"].items():
            assert outcome.get("ids") == fakes[name].ordered_ids(), (version, name, outcome.get("error"))


# Each SDK on the profile of its own stage.
OWN_STAGE = {"4.1.296": "4.1", "4.3.0": "4.2", "5.0.0": "5.0", "6.0.0": "6.0"}
NPM_OWN_STAGE = {"4.2.3": "js-4.2.3", "5.0.0": "5.0"}


def chats_to_walk(fake: FakeBeeper) -> list[str]:
    """Two chats of many pages (up to 1,000 messages: 50 pages) and a short one."""
    counts = {chat_id: len(fake.state.messages.timeline(chat_id)) for chat_id in fake.ordered_ids()[:60]}
    by_length = sorted((chat_id for chat_id, count in counts.items() if 0 < count <= 1_000), key=counts.__getitem__)
    return [*by_length[-2:], by_length[0]]


@pytest.mark.parametrize("version", OWN_STAGE)
def test_each_python_sdk_walks_every_message_of_a_chat_on_its_own_stage(
        version: str, fakes: dict[str, FakeBeeper]) -> None:
    fake = fakes[OWN_STAGE[version]]
    chats = chats_to_walk(fake)
    outcome = python_walk(version, fake, *chats)
    assert outcome["ok"], outcome
    for chat_id in chats:
        assert outcome["messages"][chat_id] == [message["id"] for message in fake.messages(chat_id)], chat_id


@pytest.mark.parametrize("version", NPM_OWN_STAGE)
def test_each_typescript_sdk_walks_every_message_of_a_chat_on_its_own_stage(
        version: str, fakes: dict[str, FakeBeeper]) -> None:
    fake = fakes[NPM_OWN_STAGE[version]]
    for chat_id in chats_to_walk(fake):
        outcome = npm_walk(NPM_SDKS[version], fake, json.dumps({"chatID": chat_id}), "messages")
        assert outcome.get("ids") == [message["id"] for message in fake.messages(chat_id)], outcome.get("error")


def cell(outcome: dict[str, Any]) -> str:
    if "ids" in outcome:
        return f"walks ({len(outcome['ids'])})"
    if outcome["ok"]:
        return f"walks ({outcome['chats']})"
    value = f": `{outcome['input']}`" if outcome.get("input") is not None else ""
    return f"✗ `{outcome['field']}` {outcome['type']}{value}"


def render(matrix: dict[str, dict[str, dict[str, Any]]]) -> str:
    lines = ["| SDK (strict) ↓ · profile → | " + " | ".join(f"`{name}`" for name in NAMES) + " |",
             "|---|" + "---|" * len(NAMES)]
    lines += [f"| {sdk} | " + " | ".join(cell(row[name]) for name in NAMES) + " |" for sdk, row in matrix.items()]
    return "\n".join(lines)


def test_the_docs_show_the_measured_matrix(matrix: dict[str, dict[str, dict[str, Any]]]) -> None:
    table = render(matrix)
    profiles = ROOT / "docs" / "profiles.md"
    assert table in profiles.read_text(encoding="utf-8"), f"docs/profiles.md's matrix should be:\n{table}"
