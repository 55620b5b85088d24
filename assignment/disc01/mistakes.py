"""Discussion 1's catalogue of real student mistakes: each a whole wrong function and a hint.

The build runs every mistake on every case of its question (this is the course's own code,
run at build time, never a student's) and stores what it returns in the casebook. When a
student's answer matches one, the feedback names the mistake. The test suite proves that
each mistake loses points, through the judge and through ``grader.check``.
"""

from autograder.cases import Mistake

_HALF = "exactly half of the expected value: the derivative of the square brings down a 2."
_SIGN = "the sign is flipped: the derivative of (y - θ)² with respect to θ is 2(θ - y), not 2(y - θ)."
_SUM = "N times too large: the loss is a mean, so its gradient is one too (divide by N)."
_STEP = "this is the gradient, not the new θ: return θ - α·dL/dθ."
_NO_ALPHA = "α is missing: the step is θ - α·dL/dθ."
_UPHILL = "this steps uphill: gradient descent subtracts α·dL/dθ."

MISTAKES = [
    # q1a: the constant model
    Mistake("q1a_grad", "factor 2 dropped", _HALF, """
def grad_const(theta, y):
    import numpy as np
    return float(np.mean(theta - np.asarray(y, dtype=float)))
"""),
    Mistake("q1a_grad", "sign flipped", _SIGN, """
def grad_const(theta, y):
    import numpy as np
    return float(2 * np.mean(np.asarray(y, dtype=float) - theta))
"""),
    Mistake("q1a_grad", "sum instead of mean", _SUM, """
def grad_const(theta, y):
    import numpy as np
    return float(2 * np.sum(theta - np.asarray(y, dtype=float)))
"""),
    Mistake("q1a_grad", "1/(N-1)", "divides by N - 1: the loss is the mean over all N points.", """
def grad_const(theta, y):
    import numpy as np
    y = np.asarray(y, dtype=float)
    return float(2 * np.sum(theta - y) / (len(y) - 1))
"""),
    Mistake("q1a_opt", "median", "the median minimises the absolute error; the squared error is "
            "minimised by the mean.", """
def theta_star_const(y):
    import numpy as np
    return float(np.median(y))
"""),
    Mistake("q1a_opt", "sum instead of mean", "this is the sum of y; θ* is its mean.", """
def theta_star_const(y):
    import numpy as np
    return float(np.sum(y))
"""),
    Mistake("q1a_gd", "gradient returned", _STEP, """
def gd_step_const(theta, y, alpha):
    import numpy as np
    return float(2 * np.mean(theta - np.asarray(y, dtype=float)))
"""),
    Mistake("q1a_gd", "alpha forgotten", _NO_ALPHA, """
def gd_step_const(theta, y, alpha):
    import numpy as np
    return float(theta - 2 * np.mean(theta - np.asarray(y, dtype=float)))
"""),
    Mistake("q1a_gd", "uphill", _UPHILL, """
def gd_step_const(theta, y, alpha):
    import numpy as np
    return float(theta + alpha * 2 * np.mean(theta - np.asarray(y, dtype=float)))
"""),
    Mistake("q1a_sgd", "factor 2 dropped", "the step is half what it should be: the one-sample "
            "gradient of (y_i - θ)² is 2(θ - y_i).", """
def sgd_step_const(theta, y_i, alpha):
    return float(theta - alpha * (theta - y_i))
"""),
    Mistake("q1a_sgd", "uphill", _UPHILL, """
def sgd_step_const(theta, y_i, alpha):
    return float(theta + 2 * alpha * (theta - y_i))
"""),
    Mistake("q1a_sgd", "update returned", "this is the change, not the new θ: return θ minus it.", """
def sgd_step_const(theta, y_i, alpha):
    return float(2 * alpha * (theta - y_i))
"""),
    Mistake("q1a_contrib", "1/N missing", "each term lacks the 1/N: the terms must add up to the "
            "full gradient, which is a mean.", """
def per_sample_grad_const(theta, y):
    import numpy as np
    return 2 * (theta - np.asarray(y, dtype=float))
"""),
    Mistake("q1a_contrib", "sign flipped", _SIGN, """
def per_sample_grad_const(theta, y):
    import numpy as np
    y = np.asarray(y, dtype=float)
    return 2 / len(y) * (y - theta)
"""),
    Mistake("q1a_contrib", "full gradient repeated", "every entry is the full gradient; point i's "
            "own term is (2/N)(θ - y_i).", """
def per_sample_grad_const(theta, y):
    import numpy as np
    y = np.asarray(y, dtype=float)
    return np.full(len(y), 2 * np.mean(theta - y))
"""),
    # q1b: the linear model
    Mistake("q1b_grad", "x factor missing", "the chain rule's factor x_i is missing: d/dθ (θx_i - "
            "y_i)² = 2(θx_i - y_i)·x_i.", """
def grad_linear(theta, x, y):
    import numpy as np
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(2 * np.mean(theta * x - y))
"""),
    Mistake("q1b_grad", "factor 2 dropped", _HALF, """
def grad_linear(theta, x, y):
    import numpy as np
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(np.mean((theta * x - y) * x))
"""),
    Mistake("q1b_grad", "sign flipped", _SIGN.replace("(y - θ)²", "(y - θx)²").replace("2(θ - y), not 2(y - θ)",
                                                                                    "2(θx - y)x, not 2(y - θx)x"), """
def grad_linear(theta, x, y):
    import numpy as np
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(2 * np.mean((y - theta * x) * x))
"""),
    Mistake("q1b_grad", "sum instead of mean", _SUM, """
def grad_linear(theta, x, y):
    import numpy as np
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(2 * np.sum((theta * x - y) * x))
"""),
    Mistake("q1b_opt", "ratio of sums", "Σy/Σx is not the least-squares slope: setting the "
            "gradient to zero gives Σx_i y_i / Σx_i².", """
def theta_star_linear(x, y):
    import numpy as np
    return float(np.sum(y) / np.sum(x))
"""),
    Mistake("q1b_opt", "square of the sum", "(Σx)² stands where Σx_i² belongs.", """
def theta_star_linear(x, y):
    import numpy as np
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(np.sum(x * y) / np.sum(x) ** 2)
"""),
    Mistake("q1b_opt", "mean of ratios", "averaging y_i/x_i weighs every point alike (and breaks "
            "at x_i = 0); least squares gives Σx_i y_i / Σx_i².", """
def theta_star_linear(x, y):
    import numpy as np
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(np.mean(y / x))
"""),
    Mistake("q1b_gd", "gradient returned", _STEP, """
def gd_step_linear(theta, x, y, alpha):
    import numpy as np
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(2 * np.mean((theta * x - y) * x))
"""),
    Mistake("q1b_gd", "alpha forgotten", _NO_ALPHA, """
def gd_step_linear(theta, x, y, alpha):
    import numpy as np
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(theta - 2 * np.mean((theta * x - y) * x))
"""),
    Mistake("q1b_sgd", "x factor missing", "the one-sample gradient is 2(θx_i - y_i)·x_i: the "
            "factor x_i is missing.", """
def sgd_step_linear(theta, x_i, y_i, alpha):
    return float(theta - 2 * alpha * (theta * x_i - y_i))
"""),
    Mistake("q1b_sgd", "factor 2 dropped", "the step is half what it should be: the one-sample "
            "gradient is 2(θx_i - y_i)·x_i.", """
def sgd_step_linear(theta, x_i, y_i, alpha):
    return float(theta - alpha * (theta * x_i - y_i) * x_i)
"""),
    Mistake("q1b_contrib", "1/N missing", "each vote lacks the 1/N: the votes must add up to the "
            "full gradient, which is a mean.", """
def per_sample_grad_linear(theta, x, y):
    import numpy as np
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return 2 * (theta * x - y) * x
"""),
    Mistake("q1b_contrib", "x factor missing", "each vote is (2/N)(θx_i - y_i)·x_i: the factor "
            "x_i, the reason votes differ, is missing.", """
def per_sample_grad_linear(theta, x, y):
    import numpy as np
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return 2 / len(x) * (theta * x - y)
"""),
    # q2: the ReLU network
    Mistake("q2_forward", "c forgotten", "every value is off by c: the output bias is missing.", """
def relu_net(x, w, b, v, c):
    import numpy as np
    return np.maximum(np.outer(x, w) + b, 0) @ np.asarray(v, dtype=float)
"""),
    Mistake("q2_forward", "ReLU forgotten", "the units are linear: apply ReLU to w_j x + b_j.", """
def relu_net(x, w, b, v, c):
    import numpy as np
    return (np.outer(x, w) + b) @ np.asarray(v, dtype=float) + c
"""),
    Mistake("q2_forward", "ReLU on the output", "ReLU belongs on each hidden unit, not on the sum.", """
def relu_net(x, w, b, v, c):
    import numpy as np
    return np.maximum((np.outer(x, w) + b) @ np.asarray(v, dtype=float) + c, 0)
"""),
    Mistake("q2_elbows", "b/w", "elbows as b/w: w_j x + b_j = 0 at x = -b_j/w_j.", """
def elbows(w, b):
    import numpy as np
    w, b = np.asarray(w, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(w != 0, b / np.where(w != 0, w, 1), np.nan)
"""),
    Mistake("q2_elbows", "w/b", "w and b are swapped: w_j x + b_j = 0 at x = -b_j/w_j.", """
def elbows(w, b):
    import numpy as np
    w, b = np.asarray(w, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(w != 0, -w / np.where(b != 0, b, 1), np.nan)
"""),
    Mistake("q2_elbows", "0 for a flat unit", "a unit with w_j = 0 has no elbow: return NaN there, "
            "not a number.", """
def elbows(w, b):
    import numpy as np
    w, b = np.asarray(w, dtype=float), np.asarray(b, dtype=float)
    return np.array([-bj / wj if wj != 0 else 0.0 for wj, bj in zip(w, b)])
"""),
    Mistake("q2_slopes", "|w| missing", "the slope changes by v_j·|w_j|: the unit's own slope |w_j| "
            "is missing.", """
def slope_changes(w, v):
    import numpy as np
    return np.asarray(v, dtype=float).copy()
"""),
    Mistake("q2_slopes", "v missing", "the slope changes by v_j·|w_j|: the output weight v_j is "
            "missing.", """
def slope_changes(w, v):
    import numpy as np
    return np.abs(np.asarray(w, dtype=float))
"""),
    Mistake("q2_slopes", "w without abs", "for w_j < 0 the unit is active left of its elbow, so "
            "crossing it left to right still adds v_j·|w_j|, not v_j·w_j.", """
def slope_changes(w, v):
    import numpy as np
    return np.asarray(v, dtype=float) * np.asarray(w, dtype=float)
"""),
    Mistake("q2_features", "ReLU forgotten", "the features are ReLU(x_n w_j + b_j): the ReLU is "
            "missing.", """
def hidden_features(x, w, b):
    import numpy as np
    return np.outer(x, w) + np.asarray(b, dtype=float)
"""),
    Mistake("q2_features", "transposed", "the matrix is (H, N); it should be (N, H), one row per "
            "input.", """
def hidden_features(x, w, b):
    import numpy as np
    return np.maximum(np.outer(x, w) + np.asarray(b, dtype=float), 0).T
"""),
    Mistake("q2_ridge", "lambda forgotten", "this is plain least squares: ridge adds λI to FᵀF.", """
def fit_last_layer_ridge(features, y, lambd):
    import numpy as np
    F = np.asarray(features, dtype=float)
    return np.linalg.lstsq(F, np.asarray(y, dtype=float), rcond=None)[0]
"""),
    Mistake("q2_ridge", "lambda on the wrong side", "λI belongs inside the inverse, added to FᵀF: "
            "c = (FᵀF + λI)⁻¹Fᵀy.", """
def fit_last_layer_ridge(features, y, lambd):
    import numpy as np
    F = np.asarray(features, dtype=float)
    return np.linalg.solve(F.T @ F, F.T @ np.asarray(y, dtype=float)) + lambd
"""),
    Mistake("q2_ridge", "lambda on every entry", "λ was added to every entry of FᵀF; it belongs on "
            "the diagonal only (λI).", """
def fit_last_layer_ridge(features, y, lambd):
    import numpy as np
    F = np.asarray(features, dtype=float)
    return np.linalg.solve(F.T @ F + lambd, F.T @ np.asarray(y, dtype=float))
"""),
    Mistake("q2_train", "wrong layer frozen", "with train_all_layers=False only the output layer "
            "net[2] trains; the hidden layer must stay as it was.", """
def train_relu(net, x, y, steps, lr, batch_size, train_all_layers, rng):
    import torch
    params = list(net.parameters()) if train_all_layers else list(net[0].parameters())
    losses = []
    for _ in range(steps):
        idx = torch.from_numpy(rng.integers(0, x.shape[0], size=batch_size))
        loss = torch.mean((net(x[idx]) - y[idx]) ** 2)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p -= lr * g
        losses.append(loss.item())
    return losses
"""),
    Mistake("q2_train", "zero_grad forgotten", "gradients pile up from step to step: clear them "
            "(optimizer.zero_grad()) before each backward pass.", """
def train_relu(net, x, y, steps, lr, batch_size, train_all_layers, rng):
    import torch
    params = list(net.parameters()) if train_all_layers else list(net[2].parameters())
    optimizer = torch.optim.SGD(params, lr=lr)
    losses = []
    for _ in range(steps):
        idx = torch.from_numpy(rng.integers(0, x.shape[0], size=batch_size))
        loss = torch.mean((net(x[idx]) - y[idx]) ** 2)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
"""),
    Mistake("q2_train", "minibatch drawn twice", "x and y come from two different draws: draw one "
            "idx per step and index both with it.", """
def train_relu(net, x, y, steps, lr, batch_size, train_all_layers, rng):
    import torch
    params = list(net.parameters()) if train_all_layers else list(net[2].parameters())
    optimizer = torch.optim.SGD(params, lr=lr)
    losses = []
    for _ in range(steps):
        xb = x[torch.from_numpy(rng.integers(0, x.shape[0], size=batch_size))]
        yb = y[torch.from_numpy(rng.integers(0, x.shape[0], size=batch_size))]
        optimizer.zero_grad()
        loss = torch.mean((net(xb) - yb) ** 2)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
"""),
    Mistake("q2_train", "sum loss", "the loss is the mean squared error of the minibatch, not its "
            "sum.", """
def train_relu(net, x, y, steps, lr, batch_size, train_all_layers, rng):
    import torch
    params = list(net.parameters()) if train_all_layers else list(net[2].parameters())
    optimizer = torch.optim.SGD(params, lr=lr)
    losses = []
    for _ in range(steps):
        idx = torch.from_numpy(rng.integers(0, x.shape[0], size=batch_size))
        optimizer.zero_grad()
        loss = torch.sum((net(x[idx]) - y[idx]) ** 2)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
"""),
]
