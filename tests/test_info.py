"""``GET /v1/info``: discovery without a token, pointing at the fake itself."""

from __future__ import annotations

import httpx

from fake_beeper.contract import spec
from fake_beeper.http.server import LiveServer


def test_info_needs_no_token_and_its_spec_endpoint_is_the_fake_s(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.url}/v1/info")  # no Authorization, as the SDKs send it
    assert response.status_code == 200
    info = response.json()
    assert [error.message for error in spec.validator("InfoResponse").iter_errors(info)] == []
    assert info["server"]["base_url"] == live_server.url
    assert info["server"]["port"] == int(live_server.url.rsplit(":", 1)[1])
    assert info["server"]["remote_access"] is False  # bound to loopback
    served = httpx.get(info["endpoints"]["spec"])
    assert served.status_code == 200 and "/v1/info" in served.json()["paths"]


def test_info_keys_are_snake_case_and_a_wrong_token_is_not_refused(live_server: LiveServer) -> None:
    info = httpx.get(f"{live_server.url}/v1/info", headers={"Authorization": "Bearer wrong"}).json()
    assert set(info["server"]) == {"base_url", "hostname", "mcp_enabled", "port", "remote_access", "status"}
    assert "bundle_id" in info["app"] and "ws_events" in info["endpoints"]
