"""Discussion 1 reference implementations: gradient descent mechanics and ReLU networks.

Every function here answers one graded question (``assignment/disc01/assignment.toml`` maps
question names to them). Bodies are written the way a student could write them in the
notebook: numpy (and torch for training) only, no helpers from elsewhere, so that the
generator can show each body verbatim in the solution notebook.
"""

import numpy as np
import torch

# Part 1 (a): the constant model  y_hat = theta


def grad_const(theta, y):
    """Gradient of the mean squared error of the constant model y_hat = theta.

    L(theta) = (1/N) * sum_i (y_i - theta)^2.  Return dL/dtheta as a float.
    """
    y = np.asarray(y, dtype=float)
    return float(2.0 * np.mean(theta - y))


def theta_star_const(y):
    """The theta that minimizes the mean squared error of the constant model, as a float."""
    y = np.asarray(y, dtype=float)
    return float(np.mean(y))


def gd_step_const(theta, y, alpha):
    """One full-batch gradient descent step with step size alpha on the constant model.

    Return the new theta (a float).
    """
    return float(theta - alpha * grad_const(theta, y))


def sgd_step_const(theta, y_i, alpha):
    """One SGD step on the constant model that uses the single data point y_i.

    The one-sample loss is (y_i - theta)^2. Return the new theta (a float).
    """
    return float(theta - 2.0 * alpha * (theta - float(y_i)))


def per_sample_grad_const(theta, y):
    """Each data point's term of the full gradient of the constant model.

    Return an array of length N whose i-th entry is point i's contribution to dL/dtheta;
    the entries sum to the full gradient.
    """
    y = np.asarray(y, dtype=float)
    return 2.0 / y.size * (theta - y)


# Part 1 (b): the linear model  y_hat = theta * x


def grad_linear(theta, x, y):
    """Gradient of the mean squared error of the linear model y_hat = theta * x.

    L(theta) = (1/N) * sum_i (y_i - theta * x_i)^2.  Return dL/dtheta as a float.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    return float(2.0 * np.mean((theta * x - y) * x))


def theta_star_linear(x, y):
    """The theta that minimizes the mean squared error of the linear model, as a float."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    return float(np.sum(x * y) / np.sum(x * x))


def gd_step_linear(theta, x, y, alpha):
    """One full-batch gradient descent step with step size alpha on the linear model.

    Return the new theta (a float).
    """
    return float(theta - alpha * grad_linear(theta, x, y))


def sgd_step_linear(theta, x_i, y_i, alpha):
    """One SGD step on the linear model that uses the single data point (x_i, y_i).

    The one-sample loss is (y_i - theta * x_i)^2. Return the new theta (a float).
    """
    x_i, y_i = float(x_i), float(y_i)
    return float(theta - 2.0 * alpha * (theta * x_i - y_i) * x_i)


def per_sample_grad_linear(theta, x, y):
    """Each data point's term ("vote") of the full gradient of the linear model.

    Return an array of length N whose i-th entry is point i's contribution to dL/dtheta;
    the entries sum to the full gradient.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    return 2.0 / x.size * (theta * x - y) * x


# Part 2: a one-hidden-layer ReLU network  f(x) = sum_j v_j * ReLU(w_j * x + b_j) + c


def relu_net(x, w, b, v, c):
    """Evaluate f(x) = sum_j v_j * ReLU(w_j * x + b_j) + c at every point of x.

    x has length N; w, b, v have length H (one entry per hidden unit); c is a float.
    Return an array of length N.
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    w, b, v = (np.asarray(a, dtype=float).reshape(-1) for a in (w, b, v))
    hidden = np.maximum(np.outer(x, w) + b, 0.0)
    return hidden @ v + float(c)


def elbows(w, b):
    """The elbow of each hidden unit: the x where w_j * x + b_j crosses zero.

    Return an array of length H; a unit with w_j == 0 has no elbow, so its entry is NaN.
    """
    w = np.asarray(w, dtype=float).reshape(-1)
    b = np.asarray(b, dtype=float).reshape(-1)
    return np.divide(-b, w, out=np.full(w.shape, np.nan), where=w != 0)


def slope_changes(w, v):
    """How much the slope of f changes when x crosses each unit's elbow from left to right.

    Return an array of length H.
    """
    w = np.asarray(w, dtype=float).reshape(-1)
    v = np.asarray(v, dtype=float).reshape(-1)
    return v * np.abs(w)


def hidden_features(x, w, b):
    """The hidden layer's output for every input: the (N, H) matrix ReLU(x_n * w_j + b_j)."""
    x = np.asarray(x, dtype=float).reshape(-1)
    w = np.asarray(w, dtype=float).reshape(-1)
    b = np.asarray(b, dtype=float).reshape(-1)
    return np.maximum(np.outer(x, w) + b, 0.0)


def fit_last_layer_ridge(features, y, lambd):
    """Ridge regression of the last layer on fixed hidden features.

    Return the coefficients a (length H) minimizing ||F a - y||^2 + lambd * ||a||^2,
    where F = features is (N, H) and y has length N.
    """
    F = np.asarray(features, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1)
    return np.linalg.solve(F.T @ F + lambd * np.eye(F.shape[1]), F.T @ y)


def train_relu(net, x, y, steps, lr, batch_size, train_all_layers, rng):
    """Train net = Sequential(Linear(1, H), ReLU(), Linear(H, 1)) in place with minibatch SGD.

    x and y are float tensors of shape (N, 1); rng is a numpy Generator. Each step draws
    idx = rng.integers(0, N, size=batch_size) (and nothing else from rng), computes the mean
    squared error of net(x[idx]) against y[idx], and takes one plain SGD step with rate lr:
    on all parameters if train_all_layers, otherwise on the output layer net[2] only.
    Return the list of the `steps` minibatch losses as Python floats.
    """
    params = list(net.parameters()) if train_all_layers else list(net[2].parameters())
    n = x.shape[0]
    losses = []
    for _ in range(steps):
        idx = torch.from_numpy(rng.integers(0, n, size=batch_size))
        loss = torch.mean((net(x[idx]) - y[idx]) ** 2)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p -= lr * g
        losses.append(loss.item())
    return losses
