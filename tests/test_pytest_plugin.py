"""The pytest plugin as a user meets it: installed by pip, fixtures and marker in a fresh project."""

from __future__ import annotations

import pytest


def test_the_fixtures_in_a_users_project(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import os
        import pytest
        from fake_beeper import chat

        def test_default_data(fake_beeper):
            assert len(fake_beeper.ordered_ids()) == 400

        @pytest.mark.fake_beeper(seed=5, count=30, accounts=2)
        def test_generated(fake_beeper):
            assert len(fake_beeper.store) == 30 and len(fake_beeper.store.account_ids) == 2

        @pytest.mark.fake_beeper(chats=[chat("!only")], token="t0k")
        def test_live(fake_beeper_server):
            assert fake_beeper_server.is_live and fake_beeper_server.token == "t0k"
            assert fake_beeper_server.ordered_ids() == ["!only"]

        def test_env(fake_beeper_env):
            assert os.environ["BEEPER_BASE_URL"] == fake_beeper_env.base_url
            assert os.environ["BEEPER_DESKTOP_BASE_URL"] == fake_beeper_env.base_url
            assert os.environ["BEEPER_ACCESS_TOKEN"] == fake_beeper_env.token

        def test_env_is_restored_after_the_test():
            assert "BEEPER_BASE_URL" not in os.environ
    """)
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=5)


def test_overriding_the_chats_fixture(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("""
        import pytest
        from fake_beeper import chat

        @pytest.fixture
        def fake_beeper_chats():
            return [chat("!from-conftest", last_activity="2026-01-01T00:00:00Z")]
    """)
    pytester.makepyfile("""
        def test_it(fake_beeper):
            assert fake_beeper.http_client().get("/v1/chats").json()["items"][0]["id"] == "!from-conftest"
    """)
    pytester.runpytest().assert_outcomes(passed=1)


@pytest.mark.parametrize(("marker", "message"), [
    ("fake_beeper(3)", "takes keyword arguments only"),
    ("fake_beeper(sead=3)", "unknown argument(s)*'sead'"),
    ("fake_beeper(chats=[], seed=1)", "give one of chats=..., fixtures=... or seed/count/accounts, "
                                      "not chats and seed/count/accounts"),
    ("fake_beeper(fixtures='x.jsonl', chats=[])", "not chats and fixtures"),
    ("fake_beeper(fixtures='missing.jsonl')", "fixtures='missing.jsonl'): cannot read /*/missing.jsonl: No such file*"),
])
def test_a_misused_marker_says_what_is_wrong(pytester: pytest.Pytester, marker: str, message: str) -> None:
    pytester.makepyfile(f"""
        import pytest

        @pytest.mark.{marker}
        def test_it(fake_beeper):
            pass
    """)
    result = pytester.runpytest()
    assert result.ret != 0
    result.stdout.fnmatch_lines([f"*{message}*"])


def test_a_broken_chat_fails_the_test_naming_chat_and_field(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import pytest
        from fake_beeper import chat

        @pytest.mark.fake_beeper(chats=[chat("!ok"), chat("!bad", chat_type="channel")])
        def test_it(fake_beeper):
            pass
    """)
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*chats[[]1[]]: chat '!bad': field type: \"channel\" is not one of*"])


def test_one_test_gets_one_fake_whichever_fixtures_it_asks_for(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import httpx

        def test_both(fake_beeper, fake_beeper_server, fake_beeper_env):
            assert fake_beeper is fake_beeper_server is fake_beeper_env
            fake_beeper.token = "rotated"
            answer = httpx.get(f"{fake_beeper_server.base_url}/v1/chats",
                               headers={"Authorization": "Bearer fake-beeper-token"})
            assert answer.status_code == 401
    """)
    pytester.runpytest().assert_outcomes(passed=1)


def test_fake_beeper_chats_is_one_type_whatever_the_data(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import pytest
        from fake_beeper import LoadedChat, chat

        def check(chats):
            assert isinstance(chats, tuple) and all(isinstance(c, LoadedChat) for c in chats)
            assert chats[0]["id"] == chats[0].id and "title" in chats[0]

        def test_default(fake_beeper_chats):
            check(fake_beeper_chats)

        @pytest.mark.fake_beeper(seed=2, count=5)
        def test_seeded(fake_beeper_chats):
            check(fake_beeper_chats)

        @pytest.mark.fake_beeper(chats=[chat("!a", unread_count=2)])
        def test_given(fake_beeper_chats):
            check(fake_beeper_chats)
            assert fake_beeper_chats[0]["unreadCount"] == 2
    """)
    pytester.runpytest().assert_outcomes(passed=3)


