"""Who may talk to the fake: the ``Host`` check, the control API's lock, and opt-in CORS.

* **DNS rebinding.** The default token is public, so a web page that gets its own domain name
  resolved to 127.0.0.1 could read the chats and drive the control API through the visitor's
  browser. The fake answers only requests whose ``Host`` is a loopback name (``localhost``,
  ``127.0.0.1``, ``[::1]``), the bound host, the in-process host, or a name the user allowed
  (``--allow-host``; ``*`` allows any); others get a 403 with the ``Error`` body.
* **The control API** changes state (the token, faults, chats), so on a non-loopback bind it is
  locked (403) unless the user gave a control token, which requests must then carry as
  ``Authorization: Bearer <control token>``.
* **CORS** is off unless the user lists origins (``--cors-origin``): then Starlette's
  ``CORSMiddleware`` answers preflights and adds headers for the Beeper API paths; the control
  API gets CORS only when asked as well (``cors_control``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from fake_beeper.contract import spec
from fake_beeper.errors import ApiError, ControlLocked, HostNotAllowed, send_json
from fake_beeper.http.auth import authenticate
from fake_beeper.world.token import check_token

CONTROL_PREFIX = "/_fake-beeper"
IN_PROCESS_HOST = "fake-beeper.test"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", IN_PROCESS_HOST})


def is_loopback(host: str) -> bool:
    """``host`` (a bind address or name) reaches this machine only: 127.0.0.0/8, ::1, localhost."""
    if host.strip("[]").lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    """The name part of a ``Host`` header: ``[::1]:23373`` → ``::1``, ``LocalHost.:80`` → ``localhost``.

    A header that is no host (``[::1].evil.com``, ``localhost:80x``) is returned whole, which
    no allowed name equals."""
    header = header.strip().lower()
    if header.startswith("["):
        inside, bracket, rest = header[1:].partition("]")
        return inside if bracket and _PORT.fullmatch(rest) else header
    if header.count(":") == 1:
        name, port = header.split(":")
        return name.rstrip(".") if _PORT.fullmatch(f":{port}") else header
    return header.rstrip(".")


_PORT = re.compile(r"(:[0-9]{0,5})?")


@dataclass(frozen=True)
class Access:
    """The access rules of one fake; ``Access()`` is the loopback default."""

    allowed_hosts: frozenset[str] = LOOPBACK_NAMES  # "*" in it: any Host
    control_token: str | None = None
    control_locked: bool = False
    cors_origins: tuple[str, ...] = ()
    cors_control: bool = False
    bound_host: str | None = field(default=None, compare=False)

    @classmethod
    def for_bind(cls, host: str, *, allow_hosts: Iterable[str] = (), control_token: str | None = None,
                 cors_origins: Iterable[str] = (), cors_control: bool = False) -> Access:
        """The rules for a server bound to ``host``: its own name is allowed too, and on a
        non-loopback address the control API is locked unless ``control_token`` is given."""
        if control_token is not None:
            check_token(control_token, what="control token")
        hosts = LOOPBACK_NAMES | {host.strip("[]").lower()} | {name.strip("[]").lower() for name in allow_hosts}
        return cls(frozenset(hosts), control_token, not is_loopback(host) and control_token is None,
                   tuple(cors_origins), cors_control, host)

    def allows_host(self, header: str | None) -> bool:
        # HTTP/1.0 clients may send no Host; browsers, which rebinding needs, always send one.
        return header is None or "*" in self.allowed_hosts or host_name(header) in self.allowed_hosts


_ALLOWED_KEPT = 64  # Host headers whose answer a Guard keeps: a client sends the same one each time


class Guard:
    """ASGI middleware that applies ``Access`` before anything else answers."""

    def __init__(self, app: ASGIApp, access: Access) -> None:
        self.access = access
        self._allowed: dict[bytes | None, bool] = {}  # Host header → allowed, for the latest few
        self.api: ASGIApp = app
        self.control: ASGIApp = self._control_checked(app)
        if access.cors_origins:
            self.api = _cors(app, access.cors_origins, API_METHODS)  # a web client sends and acts too
            if access.cors_control:
                self.control = _cors(self.control, access.cors_origins, ["GET", "PUT", "POST", "DELETE"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.api(scope, receive, send)
            return
        raw = raw_header(scope, b"host")
        allowed = self._allowed.get(raw)
        if allowed is None:
            allowed = self.access.allows_host(None if raw is None else raw.decode("latin-1"))
            if len(self._allowed) >= _ALLOWED_KEPT:
                self._allowed.clear()
            self._allowed[raw] = allowed
        if not allowed:
            host = None if raw is None else raw.decode("latin-1")
            error = HostNotAllowed(f"Host {host!r} is not allowed: the fake answers loopback names only "
                                   "(start it with --allow-host NAME to allow more)")
            await send_json(send, error.status, error.body())
            return
        if scope["path"] == CONTROL_PREFIX or scope["path"].startswith(CONTROL_PREFIX + "/"):
            await self.control(scope, receive, send)
        else:
            await self.api(scope, receive, send)

    def _control_checked(self, app: ASGIApp) -> ASGIApp:
        access = self.access

        async def control(scope: Scope, receive: Receive, send: Send) -> None:
            try:
                if access.control_locked:
                    raise ControlLocked(f"The control API is locked: the fake listens on {access.bound_host}, "
                                        "beyond loopback. Restart it with --control-token TOKEN and send that token.")
                if access.control_token is not None:
                    authenticate(header_text(scope, b"authorization"), access.control_token)
            except ApiError as error:
                await send_json(send, error.status, error.body(), error.headers)
                return
            await app(scope, receive, send)

        return control


API_METHODS = ["HEAD", *(method.upper() for method in spec.METHODS)]  # each still needs the token


def _cors(app: ASGIApp, origins: tuple[str, ...], methods: list[str]) -> ASGIApp:
    return CORSMiddleware(app, allow_origins=list(origins), allow_methods=methods, allow_headers=["*"],
                          expose_headers=["Retry-After", "retry-after-ms", "WWW-Authenticate"], max_age=600)


def header_text(scope: Scope, name: bytes) -> str | None:
    """The first ``name`` header of a request as text (latin-1, as Starlette's ``Headers`` reads it)."""
    raw = raw_header(scope, name)
    return None if raw is None else raw.decode("latin-1")


def raw_header(scope: Scope, name: bytes) -> bytes | None:
    """The first ``name`` header of a request, as sent: the one the Host check and authentication read."""
    for key, value in scope["headers"]:
        if key.lower() == name:
            return bytes(value)
    return None
