"""The servers under test, each a child process on a free loopback port, stopped by the bench.

* the fake: ``fake-beeper serve`` (the installed CLI, as users run it);
* Stoplight Prism 5.14.2 mocking ``openapi.yaml``, as the SDKs' CI scripts run it (static
  examples, default logging to a file), and with ``-v error``, its fastest setting;
* Stainless Steady 0.22.2, the mock Stainless-generated SDKs moved to.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
MOCKS = ROOT / "bench" / "mocks" / "node_modules" / ".bin"
SPEC = ROOT / "openapi.yaml"
LOGS = ROOT / "bench" / "results" / "logs"
TOKEN = "bench-token"


@dataclass(frozen=True)
class Running:
    name: str
    url: str
    pid: int
    startup_seconds: float  # from spawn to the first 200 on GET /v1/chats

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError(f"no VmRSS for pid {self.pid}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fake_command(port: int, fixtures: Path | None) -> list[str]:
    command = [sys.executable, "-m", "fake_beeper.cli", "serve", "--port", str(port), "--token", TOKEN, "--quiet"]
    return [*command, "--fixtures", str(fixtures)] if fixtures else command


def prism_command(port: int, quiet: bool = False) -> list[str]:
    command = [str(MOCKS / "prism"), "mock", str(SPEC), "-h", "127.0.0.1", "-p", str(port)]
    return [*command, "-v", "error"] if quiet else command


def steady_command(port: int) -> list[str]:
    return [str(MOCKS / "steady"), "--host", "127.0.0.1", "-p", str(port), str(SPEC)]


@contextmanager
def running(name: str, command: list[str], port: int, *, timeout: float = 600,
            env: dict[str, str] | None = None) -> Iterator[Running]:
    """Start ``command``, wait for a 200 from ``/v1/chats``, yield, then stop it (SIGTERM, then kill)."""
    LOGS.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}"
    with (LOGS / f"{name}.log").open("w") as log:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
        try:
            startup = _wait_until_serving(url, process, start, timeout)
            yield Running(name, url, process.pid, startup)
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], start: float, timeout: float) -> float:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    while time.perf_counter() - start < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}; see {LOGS}")
        try:
            if httpx.get(f"{url}/v1/chats", headers=headers, timeout=5).status_code == 200:
                return time.perf_counter() - start
        except httpx.TransportError:
            pass
        time.sleep(0.005)
    raise RuntimeError(f"{url}: not serving after {timeout} s")