def test_a_bug_in_the_fake_fails_the_test_with_the_fakes_traceback(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import pytest

        def broken(**_):
            raise KeyError("bug inside the fake")

        def test_client_sees_a_500(fake_beeper):
            fake_beeper.store.page = broken
            assert fake_beeper.http_client().get("/v1/chats").status_code == 500

        @pytest.mark.fake_beeper(raise_server_errors=False)
        def test_opted_out(fake_beeper):
            fake_beeper.store.page = broken
            assert fake_beeper.http_client().get("/v1/chats").status_code == 500
    """)
    result = pytester.runpytest()
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_client_sees_a_500*",
                                 "*fake-beeper hit 1 internal error(s)*not in your client*",
                                 "*GET /v1/chats: KeyError*", "*bug inside the fake*"])


@pytest.mark.parametrize(("marker", "message"), [
    ('fake_beeper(token=" padded ")', "*@pytest.mark.fake_beeper: token ' padded ' is not a valid bearer token*"),
    ('fake_beeper(fixtures="mine.jsonl")', "*@pytest.mark.fake_beeper: *mine.jsonl, line 1: chat '!bad': field *"),
], ids=["a token that can never authenticate", "a broken fixture file"])
def test_marker_data_the_fake_cannot_serve_errors_the_test(pytester: pytest.Pytester, marker: str,
                                                           message: str) -> None:
    pytester.path.joinpath("mine.jsonl").write_text('{"id": "!bad", "accountID": "a"}\n')
    pytester.makepyfile(f"""
        import pytest

        @pytest.mark.{marker}
        def test_it(fake_beeper):
            pass
    """)
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([message])


def test_live_tests_share_one_port_but_never_each_others_fake(pytester: pytest.Pytester) -> None:
    """One server for the session; each test's fake (token, journal, faults, live changes) is its own."""
    pytester.makepyfile("""
        import httpx, pytest

        seen = {}

        @pytest.mark.fake_beeper(token="first-token")
        def test_first(fake_beeper_server):
            seen["url"] = fake_beeper_server.base_url
            fake_beeper_server.fail(503, times=None)
            fake_beeper_server.activity.message(fake_beeper_server.ordered_ids()[-1])
            seen["moved"] = fake_beeper_server.ordered_ids()[0]
            headers = {"Authorization": "Bearer first-token"}
            assert httpx.get(seen["url"] + "/v1/chats", headers=headers).status_code == 503

        def test_second(fake_beeper_server):
            assert fake_beeper_server.base_url == seen["url"]  # the same port...
            assert len(fake_beeper_server.journal) == 0        # ...but none of the first test's requests
            headers = {"Authorization": "Bearer first-token"}
            assert httpx.get(seen["url"] + "/v1/chats", headers=headers).status_code == 401
            headers = {"Authorization": f"Bearer {fake_beeper_server.token}"}
            page = httpx.get(seen["url"] + "/v1/chats", headers=headers)
            assert page.status_code == 200                     # no fault left over
            assert page.json()["items"][0]["id"] != seen["moved"]  # nor the first test's live change
            seen["server"] = fake_beeper_server

        def test_between_tests_the_port_answers_503():
            answer = httpx.get(seen["url"] + "/v1/chats")
            assert answer.status_code == 503 and answer.json()["code"] == "NO_FAKE_ATTACHED"
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)



def test_profile_every_gives_one_test_per_profile(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import pytest

        @pytest.mark.fake_beeper(profile="every")
        def test_it(fake_beeper):
            assert "network" in fake_beeper.http_client().get("/v1/chats").json()["items"][0]

        @pytest.mark.fake_beeper(profile=["4.1", "6.0"])
        def test_two(fake_beeper):
            pass

        @pytest.mark.fake_beeper(profile="7.0")
        def test_unknown(fake_beeper):
            pass
    """)
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=6, failed=1, errors=1)
    result.stdout.fnmatch_lines(["*test_it[[]4.1[]] PASSED*", "*test_it[[]js-4.2.3[]] PASSED*",
                                 "*test_it[[]4.2[]] FAILED*", "*test_it[[]5.0[]] PASSED*", "*test_it[[]6.0[]] PASSED*",
                                 "*test_two[[]4.1[]] PASSED*", "*test_two[[]6.0[]] PASSED*",
                                 "*profile='7.0'*unknown profile*"])


