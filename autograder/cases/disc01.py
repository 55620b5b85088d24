"""Discussion 1's test cases: which inputs each graded function is called with.

Public cases are the same every term (students see them); hidden cases are drawn from the
term seed, so each term's autograder asks new questions. Expected values are never written
here: the reference implementation computes them when the release is built.
"""

import inspect

import numpy as np

from autograder.cases import Case
from autograder.cases.disc01_mistakes import MISTAKES  # noqa: F401 - the casebook reads it
from autograder.judge.kinds import Comparison, Kind, register
from autograder.in_kernel.runtime import AnswerError, as_array, call_student, compare_array

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
    # The question's name joins the seed: every question draws its own inputs.
    name = list(question.encode())
    public_rng = np.random.default_rng([PUBLIC_SEED, *name])
    hidden_rng = np.random.default_rng([int(seed), *name])
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


def relu_network(w, b, v, c):
    """Sequential(Linear(1, H), ReLU(), Linear(H, 1)) in float32 holding exactly these values."""
    import torch

    h = len(w)
    net = torch.nn.Sequential(torch.nn.Linear(1, h), torch.nn.ReLU(), torch.nn.Linear(h, 1))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor(w, dtype=torch.float32).reshape(h, 1))
        net[0].bias.copy_(torch.tensor(b, dtype=torch.float32))
        net[2].weight.copy_(torch.tensor(v, dtype=torch.float32).reshape(1, h))
        net[2].bias.fill_(float(c))
    return net


def network_values(net):
    return [p.detach().cpu().numpy().astype(float).reshape(-1).copy() for p in net.parameters()]


def expect_training(func, func_name, call, args, expected, rtol=1e-4, atol=1e-6):
    """otter's check (in the test file, beside ``autograder.in_kernel.runtime``): run the student's
    train_relu from the case's start network and compare losses and final parameters."""
    import numpy as np
    import torch

    start, x, y, steps, lr, batch_size, train_all_layers, seed = args
    expected_losses, expected_params = expected
    net = relu_network(*start)
    before = network_values(net)
    xt = torch.tensor(x, dtype=torch.float32).reshape(-1, 1)
    yt = torch.tensor(y, dtype=torch.float32).reshape(-1, 1)
    rng = np.random.default_rng(seed)
    # Said as a student reads it: the generic ``call`` lists the start network as [list].
    call = (f"{func_name}(net of width {len(start[0])}, x, y, steps={steps}, lr={lr}, "
            f"batch_size={batch_size}, train_all_layers={train_all_layers}, rng)")
    losses = call_student(func, func_name, net, xt, yt, steps, lr, batch_size, train_all_layers, rng)
    losses = as_array(list(losses) if not hasattr(losses, "shape") else losses, func_name, (steps,))
    after = network_values(net)
    if not train_all_layers:
        for name, old, new in zip(["hidden weight", "hidden bias"], before[:2], after[:2]):
            if not np.array_equal(old, new):
                raise AnswerError(f"{call} changed the {name}: with train_all_layers=False only net[2] may train.")
    if not np.allclose(losses[:1], expected_losses[:1], rtol=rtol, atol=atol):
        raise AnswerError(f"{call}: the first minibatch loss is {float(losses[0])!r}, expected "
                          f"{float(expected_losses[0])!r}. Check the minibatch draw and the loss.")
    compare_array(losses, expected_losses, func_name, call + " losses", rtol=rtol, atol=atol)
    names = ["hidden weight", "hidden bias", "output weight", "output bias"]
    for name, got, want in zip(names, after, expected_params):
        compare_array(got, want, func_name, f"{call}: final {name}", rtol=rtol, atol=atol)


# float32 training, 20-30 steps: a correct answer matches the reference to ~1e-7; a wrong
# protocol (another draw, a sum loss, the wrong layer) is off by far more than this.
TRAINING_RTOL, TRAINING_ATOL = 1e-4, 1e-6
_PARAM_NAMES = ("hidden weight", "hidden bias", "output weight", "output bias")


