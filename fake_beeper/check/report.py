"""What a check found, and the ways it is written out: the terminal, JSON, JUnit XML, Markdown.

Three kinds of finding:

* a **violation** breaks the contract (the exit status is then 1);
* a **warning** is hygiene the contract does not demand (a 501 for ``TRACE``, a plain-text 404);
* **behaviour** is a fact where the contract is silent (``after: newest``), never a failure.

Each violation and warning carries the request that shows it, as a ``curl`` line. The token never
appears in any output: it is replaced by ``$BEEPER_ACCESS_TOKEN`` everywhere.
"""

from __future__ import annotations

import shlex
import textwrap
import traceback
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from fake_beeper.check.phases import Phase
from fake_beeper.contract.behaviour import FIXED
from fake_beeper.contract.stages import LATEST, Stage
from fake_beeper.errors import FakeBeeperError
from fake_beeper.text import shown

Kind = Literal["violation", "warning"]


class Violation(AssertionError):
    """A server broke the contract: raised by a check, its message naming the page, the request
    and the chat. Raised explicitly, never by ``assert``, so that ``python -O`` keeps every
    verdict; an ``AssertionError`` for pytest, which reports it as the test's failure. Anything
    else a check raises is a bug of the check, not the server's doing."""


class CheckerBug(FakeBeeperError):
    """A bug in ``fake-beeper check`` itself, met while running one check: never the server's
    doing, and never reported as a violation. ``traceback`` says where."""

    def __init__(self, check: str, exc: BaseException) -> None:
        super().__init__(f"a bug in fake-beeper check, in \"{check}\": {type(exc).__name__}: {shown(str(exc))}")
        self.check = check
        self.traceback = "".join(traceback.format_exception(exc))


@dataclass(frozen=True)
class Finding:
    kind: Kind
    check: str  # which check found it: "schemathesis: ignored_auth", "pagination: every chat once" …
    message: str  # names the page, the request and the chat where there are such
    curl: str | None = None