def test_a_relative_fixtures_path_is_found_beside_the_test_or_under_the_rootdir_wherever_pytest_runs(
        pytester: pytest.Pytester) -> None:
    from fake_beeper.data import generate_chats
    from fake_beeper.data.files import write_chats

    (pytester.path / "tests" / "data").mkdir(parents=True)
    write_chats(generate_chats(1, 3), pytester.path / "tests" / "data" / "three.jsonl")
    write_chats(generate_chats(2, 5), pytester.path / "five.jsonl")
    pytester.makeini("[pytest]\n")  # the rootdir: pytester.path
    (pytester.path / "tests" / "test_paths.py").write_text("""
import pytest

@pytest.mark.fake_beeper(fixtures="data/three.jsonl")  # beside this file
def test_beside(fake_beeper):
    assert len(fake_beeper.store) == 3

@pytest.mark.fake_beeper(fixtures="five.jsonl")  # under the rootdir
def test_under_the_rootdir(fake_beeper):
    assert len(fake_beeper.store) == 5

@pytest.mark.fake_beeper(fixtures="nowhere.jsonl")
def test_missing(fake_beeper):
    pass
""")
    elsewhere = pytester.path / "tests" / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(elsewhere)  # neither path is relative to here
        result = pytester.runpytest(str(pytester.path / "tests"), "-p", "no:randomly")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines([f"*fixtures='nowhere.jsonl'): cannot read {pytester.path}/tests/nowhere.jsonl "
                                 f"(beside the test) or {pytester.path}/nowhere.jsonl (under the rootdir)*"])


def test_a_recording_of_an_older_server_is_served_as_its_stage(pytester: pytest.Pytester) -> None:
    from fake_beeper import FakeBeeper
    from fake_beeper.data.files import write_chats
    from fake_beeper.record import RecordOptions, record

    with FakeBeeper(profile="4.2").start() as old:
        recording = record(old.base_url, old.token, RecordOptions(rate=1000, seed=1, profile="4.2"))
    write_chats(recording.bodies, pytester.path / "old.jsonl", accounts=recording.accounts, stage=recording.stage)
    pytester.makepyfile("""
        import pytest

        @pytest.mark.fake_beeper(fixtures="old.jsonl")
        def test_its_stage(fake_beeper):
            assert fake_beeper.profile == "4.2"
            assert all("network" not in chat for chat in fake_beeper.http_client().get("/v1/chats").json()["items"])

        @pytest.mark.fake_beeper(fixtures="old.jsonl", profile=["4.2", "5.0"])
        def test_another_stage(fake_beeper):
            pass
    """)
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2, errors=1)  # the fake cannot be built: an error at set-up, with the reason
    result.stdout.fnmatch_lines(["*fixtures='old.jsonl'*stage 4.2*served as profile 4.2 only, not 5.0*"])
    assert "During handling" not in result.stdout.str()
