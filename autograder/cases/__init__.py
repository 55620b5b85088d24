"""Each assignment's cases: which inputs every graded function is called with.

``autograder/cases/<assignment>.py`` defines ``cases(question, seed) -> [Case, ...]``,
registers any case kind of its own, and may list ``MISTAKES``: catalogued wrong answers whose
outputs the build stores beside each case, so that the feedback can name them. From these one description the build writes both the otter
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
    rtol: float = None  # None: the kind's own tolerance (autograder/judge/kinds.py)
    atol: float = None

    def __post_init__(self):
        from autograder.judge.kinds import KINDS

        if self.kind not in KINDS:
            raise ValueError(f"case kind must be one of {sorted(KINDS)}, not {self.kind!r}")


@dataclass(frozen=True)
class Mistake:
    """A real student mistake: a whole wrong function (source), and the hint that explains it."""

    question: str
    name: str
    hint: str
    source: str

    def function(self, name):
        """The wrong function, defined from its source. Only the course's own catalogue is run
        this way, at build time and in tests; never anything a student wrote."""
        namespace = {}
        exec(compile(self.source, f"<mistake {self.question}: {self.name}>", "exec"), namespace)
        return namespace[name]
