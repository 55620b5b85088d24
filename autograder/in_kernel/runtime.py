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


def expect_float(func, func_name, call, args, expected, rtol=1e-6, atol=1e-9):
    got = as_float(call_student(func, func_name, *args), func_name)
    if not np.isclose(got, expected, rtol=rtol, atol=atol):
        raise AnswerError(f"{call} returned {got!r}; expected {expected!r}.")


def expect_array(func, func_name, call, args, expected, rtol=1e-6, atol=1e-9):
    compare_array(call_student(func, func_name, *args), expected, func_name, call, rtol, atol)


def compare_array(got, expected, func_name, call, rtol=1e-6, atol=1e-9):
    expected = np.asarray(expected, dtype=float)
    got = as_array(got, func_name, expected.shape)
    if not np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True):
        bad = np.flatnonzero(~np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True).reshape(-1))
        i = int(bad[0])
        raise AnswerError(
            f"{call}: {len(bad)} of {expected.size} entries are wrong; entry {i} is "
            f"{float(got.reshape(-1)[i])!r}, expected {float(expected.reshape(-1)[i])!r}."
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
