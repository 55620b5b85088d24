"""Discussion 2's test cases, and the two case kinds it brings.

Public cases are the same every term; hidden ones are drawn from the term seed. Expected
values are never written here: the reference implementation computes them at build time.

Its kinds:
- ``layer_gradients``: a network's gradients, one array per parameter. Each must have its
  parameter's shape; feedback names the gradient that is wrong (``dW1``), not an entry of a
  flattened tuple.
- ``gradient_check``: the graded function takes a *function* as its argument. A function
  cannot cross into the student's kernel as data, so the case carries the matrix A of a smooth
  test function f(v) = sum(tanh(A v)) + |v|^2 / 2, and the kernel (and otter's test file)
  build f from it before calling the student's code.
"""

import inspect

import numpy as np

from autograder.cases import Case
from autograder.cases.disc02_mistakes import MISTAKES  # noqa: F401 - the casebook reads it
from autograder.judge.kinds import Comparison, Kind, compare_array as compare_plain_array, register, short_numbers
from autograder.in_kernel.runtime import AnswerError, as_array, call_student, compare_array_with_hints, hints

PUBLIC_SEED = 282


def _normal(rng, shape, scale=1.0):
    return np.round(rng.normal(0.0, scale, shape), 6)


# Hidden edge cases besides the random ones: what a careful grader would think of.
EDGES = {
    "q1_sigmoid": ("extreme logits", "a matrix of logits", "float32 inputs"),
    "q1_sigmoid_grad": ("extreme logits", "a matrix of logits", "float32 inputs"),
    "q1_logistic_grad": ("one sample", "saturated logits", "float32 inputs"),
    "q2_softmax": ("large logits", "one class", "one row"),
    "q2_ce_grad": ("large logits", "one sample"),
    "q3_backprop": ("one sample", "one hidden unit"),
    "q4_numgrad": ("integer x", "one coordinate"),
}
# What the docstring demands is shown once in public too: the second public case is this edge.
PUBLIC_EDGES = {"q1_sigmoid": "extreme logits", "q2_softmax": "large logits", "q4_numgrad": "integer x"}


def _logits(rng, hidden, edge):
    if edge == "extreme logits":  # exp(-z) overflows below -709
        return np.concatenate([[-1000.0, 1000.0], _normal(rng, 4, 400.0)])
    if edge == "a matrix of logits":
        return _normal(rng, (3, 4), 4.0)
    z = _normal(rng, int(rng.integers(1, 10)) if hidden else 6, 3.0)
    return z.astype(np.float32) if edge == "float32 inputs" else z


def _logistic(rng, hidden, edge):
    n = 1 if edge == "one sample" else int(rng.integers(2, 12)) if hidden else 6
    d = int(rng.integers(1, 5)) if hidden else 3
    X, w = _normal(rng, (n, d)), _normal(rng, d)
    if edge == "saturated logits":
        w = w * 100  # logits in the hundreds: p is exactly 0 or 1 in float64
    y = rng.integers(0, 2, n).astype(float)
    y[:2] = [0.0, 1.0][:n]  # both classes, whenever there are two samples
    if edge == "float32 inputs":
        X, w, y = X.astype(np.float32), w.astype(np.float32), y.astype(np.float32)
    return (w, X, y)


def _classification(rng, hidden, edge):
    n = 1 if edge in ("one sample", "one row") else int(rng.integers(2, 9)) if hidden else 4
    k = 1 if edge == "one class" else int(rng.integers(2, 6)) if hidden else 3
    Z = _normal(rng, (n, k), 2.0)
    if edge == "large logits":
        Z = Z + 1000.0  # exp(1000) overflows: only the max-shifted softmax survives
    labels = rng.integers(0, k, n)
    return Z, labels


def _network(rng, hidden, edge):
    n = 1 if edge == "one sample" else int(rng.integers(2, 8)) if hidden else 5
    d, h, k = (int(rng.integers(1, 4)), int(rng.integers(2, 6)), int(rng.integers(2, 4))) if hidden else (2, 3, 3)
    if edge == "one hidden unit":
        h = 1
    X = _normal(rng, (n, d))
    W1, b1 = _normal(rng, (d, h)), _normal(rng, h, 0.5)
    W2, b2 = _normal(rng, (h, k)), _normal(rng, k, 0.5)
    return (X, rng.integers(0, k, n), W1, b1, W2, b2)


def _gradient_check(rng, hidden, edge):
    d = 1 if edge == "one coordinate" else int(rng.integers(2, 6)) if hidden else 3
    A = _normal(rng, (int(rng.integers(1, 4)) if hidden else 2, d))
    x = _normal(rng, d)
    if edge == "integer x":
        x = rng.integers(-3, 4, d)  # x[i] += eps on an integer array rounds the step away
    eps = float(rng.choice([1e-2, 1e-3])) if hidden else 1e-3
    return (A, x, eps)


def _case(question, rng, hidden, edge=None):
    if question.startswith("q1_sigmoid"):
        return Case((_logits(rng, hidden, edge),), hidden, "array", note=edge or "")
    if question == "q1_logistic_grad":
        return Case(_logistic(rng, hidden, edge), hidden, "array", note=edge or "")
    if question == "q2_softmax":
        return Case(_classification(rng, hidden, edge)[:1], hidden, "array", note=edge or "")
    if question == "q2_ce_grad":
        return Case(_classification(rng, hidden, edge), hidden, "array", note=edge or "")
    if question == "q3_backprop":
        return Case(_network(rng, hidden, edge), hidden, "layer_gradients", note=edge or "")
    if question == "q4_numgrad":
        return Case(_gradient_check(rng, hidden, edge), hidden, "gradient_check", note=edge or "")
    raise KeyError(f"disc02 has no cases for {question!r}")


