"""The project's own files, read as a newcomer meets them: the Makefile's targets."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _make_database() -> str:
    """make's reading of the Makefile (``-p``), without running anything (``-n``, a target that does nothing)."""
    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    result = subprocess.run(["make", "-p", "-n", "-f", "Makefile", "-q", "lint", "--no-print-directory"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    return result.stdout


def test_every_prerequisite_of_setup_and_test_is_a_defined_variable() -> None:
    database = _make_database()
    for target in ("setup", "test"):
        rule = re.search(rf"^{target}: (.*)$", database, re.MULTILINE)
        assert rule is not None, f"no rule for {target}"
        prerequisites = rule.group(1).split()
        assert any("/.installed" in p and ".venv-sdks/" in p for p in prerequisites), (target, prerequisites)
        assert not any("$" in p for p in prerequisites), prerequisites
