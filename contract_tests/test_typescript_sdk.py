"""The official TypeScript SDK (@beeper/desktop-api, pinned in typescript/package.json) against
the target: `for await (const chat of client.chats.list())`, the search, one chat, the accounts
and the server info, run by Node from pytest.

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
from fake_beeper.check.pagination import SEARCH_CHATS, Walk, assert_client_walk, walk

pytestmark = pytest.mark.latest_sdks  # made for the newest stage: see conftest

HERE = Path(__file__).resolve().parent / "typescript"


def run_sdk(env: dict[str, str], params: dict[str, Any] | None = None, operation: str = "list") -> dict[str, Any]:
    node = shutil.which("node")
    assert node, "Node.js is needed for the TypeScript SDK tests"
    assert (HERE / "node_modules" / "@beeper" / "desktop-api").is_dir(), \
        f"the TypeScript SDK is not installed: run `npm ci --prefix {HERE}` (make test does)"
    done = subprocess.run([node, "walk.mjs", json.dumps(params or {}), operation], cwd=HERE, env={"PATH": "", **env},
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"node walk.mjs failed ({done.returncode}): {done.stderr[-2000:]}"
    return json.loads(done.stdout)


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


@pytest.mark.operations("searchChats")
@pytest.mark.parametrize("params", [{"query": "ali", "scope": "titles"}, {"inbox": "primary", "limit": 7},
                                    {"type": "group", "unreadOnly": True, "includeMuted": False, "limit": 10}])
def test_search_pages_are_the_servers_search_walk(target: Target, http: httpx.Client, params: dict[str, Any]) -> None:
    result = run_sdk(target.env(), params, "search")
    assert "error" not in result, result
    query = {key: str(value).lower() if isinstance(value, bool) else value for key, value in params.items()}
    limit = query.pop("limit", 50)
    expected = walk(http, path=SEARCH_CHATS, filters=query, limit=limit)
    assert_client_walk(f"the TypeScript SDK's chats.search({params})", result["ids"], expected)


@pytest.mark.operations("getChat")
def test_one_chat_with_every_participant_and_a_missing_one(target: Target, full_walk: Walk) -> None:
    some = max(full_walk.chats, key=lambda chat: chat["participants"]["total"])
    result = run_sdk(target.env(), {"chatID": some["id"], "maxParticipantCount": -1}, "retrieve")
    participants = result["result"]["participants"]
    assert result["result"]["id"] == some["id"] and participants["total"] == some["participants"]["total"]
    assert len(participants["items"]) == participants["total"] or participants["hasMore"] is True
    defaulted = run_sdk(target.env(), {"chatID": some["id"], "maxParticipantCount": None}, "retrieve")
    assert len(defaulted["result"]["participants"]["items"]) <= 100  # JS sends `maxParticipantCount=`
    missing = run_sdk(target.env(), {"chatID": "!fake-beeper-no-such-chat:beeper.local"}, "retrieve")
    assert missing["error"]["name"] == "NotFoundError" and missing["error"]["status"] == 404


@pytest.mark.operations("getAccounts", "getInfo")
def test_the_accounts_and_the_server_info(target: Target, full_walk: Walk) -> None:
    accounts = run_sdk(target.env(), {}, "accounts")["result"]
    assert {chat["accountID"] for chat in full_walk.chats} <= {account["accountID"] for account in accounts}
    info = run_sdk({**target.env(), "BEEPER_ACCESS_TOKEN": "not-the-token"}, {}, "info")  # sent without it
    assert "error" not in info, info
    assert info["result"]["endpoints"]["spec"]
