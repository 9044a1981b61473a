"""``check`` and ``record`` against servers that mean harm: each ends, bounded, with one line.

Each server (``tests/hostile.py``) is pointed at by the command itself, in a process of its own,
so that what is measured is what a user meets: the exit status, the one line on stderr, nothing
written, the time, and the process's peak memory.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from fake_beeper.polite import AnswerRefused, Polite, polite_client
from tests import hostile

FAST = "1000"  # requests a second: a loopback server needs no politeness
MEMORY = 300 * 2**20  # what either command may hold against any of these servers
# Runs the command and says its peak memory: the children this interpreter waited for are the command only.
MEASURED = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:]); "
            "print(f'peak {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', file=sys.stderr); "
            "sys.exit(done.returncode)")


def run(*args: str, timeout: float = 120) -> tuple[int, str, int | None, float]:
    """The command's exit status, stderr (less the measurement), peak memory in bytes (Linux) and seconds."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", MEASURED, sys.executable, "-m", "fake_beeper.cli", *args],
                          capture_output=True, text=True, timeout=timeout, env=_environment())
    seconds = time.monotonic() - started
    lines = done.stderr.splitlines()
    peak = int(lines[-1].split()[1]) * 1024 if lines and lines[-1].startswith("peak ") else None
    progress = ("fake-beeper check: ", "fake-beeper: recording: ")  # what each says as it goes
    err = "\n".join(line for line in lines[:-1] if not line.startswith(progress))
    return done.returncode, err, peak if sys.platform == "linux" else None, seconds


def _environment() -> dict[str, str]:
    import os

    return {**os.environ, "BEEPER_ACCESS_TOKEN": "a-token", "PYTHONWARNINGS": "ignore"}


def check(url: str, tmp_path: Path, *extra: str) -> tuple[int, str, int | None, float]:
    return run("check", url, "--rate", FAST, "--max-examples", "5", "--json", str(tmp_path / "report.json"), *extra)


def record(url: str, tmp_path: Path, *extra: str) -> tuple[int, str, int | None, float]:
    return run("record", "--from", url, "--rate", FAST, "--out", str(tmp_path / "out.jsonl"), *extra)


def one_line_exit_2(result: tuple[int, str, int | None, float], says: str, tmp_path: Path) -> None:
    status, err, peak, _ = result
    assert status == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert says in err, err
    assert list(tmp_path.iterdir()) == [], "nothing is written"
    assert peak is None or peak < MEMORY, f"{peak / 2**20:.0f} MiB"


BOUNDED = {
    "a 2 GB body": (hostile.huge, "more than 64 MiB for one answer"),
    "an endless chunked body": (hostile.endless_chunks, "more than 64 MiB for one answer"),
    "a gzip bomb": (hostile.gzip_bomb, "more than 64 MiB for one answer"),
    "a page nested 100,000 deep": (hostile.deep, "nested more than 64 deep"),
}


@pytest.mark.parametrize("name", BOUNDED)
@pytest.mark.parametrize("command", [check, record], ids=["check", "record"])
def test_an_answer_past_a_bound_ends_the_command(command: Callable[..., tuple[int, str, int | None, float]],
                                                  name: str, tmp_path: Path) -> None:
    behaviour, says = BOUNDED[name]
    with hostile.HostileServer(behaviour) as server:
        one_line_exit_2(command(server.url, tmp_path), says, tmp_path)


def test_check_of_a_server_that_never_ends_stops_at_its_walk_bound(tmp_path: Path) -> None:
    with hostile.HostileServer(hostile.endless) as server:
        one_line_exit_2(check(server.url, tmp_path), "reads at most 20,000 chats", tmp_path)


def test_record_of_a_server_that_never_ends_stops_at_the_default_max_chats(tmp_path: Path) -> None:
    with hostile.HostileServer(hostile.endless) as server:
        one_line_exit_2(record(server.url, tmp_path), "still more chats after 50,000 (the default --max-chats)",
                        tmp_path)
        # Asked for, the newest N of a long list is a recording like any other.
        status, err, _, _ = record(server.url, tmp_path, "--max-chats", "450")
        assert status == 0, err
        assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 450


