"""What an assignment's cases are made of: ``Case``, ``Mistake`` and the seeding of each
question's inputs.

Each assignment's ``assignment/<name>/cases.py`` defines ``cases(question, seed) -> [Case, ...]``,
registers its own case kinds (their code in ``kinds.py`` beside it), and lists ``MISTAKES``
(``mistakes.py``): catalogued wrong answers whose outputs the build stores beside each case, so
that the feedback can name them. From that one description the build writes both the otter test
files (public cases, for ``grader.check``) and the judge's casebook (every case, with the
expected values the reference computes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np


def question_rngs(question: str, public_seed: int,
                  term_seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """(public, hidden) random generators for ``question``'s inputs. Public cases are the same
    every term (students see them); hidden ones follow the term seed. The question's name joins
    the seed, so every question draws its own inputs."""
    name = list(question.encode())
    return np.random.default_rng([public_seed, *name]), np.random.default_rng([int(term_seed), *name])


@dataclass(frozen=True)
class Case:
    """One call of a graded function: its inputs, whether students may see it, and its kind."""

    args: tuple[Any, ...]
    hidden: bool
    kind: str
    note: str = ""
    rtol: float | None = None  # None: the kind's own tolerance (autograder/judge/kinds.py)
    atol: float | None = None
    # The call must not warn (RuntimeWarning: overflow encountered in exp, say): what a prompt asks
    # for when it says "without a warning". The right value with a warning fails, naming it.
    no_warnings: bool = False

    def __post_init__(self) -> None:
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

    def function(self, name: str) -> Callable[..., Any]:
        """The wrong function, defined from its source. Only the course's own catalogue is run
        this way, at build time and in tests; never anything a student wrote."""
        namespace: dict[str, Any] = {}
        exec(compile(self.source, f"<mistake {self.question}: {self.name}>", "exec"), namespace)
        return namespace[name]