def cases(question, seed):
    """Two public cases (fixed), three random hidden cases (from the term seed) and the
    question's hidden edge cases."""
    name = list(question.encode())  # every question draws its own inputs
    public_rng = np.random.default_rng([PUBLIC_SEED, *name])
    hidden_rng = np.random.default_rng([int(seed), *name])
    return ([_case(question, public_rng, False), _case(question, public_rng, False, PUBLIC_EDGES.get(question))]
            + [_case(question, hidden_rng, True) for _ in range(3)]
            + [_case(question, hidden_rng, True, edge) for edge in EDGES[question]])


# --- layer_gradients: (dW1, db1, dW2, db2), each shaped like its parameter -----------------------

GRADIENT_NAMES = ("dW1", "db1", "dW2", "db2")


def _compare_gradients(expected, got, call, args=None, rtol=1e-4, atol=1e-5):
    from autograder.judge.plain import numbers

    if not isinstance(got, list) or len(got) != len(GRADIENT_NAMES):
        return Comparison(False, f"{call} should return the {len(GRADIENT_NAMES)} gradients "
                                 f"({', '.join(GRADIENT_NAMES)}) as a tuple", show_expected=False)
    for name, want, value in zip(GRADIENT_NAMES, expected, got):
        want, value = numbers(want), numbers(value)
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


def expect_gradients(func, func_name, call, args, expected, rtol=1e-4, atol=1e-5, mistakes=(), uses=()):
    """otter's check (in the test file): each of the returned gradients against its expected
    value, by name."""
    import numpy as np

    got = call_student(func, func_name, *args)
    names = ("dW1", "db1", "dW2", "db2")
    if not isinstance(got, (tuple, list)) or len(got) != len(names):
        raise AnswerError(f"{call} should return the {len(names)} gradients ({', '.join(names)}) as a tuple.")
    for name, value, want in zip(names, got, expected):
        want = np.asarray(want, dtype=float)
        value = as_array(value, f"{func_name}'s {name}", want.shape)
        if not np.allclose(value, want, rtol=rtol, atol=atol):
            wrong = int((~np.isclose(value, want, rtol=rtol, atol=atol)).sum())
            raise AnswerError(f"{call}: {name} is wrong ({wrong} of {want.size} entries)."
                              + hints(func, func_name, got, mistakes, uses, rtol, atol))


register(Kind("layer_gradients", lambda fn, args: [np.asarray(g, dtype=float) for g in fn(*args)],
              _compare_gradients, show_expected=False, test_check="expect_gradients",
              test_source=inspect.getsource(expect_gradients)))


# --- gradient_check: the graded function gets a function f, built from the case's matrix A ------


def tanh_bowl(A):
    """f(v) = sum(tanh(A @ v)) + |v|^2 / 2: smooth, with a gradient that has a closed form."""
    import numpy as np

    A = np.asarray(A, dtype=float)

    def f(v):
        v = np.asarray(v, dtype=float)
        return float(np.sum(np.tanh(A @ v)) + 0.5 * v @ v)

    return f


def tanh_bowl_gradient(A, x):
    """The exact gradient of ``tanh_bowl(A)`` at x (for the tests: a central difference is
    within eps² of it)."""
    A, x = np.asarray(A, dtype=float), np.asarray(x, dtype=float)
    return A.T @ (1.0 - np.tanh(A @ x) ** 2) + x


def _describe_gradient_check(func_name, args, param_names=None):
    A, x, eps = args
    return (f"{func_name}(f, x=[{', '.join(f'{v:.6g}' for v in np.asarray(x).reshape(-1))}], eps={eps:g}) "
            f"with f(v) = sum(tanh(A @ v)) + |v|²/2 for a {A.shape[0]}×{A.shape[1]} matrix A")


def expect_numerical_gradient(func, func_name, call, args, expected, rtol=1e-6, atol=1e-8, mistakes=(), uses=()):
    """otter's check (in the test file): the student's function called with the test function."""
    A, x, eps = args
    got = call_student(func, func_name, tanh_bowl(A), x, eps)
    compare_array_with_hints(func, func_name, call, got, expected, rtol, atol, mistakes, uses)


_KERNEL_GRADIENT_CHECK = "\n\n".join([
    inspect.getsource(tanh_bowl),
    "CALLERS['gradient_check'] = lambda func, args: func(tanh_bowl(args[0]), args[1], args[2])",
])

# The comparison is against the reference's own central difference: any correct order of
# operations agrees with it to rounding (1e-12 here), while a forward difference or a step of
# eps instead of 2 eps is off by 1e-4 and more on these cases.
register(Kind("gradient_check", lambda fn, args: np.asarray(fn(tanh_bowl(args[0]), args[1], args[2]), dtype=float),
              compare_plain_array,
              caller="gradient_check", kernel_source=_KERNEL_GRADIENT_CHECK, rtol=1e-6, atol=1e-8,
              describe=_describe_gradient_check, test_check="expect_numerical_gradient",
              test_source="\n\n".join(inspect.getsource(f) for f in (tanh_bowl, expect_numerical_gradient))))
