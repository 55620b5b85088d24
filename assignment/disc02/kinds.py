"""Discussion 2's two case kinds, registered in ``disc02.py``:

- ``layer_gradients``: a network's gradients, one array per parameter. Each must have its
  parameter's shape; feedback names the gradient that is wrong (``dW1``), not an entry of a
  flattened tuple.
- ``gradient_check``: the graded function takes a *function* as its argument. A function
  cannot cross into the student's kernel as data, so the case carries the matrix A of a smooth
  test function f(v) = sum(tanh(A v)) + |v|^2 / 2, and ``call_on_tanh_bowl`` builds f from it
  before calling the function (the reference at build time, the student's in the kernel and in
  otter's test file).

Shipped whole (``autograder/judge/shipped.py``): it imports typing, numpy and names from ``plain.py``
and ``compare.py``.
"""

from typing import Any, Callable, Optional, Sequence

import numpy as np

from autograder.in_kernel.compare import Comparison, short_numbers
from autograder.in_kernel.plain import numbers

GRADIENT_NAMES = ("dW1", "db1", "dW2", "db2")


def compare_gradients(expected: Any, got: Any, call: str, args: Optional[Sequence[Any]] = None, rtol: float = 1e-4,
                      atol: float = 1e-5) -> Comparison:
    if not isinstance(got, list) or len(got) != len(GRADIENT_NAMES):
        return Comparison(False, f"{call} should return the {len(GRADIENT_NAMES)} gradients "
                                 f"({', '.join(GRADIENT_NAMES)}) as a tuple", show_expected=False)
    want: np.ndarray  # the reference's: always numbers
    for name, want, value in zip(GRADIENT_NAMES, expected, got):
        want, value = numbers(want), numbers(value)  # type: ignore[assignment]
        if value is None:
            return Comparison(False, f"{call}: {name} should be an array of numbers", show_expected=False)
        if value.shape != want.shape:
            return Comparison(False, f"{call}: {name} has shape {value.shape}; it should have shape "
                                     f"{want.shape}, like the parameter it belongs to", show_expected=False)
        close = np.isclose(value, want, rtol=rtol, atol=atol)
        if not close.all():
            return Comparison(False, f"{call}: {name} is wrong ({int((~close).sum())} of {want.size} "
                                     f"entries); it is {short_numbers(value)}, it should be "
                                     f"{short_numbers(want)}", show_expected=False)
    return Comparison(True)


def tanh_bowl(A: Any) -> Callable[[Any], float]:
    """f(v) = sum(tanh(A @ v)) + |v|^2 / 2: smooth, with a gradient that has a closed form."""
    A = np.asarray(A, dtype=float)

    def f(v: Any) -> float:
        v = np.asarray(v, dtype=float)
        return float(np.sum(np.tanh(A @ v)) + 0.5 * v @ v)

    return f


def call_on_tanh_bowl(func: Callable[..., Any], args: Sequence[Any]) -> Any:
    A, x, eps = args
    return func(tanh_bowl(A), x, eps)
