"""How a graded function is called on one case, and what its answer is: the same code in the
judge's kernel (``grade.py``) and in otter's test files (``grader.check``).

The build imports it to call the reference and the cataloged mistakes. Where a student's code
runs it is sent as source, after ``in_kernel/plain.py``'s (``judge/shipped.py``), never imported. A
case kind whose function cannot be called with the case's inputs as they are brings its own
caller (``Kind.call``), shipped beside this.

A call's warnings are part of its answer: a case may require none (``Case.no_warnings``), and
the judge and the test file read them from the outcome (``compare.py``'s ``judge_outcome``).
"""

import copy
import warnings
from typing import Any, Callable, List, Optional, Protocol, Sequence

import numpy as np

from autograder.in_kernel.plain import to_plain

# The warnings one call may report: a few distinct ones say what went wrong, and a loop that warns
# on every turn must not fill the kernel's memory with copies.
WARNINGS_KEPT, WARNING_CHARS = 4, 200
# Warnings about the code's future, not about its answer: never a case's concern.
NOT_ABOUT_THE_ANSWER = (DeprecationWarning, PendingDeprecationWarning)


class Caller(Protocol):
    """A case kind's own way to call a graded function on a case's arguments (``Kind.call``),
    where that is not simply ``func(*args)``: what ``func`` answers. A function defined at the
    top of its module: its shipped file defines it under this name where a student's code runs."""

    __name__: str

    def __call__(self, func: Callable[..., Any], args: List[Any], /) -> Any: ...


class WarningLog:
    """The distinct warnings of one call, as "Category: message" (``warnings.showwarning``'s
    stand-in while the call runs)."""

    def __init__(self) -> None:
        self.heard: List[str] = []

    def __call__(self, message: Any, category: Any, filename: str, lineno: int, file: Any = None,
                 line: Optional[str] = None) -> None:
        if isinstance(category, type) and issubclass(category, NOT_ABOUT_THE_ANSWER):
            return
        text = f"{getattr(category, '__name__', 'Warning')}: {str(message)[:WARNING_CHARS]}"
        if text not in self.heard and len(self.heard) < WARNINGS_KEPT:
            self.heard.append(text)


def answer_of(func: object, args: Sequence[Any], caller: Optional[Caller] = None) -> List[Any]:
    """``[tag, detail]`` (``plain.ANSWER_TAGS``) of calling ``func`` on fresh copies of ``args``,
    through the kind's ``caller(func, args)`` if it has one; ``[tag, detail, warnings]`` when the
    call warned (each warning once, as "RuntimeWarning: overflow encountered in exp"). Every
    warning is heard, whatever filters the notebook set, and numpy's floating-point errors are
    handled as numpy does by default (overflow, division by zero and invalid values warn,
    underflow does not), whatever ``np.seterr`` the notebook called: a case that requires no
    warnings asks the same of every notebook, in the judge's kernel and in ``grader.check``."""
    if func is None:
        return ["missing", None]
    if not callable(func):
        return ["not_callable", type(func).__name__]
    copies = copy.deepcopy(list(args))  # a function that changes its inputs changes only these
    log = WarningLog()
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = log  # restored when the block ends, as the filters are
        try:
            with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
                got = caller(func, copies) if caller is not None else func(*copies)
        except Exception as exc:  # the student's exception is their feedback
            return ["error", f"{type(exc).__name__}: {str(exc)[:300]}"]
    if got is None or got is Ellipsis:
        return ["unimplemented", None]
    try:
        value = ["value", to_plain(got)]
    except TypeError as exc:
        return ["unsupported", str(exc)]
    return value + [log.heard] if log.heard else value
