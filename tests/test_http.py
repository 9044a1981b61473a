"""GET /v1/chats over HTTP: pages, and every 400 and 401 in the contract's Error shape."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fake_beeper.contract import spec
from fake_beeper.http.query import RawQuery
from fake_beeper.world import cursors
from fake_beeper.world.store import ChatStore
from tests.conftest import AUTH


def _errors(schema: str, body: Any) -> list[str]:
    return [f"{e.instance_path}: {e.message}" for e in spec.validator(schema).iter_errors(body)]


def _get(client: httpx.Client, params: Any = None, headers: dict[str, str] | None = AUTH):
    return client.get("/v1/chats", params=params, headers=headers)


def test_the_first_page_is_the_25_most_recent_chats(client: httpx.Client, default_store: ChatStore) -> None:
    response = _get(client)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    page = response.json()
    assert _errors("ListChatsResponse", page) == []
    assert [c["id"] for c in page["items"]] == default_store.ordered_ids()[:25]
    assert page["hasMore"] is True
    assert page["newestCursor"] == cursors.encode(
        cursors.decode(page["newestCursor"]).millis, page["items"][0]["id"])


def test_limit_sets_the_page_size(client: httpx.Client) -> None:
    assert len(_get(client, {"limit": 1}).json()["items"]) == 1
    assert len(_get(client, {"limit": 200}).json()["items"]) == 200


def test_walking_before_with_oldest_cursor_visits_every_chat_once(client: httpx.Client,
                                                                   default_store: ChatStore) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 37}
    while True:
        page = _get(client, params).json()
        seen += [c["id"] for c in page["items"]]
        if not page["hasMore"]:
            break
        params = {"limit": 37, "cursor": page["oldestCursor"], "direction": "before"}
    assert seen == default_store.ordered_ids()


def test_after_returns_the_newer_neighbours_of_the_cursor(client: httpx.Client, default_store: ChatStore) -> None:
    order = default_store.ordered_ids()
    second = _get(client, {"limit": 10, "cursor": _get(client, {"limit": 10}).json()["oldestCursor"]}).json()
    newer = _get(client, {"limit": 4, "direction": "after", "cursor": second["newestCursor"]}).json()
    assert [c["id"] for c in newer["items"]] == order[6:10]
    assert newer["hasMore"] is True


def test_an_empty_page_has_null_cursors(client: httpx.Client) -> None:
    page = _get(client, {"accountIDs": "no-such-account"}).json()
    assert page == {"items": [], "hasMore": False, "oldestCursor": None, "newestCursor": None}


def test_account_ids_filter_to_those_accounts(client: httpx.Client, default_store: ChatStore) -> None:
    accounts = default_store.account_ids[:2]
    page = _get(client, [("accountIDs", a) for a in accounts] + [("limit", "200")]).json()
    assert {c["accountID"] for c in page["items"]} == set(accounts)
    assert [c["id"] for c in page["items"]] == default_store.ordered_ids(accounts)[:200]


def _assert_400(response: Any, *paths: tuple[str, ...]) -> list[dict[str, Any]]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert _errors("Error", body) == []
    assert body["code"] == "INVALID_REQUEST"
    issues = body["details"]["issues"]
    assert _errors("ValidationDetails", body["details"]) == []
    assert [tuple(i["path"]) for i in issues] == list(paths)
    for issue in issues:
        assert issue["message"] in body["message"]  # the message alone tells a person what is wrong
    return issues


@pytest.mark.parametrize(
    ("params", "code", "words"),
    [
        ({"direction": "sideways"}, "invalid_value", "must be one of 'after' or 'before'"),
        ({"direction": ""}, "invalid_value", "must be one of"),
        ({"direction": "BEFORE"}, "invalid_value", "must be one of"),
        ({"limit": "0"}, "too_small", "at least 1"),
        ({"limit": "-5"}, "too_small", "at least 1"),
        ({"limit": "201"}, "too_big", "at most 200"),
        ({"limit": "99999999999999999999"}, "invalid_type", "must be an integer"),
        ({"limit": "ten"}, "invalid_type", "must be an integer"),
        ({"limit": "2.5"}, "invalid_type", "must be an integer"),
        ({"limit": ""}, "invalid_type", "must be an integer"),
        ({"limit": ["1", "2"]}, "invalid_type", "given once"),
        ({"cursor": "not-a-cursor"}, "invalid_cursor", "not of the form"),
        ({"cursor": "1725489123456|!!"}, "invalid_cursor", "not of the form"),
        ({"cursor": "1725489123456|__8"}, "invalid_cursor", "not issued by this server"),
        ({"cursor": "999999999999999"}, "invalid_cursor", "outside the range"),
    ],
)
def test_each_bad_parameter_is_a_400_naming_it(client: httpx.Client, params: dict, code: str, words: str) -> None:
    [name] = params
    [issue] = _assert_400(_get(client, params), ("query", name))
    assert issue["code"] == code and words in issue["message"]


def test_every_problem_is_reported_at_once(client: httpx.Client) -> None:
    response = _get(client, {"direction": "up", "limit": "500", "cursor": "x"})
    _assert_400(response, ("query", "direction"), ("query", "limit"), ("query", "cursor"))


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Missing access token"),
        ({"Authorization": "Bearer wrong-token"}, "Invalid access token"),
        ({"Authorization": "Bearer "}, "Malformed Authorization header"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "Malformed Authorization header"),
        ({"Authorization": "fake-beeper-token"}, "Malformed Authorization header"),
    ],
)
def test_missing_or_wrong_tokens_are_a_401(client: httpx.Client, headers: dict, message: str) -> None:
    response = _get(client, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert _errors("Error", body) == [] and body["code"] == "UNAUTHORIZED"
    assert message in body["message"]


def test_auth_is_checked_before_parameters(client: httpx.Client) -> None:
    assert _get(client, {"limit": "0"}, headers={}).status_code == 401


def test_the_bearer_scheme_is_case_insensitive(client: httpx.Client) -> None:
    assert _get(client, headers={"Authorization": "bearer fake-beeper-token"}).status_code == 200


def test_unknown_query_parameters_are_ignored(client: httpx.Client) -> None:
    assert _get(client, {"includeMuted": "true"}).status_code == 200


def test_an_empty_cursor_means_the_first_page(client: httpx.Client) -> None:
    assert _get(client, {"cursor": ""}).json() == _get(client).json()


def test_unknown_paths_and_methods_get_the_error_shape(client: httpx.Client) -> None:
    missing = client.get("/v1/nope", headers=AUTH)
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"
    wrong = client.put("/v1/chats", headers=AUTH)
    assert wrong.status_code == 405 and wrong.json()["code"] == "METHOD_NOT_ALLOWED"
    assert "GET" in wrong.headers["allow"]
    assert _errors("Error", missing.json()) == _errors("Error", wrong.json()) == []


@given(st.lists(st.text(alphabet="ab=&+%2Fé7C ", max_size=12), max_size=6).map("&".join))
def test_a_query_string_is_read_as_starlette_reads_it(query: str) -> None:
    raw = query.encode("utf-8")
    expected: dict[str, list[str]] = {}
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        expected.setdefault(name, []).append(value)
    read = RawQuery(raw)
    assert {name: read.getlist(name) for name in expected} == expected
    assert read.getlist("absent") == [] and all(read.get(name) == values[-1] for name, values in expected.items())
    assert read.getlist("") == expected.get("", [])
