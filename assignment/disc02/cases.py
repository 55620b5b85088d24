"""Discussion 2's test cases, and the two case kinds it brings.

Public cases are the same every term; hidden ones are drawn from the term seed. Expected
values are never written here: the reference implementation computes them at build time.

Its two case kinds, ``layer_gradients`` and ``gradient_check``, are registered here; their
code, shipped into kernels and test files, is ``kinds.py``.
"""

import numpy as np

from assignment.disc02.kinds import call_on_tanh_bowl, compare_gradients
from assignment.disc02.mistakes import MISTAKES  # noqa: F401 - the casebook reads it
from autograder.cases import Case, question_rngs
from autograder.in_kernel.compare import compare_array
from autograder.judge.kinds import Kind, register

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
    public_rng, hidden_rng = question_rngs(question, PUBLIC_SEED, seed)
    return ([_case(question, public_rng, False), _case(question, public_rng, False, PUBLIC_EDGES.get(question))]
            + [_case(question, hidden_rng, True) for _ in range(3)]
            + [_case(question, hidden_rng, True, edge) for edge in EDGES[question]])


# --- the kinds (their shipped code: kinds.py) --------------------------------------------

register(Kind("layer_gradients", compare_gradients, show_expected=False))


def tanh_bowl_gradient(A, x):
    """The exact gradient of ``tanh_bowl(A)`` at x (for the tests: a central difference is
    within eps² of it)."""
    A, x = np.asarray(A, dtype=float), np.asarray(x, dtype=float)
    return A.T @ (1.0 - np.tanh(A @ x) ** 2) + x


def _describe_gradient_check(func_name, args, param_names=None):
    A, x, eps = args
    return (f"{func_name}(f, x=[{', '.join(f'{v:.6g}' for v in np.asarray(x).reshape(-1))}], eps={eps:g}) "
            f"with f(v) = sum(tanh(A @ v)) + |v|²/2 for a {A.shape[0]}×{A.shape[1]} matrix A")


# The comparison is against the reference's own central difference: any correct order of
# operations agrees with it to rounding (1e-12 here), while a forward difference or a step of
# eps instead of 2 eps is off by 1e-4 and more on these cases.
register(Kind("gradient_check", compare_array, call=call_on_tanh_bowl, rtol=1e-6, atol=1e-8,
              describe=_describe_gradient_check))