def test_check_finds_a_walk_that_loops_at_its_second_page(tmp_path: Path) -> None:
    with hostile.HostileServer(hostile.looping) as server:
        status, err, peak, _ = check(server.url, tmp_path, "--max-time", "30", "--phases", "pagination")
    assert status == 1 and "Traceback" not in err, err
    report = (tmp_path / "report.json").read_text()
    assert "page 2 (GET /v1/chats?" in report and "also on page 1" in report
    assert peak is None or peak < MEMORY


def test_record_refuses_pages_that_loop(tmp_path: Path) -> None:
    with hostile.HostileServer(hostile.looping) as server:
        one_line_exit_2(record(server.url, tmp_path), "the pages loop", tmp_path)


def test_record_refuses_message_pages_that_loop(tmp_path: Path) -> None:
    with hostile.HostileServer(hostile.looping_messages) as server:
        one_line_exit_2(record(server.url, tmp_path), "the pages loop", tmp_path)


@pytest.mark.parametrize("command", [check, record], ids=["check", "record"])
def test_a_trickling_server_cannot_hold_the_command_past_max_time(
        command: Callable[..., tuple[int, str, int | None, float]], tmp_path: Path) -> None:
    with hostile.HostileServer(hostile.trickle) as server:
        result = command(server.url, tmp_path, "--max-time", "3")
    one_line_exit_2(result, "within --max-time 3", tmp_path)
    assert result[3] < 30, "ended at its deadline, not at the server's pace"


def test_one_request_may_take_request_seconds_however_its_bytes_trickle() -> None:
    polite = Polite(rate=1000, request_seconds=2)
    with hostile.HostileServer(hostile.trickle) as server, polite_client(server.url, "t", polite) as http:
        started = time.monotonic()
        with pytest.raises(AnswerRefused, match=r"GET /v1/chats: no complete answer within 2 s"):
            http.get("/v1/chats")
        assert time.monotonic() - started < 10
        with pytest.raises(AnswerRefused, match="no complete answer"):  # and nothing more is sent
            http.get("/v1/accounts")
    assert polite.requests == 1


@pytest.mark.parametrize("command", [check, record], ids=["check", "record"])
def test_ctrl_c_stops_the_command_mid_answer(command: Callable[..., tuple[int, str, int | None, float]],
                                             tmp_path: Path) -> None:
    name = command.__name__
    args = ["--rate", FAST, *(["--json", str(tmp_path / "report.json")] if name == "check" else
                              ["--out", str(tmp_path / "out.jsonl")])]
    with hostile.HostileServer(hostile.trickle) as server:
        where = [server.url] if name == "check" else ["--from", server.url]
        process = subprocess.Popen([sys.executable, "-m", "fake_beeper.cli", name, *where, *args],
                                   stderr=subprocess.PIPE, text=True, env=_environment())
        time.sleep(2.5)  # started, connected, and waiting for a byte
        process.send_signal(signal.SIGINT)
        stopped = time.monotonic()
        _, err = process.communicate(timeout=30)
    assert time.monotonic() - stopped < 3, "stopped within a second or two"
    assert process.returncode == 130 and "Traceback" not in err, err
    assert list(tmp_path.iterdir()) == []


def test_the_gate_still_reads_an_honest_gzip_answer() -> None:
    """The decoding the bounds need is no loss: a gzip answer within the bound reads as it was."""
    import gzip

    body = b'{"items": [], "hasMore": false}'

    def compressed(request: hostile.Request, peer: hostile.Peer) -> bool:
        return peer.answer(gzip.compress(body), headers="content-encoding: gzip\r\n")

    with hostile.HostileServer(compressed) as server, polite_client(server.url, "t", Polite(rate=1000)) as http:
        answer = http.get("/v1/chats")
    assert answer.content == body and "content-encoding" not in answer.headers
