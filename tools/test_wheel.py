"""``make test-wheel``: install the built wheel as a user would, outside the clone, and use it.

1. ``uv build --wheel`` (``make dist``'s wheel) into a temporary directory;
2. a fresh virtualenv elsewhere, with the wheel and the official SDK and pytest at the lock's
   versions (``constraints.txt``), and no extras;
3. the README's pytest example, as a user's own test file, run by pytest there: the plugin must be
   found through its entry point and every test must pass;
4. ``fake-beeper --version`` from the venv's own script;
5. without the ``strategies`` extra, ``import fake_beeper.strategies`` names a pip command; the
   command is run as printed (by the venv's pip), and the import must then work.

Each step prints one line; a failure prints what the step said and exits 1.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UV = ROOT / ".venv" / "bin" / "uv"


def run(step: str, command: list[str], cwd: Path) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900, check=False)
    if done.returncode != 0:
        sys.exit(f"test-wheel: {step} failed (exit {done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    print(f"test-wheel: {step}: ok")
    return done.stdout


def readme_example() -> str:
    """The README's first Python example: the pytest module a newcomer copies."""
    found = re.search(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
    if found is None:
        sys.exit("test-wheel: README.md has no Python example")
    return found.group(1)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="fake-beeper-wheel-") as scratch:
        work = Path(scratch)
        run("build the wheel", [str(UV), "build", "--wheel", "--out-dir", str(work / "dist"), str(ROOT)], ROOT)
        (wheel,) = (work / "dist").glob("fake_beeper-*.whl")
        python = work / "venv" / "bin" / "python"
        run("a fresh venv", [sys.executable, "-m", "venv", str(work / "venv")], work)
        run(f"install {wheel.name}, the SDK and pytest",
            [str(UV), "pip", "install", "--quiet", "--python", str(python), "-c", str(ROOT / "constraints.txt"),
             str(wheel), "beeper-desktop-api", "pytest"], work)
        project = work / "my-project"
        project.mkdir()
        (project / "test_my_client.py").write_text(readme_example())
        out = run("the README's pytest example", [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], project)
        if not re.search(r"\b\d+ passed\b", out) or re.search(r"failed|error", out):
            sys.exit(f"test-wheel: the README's example did not pass:\n{out}")
        run("fake-beeper --version", [str(work / "venv" / "bin" / "fake-beeper"), "--version"], project)
        said = subprocess.run([str(python), "-c", "import fake_beeper.strategies"], cwd=project,
                              capture_output=True, text=True, timeout=120, check=False).stderr
        command = re.search(r": (pip install .*)$", said.strip().splitlines()[-1] if said.strip() else "")
        if command is None:
            sys.exit(f"test-wheel: without the extra, the import did not name a pip command:\n{said}")
        pip = shlex.split(command.group(1))  # as printed, by the venv's own pip
        run(f"the command it names ({command.group(1)})", [str(python), "-m", *pip, "--quiet"], project)
        run("import fake_beeper.strategies", [str(python), "-c", "import fake_beeper.strategies"], project)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
