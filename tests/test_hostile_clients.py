"""The server under clients that mean harm: what they do is answered with a 4xx and the ``Error``
body, never a 500 blamed on the fake, a hang, or memory that grows with each try."""

from __future__ import annotations

import contextlib
import gc
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from fake_beeper import FakeBeeper, chat
from fake_beeper.contract import spec
from fake_beeper.http.app import create_app
from fake_beeper.http.server import LiveServer
from fake_beeper.world.state import MAX_ERRORS, FakeState
from fake_beeper.world.store import ChatStore

BODY_TIMEOUT = 1.0  # the server's default is 10 s; the behaviour is the same
ERROR = spec.validator("Error")


@pytest.fixture
def live() -> Iterator[tuple[LiveServer, FakeState]]:
    state = FakeState(ChatStore())
    with LiveServer(create_app(state), body_timeout=BODY_TIMEOUT) as server:
        yield server, state


def connect(server: LiveServer, timeout: float = 10.0) -> socket.socket:
    host, port = server.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=timeout)


def read_all(sock: socket.socket) -> bytes:
    received = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            received += chunk
    return received


def responses(raw: bytes) -> list[tuple[int, bytes]]:
    """The (status, body) of each response in a stream of them (each with a content-length)."""
    found = []
    while raw:
        head, _, rest = raw.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        length = next(int(line.split(b":")[1]) for line in lines if line.lower().startswith(b"content-length:"))
        found.append((int(lines[0].split()[1]), rest[:length]))
        raw = rest[length:]
    return found


def test_valid_requests_pipelined_before_garbage_are_answered_first(live: tuple[LiveServer, FakeState]) -> None:
    server, _ = live
    request = b"GET /v1/chats?limit=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer fake-beeper-token\r\n\r\n"
    for count in (1, 10):
        with connect(server) as sock:
            sock.sendall(request * count + b"\x00\x01 this is not HTTP\r\n\r\n")
            answers = responses(read_all(sock))
        assert [status for status, _ in answers] == [200] * count + [400]
        assert ERROR.is_valid(orjson.loads(answers[-1][1]))


def test_a_stalled_body_is_timed_out_like_a_head(live: tuple[LiveServer, FakeState]) -> None:
    server, state = live
    head = (b"PUT /_fake-beeper/scenario HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n"
            b"content-length: 100\r\n\r\n")
    for trickle in (False, True):  # 2 bytes of 100, then nothing; or a byte every 0.3 s, for ever
        with connect(server) as sock:
            sock.sendall(head + b"{}")
            started = time.monotonic()
            received = b""
            while trickle and time.monotonic() - started < BODY_TIMEOUT * 5:
                with contextlib.suppress(OSError):
                    sock.sendall(b" ")
                time.sleep(0.3)
                sock.setblocking(False)
                with contextlib.suppress(BlockingIOError):
                    received += sock.recv(65536)
                sock.setblocking(True)
                if received:
                    break
            received += read_all(sock)
        assert received.startswith(b"HTTP/1.1 408 "), received[:200]
        assert time.monotonic() - started < BODY_TIMEOUT * 5
    assert state.errors == []


def test_a_control_body_between_the_head_limit_and_the_body_limit_is_read(
        live: tuple[LiveServer, FakeState]) -> None:
    server, _ = live
    body = b'{"seed": 3' + b" " * (300 * 1024) + b"}"  # 300 KiB: past the head's 64 KiB, within 1 MiB
    head = (b"PUT /_fake-beeper/scenario HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n"
            b"connection: close\r\ncontent-length: %d\r\n\r\n" % len(body))
    for cut in (len(head), len(head) - 2):  # in one write; and with the blank line split across two reads
        with connect(server) as sock:
            sock.sendall(head[:cut])
            time.sleep(0.2)
            sock.sendall(head[cut:] + body)
            (status, answer), = responses(read_all(sock))
        assert status == 200, answer


def test_a_client_gone_mid_body_is_not_the_fakes_bug(fake_beeper_server: FakeBeeper) -> None:
    port = int(fake_beeper_server.base_url.rsplit(":", 1)[1])
    for _ in range(20):
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"PUT /_fake-beeper/scenario HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json"
                         b"\r\ncontent-length: 1048576\r\n\r\n" + b" " * 100_000)
    deadline = time.monotonic() + 10
    while len(fake_beeper_server.journal) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake_beeper_server.errors == []
    assert {record.status for record in fake_beeper_server.journal} == {400}
    fake_beeper_server.check()  # and nothing is raised at teardown


