"""The servers under test, each a child process on a free loopback port, stopped by the bench.

* the fake: ``fake-beeper serve`` (the installed CLI, as users run it), quiet and with its
  access log, and the fake of an earlier commit (``baseline_tree``) to measure a change against;
* Stoplight Prism 5.14.2 mocking ``openapi.yaml``, as the SDKs' CI scripts run it (static
  examples, default logging to a file), and with ``-v error``, its fastest setting;
* Stainless Steady 0.22.2, the mock Stainless-generated SDKs moved to, with its per-request
  log and with ``-q``;
* nginx (Debian's ``nginx-light``) serving the fake's first page as a static file: what this
  machine can do at best for the same bytes.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
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

    def cpu_seconds(self) -> float | None:
        return cpu_seconds(self.pid)

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError(f"no VmRSS for pid {self.pid}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fake_command(port: int, fixtures: Path | None, *, quiet: bool = True) -> list[str]:
    command = [sys.executable, "-m", "fake_beeper.cli", "serve", "--port", str(port), "--token", TOKEN,
               *(["--quiet"] if quiet else [])]
    return [*command, "--fixtures", str(fixtures.resolve())] if fixtures else command


def prism_command(port: int, quiet: bool = False) -> list[str]:
    command = [str(MOCKS / "prism"), "mock", str(SPEC), "-h", "127.0.0.1", "-p", str(port)]
    return [*command, "-v", "error"] if quiet else command


def steady_command(port: int, quiet: bool = False) -> list[str]:
    return [str(MOCKS / "steady"), "--host", "127.0.0.1", "-p", str(port), *(["-q"] if quiet else []), str(SPEC)]


NGINX_CONF = """daemon off;
master_process on;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush off;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        location = /v1/chats {{ default_type application/json; alias {prefix}/chats.json; }}
    }}
}}
"""


@contextmanager
def nginx_static(body: bytes) -> Iterator[tuple[Path, str]]:
    """A directory holding ``body`` as ``chats.json`` and nginx's configuration serving it at
    ``/v1/chats``: one worker process (the fake is one process), sendfile on, no access log, and
    keep-alive without a request limit (wrk's connections then stay open, as with the others).
    Yields the directory and the binary; the caller fills in the port (``nginx_command``)."""
    binary = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)
    if binary is None:
        raise SystemExit("bench: nginx is not installed (make bench installs Debian's nginx-light package)")
    with tempfile.TemporaryDirectory(prefix="fake-beeper-nginx-") as directory:
        prefix = Path(directory)
        prefix.chmod(0o755)  # run as root, nginx's worker is "nobody": it must reach the file
        (prefix / "chats.json").write_bytes(body)
        yield prefix, binary


def nginx_command(prefix: Path, binary: str, port: int) -> list[str]:
    conf = prefix / f"nginx-{port}.conf"
    conf.write_text(NGINX_CONF.format(prefix=prefix, port=port))
    return [binary, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf)]


@contextmanager
def baseline_tree(revision: str) -> Iterator[Path | None]:
    """The ``fake_beeper`` package as it was at ``revision`` (``git archive``), with the files its
    symlinks point to (``openapi.yaml``, ``fixtures/``), in a temporary directory to run
    ``python -m fake_beeper.cli`` from; ``None`` outside a git checkout."""
    with tempfile.TemporaryDirectory(prefix="fake-beeper-baseline-") as directory:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "fake_beeper", "openapi.yaml",
                                  "fixtures"], capture_output=True, check=False, timeout=120)
        if archive.returncode != 0:
            yield None
            return
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(directory, filter="data")
        yield Path(directory)


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time of ``pid`` and every process below it (nginx's workers, node's
    children), from ``/proc``; ``None`` where there is no ``/proc`` (the report then shows req/s alone)."""
    proc = Path("/proc")
    if not (proc / str(pid) / "stat").exists():
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, int] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rindex(")") + 2:].split()  # after the command's name, which may hold spaces
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = int(fields[11]) + int(fields[12])
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, its in parents.items() if its == parent and child not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(times.get(member, 0) for member in tree) / ticks


@contextmanager
def running(name: str, command: list[str], port: int, *, timeout: float = 600,
            env: dict[str, str] | None = None, cwd: Path = ROOT) -> Iterator[Running]:
    """Start ``command`` in ``cwd``, wait for a 200 from ``/v1/chats``, yield, then stop it
    (SIGTERM, then kill)."""
    LOGS.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}"
    with (LOGS / f"{name}.log").open("w") as log:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=cwd, env=env)
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
