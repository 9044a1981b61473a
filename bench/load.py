"""Load with wrk (Debian's ``wrk`` package): requests per second, latency percentiles, and the
server's CPU time per request (from ``/proc``: steadier than req/s on a shared machine)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("wrk_json.lua")


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    errors: int
    non_2xx: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    bytes: int
    repeats: int = 0  # walks: requests whose URL a walker had already asked (0: every URL new)
    cpu_seconds: float | None = None  # the server's, over the run (None: not measured)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_us(self) -> float | None:
        """The server's CPU time per request, in microseconds."""
        return None if self.cpu_seconds is None or not self.requests else self.cpu_seconds / self.requests * 1e6

    def as_json(self) -> dict[str, float | None]:
        cpu_us = self.cpu_us
        return {**asdict(self), "rps": round(self.rps, 1), "cpu_us": None if cpu_us is None else round(cpu_us, 1)}


def wrk(url: str, *, token: str | None, connections: int, seconds: float, threads: int = 2,
        cpu: Callable[[], float | None] | None = None, walk_first_limit: int | None = None,
        walk_start: str | None = None) -> LoadResult:
    """``connections`` keep-alive connections on ``threads`` threads for ``seconds``; loopback only.

    ``cpu``: reads the server's CPU seconds, before and after. ``walk_first_limit``: instead of
    asking ``url`` again and again, each thread walks the list by ``oldestCursor`` from
    ``walk_start`` (a cursor; the first page if ``None``), thread ``i`` with
    ``limit=walk_first_limit + i`` (one connection a thread), so that no two requests of the run
    ask for the same URL.
    """
    if not url.startswith(("http://127.0.0.1:", "http://localhost:")):
        raise ValueError(f"the bench loads loopback servers only, not {url}")
    binary = shutil.which("wrk")
    if binary is None:
        raise SystemExit("bench: wrk is not installed (make bench installs Debian's wrk package)")
    env = dict(os.environ)
    if token:
        env["WRK_AUTHORIZATION"] = f"Bearer {token}"
    if walk_first_limit is not None:
        env["WRK_WALK_FIRST_LIMIT"] = str(walk_first_limit)
        if walk_start is not None:
            env["WRK_WALK_START"] = walk_start
        threads = connections
    before = cpu() if cpu else None
    done = subprocess.run([binary, f"-t{min(threads, connections)}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                           "--timeout", "5s", "-s", str(SCRIPT), url],
                          capture_output=True, text=True, env=env, timeout=seconds + 30, check=True)
    after = cpu() if cpu else None
    last = done.stdout.strip().splitlines()[-1]
    used = None if before is None or after is None else round(after - before, 3)
    return LoadResult(**json.loads(last), cpu_seconds=used)
