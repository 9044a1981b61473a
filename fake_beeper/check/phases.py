"""The parts of ``fake-beeper check`` a user can choose (``--phases``): a quick verdict on the
walks alone, or Schemathesis's coverage phase alone, without the rest.

What a check left out is said in its report, so that a pass of some phases is never read as a
pass of all.
"""

from __future__ import annotations

from enum import StrEnum


class Phase(StrEnum):
    """The parts of a check that can be chosen (``--phases``), in the order they run. The first
    walk and the behaviour probes always run: every phase stands on them."""

    PAGINATION = "pagination"  # the walks: every chat once, in order, an end, filters, search, messages
    MACHINES = "machines"  # interleaved walkers against a model of the walk
    EXAMPLES = "examples"  # Schemathesis's four phases, by Schemathesis's own names
    COVERAGE = "coverage"
    FUZZING = "fuzzing"
    STATEFUL = "stateful"

    @classmethod
    def parse(cls, text: str) -> frozenset[Phase]:
        """``pagination,coverage`` as phases; a name that is none of them is a ``ValueError``
        that lists them."""
        names = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in names if name not in cls._value2member_map_]
        if unknown or not names:
            said = f"unknown phase {unknown[0]!r}" if unknown else "no phase named"
            raise ValueError(f"{said}; the phases are {', '.join(cls)}")
        return frozenset(cls(name) for name in names)


SCHEMATHESIS_PHASES = (Phase.EXAMPLES, Phase.COVERAGE, Phase.FUZZING, Phase.STATEFUL)
