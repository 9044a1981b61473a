"""The fake-beeper command: serve, generate, validate, and one-line errors for bad input."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from fake_beeper.cli import main
from fake_beeper.data import generate_chats
from fake_beeper.server import bind

FAKE_BEEPER = [sys.executable, "-m", "fake_beeper.cli"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FAKE_BEEPER, *args], capture_output=True, text=True, timeout=60)


class Served:
    def __init__(self, process: subprocess.Popen[str], banner: list[str]) -> None:
        self.process = process
        self.banner = banner
        exports = next(line for line in banner if "export " in line).split("export ", 1)[1]
        self.env = dict(item.split("=", 1) for item in exports.split())


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    processes: list[subprocess.Popen[str]] = []

    def start(*args: str) -> Served:
        process = subprocess.Popen([*FAKE_BEEPER, "serve", "--port", "0", *args], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        processes.append(process)
        banner = [process.stdout.readline() for _ in range(4)]
        assert banner[0].startswith("fake-beeper: serving"), (banner, process.stderr.read())
        return Served(process, banner)

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def test_serve_prints_the_exports_the_sdks_need_and_serves_them(serve) -> None:
    served = serve()
    assert "serving 400 chats from the default fixtures" in served.banner[0]
    env = served.env
    assert env["BEEPER_BASE_URL"] == env["BEEPER_DESKTOP_BASE_URL"]
    assert env["BEEPER_BASE_URL"].startswith("http://127.0.0.1:")
    response = httpx.get(f"{env['BEEPER_BASE_URL']}/v1/chats",
                         headers={"Authorization": f"Bearer {env['BEEPER_ACCESS_TOKEN']}"})
    assert response.status_code == 200 and len(response.json()["items"]) == 25


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_serve_stops_cleanly(serve, stop: signal.Signals) -> None:
    served = serve()
    served.process.send_signal(stop)
    assert served.process.wait(15) == 0
    assert "fake-beeper: stopped" in served.process.stdout.read()
    assert "Traceback" not in served.process.stderr.read()


def test_serve_generated_chats_with_a_custom_token(serve) -> None:
    served = serve("--seed", "3", "--count", "42", "--token", "s3cret")
    assert "serving 42 chats from seed 3" in served.banner[0]
    assert served.env["BEEPER_ACCESS_TOKEN"] == "s3cret"
    url = f"{served.env['BEEPER_BASE_URL']}/v1/chats?limit=200"
    assert len(httpx.get(url, headers={"Authorization": "Bearer s3cret"}).json()["items"]) == 42
    assert httpx.get(url, headers={"Authorization": "Bearer fake-beeper-token"}).status_code == 401


def test_serve_a_fixture_file(serve, tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    assert main(["generate", "--seed", "1", "--count", "9", "--out", str(path)]) == 0
    assert "serving 9 chats from" in serve("--fixtures", str(path)).banner[0]


def _one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0]


def test_a_port_in_use_is_one_line() -> None:
    with bind("127.0.0.1", 0) as taken:
        port = str(taken.getsockname()[1])
        _one_line_error(_run("serve", "--port", port), "cannot listen on 127.0.0.1:" + port, "in use")


def test_a_broken_fixture_file_is_one_line_naming_chat_and_field(tmp_path: Path) -> None:
    chats = list(generate_chats(1, 3))
    chats[1]["unreadCount"] = "lots"
    path = tmp_path / "broken.jsonl"
    path.write_bytes(b"".join(orjson.dumps(c) + b"\n" for c in chats))
    for command in (["serve", "--fixtures", str(path)], ["validate", str(path)]):
        _one_line_error(_run(*command), "line 2", repr(chats[1]["id"]), "field unreadCount")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["serve", "--port", "http"], ["invalid port"]),
        (["serve", "--port", "70000"], ["invalid port"]),
        (["serve", "--count", "5"], ["--count goes with --seed"]),
        (["serve", "--seed", "1", "--fixtures", "x.jsonl"], ["not allowed with"]),
        (["serve", "--fixtures", "/no/such/file.jsonl"], ["cannot read fixture file"]),
        (["generate", "--count", "-3", "--out", "x.jsonl"], ["negative"]),
        (["generate", "--accounts", "0", "--out", "x.jsonl"], ["at least 1"]),
        (["generate"], ["--out"]),
        (["frobnicate"], ["invalid choice"]),
        ([], ["required"]),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], words: list[str]) -> None:
    _one_line_error(_run(*args), *words)


def test_generate_writes_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    result = _run("generate", "--seed", "4", "--count", "12", "--accounts", "2", "--out", str(path))
    assert result.returncode == 0 and "wrote 12 chats" in result.stdout
    first = path.read_bytes()
    assert [orjson.loads(line) for line in first.splitlines()] == list(generate_chats(4, 12, 2))
    _one_line_error(_run("generate", "--seed", "5", "--count", "3", "--out", str(path)), "exists", "--force")
    assert path.read_bytes() == first
    assert _run("generate", "--seed", "5", "--count", "3", "--out", str(path), "--force").returncode == 0
    assert path.read_bytes() != first


def test_validate_reports_a_good_file(tmp_path: Path) -> None:
    path = tmp_path / "ok.jsonl"
    assert main(["generate", "--count", "20", "--out", str(path)]) == 0
    result = _run("validate", str(path))
    assert result.returncode == 0 and "20 chats, all valid" in result.stdout


def test_listening_sockets_say_tcp_so_asyncio_disables_nagle() -> None:
    """With proto 0, asyncio leaves Nagle on and every small response waits ~40 ms for an ACK."""
    with bind("127.0.0.1", 0) as sock:
        assert sock.proto == socket.IPPROTO_TCP


def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "fake-beeper"
    assert script.exists() and os.access(script, os.X_OK)


def test_serve_with_a_scenario_file(serve, tmp_path: Path) -> None:
    scenario = tmp_path / "flaky.yaml"
    scenario.write_text("rules:\n  - match: {request: 1}\n    fault: {status: 429, retryAfter: 2}\n")
    served = serve("--scenario", str(scenario))
    assert any(f"Scenario: {scenario}: 1 fault rule(s)" in line for line in served.banner)
    url, token = served.env["BEEPER_BASE_URL"], served.env["BEEPER_ACCESS_TOKEN"]
    first = httpx.get(f"{url}/v1/chats", headers={"Authorization": f"Bearer {token}"})
    assert (first.status_code, first.headers["retry-after"]) == (429, "2")
    assert httpx.get(f"{url}/v1/chats", headers={"Authorization": f"Bearer {token}"}).status_code == 200


@pytest.mark.parametrize(("content", "words"), [
    ("rules:\n  - fault: {status: 418}\n", ["rules[0].fault.status", "418"]),
    ("rules: [\n", ["not valid YAML or JSON"]),
    ("activity: {every: 0}\n", ["activity.every"]),
    (None, ["cannot read scenario file"]),
])
def test_a_bad_scenario_file_is_one_line(tmp_path: Path, content: str | None, words: list[str]) -> None:
    path = tmp_path / "scenario.yaml"
    if content is not None:
        path.write_text(content)
    _one_line_error(_run("serve", "--port", "0", "--scenario", str(path)), str(path), *words)
