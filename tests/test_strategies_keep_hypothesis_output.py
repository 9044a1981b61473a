"""Using the strategies must not silence Hypothesis for the user's other tests."""

from __future__ import annotations

import pytest


def test_a_users_own_hypothesis_test_still_prints_its_falsifying_example(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        from hypothesis import given, settings, strategies as st
        from fake_beeper.strategies import chat_pages

        @settings(max_examples=5, database=None)
        @given(page=chat_pages())
        def test_uses_the_strategies(page):
            assert "items" in page

        @settings(database=None)
        @given(number=st.integers())
        def test_the_users_own(number):
            assert number < 1000
    """)
    result = pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    # Hypothesis heads the example "Failing test case:" since 6.1xx, "Falsifying example:" before.
    result.stdout.re_match_lines([r".*(Failing test case|Falsifying example): test_the_users_own\(.*",
                                  r".*number=1000,.*"])
