"""How an answer is judged: the comparisons of the generic case kinds, and one case's outcome
turned into a pass or a message (with the cataloged mistake it looks like).

The judge imports this module. otter's test files carry its source, after ``plain.py``'s (see
``shipped.py``), so ``grader.check`` judges a public case by the same code, with the same
tolerances and the same words, as the judge does. It may therefore import only the standard
library, numpy, and names from ``plain.py`` on a line of their own. ``Comparer`` and ``Matcher``
are the signatures of a case kind's comparison and mistake test (``judge/kinds.py``'s ``Kind``).
"""

from dataclasses import dataclass
from typing import Any, Iterable, Optional, Protocol, Sequence, Tuple

import numpy as np

from autograder.in_kernel.plain import numbers

# Expected values are computed in float64. A correct answer may be computed in float32 (torch's
# default): 1e-4 relative and 1e-5 absolute leave room for that, and for any order of
# operations, while every cataloged wrong formula is off by far more on some case.
FLOAT_RTOL, FLOAT_ATOL = 1e-4, 1e-5

KNOWN_MISTAKE = "Looks like a known mistake:"
# What a case that requires no warnings (``Case.no_warnings``) says of an answer that warned.
MUST_NOT_WARN = "it must return its answer without a warning"

# Outcomes other than a value (``plain.ANSWER_TAGS``), as the student reads them.
TAG_MESSAGES = {
    "missing": "{function} is not defined: run the cell that defines it (and keep its name).",
    "not_callable": "{function} should be a function, but it is of type {detail}.",
    "unimplemented": "{function} is not implemented yet (it returned nothing): replace the ... with your code, "
                     "and return the result.",
    "unsupported": "{function} returned what the grader cannot read ({detail}); return a number, an "
                   "array, or a tuple or dict of them.",
    "error": "{function} raised {detail}",
}


@dataclass(frozen=True)
class Comparison:
    passed: bool
    message: str = ""  # for a failure: what came back and why it is wrong
    show_expected: bool = True  # whether the expected value helps (not after a wrong shape)


class Comparer(Protocol):
    """A case kind's comparison (``Kind.compare``), on plain data: (expected, returned, the call
    as feedback reads it, the case's arguments, rtol, atol) -> Comparison. A function defined at
    the top of its module, whose file is shipped (``judge/shipped.py``)."""

    __name__: str

    def __call__(self, expected: Any, returned: Any, call: str, args: Sequence[Any], rtol: float,
                 atol: float, /) -> Comparison: ...


class Matcher(Protocol):
    """A case kind's test for a cataloged mistake (``Kind.matches``): (the mistake's output, the
    returned value, the case's arguments, rtol, atol) -> whether the answer is that mistake."""

    __name__: str

    def __call__(self, output: Any, returned: Any, args: Sequence[Any], rtol: float, atol: float, /) -> bool: ...


def short_numbers(values: Any) -> str:
    """Numbers as a student reads them: 6 significant digits, nested as the array is (a 1×3
    matrix is [[1, 2, 3]]), long arrays by their shape."""
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 0:
        return f"{float(arr):.6g}"
    if arr.size > 8:
        return f"an array of shape {arr.shape}"
    return "[" + ", ".join(short_numbers(row) for row in arr) + "]"


def compare_float(expected: Any, got: Any, call: str, args: Optional[Sequence[Any]] = None,
                  rtol: float = FLOAT_RTOL, atol: float = FLOAT_ATOL) -> Comparison:
    value = numbers(got)
    if value is None:
        return Comparison(False, f"{call} should return a number")
    if value.size != 1:
        return Comparison(False, f"{call} should return a single number, not {value.size} values "
                                 f"(shape {value.shape})")
    number = float(value.reshape(()))
    want = float(numbers(expected))  # type: ignore[arg-type]  # the reference's: always numbers
    if np.isclose(number, want, rtol=rtol, atol=atol):
        return Comparison(True)
    return Comparison(False, f"{call} returned {number:.6g}")


