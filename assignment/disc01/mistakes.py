"""Discussion 1's catalogue of real student mistakes: each a whole wrong function and a hint.

The build runs every mistake on every case of its question (this is the course's own code,
run at build time, never a student's) and stores what it returns in the casebook. When a
student's answer matches one, the feedback names the mistake. The test suite proves that
each mistake loses points, through the judge and through ``grader.check``.
"""

from autograder.cases import Mistake

_HALF = "exactly half of the expected value: the derivative of the square brings down a 2."
_SIGN = ("the sign is flipped: check the chain rule's inner derivative, that of the residual with respect to θ, "
         "and which way round the residual is written.")
_SUM = "N times too large: the loss is a mean, so its gradient is one too (divide by N)."
_STEP = "this is the gradient, not the new θ: the function returns where θ lands after one step."
_NO_ALPHA = "the step ignores the step size α: how far θ moves must scale with α."
_UPHILL = "this steps uphill, along the gradient: descent moves θ against it."
_HALF_STEP = "the step is half what it should be: the one-sample gradient keeps the 2 that the square brings down."

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
    Mistake("q1a_grad", "1/(N-1)", "the denominator counts one point too few: the loss is the mean over all "
            "N points.", """
def grad_const(theta, y):
    import numpy as np
    y = np.asarray(y, dtype=float)
    return float(2 * np.sum(theta - y) / (len(y) - 1))
"""),
    Mistake("q1a_opt", "median", "the median minimizes the absolute error; the squared error is "
            "minimized by the mean.", """
def theta_star_const(y):
    import numpy as np
    return float(np.median(y))
"""),
    Mistake("q1a_opt", "sum instead of mean", "this is the sum of y, which grows with N: set the gradient "
            "of the mean loss to zero and solve for θ.", """
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
    Mistake("q1a_sgd", "factor 2 dropped", _HALF_STEP, """
def sgd_step_const(theta, y_i, alpha):
    return float(theta - alpha * (theta - y_i))
"""),
    Mistake("q1a_sgd", "uphill", _UPHILL, """
def sgd_step_const(theta, y_i, alpha):
    return float(theta + 2 * alpha * (theta - y_i))
"""),
    Mistake("q1a_sgd", "update returned", "this is the change in θ, not the new θ: the function returns "
            "where θ lands after the step.", """
def sgd_step_const(theta, y_i, alpha):
    return float(2 * alpha * (theta - y_i))
"""),
    Mistake("q1a_contrib", "1/N missing", "each term is N times too large: the terms must add up to the "
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
    Mistake("q1a_contrib", "full gradient repeated", "every entry is the full gradient: entry i is point i's own "
            "term, and the N terms add up to the full gradient.", """
def per_sample_grad_const(theta, y):
    import numpy as np
    y = np.asarray(y, dtype=float)
    return np.full(len(y), 2 * np.mean(theta - y))
"""),
    # q1b: the linear model
    Mistake("q1b_grad", "x factor missing", "the chain rule's inner derivative is missing: how fast "
            "does the prediction for point i change as θ changes?", """
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
    Mistake("q1b_grad", "sign flipped", _SIGN, """
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
    Mistake("q1b_opt", "ratio of sums", "the ratio of the sums of y and of x is not the "
            "least-squares slope: set the gradient (your grad_linear) to zero and solve for θ.", """
def theta_star_linear(x, y):
    import numpy as np
    return float(np.sum(y) / np.sum(x))
"""),
    Mistake("q1b_opt", "square of the sum", "the denominator squares the sum of x, so the points' x values "
            "mix: set the gradient to zero and look at what multiplies θ, point by point.", """
def theta_star_linear(x, y):
    import numpy as np
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(np.sum(x * y) / np.sum(x) ** 2)
"""),
    Mistake("q1b_opt", "mean of ratios", "averaging the points' ratios of y to x weighs every "
            "point alike (and breaks where x_i = 0), while least squares lets a point with a large |x_i| count "
            "more: set the gradient to zero and solve for θ.", """
def theta_star_linear(x, y):
    import numpy as np
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(np.mean(y / x))
"""),
    Mistake("q1b_opt", "intercept fitted", "this slope belongs to a line fitted with an intercept: the model θx "
            "has none, so its line must pass through the origin.", """
def theta_star_linear(x, y):
    import numpy as np
    return float(np.polyfit(np.asarray(x, dtype=float), np.asarray(y, dtype=float), 1)[0])
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
    Mistake("q1b_gd", "uphill", _UPHILL, """
def gd_step_linear(theta, x, y, alpha):
    import numpy as np
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(theta + alpha * 2 * np.mean((theta * x - y) * x))
"""),
    Mistake("q1b_sgd", "uphill", _UPHILL, """
def sgd_step_linear(theta, x_i, y_i, alpha):
    return float(theta + 2 * alpha * (theta * x_i - y_i) * x_i)
"""),
    Mistake("q1b_sgd", "update returned", "this is the change in θ, not the new θ: the function returns "
            "where θ lands after the step.", """
def sgd_step_linear(theta, x_i, y_i, alpha):
    return float(2 * alpha * (theta * x_i - y_i) * x_i)
"""),
    Mistake("q1b_sgd", "x factor missing", "the one-sample gradient lacks the chain rule's inner "
            "derivative: how fast does the prediction for x_i change as θ changes?", """
def sgd_step_linear(theta, x_i, y_i, alpha):
    return float(theta - 2 * alpha * (theta * x_i - y_i))
"""),
    Mistake("q1b_sgd", "factor 2 dropped", _HALF_STEP, """
def sgd_step_linear(theta, x_i, y_i, alpha):
    return float(theta - alpha * (theta * x_i - y_i) * x_i)
"""),
    Mistake("q1b_contrib", "1/N missing", "each vote is N times too large: the votes must add up to "
            "the full gradient, which is a mean.", """
def per_sample_grad_linear(theta, x, y):
    import numpy as np
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return 2 * (theta * x - y) * x
"""),
    Mistake("q1b_contrib", "x factor missing", "the votes lack the chain rule's inner derivative, the "
            "factor that makes a point with a large |x_i| vote harder.", """
def per_sample_grad_linear(theta, x, y):
    import numpy as np
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return 2 / len(x) * (theta * x - y)
"""),
    Mistake("q1b_contrib", "sign flipped", _SIGN, """
def per_sample_grad_linear(theta, x, y):
    import numpy as np
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return 2 / len(x) * (y - theta * x) * x
"""),
    Mistake("q1b_contrib", "full gradient repeated", "every vote is the full gradient: vote i is point i's own "
            "term, and the N votes add up to the full gradient.", """
def per_sample_grad_linear(theta, x, y):
    import numpy as np
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return np.full(len(x), 2 * np.mean((theta * x - y) * x))
"""),
    # q2: the ReLU network
    Mistake("q2_forward", "c forgotten", "every value is off by c: the output bias is missing.", """
def relu_net(x, w, b, v, c):
    import numpy as np
    return np.maximum(np.outer(x, w) + b, 0) @ np.asarray(v, dtype=float)
"""),
    Mistake("q2_forward", "ReLU forgotten", "the units are linear: each hidden unit passes its "
            "pre-activation through ReLU.", """
def relu_net(x, w, b, v, c):
    import numpy as np
    return (np.outer(x, w) + b) @ np.asarray(v, dtype=float) + c
"""),
    Mistake("q2_forward", "ReLU on the output", "ReLU belongs on each hidden unit, not on the sum.", """
def relu_net(x, w, b, v, c):
    import numpy as np
    return np.maximum((np.outer(x, w) + b) @ np.asarray(v, dtype=float) + c, 0)
"""),
    Mistake("q2_elbows", "b/w", "the sign is flipped: an elbow is where the unit's pre-activation crosses "
            "0; solve that for x.", """
def elbows(w, b):
    import numpy as np
    w, b = np.asarray(w, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(w != 0, b / np.where(w != 0, w, 1), np.nan)
"""),
    Mistake("q2_elbows", "w/b", "w and b are swapped: an elbow is where the unit's pre-activation crosses "
            "0; solve that for x.", """
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
    Mistake("q2_elbows", "dividing by a zero weight", "a unit with w_j = 0 has no elbow, and dividing by its "
            "zero weight gives ±inf (or NaN with a warning): return NaN there without dividing.", """
def elbows(w, b):
    import numpy as np
    w, b = np.asarray(w, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -b / w
"""),
    Mistake("q2_slopes", "|w| missing", "the change in slope must also grow with how steep unit j "
            "itself is: the unit's own slope is missing.", """
def slope_changes(w, v):
    import numpy as np
    return np.asarray(v, dtype=float).copy()
"""),
    Mistake("q2_slopes", "v missing", "the change in slope must also scale with the unit's output "
            "weight v_j, which is missing.", """
def slope_changes(w, v):
    import numpy as np
    return np.abs(np.asarray(w, dtype=float))
"""),
    Mistake("q2_slopes", "w without abs", "for w_j < 0 the unit is active left of its elbow, so "
            "crossing it from left to right still changes the slope of f with the sign of v_j: the sign of "
            "w_j must not count.", """
def slope_changes(w, v):
    import numpy as np
    return np.asarray(v, dtype=float) * np.asarray(w, dtype=float)
"""),
    Mistake("q2_features", "ReLU forgotten", "the features are the hidden units' outputs, after the "
            "ReLU: the ReLU is missing.", """
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
    Mistake("q2_ridge", "lambda forgotten", "this is plain least squares: the penalty λ never enters the solve.", """
def fit_last_layer_ridge(features, y, lambd):
    import numpy as np
    F = np.asarray(features, dtype=float)
    return np.linalg.lstsq(F, np.asarray(y, dtype=float), rcond=None)[0]
"""),
    Mistake("q2_ridge", "lambda on the wrong side", "λ was added to the answer after the solve: the "
            "penalty belongs in the matrix that is solved with, before solving.", """
def fit_last_layer_ridge(features, y, lambd):
    import numpy as np
    F = np.asarray(features, dtype=float)
    return np.linalg.solve(F.T @ F, F.T @ np.asarray(y, dtype=float)) + lambd
"""),
    Mistake("q2_ridge", "lambda on every entry", "λ was added to every entry of FᵀF: the penalty "
            "λ‖a‖² treats each coefficient on its own, so it changes the diagonal only.", """
def fit_last_layer_ridge(features, y, lambd):
    import numpy as np
    F = np.asarray(features, dtype=float)
    return np.linalg.solve(F.T @ F + lambd, F.T @ np.asarray(y, dtype=float))
"""),
    Mistake("q2_ridge", "errors averaged over N", "the squared errors were averaged over the N points, which "
            "makes λ weigh N times more: in this loss they are summed, as the docstring writes it.", """
def fit_last_layer_ridge(features, y, lambd):
    import numpy as np
    F = np.asarray(features, dtype=float)
    y = np.asarray(y, dtype=float)
    return np.linalg.solve(F.T @ F / len(y) + lambd * np.eye(F.shape[1]), F.T @ y / len(y))
"""),
    Mistake("q2_train", "wrong layer frozen", "with train_all_layers False only the output layer "
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
    Mistake("q2_train", "zero_grad forgotten", "gradients pile up from step to step: PyTorch adds each "
            "backward pass's gradients to the ones already there, until they are cleared.", """
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
    Mistake("q2_train", "drawn without replacement", "each step must draw its minibatch exactly as the "
            "docstring says, with replacement: the grader replays the same draws from rng, so any other draw trains "
            "on other points.", """
def train_relu(net, x, y, steps, lr, batch_size, train_all_layers, rng):
    import torch
    params = list(net.parameters()) if train_all_layers else list(net[2].parameters())
    optimizer = torch.optim.SGD(params, lr=lr)
    losses = []
    for _ in range(steps):
        idx = torch.from_numpy(rng.choice(x.shape[0], size=batch_size, replace=False))
        optimizer.zero_grad()
        loss = torch.mean((net(x[idx]) - y[idx]) ** 2)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
"""),
    Mistake("q2_train", "half the squared error", "every loss is half the expected one: the loss is the plain "
            "mean squared error of the minibatch, with no factor of one half.", """
def train_relu(net, x, y, steps, lr, batch_size, train_all_layers, rng):
    import torch
    params = list(net.parameters()) if train_all_layers else list(net[2].parameters())
    optimizer = torch.optim.SGD(params, lr=lr)
    losses = []
    for _ in range(steps):
        idx = torch.from_numpy(rng.integers(0, x.shape[0], size=batch_size))
        optimizer.zero_grad()
        loss = 0.5 * torch.mean((net(x[idx]) - y[idx]) ** 2)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
"""),
    Mistake("q2_train", "loss recorded after the step", "each recorded loss was measured after the step: record "
            "the minibatch's loss as it was computed for the step, before the update.", """
def train_relu(net, x, y, steps, lr, batch_size, train_all_layers, rng):
    import torch
    params = list(net.parameters()) if train_all_layers else list(net[2].parameters())
    optimizer = torch.optim.SGD(params, lr=lr)
    losses = []
    for _ in range(steps):
        idx = torch.from_numpy(rng.integers(0, x.shape[0], size=batch_size))
        optimizer.zero_grad()
        loss = torch.mean((net(x[idx]) - y[idx]) ** 2)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            losses.append(torch.mean((net(x[idx]) - y[idx]) ** 2).item())
    return losses
"""),
]
