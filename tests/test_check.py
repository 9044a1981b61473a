"""``fake-beeper check``: it passes the fake under each behaviour, reads each behaviour back, fails
broken servers with a message that names the page, the request and the chat, and sends nothing
but GET and harmless probes.

The broken servers are the fake behind a small ASGI wrapper that spoils its answers.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation import GenerationMode

from fake_beeper import FakeBeeper
from fake_beeper.check import CheckOptions, Phase, Report, run_check
from fake_beeper.check.report import Finding
from fake_beeper.check.schema import load_schema, only
from fake_beeper.contract import spec, stages
from fake_beeper.contract.stages import Stage
from fake_beeper.http.server import LiveServer
from fake_beeper.polite import Polite, UnsafeRequest, polite_client
from fake_beeper.world import cursors

FAST = CheckOptions(rate=5000, max_examples=3, machine_examples=3)
# The walks alone, for the tests of what they find (Schemathesis's own findings have tests of their own).
WALKS = frozenset({Phase.PAGINATION})
Mutate = Callable[[dict[str, Any], dict[str, list[str]], FakeBeeper], dict[str, Any]]


def names(found: list[Stage]) -> list[str]:
    return [stage.name for stage in found]


def check(base_url: str, token: str = "fake-beeper-token", profile: str = "latest",
          phases: frozenset[Phase] = FAST.phases) -> Report:
    return run_check(base_url, token, dataclasses.replace(FAST, profile=profile, phases=phases))


@pytest.mark.parametrize(("behaviour", "read_back"), [
    ({}, {}),
    ({"after": "newest"}, {}),
    ({"accountIDsComma": "split", "repeatedParams": "first"}, {}),
    ({"repeatedParams": "last", "emptyDirection": "before"}, {}),
    # Through the list alone, chats left out cannot be told from chats that do not exist.
    ({"undated": "omitted"}, {"undated": "none-seen"}),
    ({"after": "newest", "undated": "omitted", "accountIDsComma": "split", "repeatedParams": "last",
      "emptyDirection": "before"}, {"undated": "none-seen"}),
    ({"searchMatch": "substring", "searchScope": "titles", "activityBounds": "inclusive"}, {}),
    ({"unreadOnly": "unreadCount", "naiveDateTimes": "rejected"}, {}),
], ids=repr)
def test_the_fake_passes_under_each_behaviour_and_the_check_reads_it_back(
        behaviour: dict[str, str], read_back: dict[str, str]) -> None:
    with FakeBeeper(behaviour=behaviour).start() as fake:
        report = check(fake.base_url)
    assert report.violations == [] and report.warnings == [], report.summary()
    expected = {**fake.behaviour.as_json(), **read_back}
    assert {key: report.behaviour[key] for key in expected} == expected
    assert report.serve_flags == fake.behaviour.serve_flags().replace(" --behaviour undated=omitted", "").replace(
        "--behaviour undated=omitted", "").strip()
    assert "pagination: interleaved walkers match the model" in report.passed
    assert "search: interleaved walkers match the model" in report.passed
    assert names(report.stages) == ["6.0"]


def test_a_server_that_ignores_limit_breaks_the_contract() -> None:
    with FakeBeeper(behaviour={"limit": "ignored"}).start() as fake:
        report = check(fake.base_url, phases=WALKS)
    assert (report.behaviour["limit"], report.behaviour["after"]) == ("ignored", "adjacent")
    assert any("limit=3 returned 25 chats" in finding.message for finding in report.violations)
    assert report.exit_status == 1


@pytest.mark.parametrize("profile", ["4.1", "js-4.2.3", "4.2", "5.0"])
def test_the_fake_under_a_profile_passes_the_check_held_to_that_profile(profile: str) -> None:
    with FakeBeeper(profile=profile).start() as fake:
        report = check(fake.base_url, profile=profile)
    assert report.violations == [] and report.warnings == [], report.summary()
    assert report.stage.name == profile and report.serve_flags == f"--profile {profile}"
    # What it serves fits its own stage; 4.1's chats and accounts fit js-4.2.3's looser contract too.
    assert names(report.stages) == {"4.1": ["js-4.2.3", "4.1"]}.get(profile, [profile])
    assert report.behaviour["limit"] == "ignored"  # no limit before 6.0: the stage's servers ignored it
    assert "pagination: interleaved walkers match the model" in report.passed
    assert f"as profile {profile}:" in report.summary()


@pytest.mark.parametrize(("served", "held", "words"), [
    ("4.1", "latest", ["GET /v1/chats?limit=3 returned 25 chats", "25 chats, more than limit=7"]),
    ("4.2", "4.1", ['"network" is a required property']),
    ("js-4.2.3", "4.1", ['"title" is a required property']),
    ("5.0", "latest", ['"status" is a required property', "limit=3 returned 25 chats"]),
], ids=["4.1 as latest", "4.2 as 4.1", "js-4.2.3 as 4.1", "5.0 as latest"])
def test_a_server_of_one_stage_fails_the_check_held_to_another(served: str, held: str, words: list[str]) -> None:
    with FakeBeeper(profile=served).start() as fake:
        # The walks, and Schemathesis's examples and fuzzing: they find the accounts' missing "status".
        report = check(fake.base_url, profile=held, phases=WALKS | {Phase.EXAMPLES, Phase.FUZZING})
    assert report.exit_status == 1
    messages = " | ".join(f.message for f in report.violations)
    assert all(word in messages for word in words), report.summary()
    assert report.stages[-1].name == served, report.stages
    assert f"check it as one: fake-beeper check {report.base_url} --profile {served}" in report.summary()


class Broken:
    """The fake's app, with its ``GET /v1/chats`` bodies passed through ``mutate``, or other defects."""

    def __init__(self, fake: FakeBeeper, mutate: Mutate | None = None, *, any_token: bool = False,
                 trace: int | None = None, query: Callable[[bytes], bytes] | None = None,
                 path: str = "/v1/chats") -> None:
        self.fake, self.mutate, self.any_token, self.trace, self.query = fake, mutate, any_token, trace, query
        self.path = path  # the operation whose bodies `mutate` changes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        app = self.fake.app
        if scope["type"] != "http":
            return await app(scope, receive, send)
        if self.trace is not None and scope["method"] == "TRACE":
            await send({"type": "http.response.start", "status": self.trace, "headers": []})
            return await send({"type": "http.response.body", "body": b""})
        if self.query is not None:
            scope = {**scope, "query_string": self.query(scope["query_string"])}
        if self.any_token:
            headers = [(k, v) for k, v in scope["headers"] if k != b"authorization"]
            scope = {**scope, "headers": [*headers, (b"authorization", f"Bearer {self.fake.token}".encode())]}
        if self.mutate is None or scope["path"] != self.path:
            return await app(scope, receive, send)
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            else:
                chunks.append(message.get("body", b""))

        await app(scope, receive, capture)
        body = b"".join(chunks)
        if started["status"] == 200:
            query = parse_qs(scope["query_string"].decode(), keep_blank_values=True)
            assert self.mutate is not None
            body = orjson.dumps(self.mutate(orjson.loads(body), query, self.fake))
        headers = [(k, v) for k, v in started["headers"] if k != b"content-length"]
        await send({**started, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


@pytest.fixture
def broken() -> Iterator[Callable[..., str]]:
    servers: list[LiveServer] = []

    def serve(*args: Any, profile: str = "latest", **kwargs: Any) -> str:
        fake = FakeBeeper(profile=profile)
        server = LiveServer(Broken(fake, *args, **kwargs)).start()  # type: ignore[arg-type]
        servers.append(server)
        return server.url

    yield serve
    for server in servers:
        server.stop()


def _cursors_chat(query: dict[str, list[str]], fake: FakeBeeper) -> dict[str, Any] | None:
    """The chat the request's cursor points at, if it is one of the fake's."""
    cursor = query.get("cursor", [""])[0]
    chat_id = cursors.decode(cursor).chat_id if cursor else None
    chat = fake.store.get(chat_id) if chat_id is not None else None
    return chat.to_dict() if chat is not None else None


def _repeat_the_cursors_chat(page: dict[str, Any], query: dict[str, list[str]], fake: FakeBeeper) -> dict[str, Any]:
    chat = _cursors_chat(query, fake)
    if chat is not None and query.get("direction", ["before"])[0] != "after" and page["items"]:
        page["items"] = [chat, *page["items"][:-1]]  # as many chats as asked for, one of them seen before
    return page


def _swap_the_first_two(page: dict[str, Any], query: dict[str, list[str]], fake: FakeBeeper) -> dict[str, Any]:
    if len(page["items"]) > 1 and "cursor" not in query:
        page["items"][:2] = page["items"][1::-1]
    return page


def _always_more(page: dict[str, Any], query: dict[str, list[str]], fake: FakeBeeper) -> dict[str, Any]:
    return {**page, "hasMore": True}


def _ignore_account_ids(query: bytes) -> bytes:
    """The filter dropped before the fake sees it: every account's chats come back."""
    return b"&".join(part for part in query.split(b"&") if not part.startswith(b"accountIDs="))


def _ignore_type(query: bytes) -> bytes:
    """The search's ``type`` dropped before the fake sees it: groups and single chats come back."""
    return b"&".join(part for part in query.split(b"&") if not part.startswith(b"type="))


def _drop_titles(page: dict[str, Any], query: dict[str, list[str]], fake: FakeBeeper) -> dict[str, Any]:
    for chat in page["items"]:
        chat.pop("title", None)
    return page


def _newer_after_page(page: dict[str, Any], query: dict[str, list[str]], fake: FakeBeeper) -> dict[str, Any]:
    """``after`` pages that also hold the cursor's own chat: neither adjacent nor newest."""
    chat = _cursors_chat(query, fake)
    if chat is not None and query.get("direction") == ["after"] and page["items"]:
        page["items"] = [*page["items"][:-1], chat]
    return page


PAGE_AND_CHAT = [r"page \d+ \(GET /v1/chats\?[^)]*\)", r"chat '![^']+'"]


@pytest.mark.parametrize(("defect", "check_name", "words"), [
    ({"mutate": _repeat_the_cursors_chat}, "pagination", [*PAGE_AND_CHAT, "also on page 1"]),
    ({"mutate": _swap_the_first_two}, "pagination", [*PAGE_AND_CHAT, "is listed before the more recent"]),
    ({"mutate": _always_more}, "pagination", [PAGE_AND_CHAT[0], "an empty page says hasMore: true"]),
    ({"query": _ignore_account_ids}, "pagination: accountIDs", [r"accountIDs=\[", "returned chats of other accounts",
                                                                 r"chat '![^']+'"]),
    ({"mutate": _newer_after_page}, "pagination", [*PAGE_AND_CHAT, "direction=after", "cursor's own chat"]),
    ({"mutate": _drop_titles}, "contract: every chat", [*PAGE_AND_CHAT, "\"title\" is a required property"]),
    ({"query": _ignore_type}, "search: walks", [r"page \d+ \(GET /v1/chats/search\?[^)]*type=", r"chat '![^']+'",
                                                "has type"]),
    ({"mutate": _repeat_the_cursors_chat, "path": "/v1/chats/search"}, "search: walks",
     [r"page \d+ \(GET /v1/chats/search\?[^)]*\)", r"chat '![^']+'", "also on page 1"]),
], ids=["a chat twice", "out of order", "hasMore never ends", "accountIDs ignored", "after repeats the cursor",
        "a required field missing", "search ignores type", "search repeats a chat"])
def test_a_broken_server_fails_the_check_naming_the_page_request_and_chat(
        broken: Callable[..., str], defect: dict[str, Any], check_name: str, words: list[str]) -> None:
    report = check(broken(**defect), phases=WALKS)
    assert report.exit_status == 1
    relevant = [f for f in report.violations if f.check.startswith(check_name)]
    assert relevant, report.summary()
    assert any(all(re.search(word, f.message) for word in words) for f in relevant), report.summary()
    assert all(f.curl is None or f.curl.startswith("curl ") for f in report.violations)


@pytest.mark.parametrize(("defect", "words"), [
    ({"mutate": _repeat_the_cursors_chat}, ["also on page 1"]),
    ({"mutate": _swap_the_first_two}, ["is listed before the more recent"]),
    ({"mutate": _newer_after_page}, ["direction=after", "cursor's own chat"]),
], ids=["a chat twice", "out of order", "after repeats the cursor"])
def test_under_a_stage_without_limit_a_broken_server_still_fails(
        broken: Callable[..., str], defect: dict[str, Any], words: list[str]) -> None:
    report = check(broken(profile="4.2", **defect), profile="4.2", phases=WALKS)
    pagination = [f for f in report.violations if f.check.startswith("pagination")]
    assert pagination, report.summary()
    assert all("limit=" not in f.message for f in report.violations), "a stage without limit is sent none"
    assert any(all(word in f.message for word in [*words, "chat '!"]) for f in pagination), report.summary()


def test_phases_left_out_are_not_run_and_every_report_says_so(tmp_path: Path) -> None:
    """``--phases pagination``: the walks run, Schemathesis and the machines do not (no request
    of Schemathesis reaches the server), and each report names what was left out, so that the
    pass is never read as a pass of everything."""
    with FakeBeeper().start() as fake:
        done = _cli(fake.base_url, "--token", fake.token, "--rate", "5000", "--phases", "pagination",
                    "--json", str(tmp_path / "c.json"), "--junit", str(tmp_path / "c.xml"),
                    "--markdown", str(tmp_path / "c.md"))
        fuzzed = [r for r in fake.journal if "x-schemathesis-testcaseid" in r.headers]
    assert done.returncode == 0, done.stdout + done.stderr
    assert fuzzed == []
    left_out = ["machines", "examples", "coverage", "fuzzing", "stateful"]
    found = json.loads((tmp_path / "c.json").read_text())
    assert found["leftOut"] == left_out and "pagination: every chat once, in order" in found["passed"]
    assert not [name for name in found["passed"] if name.startswith(("schemathesis", "search: interleaved"))]
    assert f"not run (left out by --phases): {', '.join(left_out)}" in done.stdout
    assert done.stdout.rstrip().endswith("passed (in the phases chosen only)")
    junit = (tmp_path / "c.xml").read_text()
    assert 'skipped="5"' in junit and junit.count("<skipped ") == 5 and '<testcase classname="fake-beeper.check" ' \
        'name="phase: stateful"><skipped message="left out by --phases" />' in junit, junit
    assert f'tests="{len(found["passed"]) + 5}"' in junit
    assert "## Not run (left out by --phases)" in (tmp_path / "c.md").read_text()


def test_schemathesis_reports_a_missing_field_too(broken: Callable[..., str]) -> None:
    report = check(broken(mutate=_drop_titles), phases=frozenset({Phase.FUZZING}))
    assert any(f.check == "schemathesis: response_schema_conformance" and "title" in f.message
               for f in report.violations), report.summary()
    assert names(report.stages) == []  # chats of the newest shape without titles: no stage of the contract had those


def test_a_server_that_accepts_any_token_fails(broken: Callable[..., str]) -> None:
    report = check(broken(any_token=True), phases=frozenset({Phase.EXAMPLES}))
    assert any(f.check == "schemathesis: ignored_auth" for f in report.violations), report.summary()


def test_a_501_for_trace_is_a_warning_not_a_violation(broken: Callable[..., str]) -> None:
    report = check(broken(trace=501), phases=frozenset({Phase.COVERAGE}))  # where the methods are tried
    assert report.violations == [], report.summary()
    assert any(f.check == "schemathesis: unsupported_method" and "501" in f.message for f in report.warnings)
    assert report.exit_status == 0


def test_the_check_sends_only_get_and_harmless_probes() -> None:
    with FakeBeeper().start() as fake:
        report = check(fake.base_url)
        sent = {record.method for record in fake.journal}
    assert sent <= {"GET", "HEAD", "OPTIONS", "TRACE"} and "GET" in sent
    # Every request that reached the fake passed the gate (one more, Schemathesis's NULL-byte
    # header probe, is refused by the HTTP parser before the fake's journal sees it).
    assert set(report.methods) == sent and len(fake.journal) <= report.requests <= len(fake.journal) + 1


def test_a_check_patches_no_library_while_it_runs() -> None:
    """Schemathesis's requests reach the server through a loopback gate of the check's own: the
    rest of the process (another thread's ``requests``) keeps its adapter as it was, throughout."""
    import requests.adapters

    original, seen, done = requests.adapters.HTTPAdapter.send, set(), threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen.add(requests.adapters.HTTPAdapter.send is original)
            done.wait(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with FakeBeeper().start() as fake:
            report = check(fake.base_url, phases=frozenset({Phase.EXAMPLES, Phase.COVERAGE}))
    finally:
        done.set()
        watcher.join()
    assert any(name.startswith("schemathesis:") for name in report.passed) and seen == {True}


def test_the_gate_refuses_a_write_before_anything_is_sent(fake_beeper_server: FakeBeeper) -> None:
    polite = Polite(rate=1000)
    with polite_client(fake_beeper_server.base_url, fake_beeper_server.token, polite) as http:
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            with pytest.raises(UnsafeRequest, match=f"never sends {method}"):
                http.request(method, "/v1/chats")
        http.get("/v1/chats")
    assert [request.method for request in fake_beeper_server.journal] == ["GET"] and polite.requests == 1


def test_the_token_never_appears_in_a_report(broken: Callable[..., str]) -> None:
    report = check(broken(mutate=_drop_titles), phases=frozenset({Phase.PAGINATION, Phase.EXAMPLES}))
    assert "fake-beeper-token" not in json.dumps(report.as_json()) + report.markdown() + report.junit().decode()
    assert any("$BEEPER_ACCESS_TOKEN" in (f.curl or "") for f in report.violations)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fake_beeper.cli", "check", *args], capture_output=True,
                          text=True, timeout=300, check=False)


def test_the_command_writes_json_junit_and_markdown_and_exits_0(tmp_path: Path) -> None:
    with FakeBeeper(behaviour={"after": "newest"}).start() as fake:
        done = _cli(fake.base_url, "--token", fake.token, "--rate", "5000", "--max-examples", "3",
                    "--json", str(tmp_path / "c.json"), "--junit", str(tmp_path / "c.xml"),
                    "--markdown", str(tmp_path / "c.md"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the fake behaves the same in what was learned: fake-beeper serve --behaviour after=newest" in done.stdout
    found = json.loads((tmp_path / "c.json").read_text())
    assert found["violations"] == [] and found["behaviour"]["after"] == "newest"
    assert found["serveFlags"] == "--behaviour after=newest" and found["requests"] > 100
    assert (tmp_path / "c.xml").read_text().startswith("<?xml") and 'failures="0"' in (tmp_path / "c.xml").read_text()
    assert "| `after` | `newest` |" in (tmp_path / "c.md").read_text()


def test_the_command_holds_a_server_to_the_profile_it_is_given(tmp_path: Path) -> None:
    with FakeBeeper(profile="4.2").start() as fake:
        held = _cli(fake.base_url, "--token", fake.token, "--rate", "5000", "--phases", "pagination",
                    "--profile", "4.2", "--json", str(tmp_path / "c.json"))
        newest = _cli(fake.base_url, "--token", fake.token, "--rate", "5000", "--phases", "pagination")
    assert held.returncode == 0, held.stdout + held.stderr
    assert "as profile 4.2:" in held.stdout and "fake-beeper serve --profile 4.2" in held.stdout
    found = json.loads((tmp_path / "c.json").read_text())
    assert (found["profile"], found["violations"], found["serveFlags"]) == ("4.2", [], "--profile 4.2")
    assert newest.returncode == 1 and '"network" is a required property' in newest.stdout


def test_the_command_exits_1_on_violations(broken: Callable[..., str]) -> None:
    done = _cli(broken(mutate=_swap_the_first_two), "--token", "fake-beeper-token", "--rate", "5000",
                "--phases", "pagination")
    assert done.returncode == 1
    assert "VIOLATION [pagination" in done.stdout and "curl -sS" in done.stdout


@pytest.mark.parametrize(("args", "words"), [
    (["http://127.0.0.1:9", "--token", "t"], "cannot reach http://127.0.0.1:9"),
    (["--token", "wrong"], "refuses the token (401)"),
    (["--token", "a b"], "not a valid bearer token"),
    (["--rate", "0", "--token", "t"], "must be more than 0"),
    (["--profile", "9.9", "--token", "t"], "unknown profile '9.9'"),
])
def test_the_command_exits_2_with_one_line_when_it_cannot_run(args: list[str], words: str) -> None:
    with FakeBeeper().start() as fake:
        done = _cli(*(args if args[0].startswith("http") else [fake.base_url, *args]))
    assert done.returncode == 2
    assert words in done.stderr and done.stderr.count("error") == 1, done.stderr


def test_the_command_does_not_replace_a_report_file(tmp_path: Path) -> None:
    mine = tmp_path / "mine.json"
    mine.write_text("my notes")
    done = _cli("http://127.0.0.1:9", "--token", "t", "--json", str(mine))
    assert done.returncode == 2 and "exists; pass --force" in done.stderr
    assert mine.read_text() == "my notes"


def test_without_the_check_extra_the_command_says_what_to_install() -> None:
    hide = ("import importlib.util, sys\n"
            "found = importlib.util.find_spec\n"
            "importlib.util.find_spec = lambda name, *rest: None if name in ('schemathesis', 'hypothesis') "
            "else found(name, *rest)\n"
            "from fake_beeper.cli import main\n"
            "sys.exit(main(['check', 'http://127.0.0.1:9', '--token', 't']))\n")
    done = subprocess.run([sys.executable, "-c", hide], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr == ("fake-beeper: error: check needs schemathesis and hypothesis: "
                           "pip install 'hypothesis<7,>=6.130.12' 'schemathesis<5,>=4.32'\n")


def test_schemathesis_sends_no_empty_value_where_the_contract_allows_one() -> None:
    # Schemathesis draws `unreadOnly=` as invalid negative data, though `allowEmptyValue` makes it
    # valid: a server that accepts it would fail. The packaged schema leaves those cases out.
    def empty_values(schema: Any) -> int:
        found: list[dict[str, Any]] = []
        strategy = schema["/v1/chats/search"]["GET"].as_strategy(generation_mode=GenerationMode.NEGATIVE)

        @settings(max_examples=100, database=None, derandomize=True, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def draw(case: Any) -> None:
            if "" in ((case.query or {}).get(name) for name in ("unreadOnly", "includeMuted")):
                found.append(case.query)

        draw()
        return len(found)

    assert empty_values(schemathesis.openapi.from_dict(copy.deepcopy(spec.spec()), config=schemathesis.Config())) > 0
    assert empty_values(load_schema(lambda: "token")) == 0


def test_curl_lines_let_the_shell_put_the_token_in_and_findings_print_escaped() -> None:
    """Schemathesis quotes its headers singly, where the shell would never expand the variable;
    and a server's words reach the terminal only escaped."""
    report = Report("http://127.0.0.1:9", findings=[
        Finding("violation", "schemathesis: ignored_auth", "Server said \x1b[2J\nforged",
                "curl -X GET -H 'Authorization: [Filtered]' 'http://127.0.0.1:9/v1/chats'"),
        Finding("violation", "schemathesis: x", "m", "curl -X GET -H 'Authorization: Bearer s3cret' 'http://h/v1'")])
    report.scrub("s3cret")
    for finding in report.findings:
        assert finding.curl is not None and '-H "Authorization: Bearer $BEEPER_ACCESS_TOKEN"' in finding.curl
        assert "'Authorization" not in finding.curl and "s3cret" not in finding.curl
    summary = report.summary()
    assert "\x1b" not in summary and "\\x1b[2J\\nforged" in summary


@pytest.mark.parametrize(("defect", "says"), [
    (_swap_the_first_two, "is listed before the more recent"),
    (_always_more, "hasMore"),
])
def test_verdicts_hold_under_python_optimize(broken: Callable[..., str], defect: Callable[..., Any], says: str,
                                             tmp_path: Path) -> None:
    """``python -O`` drops every ``assert``: no verdict of the check rests on one."""
    import os

    done = subprocess.run([sys.executable, "-m", "fake_beeper.cli", "check", broken(mutate=defect), "--token",
                           "fake-beeper-token", "--rate", "5000", "--phases", "pagination,machines", "--json",
                           str(tmp_path / "c.json")], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONOPTIMIZE": "1"})
    assert done.returncode == 1, done.stdout + done.stderr
    violations = json.loads((tmp_path / "c.json").read_text())["violations"]
    assert any(says in finding["message"] for finding in violations), violations


def test_a_bug_in_the_check_is_never_the_servers_violation(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A check that fails on its own (here made to) ends the run as a bug of fake-beeper check: exit 2,
    one line, the traceback in --json, and no verdict on the server."""
    from fake_beeper.check import CheckerBug, walks

    def buggy(server: walks.Server) -> None:
        raise KeyError("a key the check itself got wrong")

    monkeypatch.setitem(walks.CHECKS, "pagination: every chat once, in order", buggy)
    with FakeBeeper().start() as fake, pytest.raises(CheckerBug, match=r"a bug in fake-beeper check, in "
                                                                        r'"pagination: every chat once'):
        check(fake.base_url)
    with FakeBeeper().start() as fake:
        done = subprocess.run([sys.executable, "-c", "import sys; from fake_beeper.check import walks; "
                               "walks.CHECKS['pagination: every chat once, in order'] = lambda server: {}['x']; "
                               "from fake_beeper.cli import main; sys.exit(main(sys.argv[1:]))",
                               "check", fake.base_url, "--token", fake.token, "--rate", "5000", "--max-examples", "5",
                               "--json", str(tmp_path / "bug.json")], capture_output=True, text=True, timeout=300)
    said = [line for line in done.stderr.splitlines() if not line.startswith("fake-beeper check: ")]  # progress
    assert done.returncode == 2 and len(said) == 1, done.stderr
    assert "a bug in fake-beeper check" in said[0] and "KeyError" in said[0]
    bug = json.loads((tmp_path / "bug.json").read_text())["bug"]
    assert "Traceback" in bug["traceback"] and "violations" not in json.loads((tmp_path / "bug.json").read_text())


def test_the_summary_claims_sameness_only_over_what_was_learned() -> None:
    report = Report("http://127.0.0.1:9", behaviour={})
    assert "not learned" in report.summary() and "behaves the same" not in report.summary()
    report = Report("http://127.0.0.1:9", behaviour={"after": "unknown", "limit": "honoured", "emptyCursor": "rejected",
                                                     "unknownParams": "ignored"})
    summary = report.summary()
    assert "not learned (the data could not tell, or the answer fit no choice): after" in summary
    assert "the fake cannot imitate: emptyCursor=rejected (the fake: first-page)" in summary
    assert "unknownParams" not in summary.split("cannot imitate")[1]


def test_summary_lines_are_short_and_the_reports_keep_everything() -> None:
    ids = [f"!chat_{number}:ba_{'x' * 60}.local-whatsapp.localhost" for number in range(33)]
    report = Report("http://127.0.0.1:9", behaviour={"limit": "honoured"},
                    findings=[Finding("violation", "pagination: every chat once", f"left out {ids}")])
    assert max(len(line) for line in report.summary().splitlines()) <= 201
    assert all(chat_id in json.dumps(report.as_json()) and chat_id in report.markdown() for chat_id in ids)


def test_a_server_of_an_older_stage_is_told_so_first_and_served_as_that_stage() -> None:
    report = Report("http://127.0.0.1:9", behaviour={"limit": "ignored"}, stages=[stages.stage("4.1")],
                    findings=[Finding("violation", "probes: limit is a maximum", "limit=3 returned 25 chats")])
    lines = report.summary().splitlines()
    assert lines[1].startswith("FIRST: its chats and accounts fit stage 4.1") and "--profile 4.1" in lines[1]
    with FakeBeeper(profile="4.1").start() as fake:
        held = check(fake.base_url, fake.token, phases=WALKS)
    assert held.stages[-1].name == "4.1" and held.serve_flags.startswith("--profile 4.1")
    assert "limit=ignored" not in held.serve_flags
    assert held.summary().splitlines()[1].startswith("FIRST: ")


def test_the_stateful_phase_follows_the_cursors_the_server_issued() -> None:
    """The contract's links (``OlderPage``/``NewerPage``) make Schemathesis's stateful phase walk
    pages with cursors the server handed out: a property of the tool, held here against the fake
    (``contract_tests`` holds the server under test to its answers only)."""
    from hypothesis import settings as hypothesis_settings

    issued: set[str] = set()
    followed: list[str] = []
    with FakeBeeper().start() as fake:
        schema = load_schema(lambda: fake.token)
        schema.config.update(base_url=fake.base_url)

        @schema.hook
        def after_call(context: Any, case: Any, response: Any) -> None:
            sent = (case.query or {}).get("cursor")
            if sent in issued and response.status_code == 200:
                followed.append(sent)
            body = response.json() if response.status_code == 200 else None
            if isinstance(body, dict):  # a page (the accounts are a bare array, a chat has no cursors)
                issued.update(c for c in (body.get("oldestCursor"), body.get("newestCursor")) if c)

        paged = only(schema, ["listChats", "searchChats"])
        paged.as_state_machine().run(settings=hypothesis_settings(max_examples=20, stateful_step_count=8,
                                                                  deadline=None, database=None, derandomize=True))
    assert len(followed) >= 5, f"the stateful phase followed only {len(followed)} server-issued cursors"


def _list_only(fake: FakeBeeper) -> Any:
    """A server that serves GET /v1/chats and nothing around it (404 with the Error body elsewhere)."""
    from fake_beeper.errors import NotFound, send_json

    async def serve(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] != "/v1/chats":
            error = NotFound(f"No route for {scope['path']}")
            await send_json(send, error.status, error.body())
            return
        await fake.app(scope, receive, send)

    return serve


def test_an_operation_a_server_does_not_serve_is_one_finding_and_can_be_left_out() -> None:
    fake = FakeBeeper()
    with LiveServer(_list_only(fake)) as server:
        report = check(server.url)
        held_to_the_list = run_check(server.url, fake.token, dataclasses.replace(FAST, operations=("listChats",)))
    not_served = [f for f in report.violations if f.check == "operations: served"]
    assert sorted(f.message.split()[0] for f in not_served) == sorted(
        ["searchChats", "getChat", "getAccounts", "getAccount", "getInfo", "listMessages", "getMessage",
         "searchMessages"])
    assert all(f.curl for f in not_served)
    assert [f for f in report.violations if f not in not_served and "404" in f.message] == []
    assert report.operations == ["listChats"]
    assert held_to_the_list.exit_status == 0, held_to_the_list.summary()
    assert held_to_the_list.operations == ["listChats"]


@pytest.mark.parametrize(("option", "value", "says"), [
    ("--operations", "listChats,nope", "unknown operation 'nope'; the operations are listChats, searchChats, getChat"),
    ("--operations", "getChat", "listChats is always checked"),
    ("--phases", "pagination,nope", "unknown phase 'nope'; the phases are pagination, machines, examples, coverage"),
    ("--phases", ",", "no phase named"),
])
def test_a_list_of_operations_or_phases_that_cannot_be_held_is_one_line(option: str, value: str, says: str) -> None:
    done = _cli("http://127.0.0.1:9", "--token", "t", option, value)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1 and says in done.stderr, done.stderr


def test_the_contract_suite_holds_a_list_only_server_to_the_list_when_asked() -> None:
    """``pytest contract_tests --beeper-operations listChats`` passes a server that serves the
    list and nothing else; held to every operation, the tests of the others fail (those of the
    messages and the neighbourhood are enough to show it, and cheaper than the whole suite)."""
    fake = FakeBeeper()
    with LiveServer(_list_only(fake)) as server:
        def suite(where: list[str], *extra: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "pytest", *where, "-q", "-p", "no:randomly",
                                   "-p", "no:cacheprovider", "--beeper-base-url", server.url, "--beeper-token",
                                   fake.token, "-k", "not compatibility_matrix", "--beeper-max-examples", "10", *extra],
                                  capture_output=True, text=True, timeout=900, cwd=Path(__file__).parents[1])

        held_to_the_list = suite(["contract_tests"], "--beeper-operations", "listChats")
        held_to_all = suite(["contract_tests/test_messages_sdks.py", "contract_tests/test_python_sdk_neighbourhood.py"],
                            "-x")
    assert held_to_the_list.returncode == 0, held_to_the_list.stdout[-3000:]
    assert " passed" in held_to_the_list.stdout and " skipped" in held_to_the_list.stdout
    assert held_to_all.returncode == 1, held_to_all.stdout[-3000:]


def test_a_slow_phase_is_cut_short_at_its_share_and_the_rest_still_runs() -> None:
    """Each phase has its share of --max-time: a server slow enough to use up the pagination
    checks' share has them cut short, said so, and Schemathesis still runs after them."""
    with FakeBeeper(scenario={"rules": [{"match": {"operation": "/v1/chats"}, "fault": {"latency": 0.15}}]}
                    ).start() as fake:
        # The machines left out: their share goes to Schemathesis, which then has 4 s or more.
        report = run_check(fake.base_url, fake.token,
                           dataclasses.replace(FAST, max_time=10, phases=FAST.phases - {Phase.MACHINES}))
        fuzzed = [r for r in fake.journal if "x-schemathesis-testcaseid" in r.headers]
    assert report.cut_short, report.summary()
    assert any(name.startswith("pagination:") for name in report.cut_short)
    # Schemathesis ran after them: its requests reached the server. (Whether one of its operations
    # also finished within its share depends on the machine's load: on a busy one none did.)
    assert len(fuzzed) >= 10, report.summary()
    assert any(name.startswith("schemathesis") for name in [*report.passed, *report.cut_short]), report.summary()
    assert "cut short, their share of --max-time over" in report.summary()
    assert report.as_json()["cutShort"] == report.cut_short


def test_the_contract_suite_refuses_to_run_where_its_asserts_would_be_gone() -> None:
    import os

    done = subprocess.run([sys.executable, "-m", "pytest", "contract_tests", "-q", "-p", "no:cacheprovider",
                           "--collect-only"], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).parents[1], env={**os.environ, "PYTHONOPTIMIZE": "1"})
    assert done.returncode == 4 and "PYTHONOPTIMIZE" in done.stderr + done.stdout, done.stdout + done.stderr


def test_a_request_that_got_no_answer_is_a_finding_with_its_curl() -> None:
    with FakeBeeper(scenario={"rules": [{"match": {"params": {"limit": "7"}}, "fault": {"drop": True}}]}
                    ).start() as fake:
        report = check(fake.base_url, fake.token, phases=WALKS)
    dropped = [f for f in report.violations if f.message.startswith("no answer:")]
    assert dropped, report.summary()
    assert all(f.curl and "limit=7" in f.curl for f in dropped)
