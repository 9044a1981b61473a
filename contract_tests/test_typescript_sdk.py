"""The official TypeScript SDK (@beeper/desktop-api, pinned in typescript/package.json) against
the target: `for await (const chat of client.chats.list())`, run by Node from pytest.

`make test` installs the package with `npm ci`; without Node or the package these tests fail
with the command to run, rather than skipping silently.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from contract_tests.conftest import Target
from fake_beeper.check.pagination import Walk, assert_client_walk, walk

HERE = Path(__file__).resolve().parent / "typescript"


def run_sdk(env: dict[str, str], params: dict[str, Any] | None = None) -> dict[str, Any]:
    node = shutil.which("node")
    assert node, "Node.js is needed for the TypeScript SDK tests"
    assert (HERE / "node_modules" / "@beeper" / "desktop-api").is_dir(), \
        f"the TypeScript SDK is not installed: run `npm ci --prefix {HERE}` (make test does)"
    done = subprocess.run([node, "walk.mjs", json.dumps(params or {})], cwd=HERE, env={"PATH": "", **env},
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"node walk.mjs failed ({done.returncode}): {done.stderr[-2000:]}"
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def full_walk(http: httpx.Client) -> Walk:
    return walk(http, limit=200)


def test_for_await_yields_the_servers_walk(target: Target, full_walk: Walk) -> None:
    result = run_sdk(target.env())
    assert "error" not in result, result
    assert_client_walk("the TypeScript SDK's chats.list()", result["ids"], full_walk)


def test_an_account_filter(target: Target, full_walk: Walk) -> None:
    chosen = sorted({chat["accountID"] for chat in full_walk.chats})[:2]
    result = run_sdk(target.env(), {"accountIDs": chosen})
    assert result["ids"] == [chat["id"] for chat in full_walk.chats if chat["accountID"] in chosen]
    assert set(result["accountIDs"]) <= set(chosen)


def test_a_wrong_token_is_an_authentication_error(target: Target) -> None:
    result = run_sdk({**target.env(), "BEEPER_ACCESS_TOKEN": "not-the-token"})
    assert result["error"]["name"] == "AuthenticationError"
    assert result["error"]["status"] == 401


def test_a_bad_direction_is_a_bad_request_error(target: Target) -> None:
    result = run_sdk(target.env(), {"direction": "sideways"})
    assert result["error"]["name"] == "BadRequestError"
    assert result["error"]["status"] == 400