def _train(train_relu, start, x, y, steps, lr, batch_size, train_all_layers, seed):
    """Build the start network, run ``train_relu`` on it; (losses, parameters after) or None.

    The same code runs in the judge (on the reference) and in the kernel (on the answer)."""
    import numpy as np
    import torch

    net = relu_network(*start)
    xt = torch.tensor(x, dtype=torch.float32).reshape(-1, 1)
    yt = torch.tensor(y, dtype=torch.float32).reshape(-1, 1)
    losses = train_relu(net, xt, yt, int(steps), float(lr), int(batch_size), bool(train_all_layers),
                        np.random.default_rng(int(seed)))
    if losses is None or losses is Ellipsis:
        return None
    return [[float(v) for v in losses], network_values(net)]


def _compare_training(expected, got, call, args, rtol=TRAINING_RTOL, atol=TRAINING_ATOL):
    from autograder.judge.plain import numbers

    start, train_all_layers = args[0], args[6]
    if not (isinstance(got, list) and len(got) == 2 and isinstance(got[1], list) and len(got[1]) == 4):
        return Comparison(False, f"{call} did not return a list of minibatch losses.")
    want_losses, got_losses = numbers(expected[0]), numbers(got[0])
    if got_losses is None or got_losses.shape != want_losses.shape:
        return Comparison(False, f"{call} should return a list of {want_losses.size} losses, one per step.")
    after = [numbers(p) for p in got[1]]
    if not train_all_layers:
        for name, before, now in zip(_PARAM_NAMES[:2], start[:2], after[:2]):
            if not np.array_equal(np.float32(numbers(before)), now):
                return Comparison(False, f"{call} changed the {name}: with train_all_layers=False "
                                         f"only net[2] may train.", got=got_losses)
    close = dict(rtol=rtol, atol=atol)
    if not np.isclose(got_losses[0], want_losses[0], **close):
        return Comparison(False, f"{call}: the first minibatch loss is {got_losses[0]:.6g}. Check the "
                                 f"minibatch draw and the loss.", got=got_losses)
    if not np.allclose(got_losses, want_losses, **close):
        bad = int(np.flatnonzero(~np.isclose(got_losses, want_losses, **close))[0])
        return Comparison(False, f"{call}: the losses go wrong from step {bad} on (loss "
                                 f"{got_losses[bad]:.6g}). Check the update.", got=got_losses)
    for name, now, want in zip(_PARAM_NAMES, after, expected[1]):
        if now is None or not np.allclose(now, numbers(want), **close):
            return Comparison(False, f"{call}: the final {name} is wrong.", got=got_losses)
    return Comparison(True, got=got_losses)


def _same_training(mistake_output, got, args, rtol=TRAINING_RTOL, atol=TRAINING_ATOL):
    """The answer trained exactly as the mistake did: the same losses, the same parameters."""
    from autograder.judge.plain import numbers

    try:
        pairs = [(mistake_output[0], got[0])] + list(zip(mistake_output[1], got[1]))
        arrays = [(numbers(a), numbers(b)) for a, b in pairs]
        return all(a is not None and b is not None and a.shape == b.shape
                   and np.allclose(a, b, rtol=rtol, atol=atol) for a, b in arrays)
    except (TypeError, IndexError):
        return False


_KERNEL_TRAINING = "\n\n".join([
    "import numpy as np",
    inspect.getsource(relu_network),
    inspect.getsource(network_values),
    inspect.getsource(_train),
    "CALLERS['training'] = lambda func, args: _train(func, *args)",
])

# A plain PyTorch loop over the training cases takes about a second; 30 s leaves room for a
# slow but correct one.
register(Kind("training", lambda train_relu, args: _train(train_relu, *args), _compare_training, caller="training",
              kernel_source=_KERNEL_TRAINING, matches=_same_training, rtol=TRAINING_RTOL, atol=TRAINING_ATOL,
              call_seconds=30.0, show_expected=False, test_hints=False,  # a whole run per mistake: too big for the notebook
              test_check="expect_training",
              test_source="\n\n".join(inspect.getsource(f) for f in (relu_network, network_values, expect_training))))
