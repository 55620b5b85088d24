"""Comparison helpers that run inside every generated otter test file.

The source of this module is pasted into each test file (test files must stand alone: a
student's ``grader.check`` and Gradescope run them with nothing of this project installed),
so it may import only numpy, and it must hold no answer. A case kind whose check needs more
brings that source itself (``Kind.test_source``).
"""

import numpy as np


class AnswerError(AssertionError):
    """A wrong, missing or malformed answer: the message is what the student sees."""


def _plain(value):
    """torch tensors and numpy scalars as numpy; lists stay as numpy arrays."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return value


def call_student(func, func_name, *args):
    """Call the student's function on fresh copies of the inputs, explaining any failure."""
    if func is None:
        raise AnswerError(f"{func_name} is not defined: run the cell that defines it first.")
    if not callable(func):
        raise AnswerError(f"{func_name} should be a function, but it is a {type(func).__name__}.")
    copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    try:
        result = func(*copies)
    except Exception as exc:  # the student's exception becomes their feedback
        raise AnswerError(f"{func_name} raised {type(exc).__name__}: {exc}") from None
    if result is None:
        raise AnswerError(f"{func_name} is not implemented yet (it returned nothing): replace the ... "
                          "with your code, and return the result.")
    return result


def as_float(value, func_name):
    value = _plain(value)
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise AnswerError(f"{func_name} should return a number, not {type(value).__name__}.") from None
    if arr.size != 1:
        raise AnswerError(f"{func_name} should return a single number, not an array of shape {arr.shape}.")
    return float(arr.reshape(()))


def as_array(value, func_name, shape):
    value = _plain(value)
    if isinstance(value, (list, tuple)):
        value = [_plain(v) for v in value]
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise AnswerError(f"{func_name} should return an array of numbers, not {type(value).__name__}.") from None
    if arr.shape != tuple(shape):
        raise AnswerError(f"{func_name} should return an array of shape {tuple(shape)}, not {arr.shape}.")
    return arr


def number(value, rtol=1e-6):
    """A number as a student reads it: the digits the tolerance needs, no more."""
    digits = min(12, max(4, int(np.ceil(-np.log10(rtol))) + 2)) if rtol > 0 else 12
    return f"{float(value):.{digits}g}"


def _same(got, output, rtol, atol):
    """``got`` is what a catalogued mistake returns (``output``), within the tolerances."""
    got = _plain(got)
    try:
        a, b = np.asarray(got, dtype=float), np.asarray(output, dtype=float)
    except (TypeError, ValueError):  # a tuple of arrays of different shapes: part by part
        if isinstance(got, (list, tuple)) and isinstance(output, (list, tuple)) and len(got) == len(output):
            return all(_same(g, o, rtol, atol) for g, o in zip(got, output))
        return False
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def hints(func, func_name, got, mistakes=(), uses=(), rtol=1e-6, atol=1e-9):
    """What to add to a failure: the hint of the catalogued mistake that returns ``got``, and
    each graded function ``func`` calls that fails its own public cases."""
    text = next((f" Looks like a known mistake: {hint}" for hint, output in mistakes
                 if _same(got, output, rtol, atol)), "")
    called = set(getattr(getattr(func, "__code__", None), "co_names", ()))
    for name, question, checks in uses:
        used = getattr(func, "__globals__", {}).get(name)
        if name not in called or used is None:
            continue
        for check, call, args, expected, check_rtol, check_atol in checks:
            try:
                check(used, name, call, args, expected, check_rtol, check_atol)
            except AssertionError:
                text += f" {func_name} uses {name}, which fails {question}: fix that first."
                break
    return text


def expect_float(func, func_name, call, args, expected, rtol=1e-6, atol=1e-9, mistakes=(), uses=()):
    got = as_float(call_student(func, func_name, *args), func_name)
    if not np.isclose(got, expected, rtol=rtol, atol=atol):
        raise AnswerError(f"{call} returned {number(got, rtol)}; expected {number(expected, rtol)}."
                          + hints(func, func_name, got, mistakes, uses, rtol, atol))


def expect_array(func, func_name, call, args, expected, rtol=1e-6, atol=1e-9, mistakes=(), uses=()):
    got = call_student(func, func_name, *args)
    compare_array_with_hints(func, func_name, call, got, expected, rtol, atol, mistakes, uses)


def compare_array_with_hints(func, func_name, call, got, expected, rtol=1e-6, atol=1e-9, mistakes=(), uses=()):
    """``compare_array`` on what ``func`` returned; a failure says which mistake it looks like."""
    try:
        compare_array(got, expected, func_name, call, rtol, atol)
    except AnswerError as failure:
        raise AnswerError(str(failure) + hints(func, func_name, got, mistakes, uses, rtol, atol)) from None


def compare_array(got, expected, func_name, call, rtol=1e-6, atol=1e-9):
    expected = np.asarray(expected, dtype=float)
    got = as_array(got, func_name, expected.shape)
    if not np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True):
        bad = np.flatnonzero(~np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True).reshape(-1))
        i = int(bad[0])
        raise AnswerError(
            f"{call}: {len(bad)} of {expected.size} entries are wrong; entry {i} is "
            f"{number(got.reshape(-1)[i], rtol)}, expected {number(expected.reshape(-1)[i], rtol)}."
        )


def readable_failures():
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

    def message(self, excp, context=0):
        if type(excp).__name__ == "AnswerError":
            return str(excp)
        return original(self, excp, context)

    message.readable = True
    ExceptionTestFile._generate_error_message = message
