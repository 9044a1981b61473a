"""For the whole suite (tests/, contract_tests/, and the examples of README.md and docs/)."""

import atexit
import os
import shutil
import tempfile

from hypothesis import HealthCheck, settings

# The suite runs on busy 2-core machines: no Hypothesis check may depend on the machine's speed,
# so no deadline and no "too slow" health check; every other health check stays on.
settings.register_profile("fake-beeper-suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("fake-beeper-suite")

# Datasets the tests generate are cached in a directory of this run's own (the CLI's child
# processes inherit it), never in the user's cache directory.
if "FAKE_BEEPER_CACHE_DIR" not in os.environ:
    os.environ["FAKE_BEEPER_CACHE_DIR"] = _cache = tempfile.mkdtemp(prefix="fake-beeper-test-cache-")
    atexit.register(shutil.rmtree, _cache, ignore_errors=True)

pytest_plugins = ["pytester"]


def _examples() -> object:
    """Sybil's collector of the examples of README.md and docs/ (``tests/docs_examples.py``)."""
    from sybil import Sybil
    from sybil.parsers.markdown import CodeBlockParser

    from tests.docs_examples import evaluate_python, evaluate_shell

    return Sybil(parsers=[CodeBlockParser("python", evaluate_python), CodeBlockParser("sh", evaluate_shell)],
                 patterns=["README.md", "docs/*.md", "docs/**/*.md"], fixtures=["tmp_path", "fake_beeper_env"]).pytest()


pytest_collect_file = _examples()
