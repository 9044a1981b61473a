"""``GET /v1/info``: server discovery, answered for whatever address the client reached.

Beeper documents the keys (snake_case, unlike every other endpoint) but not their values, so
these are the fake's: the app is ``fake-beeper`` at its package version, the platform is the
machine it runs on, and every endpoint is an absolute URL on the fake's own origin. Only
``endpoints.spec`` (``/openapi.json``) is served; the MCP, WebSocket and OAuth endpoints are
named where Beeper Desktop puts them and answer 404 here, and ``mcp_enabled`` says so.
"""

from __future__ import annotations

import ipaddress
import platform
import sys
from importlib import metadata
from typing import Any

from starlette.requests import Request


def server_info(request: Request) -> dict[str, Any]:
    base = f"{request.url.scheme}://{request.url.netloc}"
    server = request.scope.get("server")  # None for an in-process transport: no socket at all
    host, port = server or (None, None)
    remote_access = server is not None and not _is_loopback(str(host))
    host = host or request.url.hostname or "127.0.0.1"
    port = port or request.url.port or (443 if request.url.scheme == "https" else 80)
    release = platform.release()
    oauth = {name: f"{base}/oauth/{path}" for name, path in (
        ("authorization_endpoint", "authorize"), ("introspection_endpoint", "introspect"),
        ("registration_endpoint", "register"), ("revocation_endpoint", "revoke"),
        ("token_endpoint", "token"), ("userinfo_endpoint", "userinfo"))}
    return {
        "app": {"bundle_id": "dev.fake-beeper", "name": "fake-beeper", "version": _version()},
        "endpoints": {"mcp": f"{base}/v0/mcp", "oauth": oauth, "spec": f"{base}/openapi.json",
                      "ws_events": f"{base.replace('http', 'ws', 1)}/v1/ws"},
        "platform": {"arch": platform.machine() or "unknown", "os": sys.platform,
                     **({"release": release} if release else {})},
        "server": {"base_url": base, "hostname": str(host), "mcp_enabled": False, "port": int(port),
                   "remote_access": remote_access, "status": "running"},
    }


def _version() -> str:
    try:
        return metadata.version("fake-beeper")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
