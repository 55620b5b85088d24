"""The check every generated otter test file runs, for ``grader.check`` and ``otter run``.

Test files must stand alone: a student's ``grader.check`` and Gradescope run them with nothing
of this project installed. So each carries, as source, the judge's own code for a case: the
plain-data codec (``in_kernel/plain.py``), the call (``in_kernel/answer.py``), the comparisons
(``in_kernel/compare.py``) and the modules of the case kinds it uses, then this
(``judge/shipped.py`` puts them together). ``expect`` calls the student's function as the
judge's kernel does and judges the outcome with the judge's ``judge_outcome``: a public case
passes or fails in the notebook as it does on Gradescope, with the same message. It holds no
answer: a test file holds only its own cases' expected values.
"""

from typing import Any, Optional, Sequence, Tuple

from autograder.in_kernel.answer import Caller, answer_of
from autograder.in_kernel.compare import Comparer, Matcher, judge_outcome, uses_note

# A case kind as a test file holds it: (compare, caller, matches, show_expected, fields).
_KindParts = Tuple[Comparer, Optional[Caller], Optional[Matcher], bool, Tuple[str, ...]]
# A graded function the reference calls: (its name, its question, its public cases as
# ``_judged`` takes them after the function and its name: a case that requires no warnings
# carries its mistakes, none, and True after its tolerances).
_Use = Tuple[str, str, Sequence[Tuple[Any, ...]]]


class AnswerError(AssertionError):
    """A wrong, missing or malformed answer: the message is what the student sees."""


def expect(func: object, func_name: str, call: str, args: Sequence[Any], expected: Any, kind: _KindParts,
           rtol: float, atol: float, mistakes: Sequence[Sequence[Any]] = (), uses: Sequence[_Use] = (),
           no_warnings: bool = False) -> None:
    """Fail with the judge's message unless ``func`` answers this case. ``kind`` is the case
    kind's (compare, caller, matches, show_expected, fields); ``mistakes`` the cataloged mistakes'
    [hint, output(, warnings)] on this case; ``uses`` the graded functions the reference calls,
    with their questions and public cases, so that a failure can say one of them fails too;
    ``no_warnings``: the case requires an answer without a warning."""
    passed, message = _judged(func, func_name, call, args, expected, kind, rtol, atol, mistakes, no_warnings)
    if not passed:
        raise AnswerError(message + _failing_uses(func, func_name, uses))


def _judged(func: object, func_name: str, call: str, args: Sequence[Any], expected: Any, kind: _KindParts,
            rtol: float, atol: float, mistakes: Sequence[Sequence[Any]] = (),
            no_warnings: bool = False) -> Tuple[bool, str]:
    compare, caller, matches, show_expected, fields = kind
    outcome = answer_of(func, args, caller)
    passed, message, _ = judge_outcome(outcome, expected, func_name, call, args, compare,
                                       matches, rtol, atol, show_expected, mistakes, no_warnings, fields)
    return passed, message


def _failing_uses(func: object, func_name: str, uses: Sequence[_Use]) -> str:
    """`` f uses g, which fails q: fix that first.`` for each graded function ``func`` calls
    that fails one of its own public cases."""
    text = ""
    called = set(getattr(getattr(func, "__code__", None), "co_names", ()))
    for name, question, cases in uses:
        used = getattr(func, "__globals__", {}).get(name)
        if name not in called or used is None:
            continue
        if not all(_judged(used, name, *case)[0] for case in cases):
            text += " " + uses_note(func_name, name, question)
    return text


def readable_failures() -> None:
    """Show an AnswerError to the student as its message alone.

    otter prints "Error at line N in test ..." and the line of test code above every failure's
    message; an AnswerError's message already says what was called, what came back and what was
    expected, so that header is only noise. Every test file calls this once when otter loads it
    (in the student's kernel); other exceptions keep otter's message.
    """
    try:
        from otter.test_files.exception_test import ExceptionTestFile
    except ImportError:  # not run by otter
        return
    original = ExceptionTestFile._generate_error_message
    if getattr(original, "readable", False):
        return

    def message(self: Any, excp: BaseException, context: int = 0) -> str:
        if type(excp).__name__ == "AnswerError":
            return str(excp)
        return original(self, excp, context)

    message.readable = True  # type: ignore[attr-defined]
    ExceptionTestFile._generate_error_message = message
