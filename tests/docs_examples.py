"""Every code example of README.md and docs/ runs in ``make test`` (Sybil collects them: the root
``conftest.py``), so a snippet that stops working fails the build.

How each kind of example runs, in the document's own namespace (one per file, examples in order):

* a Python example that defines ``test_…`` functions is a pytest module: written to a fresh
  directory and run there by pytest in a process of its own, as a user's project would run it
  (the plugin found by its entry point, nothing of this repository's configuration), where every
  test must pass;
* any other Python example runs as it is, with the SDKs' environment variables pointing at a
  live fake of its own (``fake_beeper_env``), so ``BeeperDesktop()`` reaches it;
* a shell example of ``curl`` commands runs against that fake (``http://127.0.0.1:23373`` in the
  text is its address), and each must get a 2xx;
* ``--8<-- "tests/examples/…"`` shows a file of ``tests/examples/``, which ``make test`` runs.

Other shell examples (``make serve``, ``fake-beeper serve``) start servers or write files: they
are shown, not run; the CLI's own tests cover what they do.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sybil import Example
from sybil.evaluators.python import PythonEvaluator

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTED_PORT = "http://127.0.0.1:23373"
_INCLUDE = re.compile(r'^--8<-- "([^"]+)"$')
_TEST = re.compile(r"^(async )?def test_", re.MULTILINE)
_python = PythonEvaluator()


def evaluate_python(example: Example) -> None:
    source: str = example.parsed
    included = _INCLUDE.match(source.strip())
    if included:
        _check_included(included.group(1))
    elif _TEST.search(source):
        _run_as_tests(example, source)
    else:
        _after_those_before(example)
        _python(example)


def _after_those_before(example: Example) -> None:
    """An example may use what the examples before it in its document defined (they share the
    document's namespace and run in order), but pytest-xdist can run it on another worker than
    them. There, the plain Python examples before it that this process has not run are run first."""
    ran: set[int] = example.namespace.setdefault("_fake_beeper_examples_run", set())
    ran.add(example.start)
    for earlier in example.document.examples():
        if earlier.start >= example.start:
            return
        source = earlier.parsed
        if earlier.start in ran or earlier.region.evaluator is not evaluate_python or not isinstance(source, str) \
                or _INCLUDE.match(source.strip()) or _TEST.search(source):
            continue
        ran.add(earlier.start)
        _python(earlier)


def evaluate_shell(example: Example) -> None:
    commands = [line for line in example.parsed.splitlines() if line.strip() and not line.startswith("#")]
    if not commands or not all(line.startswith("curl ") for line in commands):
        return  # shown, not run (see the module's docstring)
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed on this machine")
    fake = example.namespace["fake_beeper_env"]
    for line in commands:
        words = shlex.split(line.replace(DOCUMENTED_PORT, fake.base_url), comments=True)
        done = subprocess.run([words[0], "--silent", "--show-error", "--fail-with-body", *words[1:]],
                              capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0:
            raise AssertionError(f"{line}\n-> exit {done.returncode}: {done.stdout}{done.stderr}")


def _check_included(name: str) -> None:
    path = ROOT / name
    if not path.is_file() or ROOT / "tests" / "examples" not in path.parents:
        raise AssertionError(f"{name}: an included example must be a file of tests/examples/ (which make test runs)")


def _run_as_tests(example: Example, source: str) -> None:
    # In a process of its own: an in-process run (pytester) takes out of sys.modules what it
    # imported first, and the SDK's lazily imported modules then come back as new classes.
    directory: Path = example.namespace["tmp_path"]
    name = re.sub(r"\W", "_", f"test_{Path(example.path).stem}_line_{example.line}") + ".py"
    (directory / name).write_text(source)
    environment = {key: value for key, value in os.environ.items() if not key.startswith("BEEPER_")}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", name], cwd=directory,
                          env=environment, capture_output=True, text=True, timeout=600, check=False)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    if done.returncode != 0 or not re.fullmatch(r"=*\s*\d+ passed( in [0-9.]+s)?( \(.*\))?\s*=*", summary):
        said = done.stdout[-4000:] + done.stderr[-2000:]
        raise AssertionError(f"the example's tests did not all pass: {summary}\n{said}")
