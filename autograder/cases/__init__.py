"""Each assignment's cases: which inputs every graded function is called with.

``autograder/cases/<assignment>.py`` defines ``cases(question, seed) -> [Case, ...]`` and
registers any case kind of its own. From these one description the build writes both the otter
test files (public cases, for ``grader.check``) and the judge's casebook (every case, with the
expected values the reference computes).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    """One call of a graded function: its inputs, whether students may see it, and its kind."""

    args: tuple
    hidden: bool
    kind: str
    note: str = ""

    def __post_init__(self):
        from autograder.judge.kinds import KINDS

        if self.kind not in KINDS:
            raise ValueError(f"case kind must be one of {sorted(KINDS)}, not {self.kind!r}")