@pytest.mark.parametrize("limit", ["%C2%B2", "9" * 5000, "0", "-1", "1.5", "%EF%BC%91"])
def test_a_bad_journal_limit_is_a_400(fake_beeper: FakeBeeper, limit: str) -> None:
    response = fake_beeper.http_client().get(f"/_fake-beeper/requests?limit={limit}")
    assert response.status_code == 400 and ERROR.is_valid(response.json())
    assert fake_beeper.errors == []


@pytest.mark.parametrize("host", ["[::1].evil.com", "[::1]x", "localhost:80x", "[::1]:80:80", "127.0.0.1.evil.com"])
def test_a_host_that_only_starts_like_loopback_is_refused(fake_beeper: FakeBeeper, host: str) -> None:
    response = fake_beeper.http_client().get("/v1/chats", headers={"Host": host})
    assert response.status_code == 403 and response.json()["code"] == "HOST_NOT_ALLOWED"


def test_internal_errors_kept_are_bounded_and_hold_no_frames() -> None:
    with FakeBeeper(chats=[chat("!a")]) as fake, fake.http_client() as http:
        held = []

        def broken(**_: object) -> object:
            held.append(bytearray(2**16))  # what a frame of the failed request holds
            raise KeyError("a bug in the fake")

        fake.store.page = broken  # type: ignore[method-assign]
        for _ in range(MAX_ERRORS + 50):
            assert http.get("/v1/chats").status_code == 500
        assert len(fake.errors) == MAX_ERRORS and fake.state.errors_not_kept == 50
        assert all(isinstance(error.traceback, str) and error.kind == "KeyError" for error in fake.errors)
        with pytest.raises(AssertionError, match=rf"hit {MAX_ERRORS + 50} internal error\(s\) \(and 50 more"):
            fake.check()


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the server's memory from /proc")
def test_the_servers_memory_stays_flat_under_requests_that_fail(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-m", "fake_beeper.cli", "serve", "--port", "0", "--quiet"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        url = banner.split(" on ")[1].split()[0]
        port = int(url.rsplit(":", 1)[1])

        def errors(count: int, batch: int = 50) -> None:
            """``count`` requests the server refuses, ``batch`` of them pipelined on each connection
            (cheap for the test to send, so that nearly all of the work is the server's)."""
            for start in range(0, count, batch):
                sent = min(batch, count - start)
                requests = b"".join(
                    b"GET /_fake-beeper/requests?limit=%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s\r\n"
                    % (b"%C2%B2" if index % 2 else b"9" * 5000, port,
                       b"Connection: close\r\n" if index == sent - 1 else b"") for index in range(sent))
                with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                    sock.sendall(requests)
                    answers = b"".join(iter(lambda: sock.recv(1 << 16), b""))
                assert answers.count(b"HTTP/1.1 400 ") == answers.count(b"HTTP/1.1 ") == sent, answers[:300]

        def disconnects(count: int) -> None:
            for _ in range(count):
                with socket.create_connection(("127.0.0.1", port)) as sock:
                    sock.sendall(b"PUT /_fake-beeper/scenario HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: "
                                 b"application/json\r\ncontent-length: 1048576\r\n\r\n" + b" " * 500_000)

        errors(1000)  # warmed up: what a first request allocates once is not growth
        disconnects(60)
        before = _rss(process.pid)
        errors(10_000)
        after_errors = _rss(process.pid)
        disconnects(600)
        time.sleep(1)
        after_disconnects = _rss(process.pid)
        assert after_errors - before < 20 * 2**20, f"{(after_errors - before) / 2**20:.1f} MiB"
        assert after_disconnects - before < 20 * 2**20, f"{(after_disconnects - before) / 2**20:.1f} MiB"
    finally:
        process.terminate()
        process.wait(10)


def test_a_request_served_leaves_nothing_for_the_garbage_collector(live: tuple[LiveServer, FakeState]) -> None:
    """Each request's objects are freed as soon as it is answered, by reference counting: one
    reference cycle a request (the fault middleware's way to cut a connection held its request's
    cycle, which holds the scope that holds it) cost a walk 7% of its CPU in collections."""
    server, _ = live
    gc.collect()
    gc.disable()
    try:
        with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer fake-beeper-token"}) as client:
            for _ in range(30):
                assert client.get("/v1/chats").status_code == 200
        left = [o for o in gc.get_objects() if type(o).__name__ == "RequestResponseCycle"]
    finally:
        gc.enable()
    assert len(left) < 10, f"{len(left)} request cycles wait for the garbage collector"
