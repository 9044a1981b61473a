"""Load with wrk (Debian's ``wrk`` package): requests per second and latency percentiles."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
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

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def as_json(self) -> dict[str, float]:
        return {**asdict(self), "rps": round(self.rps, 1)}


def wrk(url: str, *, token: str | None, connections: int, seconds: float, threads: int = 2) -> LoadResult:
    """``connections`` keep-alive connections on ``threads`` threads for ``seconds``; loopback only."""
    if not url.startswith(("http://127.0.0.1:", "http://localhost:")):
        raise ValueError(f"the bench loads loopback servers only, not {url}")
    binary = shutil.which("wrk")
    if binary is None:
        raise SystemExit("bench: wrk is not installed (make bench installs Debian's wrk package)")
    env = {**os.environ, "WRK_AUTHORIZATION": f"Bearer {token}"} if token else dict(os.environ)
    done = subprocess.run([binary, f"-t{min(threads, connections)}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                           "--timeout", "5s", "-s", str(SCRIPT), url],
                          capture_output=True, text=True, env=env, timeout=seconds + 30, check=True)
    last = done.stdout.strip().splitlines()[-1]
    return LoadResult(**json.loads(last))