def compare_array(expected: Any, got: Any, call: str, args: Optional[Sequence[Any]] = None,
                  rtol: float = FLOAT_RTOL, atol: float = FLOAT_ATOL) -> Comparison:
    want: np.ndarray = numbers(expected)  # type: ignore[assignment]  # the reference's: always numbers
    value = numbers(got)
    if value is None:
        return Comparison(False, f"{call} should return an array of numbers")
    if value.shape != want.shape:
        return Comparison(False, f"{call} returned an array of shape {value.shape}; it should have "
                                 f"shape {want.shape}", show_expected=False)
    close = np.isclose(value, want, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return Comparison(True)
    wrong = int((~close).sum())
    if want.size <= 8:  # small enough to read whole, the expected value after it
        return Comparison(False, f"{call} returned {short_numbers(value)}: {wrong} of {want.size} entries "
                                 f"are wrong")
    # Too big to read whole: the first wrong entry, where it is, and what it should be.
    first = tuple(int(i) for i in np.argwhere(~close)[0])
    where = first[0] if len(first) == 1 else first
    return Comparison(False, f"{call}: {wrong} of {want.size} entries are wrong; entry {where} is "
                             f"{value[first]:.6g}, it should be {want[first]:.6g}", show_expected=False)


def compare_fields(expected: Any, got: Any, call: str, args: Optional[Sequence[Any]] = None,
                   rtol: float = FLOAT_RTOL, atol: float = FLOAT_ATOL, names: Sequence[str] = ()) -> Comparison:
    """An answer of several parts: a tuple (expected as a list, its parts named by ``names``, else
    by position) or a dict (its keys the names), each part a number or an array of numbers,
    compared part by part. The message says which parts are right and, of each wrong one, what
    it is and what it should be."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return Comparison(False, f"{call} should return a dict with keys {_listed(expected)}, not "
                                     f"{_what(got)}", show_expected=False)
        missing = [k for k in expected if k not in got]
        unexpected = [k for k in got if k not in expected]
        if missing or unexpected:
            parts = ([f"it has no {_listed(missing)}"] if missing else []) + \
                    ([f"{_listed(unexpected)} should not be there"] if unexpected else [])
            return Comparison(False, f"{call} returned a dict with keys {_listed(got)}: {'; '.join(parts)}",
                              show_expected=False)
        fields = [(key, expected[key], got[key]) for key in expected]
    else:
        labels = list(names) or [f"value {i + 1}" for i in range(len(expected))]
        shape = f"{len(expected)} values ({', '.join(labels)})" if names else f"{len(expected)} values"
        if not isinstance(got, list):
            return Comparison(False, f"{call} should return a tuple of {shape}, not {_what(got)}",
                              show_expected=False)
        if len(got) != len(expected):
            return Comparison(False, f"{call} returned {len(got)} values; it should return {shape}",
                              show_expected=False)
        fields = list(zip(labels, expected, got))
    problems = [(name, _field_problem(want, value, rtol, atol)) for name, want, value in fields]
    wrong = [f"{name} {problem}" for name, problem in problems if problem]
    if not wrong:
        return Comparison(True)
    right = [name for name, problem in problems if not problem]
    said = (f"{_listed(right, quote=False)} {'is' if len(right) == 1 else 'are'} right; " if right else "")
    return Comparison(False, f"{call}: {said}{'; '.join(wrong)}", show_expected=False)


def _field_problem(expected: Any, got: Any, rtol: float, atol: float) -> str:
    """What is wrong with one part of an answer ('' if nothing), as the rest of a sentence that
    starts with the part's name."""
    want: np.ndarray = numbers(expected)  # type: ignore[assignment]  # the reference's: always numbers
    value = numbers(got)
    if value is None:
        return f"should be {'a number' if want.ndim == 0 else 'an array of numbers'}, not {_what(got)}"
    if want.ndim == 0:
        if value.size != 1:
            return f"should be a single number, not {value.size} values (shape {value.shape})"
        number = float(value.reshape(()))
        if np.isclose(number, float(want), rtol=rtol, atol=atol):
            return ""
        return f"is {number:.6g}, it should be {float(want):.6g}"
    if value.shape != want.shape:
        return f"has shape {value.shape}; it should have shape {want.shape}"
    close = np.isclose(value, want, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return ""
    wrong = int((~close).sum())
    if want.size <= 8:
        return f"is {short_numbers(value)}, it should be {short_numbers(want)} ({wrong} of {want.size} entries wrong)"
    first = tuple(int(i) for i in np.argwhere(~close)[0])
    where = first[0] if len(first) == 1 else first
    return (f"has {wrong} of {want.size} entries wrong; entry {where} is {value[first]:.6g}, it should be "
            f"{want[first]:.6g}")


def _listed(names: Iterable[Any], quote: bool = True) -> str:
    return ", ".join(repr(n) if quote else str(n) for n in names)


def _what(value: Any) -> str:
    """A returned value's form, for a message: what came back when it is not what was asked."""
    if isinstance(value, dict):
        return f"a dict with keys {_listed(value)}" if value else "an empty dict"
    if isinstance(value, list):
        return f"{len(value)} values" if numbers(value) is None else "an array"
    if value is None or isinstance(value, (bool, str)):
        return repr(value)
    return "a number"


def judge_outcome(outcome: Sequence[Any], expected: Any, function: str, call: str, args: Sequence[Any],
                  compare: Comparer, matches: Optional[Matcher] = None, rtol: float = FLOAT_RTOL,
                  atol: float = FLOAT_ATOL, show_expected: bool = True,
                  diagnoses: Iterable[Sequence[Any]] = (), no_warnings: bool = False,
                  fields: Sequence[str] = ()) -> Tuple[bool, str, str]:
    """(passed, message, hint) of one case. ``outcome`` is ``[tag, detail]`` as the kernel (or
    the test file) reports a call, ``[tag, detail, warnings]`` when the call warned (``answer.py``);
    ``diagnoses`` is ``[hint, what that mistake returns]``, with ``warnings`` after them when the
    mistake warned on a case that requires none, and every mistake the answer matches
    (``matches``, else ``compare`` against its output; and, for an answer whose only fault is its
    warnings, the same warnings) names its hint (``hints_of``). ``no_warnings``: the case fails when the call
    warned. ``fields``: the names a kind gives its answer's parts (``Kind.fields``), passed to its
    ``compare`` as ``names``. The message is whole: the call, what came back, the expected value
    when the kind and the comparison show it, the warnings where they matter, and the hint."""
    if fields:
        compare = _naming(compare, tuple(fields))
    tag, got = outcome[0], outcome[1]
    if tag != "value":
        return False, TAG_MESSAGES[tag].format(function=function, detail=got), ""
    heard = list(outcome[2]) if no_warnings and len(outcome) > 2 else []
    try:
        comparison = compare(expected, got, call, args, rtol, atol)
    except Exception as exc:  # an answer of a form the kind's comparison did not foresee
        comparison = Comparison(False, f"{call} returned what the check cannot compare ({type(exc).__name__})",
                                show_expected=False)
    if comparison.passed and not heard:
        return True, "", ""
    if comparison.passed:  # the right answer, but not the way the case requires
        message = f"{call} warned: {', '.join(heard)}; {MUST_NOT_WARN}."
        hint = hints_of([d[0] for d in diagnoses if len(d) > 2 and set(d[2]) == set(heard)
                         and _same(d[1], got, args, rtol, atol, compare, matches)])
        return False, f"{message} {KNOWN_MISTAKE} {hint}" if hint else message, hint
    value = numbers(expected) if comparison.show_expected and show_expected else None
    message = comparison.message + (f"; expected {short_numbers(value)}" if value is not None else "")
    message += "" if message.endswith(".") else "."
    if heard:
        message += f" It warned too: {', '.join(heard)}; {MUST_NOT_WARN}."
    hint = hints_of([d[0] for d in diagnoses if _same(d[1], got, args, rtol, atol, compare, matches)])
    return False, f"{message} {KNOWN_MISTAKE} {hint}" if hint else message, hint


def hints_of(hints: Sequence[str]) -> str:
    """The hint of an answer that matches these cataloged mistakes: each of them, numbered, when
    several give the same answer on a case (which of them the student made, this case cannot
    tell); '' for none."""
    unique = list(dict.fromkeys(hints))
    if len(unique) <= 1:
        return "".join(unique)
    return " ".join(f"({number}) {hint}" for number, hint in enumerate(unique, 1))


def _naming(compare: Comparer, names: Tuple[str, ...]) -> Comparer:
    """``compare`` with a kind's field names (``Kind.fields``) bound to its ``names``."""
    def compare_named(expected: Any, got: Any, call: str, args: Sequence[Any], rtol: float,
                      atol: float, /) -> Comparison:
        return compare(expected, got, call, args, rtol, atol, names=names)  # type: ignore[call-arg]

    return compare_named


def _same(output: Any, got: Any, args: Sequence[Any], rtol: float, atol: float, compare: Comparer,
          matches: Optional[Matcher]) -> bool:
    """``got`` is what a cataloged mistake returned (``output``)."""
    try:
        if matches is not None:
            return bool(matches(output, got, args, rtol, atol))
        return compare(output, got, "", args, rtol, atol).passed
    except Exception:  # not comparable with that mistake's output: not that mistake
        return False


def uses_note(function: str, used: str, question: str) -> str:
    """What a failing question says when a graded function it calls fails its own question."""
    return f"{function} uses {used}, which fails {question}: fix that first."
