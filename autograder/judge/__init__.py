"""The judge: grades one submission so that its code cannot fake the score.

    verdict = judge_submission(path, casebook, support_dir, limits)

The submission's notebook runs in a fresh kernel under limits (``runner``); the judge sends in
each graded function's inputs and takes back plain data only (``plain``); it compares, in this
process, against the casebook's expected values (``kinds``, ``verdict``), which never reach
the kernel.
"""

from autograder.judge.casebook import Casebook
from autograder.judge.limits import Limits
from autograder.judge.submission import judge_submission

__all__ = ["Casebook", "Limits", "judge_submission"]
