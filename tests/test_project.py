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


def test_every_prerequisite_of_setup_is_a_defined_variable_and_test_builds_setup() -> None:
    database = _make_database()
    rule = re.search(r"^setup: (.*)$", database, re.MULTILINE)
    assert rule is not None, "no rule for setup"
    prerequisites = rule.group(1).split()
    assert any("/.installed" in p and ".venv-sdks/" in p for p in prerequisites), prerequisites
    assert any(p.endswith("node_modules/.installed") for p in prerequisites), prerequisites
    assert not any("$" in p for p in prerequisites), prerequisites
    # make test builds all of it first (side by side: make -j in the recipe), then checks and tests.
    recipe = re.search(r"^test:.*\n(?:#.*\n)*((?:\t.*\n)+)", database, re.MULTILINE)
    assert recipe is not None, "no recipe for test"
    first = recipe.group(1).splitlines()[0]
    assert " setup" in first and "-j" in first, first


README = ROOT / "README.md"
DOCS = ROOT / "docs"


def test_the_readme_is_short_and_its_links_lead_somewhere() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200, "the README is the way in: the rest belongs in docs/"
    for target in re.findall(r"\]\(((?!https?:)[^)#]+)(?:#[^)]*)?\)", text):
        assert (ROOT / target).exists(), f"README.md links to {target}, which is not in the repository"


def test_the_readmes_speed_table_is_that_of_the_newest_bench_run() -> None:
    """The README quotes the newest committed ``make bench`` run as ``bench/report.py`` renders
    it: no figure typed by hand, none left behind by a newer run."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_report", ROOT / "bench" / "report.py")
    assert spec is not None and spec.loader is not None
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    newest = report.newest()
    table = report.readme(report.load(newest), newest.name)
    assert table in README.read_text(encoding="utf-8"), f"README.md: paste the table of {newest.name}:\n{table}"


def test_every_public_name_and_fixture_is_in_the_docs() -> None:
    """What users reach for is documented: each name ``fake_beeper`` exports, each fixture of the
    plugin, and the ``FakeBeeper`` methods and properties a test uses."""
    import fake_beeper
    from fake_beeper import pytest_plugin
    from fake_beeper.fake import FakeBeeper

    docs = "\n".join(path.read_text(encoding="utf-8") for path in DOCS.rglob("*.md"))
    fixtures = [name for name, value in vars(pytest_plugin).items()
                if type(value).__name__ == "FixtureFunctionDefinition"]  # what @pytest.fixture makes
    # mkdocstrings renders every public member of a class given whole (``::: fake_beeper.FakeBeeper``).
    whole = "::: fake_beeper.FakeBeeper\n" in docs
    methods = [] if whole else [name for name in vars(FakeBeeper) if not name.startswith("_")]
    missing = [name for name in [*fake_beeper.__all__, *fixtures, *methods] if name not in docs]
    assert fixtures and not missing, f"not in docs/: {missing}"