@dataclass
class Report:
    base_url: str
    findings: list[Finding] = field(default_factory=list)
    behaviour: dict[str, str] = field(default_factory=dict)
    serve_flags: str = ""
    passed: list[str] = field(default_factory=list)  # the checks that ran and found nothing
    requests: int = 0
    methods: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    operations: list[str] = field(default_factory=list)  # the operation IDs it was held to (and serves)
    cut_short: list[str] = field(default_factory=list)  # checks whose share of --max-time ran out
    left_out: list[Phase] = field(default_factory=list)  # phases not chosen (--phases): not run, not passed
    seed: int = 0
    stage: Stage = LATEST  # the stage of the contract the server was held to (fake_beeper.contract.stages)
    stages: list[Stage] = field(default_factory=list)  # the stages its chats and accounts fit, newest first

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.kind == "violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.kind == "warning"]

    @property
    def exit_status(self) -> int:
        return 1 if self.violations else 0

    def scrub(self, token: str) -> None:
        """Take the token out of every finding, leaving ``$BEEPER_ACCESS_TOKEN`` in its place
        (also where Schemathesis wrote ``[Filtered]``, so that its curl lines run as they are)."""
        def clean(text: str) -> str:
            # In double quotes, so that the shell puts the variable in (Schemathesis quotes singly).
            for quoted in ("'Authorization: [Filtered]'", f"'Authorization: Bearer {token}'" if token else None):
                if quoted:
                    text = text.replace(quoted, '"Authorization: Bearer $BEEPER_ACCESS_TOKEN"')
            text = text.replace("Authorization: [Filtered]", "Authorization: Bearer $BEEPER_ACCESS_TOKEN")
            return text.replace(token, "$BEEPER_ACCESS_TOKEN") if token else text

        self.findings = [Finding(f.kind, f.check, clean(f.message), clean(f.curl) if f.curl else None)
                         for f in self.findings]

    def as_json(self) -> dict[str, Any]:
        return {"baseURL": self.base_url, "violations": [asdict(f) for f in self.violations],
                "warnings": [asdict(f) for f in self.warnings], "behaviour": self.behaviour,
                "serveFlags": self.serve_flags, "passed": self.passed, "requests": self.requests,
                "methods": self.methods, "seconds": round(self.seconds, 1), "seed": self.seed,
                "profile": self.stage.name, "stages": [found.name for found in self.stages],
                "operations": self.operations, "cutShort": self.cut_short, "leftOut": self.left_out}

    def summary(self) -> str:
        """The terminal summary: each finding in a line (``SHOWN`` characters at most: the whole
        of it is in the JSON and Markdown reports), then the behaviour and the verdict. A server
        whose data fits an older stage better than the one it was held to is told so first."""
        lines = [f"fake-beeper check {self.base_url}{self._as_stage()}: {self.requests} requests "
                 f"({', '.join(f'{m} {n}' for m, n in sorted(self.methods.items()))}) in {self.seconds:.1f} s"]
        if self.stages and self.stage not in self.stages:
            lines.append(f"FIRST: {self._stages_line()}")
        for finding in self.findings:  # what a server said is quoted in them: shown, never written raw
            lines.append(shown(f"{finding.kind.upper()} [{finding.check}] {finding.message}", SHOWN))
            if finding.curl:  # Schemathesis may give several requests, a line each
                lines += [f"    {shown(line, SHOWN - 4)}" for line in finding.curl.splitlines()]
        if self.cut_short:
            lines.append(shown(f"cut short, their share of --max-time over: {', '.join(self.cut_short)}", SHOWN))
        if self.left_out:
            lines.append(f"not run (left out by --phases): {', '.join(self.left_out)}")
        lines += self._behaviour_lines()
        if self.stages and self.stage in self.stages:
            lines.append(self._stages_line())
        lines.append(f"{len(self.violations)} violation(s), {len(self.warnings)} warning(s), "
                     f"{len(self.passed)} check(s) passed: "
                     f"{'FAILED' if self.violations else 'passed'}"
                     f"{' (in the phases chosen only)' if self.left_out else ''}")
        return "\n".join(lines)

    def _behaviour_lines(self) -> list[str]:
        """What was learned where the contract is silent, and the ``serve`` line that copies it:
        sameness claimed over what was learned only, and what the fake cannot imitate said."""
        if not self.behaviour:
            why = "were cut short" if PROBES_CHECK in self.cut_short else "did not run: the full walk failed"
            return [f"behaviour where the contract is silent: not learned (the probes {why}); no serve line can "
                    "be given"]
        learned = {key: value for key, value in self.behaviour.items() if value not in UNLEARNED}
        unlearned = [key for key, value in self.behaviour.items() if value in UNLEARNED]
        lines = textwrap.wrap("behaviour where the contract is silent: " +
                              ", ".join(f"{key}={value}" for key, value in learned.items()),
                              SHOWN, subsequent_indent="  ", break_on_hyphens=False)
        if unlearned:
            lines.append(f"not learned (the data could not tell, or the answer fit no choice): {', '.join(unlearned)}")
        serve = f"fake-beeper serve {self.serve_flags}".rstrip()
        lines.append(f"the fake behaves the same in what was learned: {serve}")
        differs = [f"{key}={value} (the fake: {FIXED[key]})" for key, value in learned.items()
                   if key in FIXED and value != FIXED[key]]
        if differs:
            lines.append(f"the fake cannot imitate: {', '.join(differs)}")
        return lines

    def junit(self) -> bytes:
        """JUnit XML: one test case per check, failed by its violations (warnings as system-out)."""
        suite = ET.Element("testsuite", name="fake-beeper check", tests=str(len(self._checks()) + len(self.left_out)),
                           failures=str(len({f.check for f in self.violations})), time=f"{self.seconds:.1f}")
        for check in self._checks():
            case = ET.SubElement(suite, "testcase", classname="fake-beeper.check", name=check)
            for finding in (f for f in self.findings if f.check == check):
                text = finding.message + (f"\n{finding.curl}" if finding.curl else "")
                if finding.kind == "violation":
                    ET.SubElement(case, "failure", message=finding.message).text = text
                else:
                    ET.SubElement(case, "system-out").text = f"warning: {text}"
        for phase in self.left_out:  # shown as skipped, so that a CI page does not read the pass as whole
            case = ET.SubElement(suite, "testcase", classname="fake-beeper.check", name=f"phase: {phase}")
            ET.SubElement(case, "skipped", message="left out by --phases")
        suite.set("skipped", str(len(self.left_out)))
        xml: bytes = ET.tostring(suite, encoding="utf-8", xml_declaration=True)
        return xml

    def markdown(self) -> str:
        """A report a person reads afterwards."""
        out = [f"# fake-beeper check of {self.base_url}{self._as_stage()}", "",
               f"{'**Failed**' if self.violations else '**Passed**'}"
               f"{' (in the phases chosen only)' if self.left_out else ''}: {len(self.violations)} violation(s), "
               f"{len(self.warnings)} warning(s); {self.requests} requests in {self.seconds:.1f} s (seed {self.seed}).",
               ""]
        for title, findings in (("Violations", self.violations), ("Warnings", self.warnings)):
            out += [f"## {title}", ""]
            out += [f"- **{f.check}**: {f.message}" + (f"\n\n  ```sh\n  {f.curl}\n  ```" if f.curl else "")
                    for f in findings] or ["None."]
            out.append("")
        out += ["## Behaviour where the contract is silent", "", "| choice | this server |", "|---|---|"]
        out += [f"| `{key}` | `{value}` |" for key, value in self.behaviour.items()]
        out += ["", "The fake answers the same way, in what was learned, with:", "", "```sh",
                f"fake-beeper serve {self.serve_flags}".rstrip(), "```", ""]
        out += [self._stages_line(), ""] if self.stages else []
        out += ["## Checks that passed", ""]
        out += [f"- {check}" for check in self.passed] or ["None."]
        if self.cut_short:
            out += ["", "## Cut short (their share of --max-time ran out)", ""]
            out += [f"- {check}" for check in self.cut_short]
        if self.left_out:
            out += ["", "## Not run (left out by --phases)", ""]
            out += [f"- {phase}" for phase in self.left_out]
        return "\n".join(out) + "\n"

    def _stages_line(self) -> str:
        """Which stages of the contract the server's chats and accounts fit, and, if the one it
        was held to is not among them, how to hold it to one that is."""
        plural = "s" if len(self.stages) > 1 else ""
        names = " and ".join(found.name for found in self.stages)
        line = f"its chats and accounts fit stage{plural} {names} of the contract (fake-beeper profiles)"
        if self.stage not in self.stages:  # of two that fit, the older asks more (4.1 a title, js-4.2.3 none)
            line += f"; an older Beeper Desktop? check it as one: fake-beeper check {self.base_url} " \
                    f"--profile {self.stages[-1]}"
        return line

    def _as_stage(self) -> str:
        return "" if self.stage.is_latest else f" as profile {self.stage}"

    def _checks(self) -> list[str]:
        return list(dict.fromkeys([*self.passed, *(f.check for f in self.findings)]))


SHOWN = 200  # characters of one line of the terminal summary
UNKNOWN = "unknown"  # a probe whose data cannot tell the answers apart
OTHER = "other"  # a probe whose answer fits none of them
UNLEARNED = (UNKNOWN, OTHER)
PROBES_CHECK = "probes: answers that can be read"  # the check of the behaviour probes, by its name


def curl(base_url: str, path_and_query: str, *, method: str = "GET", token: bool = True) -> str:
    """The ``curl`` line that sends this request again (the token left as a variable)."""
    parts = ["curl", "-sS"]
    if method != "GET":
        parts += ["-X", method]
    line = " ".join([*parts, shlex.quote(base_url.rstrip("/") + path_and_query)])
    return line + (' -H "Authorization: Bearer $BEEPER_ACCESS_TOKEN"' if token else "")
