"""How a graded function is called on one case, and what its answer is: the same code in the
judge's kernel (``grade.py``) and in otter's test files (``grader.check``).

The build imports it to call the reference and the catalogued mistakes. Where a student's code
runs it is sent as source, after ``in_kernel/plain.py``'s (``judge/shipped.py``), never imported. A
case kind whose function cannot be called with the case's inputs as they are brings its own
caller (``Kind.call``), shipped beside this.
"""

import copy
from typing import Any, Callable, List, Optional, Protocol, Sequence

from autograder.in_kernel.plain import to_plain


class Caller(Protocol):
    """A case kind's own way to call a graded function on a case's arguments (``Kind.call``),
    where that is not simply ``func(*args)``: what ``func`` answers. A function defined at the
    top of its module: its shipped file defines it under this name where a student's code runs."""

    __name__: str

    def __call__(self, func: Callable[..., Any], args: List[Any], /) -> Any: ...


def answer_of(func: object, args: Sequence[Any], caller: Optional[Caller] = None) -> List[Any]:
    """``[tag, detail]`` (``plain.ANSWER_TAGS``) of calling ``func`` on fresh copies of ``args``,
    through the kind's ``caller(func, args)`` if it has one."""
    if func is None:
        return ["missing", None]
    if not callable(func):
        return ["not_callable", type(func).__name__]
    copies = copy.deepcopy(list(args))  # a function that changes its inputs changes only these
    try:
        got = caller(func, copies) if caller is not None else func(*copies)
    except Exception as exc:  # the student's exception is their feedback
        return ["error", f"{type(exc).__name__}: {str(exc)[:300]}"]
    if got is None or got is Ellipsis:
        return ["unimplemented", None]
    try:
        return ["value", to_plain(got)]
    except TypeError as exc:
        return ["unsupported", str(exc)]
