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
    "q1_sigmoid": ("extreme logits", "a matrix of logits", "float32 inputs", "very negative logits"),
    "q1_sigmoid_grad": ("extreme logits", "a matrix of logits", "float32 inputs"),
    "q1_logistic_grad": ("one sample", "saturated logits", "float32 inputs"),
    "q2_softmax": ("large logits", "one class", "one row", "spread logits", "very negative logits"),
    "q2_ce_grad": ("large logits", "one sample", "spread logits"),
    "q3_backprop": ("one sample", "one hidden unit"),
    "q4_numgrad": ("integer x", "one coordinate"),
}
# Every requirement a docstring states is shown in public too: after the first public case, one
# public case of each of these edges (a hidden case that a stated requirement fails is never the
# first a student hears of it).
PUBLIC_EDGES = {
    "q1_sigmoid": ("extreme logits",),  # 0 and 1 without a warning (every sigmoid case requires none)
    "q1_sigmoid_grad": ("extreme logits",),  # 0, not NaN, where the sigmoid saturates
    "q1_logistic_grad": ("saturated logits",),  # finite where p is exactly 1.0
    "q2_softmax": ("large logits", "spread logits", "very negative logits"),  # logits in the thousands
    "q2_ce_grad": ("large logits", "spread logits"),
    "q4_numgrad": ("integer x",),  # x may hold integers
}


def _logits(rng, hidden, edge):
    if edge == "extreme logits":  # exp(-z) overflows below -709
        return np.concatenate([[-1000.0, 1000.0], _normal(rng, 4, 400.0)])
    if edge == "very negative logits":  # every exp(-z) overflows: only a sigmoid that never forms it is quiet
        return -np.round(rng.uniform(710.0, 5000.0, (2, 3)), 6)
    if edge == "a matrix of logits":
        return _normal(rng, (3, 4), 4.0)
    z = _normal(rng, int(rng.integers(1, 10)) if hidden else 6, 3.0)
    return z.astype(np.float32) if edge == "float32 inputs" else z


def _logistic(rng, hidden, edge):
    n = 1 if edge == "one sample" else int(rng.integers(2, 12)) if hidden else 6
    d = int(rng.integers(1, 5)) if hidden else 3
    X, w = _normal(rng, (n, d)), _normal(rng, d)
    if edge == "saturated logits":
        w = w * 100  # logits in the hundreds: p is exactly 1.0 (or all but 0) in float64
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
    if edge == "spread logits":
        # Rows spread over thousands: shifted by the row's minimum, its mean or its first logit,
        # some exponent is still far over 709 (inf / inf is NaN). In public, rows that tell those
        # shifts apart: the mean of [-1000, 0, 1000] is 0 (no shift at all), [1000, 2000, 3000]
        # has it at 2000, and [1000, 0, -1000] starts with its largest logit.
        if hidden:
            Z[0] = np.linspace(-1000.0, 1000.0, k)
            for row in Z[1:]:
                low, high = rng.choice(k, 2, replace=False)
                row[low] -= np.round(rng.uniform(800.0, 1200.0), 6)
                row[high] += np.round(rng.uniform(800.0, 1200.0), 6)
                row += rng.choice([-1000.0, 0.0, 1000.0])
        else:
            Z[:3] = [[-1000.0, 0.0, 1000.0], [1000.0, 2000.0, 3000.0], [1000.0, 0.0, -1000.0]]
    if edge == "very negative logits":
        # Rows entirely below -745 beside one near 0 and one near 1000: every exp of such a row
        # underflows to 0 (0 / 0 is NaN) unless the row is shifted by its own largest logit.
        Z[1] += 1000.0
        Z[2:] -= np.round(rng.uniform(1000.0, 3000.0, (n - 2, 1)), 6)
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
    if question == "q1_sigmoid":  # "without a warning", its prompt says: on every case
        return Case((_logits(rng, hidden, edge),), hidden, "array", note=edge or "", no_warnings=True)
    if question == "q1_sigmoid_grad":
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
    """The public cases (fixed): a random one, then one of each edge the docstring states
    (``PUBLIC_EDGES``; a second random one where it states none); three random hidden cases (from
    the term seed) and the question's hidden edge cases."""
    public_rng, hidden_rng = question_rngs(question, PUBLIC_SEED, seed)
    public_edges = PUBLIC_EDGES.get(question, (None,))
    return ([_case(question, public_rng, False)] + [_case(question, public_rng, False, edge) for edge in public_edges]
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
