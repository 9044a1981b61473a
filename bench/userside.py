"""What users of the plugin feel, each figure beside its baseline measured in the same run.

* pytest start-up: ``pytest --collect-only`` of a one-test file, in a venv with pytest alone and in
  one that also has fake-beeper installed (no extras), interleaved, median of the repeats;
* per-test cost of each fixture: a test file of N tests per fixture (each test one request), every
  test timed by a small plugin; the mean over tests 2..N (the first pays the session's one-time
  costs) minus the same for tests that use no fixture;
* time to the first response of ``serve --seed 1 --count 200000``: cold (an empty cache
  directory) and cached (the second start, repeated).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from servers import ROOT, TOKEN, free_port, running

VENVS = ROOT / "bench" / "venvs"
CONSTRAINTS = ROOT / "constraints.txt"

TRIVIAL_TEST = "def test_one():\n    assert 1 + 1 == 2\n"

# Each test makes one request, as a user's test would: the live ones over a keep-alive client.
FIXTURE_TESTS = '''
import httpx, pytest

live = httpx.Client()

@pytest.mark.parametrize("i", range({n}))
def test_no_fixture(i):
    assert i >= 0

@pytest.mark.parametrize("i", range({n}))
def test_fake_beeper(i, fake_beeper):
    assert fake_beeper.http_client().get("/v1/chats").status_code == 200

@pytest.mark.parametrize("i", range({n}))
@pytest.mark.fake_beeper(profile="4.2")
def test_fake_beeper_profile(i, fake_beeper):
    assert fake_beeper.http_client().get("/v1/chats").status_code == 200

@pytest.mark.parametrize("i", range({n}))
def test_fake_beeper_server(i, fake_beeper_server):
    headers = {{"Authorization": f"Bearer {{fake_beeper_server.token}}"}}
    assert live.get(fake_beeper_server.base_url + "/v1/chats", headers=headers).status_code == 200

@pytest.mark.parametrize("i", range({n}))
def test_fake_beeper_env(i, fake_beeper_env):
    import os
    headers = {{"Authorization": f"Bearer {{os.environ['BEEPER_ACCESS_TOKEN']}}"}}
    assert live.get(os.environ["BEEPER_BASE_URL"] + "/v1/chats", headers=headers).status_code == 200
'''

# Times each test from the start of its setup to the end of its teardown.
TIMING_PLUGIN = '''
import json, os, time, pytest

times = []

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    start = time.perf_counter()
    yield
    times.append(time.perf_counter() - start)

def pytest_sessionfinish(session):
    with open(os.environ["BENCH_TIMES"], "w") as out:
        json.dump(times, out)
'''


def _venv(name: str, *requirements: str, this_project: bool = False) -> Path:
    """A venv under bench/venvs/ with ``requirements`` from the lock (made once); with
    ``this_project``, fake-beeper as a user installs it (a wheel of this tree, no extras, no
    editable hook), reinstalled on every run so that the figure is of the code as it is now."""
    path = VENVS / name
    python = path / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "-c", str(CONSTRAINTS)]
    if not (path / ".installed").exists():
        shutil.rmtree(path, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        subprocess.run([*pip, *requirements], check=True)
        (path / ".installed").touch()
    if this_project:
        subprocess.run([*pip, "--force-reinstall", "--no-deps", str(ROOT)], check=True)
        subprocess.run([*pip, str(ROOT)], check=True)
    return python


def pytest_startup(repeats: int = 15) -> dict[str, Any]:
    """Median ``pytest --collect-only`` time of a trivial test file, with and without fake-beeper,
    with Python's bytecode cache on (the default) and off (``PYTHONDONTWRITEBYTECODE=1``, common in
    CI containers: pytest then recompiles the assertion-rewritten modules of every plugin's
    distribution on every run)."""
    pytest_pin = next(line.split()[0] for line in CONSTRAINTS.read_text().splitlines() if line.startswith("pytest=="))
    pythons = {"pytest alone": _venv("pytest-alone", pytest_pin),
               "pytest + fake-beeper": _venv("pytest-fake-beeper", pytest_pin, this_project=True)}
    base = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    environments = {"bytecode cache on": base, "PYTHONDONTWRITEBYTECODE=1": {**base, "PYTHONDONTWRITEBYTECODE": "1"}}
    report: dict[str, Any] = {"repeats": repeats}
    with tempfile.TemporaryDirectory() as directory:
        Path(directory, "test_trivial.py").write_text(TRIVIAL_TEST)
        for label, env in environments.items():
            times: dict[str, list[float]] = {name: [] for name in pythons}
            for attempt in range(repeats + 1):
                for name, python in pythons.items():
                    start = time.perf_counter()
                    subprocess.run([str(python), "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
                                   cwd=directory, check=True, capture_output=True, env=env)
                    if attempt:  # the first run of each writes the bytecode caches it may write
                        times[name].append(time.perf_counter() - start)
            medians = {name: round(statistics.median(values), 3) for name, values in times.items()}
            report[label] = {"median_seconds": medians,
                             "added_seconds": round(medians["pytest + fake-beeper"] - medians["pytest alone"], 3)}
    return report


def fixture_costs(tests: int = 200, rounds: int = 3) -> dict[str, Any]:
    """Milliseconds each fixture adds to a test (setup + one request + teardown), per round."""
    kinds = ["no_fixture", "fake_beeper", "fake_beeper_profile", "fake_beeper_server", "fake_beeper_env"]
    means: dict[str, list[float]] = {kind: [] for kind in kinds}
    with tempfile.TemporaryDirectory() as directory:
        Path(directory, "test_fixtures.py").write_text(FIXTURE_TESTS.format(n=tests))
        Path(directory, "conftest.py").write_text(TIMING_PLUGIN)
        for _ in range(rounds):
            for kind in kinds:
                times_file = Path(directory, "times.json")
                subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", f"test_{kind}["],
                               cwd=directory, check=True, capture_output=True,
                               env={**os.environ, "BENCH_TIMES": str(times_file)})
                times = json.loads(times_file.read_text())
                if len(times) != tests:  # a verdict: it holds under python -O too
                    raise RuntimeError(f"bench: {kind}: {len(times)} tests ran, not {tests}")
                means[kind].append(statistics.mean(times[1:]) * 1000)
    added = {kind: [round(m - base, 2) for m, base in zip(means[kind], means["no_fixture"], strict=True)]
             for kind in kinds[1:]}
    return {"tests": tests, "rounds": rounds,
            "no_fixture_ms": [round(m, 3) for m in means["no_fixture"]],
            "added_ms": {kind: {"per_round": values, "median": statistics.median(values)}
                         for kind, values in added.items()}}


def generated_startup(count: int = 200_000, cached_repeats: int = 3) -> dict[str, Any]:
    """Spawn to first response of ``serve --seed 1 --count N``: cold, then from the cache."""
    cache = ROOT / "bench" / "data" / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    env = {**os.environ, "FAKE_BEEPER_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "fake_beeper.cli", "serve", "--token", TOKEN, "--quiet",
               "--seed", "1", "--count", str(count)]
    seconds = []
    for attempt in range(1 + cached_repeats):
        port = free_port()
        with running(f"fake_seed1_{count}_{attempt}", [*command, "--port", str(port)], port, env=env) as server:
            seconds.append(round(server.startup_seconds, 2))
    return {"chats": count, "cold_seconds": seconds[0], "cached_seconds": seconds[1:],
            "cached_median_seconds": statistics.median(seconds[1:])}
