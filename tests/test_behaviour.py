"""Behaviour choices: the fake answers like another server where the contract is silent.

Each test shows one choice next to the default, on a handful of hand-built chats.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from fake_beeper import FakeBeeper, chat
from fake_beeper.contract.behaviour import CHOICES, Behaviour, BehaviourError, parse_behaviour, parse_flags

# Newest first: a, b, c, d, e (two accounts), then u without lastActivity.
CHATS = [chat(f"!{name}", last_activity=f"2026-11-2{9 - i}T10:00:00Z", account_id="acc-1" if i % 2 else "acc-2")
         for i, name in enumerate("abcde")] + [chat("!u", account_id="acc-1")]


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["items"]]


def get(fake: FakeBeeper, query: str) -> httpx.Response:
    with fake.http_client() as http:
        return http.get(f"/v1/chats?{query}")


def cursor_of(fake: FakeBeeper, chat_id: str) -> str:
    """The ``oldestCursor`` of a page that ends at ``chat_id``."""
    position = fake.ordered_ids().index(chat_id)
    with fake.http_client() as http:
        cursor: str = http.get("/v1/chats", params={"limit": position + 1}).json()["oldestCursor"]
    return cursor


@pytest.fixture
def fake(request: pytest.FixtureRequest) -> Any:
    with FakeBeeper(CHATS, behaviour=getattr(request, "param", {})) as fake:
        yield fake


def test_after_adjacent_is_the_default_and_gives_the_chats_just_newer_than_the_cursor(fake: FakeBeeper) -> None:
    response = get(fake, f"direction=after&limit=2&cursor={cursor_of(fake, '!e')}")
    assert ids(response) == ["!c", "!d"] and response.json()["hasMore"] is True


@pytest.mark.parametrize("fake", [{"after": "newest"}], indirect=True)
def test_after_newest_gives_the_newest_chats_newer_than_the_cursor(fake: FakeBeeper) -> None:
    response = get(fake, f"direction=after&limit=2&cursor={cursor_of(fake, '!e')}")
    assert ids(response) == ["!a", "!b"] and response.json()["hasMore"] is True  # c and d remain
    assert ids(get(fake, f"direction=after&limit=9&cursor={cursor_of(fake, '!e')}")) == ["!a", "!b", "!c", "!d"]


def test_undated_chats_are_listed_last_by_default(fake: FakeBeeper) -> None:
    assert ids(get(fake, "limit=50")) == ["!a", "!b", "!c", "!d", "!e", "!u"]


@pytest.mark.parametrize("fake", [{"undated": "omitted"}], indirect=True)
def test_undated_omitted_leaves_them_out_of_every_page(fake: FakeBeeper) -> None:
    assert ids(get(fake, "limit=50")) == ["!a", "!b", "!c", "!d", "!e"] == fake.ordered_ids()
    assert ids(get(fake, "accountIDs=acc-1")) == ["!b", "!d"]
    last = get(fake, f"limit=1&cursor={cursor_of(fake, '!e')}").json()
    assert last == {"items": [], "hasMore": False, "oldestCursor": None, "newestCursor": None}
    fake.activity.message("!u")  # a message dates it: now it is listed, at the top
    assert ids(get(fake, "limit=1")) == ["!u"]


def test_a_comma_in_account_ids_is_part_of_one_id_by_default(fake: FakeBeeper) -> None:
    assert ids(get(fake, "accountIDs=acc-1,acc-2")) == []


@pytest.mark.parametrize("fake", [{"accountIDsComma": "split"}], indirect=True)
def test_account_ids_comma_split_reads_two_ids(fake: FakeBeeper) -> None:
    assert ids(get(fake, "accountIDs=acc-1,acc-2&limit=50")) == fake.ordered_ids()


def test_a_repeated_limit_is_rejected_by_default(fake: FakeBeeper) -> None:
    response = get(fake, "limit=2&limit=3")
    assert response.status_code == 400 and response.json()["details"]["issues"][0]["path"] == ["query", "limit"]


@pytest.mark.parametrize(("fake", "count"), [({"repeatedParams": "first"}, 2), ({"repeatedParams": "last"}, 3)],
                         indirect=["fake"])
def test_repeated_params_first_or_last(fake: FakeBeeper, count: int) -> None:
    assert len(ids(get(fake, "limit=2&limit=3"))) == count


def test_an_empty_direction_is_rejected_by_default(fake: FakeBeeper) -> None:
    assert get(fake, "direction=").status_code == 400


@pytest.mark.parametrize("fake", [{"emptyDirection": "before"}], indirect=True)
def test_empty_direction_before_reads_it_as_the_default(fake: FakeBeeper) -> None:
    assert ids(get(fake, f"direction=&cursor={cursor_of(fake, '!b')}")) == ["!c", "!d", "!e", "!u"]


@pytest.mark.parametrize("fake", [{"limit": "ignored"}], indirect=True)
def test_limit_ignored_serves_default_size_pages_and_checks_nothing(fake: FakeBeeper) -> None:
    assert len(ids(get(fake, "limit=2"))) == 6
    assert get(fake, "limit=oops").status_code == 200


def test_the_marker_sets_behaviour(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import pytest

        @pytest.mark.fake_beeper(behaviour={"repeatedParams": "last"}, count=10, seed=1)
        def test_it(fake_beeper):
            assert fake_beeper.behaviour.repeated_params == "last"
            assert len(fake_beeper.http_client().get("/v1/chats?limit=1&limit=4").json()["items"]) == 4

        @pytest.mark.fake_beeper(behaviour={"after": "sideways"})
        def test_a_typo(fake_beeper):
            pass
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*after: 'sideways' is not one of 'adjacent', 'newest'*"])


def test_a_scenario_carries_behaviour_and_the_behaviour_keyword_goes_on_top() -> None:
    with FakeBeeper(CHATS, scenario={"behaviour": {"after": "newest", "limit": "ignored"}},
                    behaviour={"limit": "honoured"}) as fake:
        assert fake.behaviour == Behaviour(after="newest")
        fake.scenario()  # a cleared scenario: the default behaviour
        assert fake.behaviour == Behaviour()


def test_the_control_api_reads_and_sets_behaviour(fake: FakeBeeper) -> None:
    with fake.http_client() as http:
        assert http.get("/_fake-beeper/behaviour").json() == {key: values[0] for key, values in CHOICES.items()}
        changed = http.put("/_fake-beeper/behaviour", json={"undated": "omitted"})
        assert changed.status_code == 200 and changed.json()["undated"] == "omitted"
        assert ids(http.get("/v1/chats?limit=50"))[-1] == "!e"
        wrong = http.put("/_fake-beeper/behaviour", json={"undated": "first"})
        assert wrong.status_code == 400 and "undated" in wrong.json()["message"]
        assert http.get("/_fake-beeper/scenario").json()["behaviour"]["undated"] == "omitted"
    assert fake.errors == []


def test_serve_flags_name_only_the_changed_choices() -> None:
    behaviour = parse_flags(["after=newest", "undated=omitted"])
    assert behaviour.serve_flags() == "--behaviour after=newest --behaviour undated=omitted"
    assert Behaviour().serve_flags() == ""
    assert parse_flags(behaviour.serve_flags().replace("--behaviour ", "").split()) == behaviour


@pytest.mark.parametrize(("flags", "message"), [
    (["after"], "--behaviour after: expected KEY=VALUE"),
    (["afterwards=newest"], "unknown choice 'afterwards'; the choices are after, undated"),
    (["limit=sometimes"], "limit: 'sometimes' is not one of 'honoured', 'ignored'"),
])
def test_a_bad_flag_says_what_is_allowed(flags: list[str], message: str) -> None:
    with pytest.raises(BehaviourError, match=message):
        parse_flags(flags)


def test_a_behaviour_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(BehaviourError, match="must be a mapping"):
        parse_behaviour(["after=newest"])  # type: ignore[arg-type]
