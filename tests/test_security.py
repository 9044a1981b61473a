"""Nobody gets in who doesn't belong: Host checks against DNS rebinding, the control API's lock,
opt-in CORS, bounded connections."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from fake_beeper import FakeBeeper, chat
from fake_beeper.contract import spec
from fake_beeper.http.app import create_app
from fake_beeper.http.guard import Access
from fake_beeper.http.server import MAX_HEAD_BYTES, LiveServer
from fake_beeper.http.transport import InProcessTransport
from fake_beeper.world.state import FakeState
from fake_beeper.world.store import ChatStore

AUTH = {"Authorization": "Bearer fake-beeper-token"}
HEAD_TIMEOUT = 1.0  # the server's default is 10 s; the behaviour is the same


def client_for(access: Access) -> httpx.Client:
    app = create_app(FakeState(ChatStore()), access=access)
    return httpx.Client(transport=InProcessTransport(app), base_url="http://127.0.0.1:23373")


@pytest.mark.parametrize("host", ["localhost", "localhost:23373", "127.0.0.1:9", "[::1]:23373", "LOCALHOST."])
def test_loopback_host_names_are_answered(host: str) -> None:
    with client_for(Access()) as http:
        assert http.get("/v1/chats", headers={**AUTH, "Host": host}).status_code == 200


@pytest.mark.parametrize("path", ["/v1/chats", "/_fake-beeper/scenario", "/openapi.json"])
def test_a_rebound_domain_gets_a_403_with_the_error_body(path: str) -> None:
    with client_for(Access()) as http:
        response = http.get(path, headers={**AUTH, "Host": "attacker.example:23373"})
        assert response.status_code == 403
        assert response.json()["code"] == "HOST_NOT_ALLOWED"
        assert spec.validator("Error").is_valid(response.json())


def test_allowed_hosts_and_the_bound_host_are_answered() -> None:
    with client_for(Access.for_bind("10.1.2.3", allow_hosts=["fake.internal"])) as http:
        for host in ("fake.internal", "10.1.2.3:23373", "localhost"):
            assert http.get("/v1/chats", headers={**AUTH, "Host": host}).status_code == 200
        assert http.get("/v1/chats", headers={**AUTH, "Host": "other.example"}).status_code == 403
    with client_for(Access.for_bind("127.0.0.1", allow_hosts=["*"])) as http:
        assert http.get("/v1/chats", headers={**AUTH, "Host": "anything.example"}).status_code == 200


def test_beyond_loopback_the_control_api_is_locked_without_a_control_token() -> None:
    with client_for(Access.for_bind("0.0.0.0", allow_hosts=["*"])) as http:
        for method, path, body in (("PUT", "/_fake-beeper/token", {"token": "mine"}),
                                   ("PUT", "/_fake-beeper/scenario", {"rules": [{"fault": {"status": 503}}]}),
                                   ("POST", "/_fake-beeper/activity", {"event": "newChat"}),
                                   ("GET", "/_fake-beeper/requests", None)):
            response = http.request(method, path, json=body)
            assert response.status_code == 403 and response.json()["code"] == "CONTROL_LOCKED", path
        assert http.get("/v1/chats", headers=AUTH).status_code == 200  # the token did not change


def test_a_control_token_unlocks_the_control_api_for_whoever_holds_it() -> None:
    with client_for(Access.for_bind("0.0.0.0", allow_hosts=["*"], control_token="ctl-secret")) as http:
        assert http.put("/_fake-beeper/token", json={"token": "mine"}).status_code == 401
        assert http.put("/_fake-beeper/token", json={"token": "mine"},
                        headers={"Authorization": "Bearer fake-beeper-token"}).status_code == 401
        assert http.put("/_fake-beeper/token", json={"token": "mine"},
                        headers={"Authorization": "Bearer ctl-secret"}).status_code == 200
        assert http.get("/v1/chats", headers={"Authorization": "Bearer mine"}).status_code == 200


def test_on_loopback_the_control_api_is_open() -> None:
    with client_for(Access.for_bind("127.0.0.1")) as http:
        assert http.put("/_fake-beeper/token", json={"token": "mine"}).status_code == 200


def test_no_cors_unless_asked() -> None:
    with client_for(Access()) as http:
        preflight = http.options("/v1/chats", headers={"Origin": "http://localhost:5173",
                                                       "Access-Control-Request-Method": "GET"})
        assert preflight.status_code == 405 and "access-control-allow-origin" not in preflight.headers
        response = http.get("/v1/chats", headers={**AUTH, "Origin": "http://localhost:5173"})
        assert "access-control-allow-origin" not in response.headers


def test_allowed_origins_get_preflights_and_headers_for_the_api_only() -> None:
    origin = "http://localhost:5173"
    with client_for(Access.for_bind("127.0.0.1", cors_origins=[origin])) as http:
        preflight = http.options("/v1/chats", headers={
            "Origin": origin, "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization, x-stainless-retry-count"})
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == origin
        assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
        response = http.get("/v1/chats", headers={**AUTH, "Origin": origin})
        assert response.status_code == 200 and response.headers["access-control-allow-origin"] == origin
        send = http.options("/v1/chats/x/messages", headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                                            "Access-Control-Request-Headers": "content-type"})
        assert send.status_code == 200 and "POST" in send.headers["access-control-allow-methods"]
        other = http.get("/v1/chats", headers={**AUTH, "Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        control = http.options("/_fake-beeper/token", headers={"Origin": origin,
                                                               "Access-Control-Request-Method": "PUT"})
        assert "access-control-allow-origin" not in control.headers
    with client_for(Access.for_bind("127.0.0.1", cors_origins=[origin], cors_control=True)) as http:
        control = http.options("/_fake-beeper/token", headers={"Origin": origin,
                                                               "Access-Control-Request-Method": "PUT"})
        assert control.status_code == 200 and control.headers["access-control-allow-origin"] == origin


@pytest.fixture(scope="module")
def live() -> Iterator[LiveServer]:
    with LiveServer(create_app(ChatStore()), head_timeout=HEAD_TIMEOUT) as server:
        yield server


def raw_exchange(server: LiveServer, payload: bytes, *, wait: float = 5.0) -> bytes:
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(payload)  # the server may close before it has read everything we send
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def test_an_oversized_header_gets_a_431_with_the_error_body_without_being_read_whole(live: LiveServer) -> None:
    huge = b"GET /v1/chats HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + b"a" * (50 * 2**20) + b"\r\n\r\n"
    answer = raw_exchange(live, huge)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431 ")
    assert httpx.Response(431, content=body).json()["code"] == "REQUEST_HEADER_FIELDS_TOO_LARGE"
    assert str(MAX_HEAD_BYTES) in body.decode()


def test_a_half_open_connection_is_closed(live: LiveServer) -> None:
    host, port = live.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=HEAD_TIMEOUT * 6) as sock:
        sock.sendall(b"GET /v1/chats HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the blank line
        started = time.monotonic()
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert received.startswith(b"HTTP/1.1 408 ")
    assert time.monotonic() - started >= HEAD_TIMEOUT * 0.9  # closed by the server's timer, not at once


def test_each_next_head_on_a_keep_alive_connection_has_the_whole_timeout(live: LiveServer) -> None:
    """The head timer runs from the previous response, not from the connection: a request sent
    late on a connection, and then a stalled head, is cut a whole timeout after the answer."""
    host, port = live.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=HEAD_TIMEOUT * 6) as sock:
        time.sleep(HEAD_TIMEOUT * 0.6)
        sock.sendall(b"GET /v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        received = b""
        while b"\r\n\r\n" not in received or len(received.partition(b"\r\n\r\n")[2]) < int(
                httpx.Response(200, headers=_head(received)).headers["content-length"]):
            received += sock.recv(65536)
        answered = time.monotonic()
        assert received.startswith(b"HTTP/1.1 200 ")
        sock.sendall(b"GET /v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the blank line
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert received.startswith(b"HTTP/1.1 408 ")
    assert time.monotonic() - answered >= HEAD_TIMEOUT * 0.9


def test_a_head_and_a_pipelined_get_each_get_their_whole_answer_in_order(live: LiveServer) -> None:
    """A response's head goes out with its body, in one write; a HEAD's, which has none, still goes."""
    answers = raw_exchange(live, b"HEAD /v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                                 b"GET /v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    head_of_head, _, rest = answers.partition(b"\r\n\r\n")
    length = dict(_head(head_of_head + b"\r\n\r\n"))["content-length"]
    assert head_of_head.startswith(b"HTTP/1.1 200 ") and int(length) > 0
    assert rest.startswith(b"HTTP/1.1 200 ")  # no body after the HEAD's head: the GET's answer at once
    body = rest.partition(b"\r\n\r\n")[2]
    assert len(body) == int(length) and httpx.Response(200, content=body).json()["app"]


def test_a_client_that_expects_100_continue_gets_it_before_it_sends_the_body(live: LiveServer) -> None:
    host, port = live.url.removeprefix("http://").split(":")
    body = b'{"rules": []}'
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"PUT /_fake-beeper/scenario HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Expect: 100-continue\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body))
        assert sock.recv(65536).startswith(b"HTTP/1.1 100 Continue\r\n")
        sock.sendall(body)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert received.startswith(b"HTTP/1.1 "), received[:200]
    assert not received.startswith(b"HTTP/1.1 5"), received[:200]


def _head(received: bytes) -> list[tuple[str, str]]:
    lines = received.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")[1:]
    return [(name, value.strip()) for name, _, value in (line.partition(":") for line in lines)]


def test_in_process_and_live_requests_use_the_same_rules() -> None:
    with FakeBeeper(chats=[chat("!a")]) as fake:
        assert fake.http_client().get("/v1/chats").status_code == 200  # the in-process host is allowed
        fake.start()
        assert httpx.get(f"{fake.base_url}/v1/chats", headers={"Authorization": f"Bearer {fake.token}",
                                                               "Host": "rebound.example"}).status_code == 403
