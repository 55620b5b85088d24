"""Case kinds. A kind is one record of everything that differs between kinds of answer: what
the reference says a case should give, how the judge compares what came back (and whether it
shows the expected value), how the kernel calls the function, and how otter's test file
checks the case for ``grader.check``. ``float`` and ``array`` are generic; an assignment
registers its own kinds beside the cases that use them (``autograder/cases/<name>.py``), and
no generic code names them.

Every comparison runs in the judge on plain data, with the tolerances written here.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

from autograder.judge.plain import numbers

# Expected values are computed in float64. A correct answer may be computed in float32 (torch's
# default): 1e-4 relative and 1e-5 absolute leave room for that, and for any order of
# operations, while every catalogued wrong formula is off by far more on some case.
FLOAT_RTOL, FLOAT_ATOL = 1e-4, 1e-5


@dataclass(frozen=True)
class Comparison:
    passed: bool
    message: str = ""  # for a failure: what came back and why it is wrong
    got: object = None  # what came back, as numbers, for diagnosis
    show_expected: bool = True  # whether the expected value helps (not after a wrong shape)


@dataclass(frozen=True)
class Kind:
    name: str
    # (reference function, args) -> the expected value, at build time: the casebook stores it
    # as plain data, otter's test files as a literal.
    expected: Callable
    compare: Callable  # (expected, returned plain value, call text, args, rtol, atol) -> Comparison
    caller: str = "call"  # the in-kernel caller (in_kernel.CALLERS)
    kernel_source: str = ""  # source that registers ``caller`` in the kernel, if not "call"
    # (a catalogued mistake's output, returned value, args) -> bool: the answer is that mistake.
    # Default: the comparison itself passes with the mistake's output as the expected value.
    matches: Callable = None
    rtol: float = FLOAT_RTOL  # a case may set its own (float32 inputs do)
    atol: float = FLOAT_ATOL
    # Seconds for all of a question's calls (capped by the judge's Limits.call_timeout). The
    # inputs are small: correct code needs milliseconds, so this only bounds an infinite loop.
    call_seconds: float = 5.0
    show_expected: bool = True  # feedback quotes the expected value (not for a whole training run)
    # (function name, args, parameter names) -> the call as feedback shows it; None: the generic
    # one (``describe`` below), for kinds whose arguments are not what the function receives.
    describe: Callable = None
    # otter's test files: the helper that checks a case, called as helper(func, func_name, call,
    # args, expected, rtol, atol), and its source when it is not one of ``autograder.in_kernel.runtime``'s.
    test_check: str = ""
    test_source: str = ""
    # The test file gives its check the catalogued mistakes' outputs on the case and the graded
    # functions it uses (``mistakes=``, ``uses=``), so that grader.check names them as the judge does.
    test_hints: bool = True

    def tolerances(self, case):
        """(rtol, atol) for ``case``: its own where it sets them, else this kind's."""
        return (self.rtol if case.rtol is None else case.rtol), (self.atol if case.atol is None else case.atol)

    def call_text(self, func_name, args, param_names):
        return (self.describe or describe)(func_name, args, param_names)

    def is_mistake(self, mistake_output, got, args, rtol, atol):
        if self.matches is not None:
            return self.matches(mistake_output, got, args, rtol, atol)
        return self.compare(mistake_output, got, "", args, rtol, atol).passed


KINDS = {}


def describe(func_name, args, param_names):
    """A readable call: plain numbers, small arrays in full, larger ones by shape. No angle
    brackets: otter shows a check's message as HTML, where <array …> vanishes as a tag."""
    parts = []
    for name, a in zip(param_names, args):
        if isinstance(a, np.ndarray) and a.size > 6:
            parts.append(f"{name}=[{'×'.join(str(n) for n in a.shape)} array]")
        elif isinstance(a, np.ndarray):
            parts.append(f"{name}=[{', '.join(f'{v:.6g}' for v in a.reshape(-1))}]")
        elif isinstance(a, float):
            parts.append(f"{name}={a:.6g}")
        elif isinstance(a, list):
            parts.append(f"{name}=[list]")
        else:
            parts.append(f"{name}={a!r}")
    return f"{func_name}({', '.join(parts)})"


def register(kind):
    KINDS[kind.name] = kind
    return kind


def short_numbers(values):
    """Numbers as a student reads them: 6 significant digits, long arrays by their shape."""
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 0:
        return f"{float(arr):.6g}"
    if arr.size > 8:
        return f"an array of shape {arr.shape}"
    return "[" + ", ".join(f"{v:.6g}" for v in arr.reshape(-1)) + "]"


def compare_float(expected, got, call, args=None, rtol=FLOAT_RTOL, atol=FLOAT_ATOL):
    value = numbers(got)
    if value is None:
        return Comparison(False, f"{call} should return a number")
    if value.size != 1:
        return Comparison(False, f"{call} should return a single number, not {value.size} values "
                                 f"(shape {value.shape})")
    value = float(value.reshape(()))
    want = float(numbers(expected))
    if np.isclose(value, want, rtol=rtol, atol=atol):
        return Comparison(True, got=value)
    return Comparison(False, f"{call} returned {value:.6g}", got=value)


def compare_array(expected, got, call, args=None, rtol=FLOAT_RTOL, atol=FLOAT_ATOL):
    want = numbers(expected)
    value = numbers(got)
    if value is None:
        return Comparison(False, f"{call} should return an array of numbers")
    if value.shape != want.shape:
        return Comparison(False, f"{call} returned an array of shape {value.shape}; it should have "
                                 f"shape {want.shape}", show_expected=False)
    close = np.isclose(value, want, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return Comparison(True, got=value)
    bad = np.flatnonzero(~close.reshape(-1))
    return Comparison(False, f"{call} returned {short_numbers(value)}: {len(bad)} of {want.size} "
                             f"entries are wrong (the first is entry {int(bad[0])})", got=value)


register(Kind("float", lambda fn, args: float(fn(*args)), compare_float, test_check="expect_float"))
register(Kind("array", lambda fn, args: np.asarray(fn(*args), dtype=float), compare_array, test_check="expect_array"))
