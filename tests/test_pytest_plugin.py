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
    ("fake_beeper(chats=[], seed=1)", "give chats=... or seed/count/accounts, not both"),
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
