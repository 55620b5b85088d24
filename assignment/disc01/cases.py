"""Discussion 1's test cases: which inputs each graded function is called with.

Public cases are the same every term (students see them); hidden cases are drawn from the
term seed, so each term's autograder asks new questions. Expected values are never written
here: the reference implementation computes them when the release is built.
"""

import numpy as np

from assignment.disc01.kinds import TRAINING_ATOL, TRAINING_RTOL, compare_training, same_training, train_case
from assignment.disc01.mistakes import MISTAKES  # noqa: F401 - the casebook reads it
from autograder.cases import Case, question_rngs
from autograder.judge.kinds import Kind, register

PUBLIC_SEED = 182


def _vec(rng, n, scale=2.0):
    return np.round(rng.normal(0.0, scale, n), 6)


# Hidden edge cases, besides the random ones: what a careful grader would think of.
PART1_EDGES = ("one point", "integers, large and negative, x with zeros", "float32 inputs")
PART2_EDGES = ("one unit", "float32 inputs")


def _part1(question, rng, hidden, edge=None):
    """Inputs for the one-parameter models: varied sizes, signs and step sizes."""
    n = 1 if edge == "one point" else int(rng.integers(1, 12)) if hidden else 5
    theta = float(np.round(rng.normal(0, 2), 4))
    alpha = float(np.round(rng.uniform(0.01, 0.3), 4))
    x, y = _vec(rng, n), _vec(rng, n)
    if edge and edge.startswith("integers"):
        n = 7
        x = rng.integers(-30, 31, n).astype(float)
        x[[1, 4]] = 0.0  # points at x = 0 vote nothing
        y = rng.integers(-1000, 1001, n).astype(float)
        theta = float(rng.integers(-50, 51))
        alpha = 1e-4  # x² up to 900: a larger step would diverge, which is not the point here
    if edge == "float32 inputs":
        x, y = x.astype(np.float32), y.astype(np.float32)
    i = int(rng.integers(n))
    args = {
        "q1a_grad": ((theta, y), "float"),
        "q1a_opt": ((y,), "float"),
        "q1a_gd": ((theta, y, alpha), "float"),
        "q1a_sgd": ((theta, float(y[i]), alpha), "float"),
        "q1a_contrib": ((theta, y), "array"),
        "q1b_grad": ((theta, x, y), "float"),
        "q1b_opt": ((x, y), "float"),
        "q1b_gd": ((theta, x, y, alpha), "float"),
        "q1b_sgd": ((theta, float(x[i]), float(y[i]), alpha), "float"),
        "q1b_contrib": ((theta, x, y), "array"),
    }[question]
    return Case(*args[:1], hidden=hidden, kind=args[1], note=edge or "")


def _relu_params(rng, h):
    w, b, v = _vec(rng, h, 1.0), _vec(rng, h, 1.0), _vec(rng, h, 1.0)
    return w, b, v, float(np.round(rng.normal(), 4))


def _part2(question, rng, hidden, flat_unit=False, edge=None):
    h = 1 if edge == "one unit" else int(rng.integers(2, 9)) if hidden else 4
    n = int(rng.integers(3, 15)) if hidden else 6
    x = np.round(rng.uniform(-1.0, 2.0, n), 6)
    w, b, v, c = _relu_params(rng, h)
    if question == "q2_elbows" and (hidden or flat_unit) and edge != "one unit":
        w[int(rng.integers(h))] = 0.0  # a flat unit has no elbow: NaN
    features = np.round(np.maximum(np.outer(x, w) + b, 0) + 0.1 * rng.normal(size=(n, h)), 6)
    targets = _vec(rng, n, 1.0)
    lambd = float(rng.choice([1e-5, 0.1, 2.0])) if hidden else 0.5
    if edge == "one unit":
        lambd = 0.0  # plain least squares: the λ = 0 end of ridge
    if edge == "float32 inputs":
        x, w, b, v, features, targets = (a.astype(np.float32) for a in (x, w, b, v, features, targets))
        lambd = 1.0  # well conditioned: float32 arithmetic stays within tolerance
    args = {
        "q2_forward": (x, w, b, v, c),
        "q2_elbows": (w, b),
        "q2_slopes": (w, v),
        "q2_features": (x, w, b),
        "q2_ridge": (features, targets, lambd),
    }[question]
    return Case(args, hidden, "array", note=edge or "")


def _training(rng, hidden, train_all, edge=None):
    h, n = (int(rng.integers(3, 8)), 24) if hidden else (5, 20)
    steps, batch = (30, 8) if hidden else (20, 6)
    if edge == "one unit, batch of one":
        h, batch = 1, 1
    x = np.round(np.sort(rng.uniform(0, 1, n)), 6)
    y = np.round(np.sin(6 * x) + 0.1 * rng.normal(size=n), 6)
    w = np.round(rng.uniform(-1, 1, h), 6)
    b = np.round(-np.sort(rng.uniform(0, 1, h)) * w, 6)
    v = np.round(rng.uniform(-0.5, 0.5, h), 6)
    start = [w, b, v, float(np.round(rng.uniform(-0.5, 0.5), 6))]
    lr = 0.2 if not train_all else 0.05
    seed = int(rng.integers(0, 2**31))
    note = "all layers" if train_all else "output layer only"
    return Case((start, x, y, steps, lr, batch, train_all, seed), hidden, "training",
                f"{note}, {edge}" if edge else note)


def cases(question, seed):
    """Two public cases (fixed), three random hidden cases (from the term seed) and the hidden
    edge cases for ``question``."""
    public_rng, hidden_rng = question_rngs(question, PUBLIC_SEED, seed)
    if question == "q2_train":
        return [_training(public_rng, False, False), _training(public_rng, False, True),
                _training(hidden_rng, True, False), _training(hidden_rng, True, True),
                _training(hidden_rng, True, True), _training(hidden_rng, True, False, "one unit, batch of one")]
    if question.startswith("q1"):
        public = [_part1(question, public_rng, False) for _ in range(2)]
        hidden = [_part1(question, hidden_rng, True) for _ in range(3)]
        return public + hidden + [_part1(question, hidden_rng, True, edge) for edge in PART1_EDGES]
    # The second public case of q2_elbows has a flat unit (w_j = 0): students see the NaN rule.
    public = [_part2(question, public_rng, False), _part2(question, public_rng, False, flat_unit=True)]
    hidden = [_part2(question, hidden_rng, True) for _ in range(3)]
    return public + hidden + [_part2(question, hidden_rng, True, edge=edge) for edge in PART2_EDGES]


# --- the training kind: train_relu from a given network, compared step by step ----------------


def _describe_training(func_name, args, param_names=None):
    """The call as a student reads it: the start network by its width, not its numbers."""
    start, _, _, steps, lr, batch_size, train_all_layers, _ = args
    return (f"{func_name}(net of width {len(start[0])}, x, y, steps={steps}, lr={lr}, "
            f"batch_size={batch_size}, train_all_layers={train_all_layers}, rng)")


# A plain PyTorch loop over the training cases takes about a second; 30 s leaves room for a
# slow but correct one.
register(Kind("training", compare_training, call=train_case, matches=same_training, rtol=TRAINING_RTOL,
              atol=TRAINING_ATOL, call_seconds=30.0, show_expected=False, describe=_describe_training))
