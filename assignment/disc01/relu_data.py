"""The Discussion 1 experiment's data, networks and settings (part of ``relu_lab``).

The target function and its data sets, the one-hidden-layer ReLU networks the experiment
starts from, and what it trains them with: the regimes, the configuration, the runs and the
Generator that draws each run's minibatches. Students import all of it from ``relu_lab``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

# ---------------------------------------------------------------------------------------------
# Data

#: Heights of the piecewise-linear target at the knots x = k/10, k = 0..10: sin(12345 k),
#: the course notebook's pseudo-random heights (0, -0.994, -0.221, 0.944, ..., -0.899).
KNOT_HEIGHTS = np.sin(12345 * np.arange(11))
KNOTS = np.arange(11) / 10


def target_function(x, kind="piecewise"):
    """The ground truth: piecewise linear through KNOT_HEIGHTS (default) or sin(20 x)."""
    x = np.asarray(x, dtype=float)
    if kind == "piecewise":
        return np.interp(x, KNOTS, KNOT_HEIGHTS)
    if kind == "sin":
        return np.sin(20 * x)
    raise ValueError(f"unknown target {kind!r}: use 'piecewise' or 'sin'")


@dataclass(frozen=True)
class Dataset:
    """Noisy training points and a noiseless test set (float64 arrays of shape (N,))."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    target: str = "piecewise"


def make_dataset(n_train=200, noise=0.1, seed=1, n_grid=1000, target="piecewise"):
    """Training x ~ U[0, 1] (sorted) with Gaussian label noise; the test set is noiseless,
    the training x's plus ``n_grid`` evenly spaced points on [0, 1]."""
    rs = np.random.RandomState(seed)
    x_train = np.sort(rs.uniform(0.0, 1.0, n_train))
    y_train = target_function(x_train, target) + noise * rs.randn(n_train)
    x_test = np.concatenate([x_train, np.linspace(0.0, 1.0, n_grid)])
    return Dataset(x_train, y_train, x_test, target_function(x_test, target), target)


def make_network(width, seed=0):
    """``Sequential(Linear(1, width), ReLU(), Linear(width, 1))`` with PyTorch's default
    initialization, then hidden biases reset so the elbows are sorted U[0, 1] draws.

    Seeded and reproducible; the global torch random state is left untouched.
    """
    torch_seed, elbow_seed = np.random.SeedSequence([seed, width]).generate_state(2)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(torch_seed))
        net = nn.Sequential(nn.Linear(1, width), nn.ReLU(), nn.Linear(width, 1))
    elbow_at = np.sort(np.random.default_rng(int(elbow_seed)).uniform(0.0, 1.0, width))
    with torch.no_grad():
        w = net[0].weight[:, 0]
        net[0].bias.copy_(-torch.as_tensor(elbow_at, dtype=w.dtype) * w)
    return net


def network_params(net):
    """(w, b, v, c) of a width-H network as float numpy arrays (w, b, v of length H)."""
    with torch.no_grad():
        return (
            net[0].weight[:, 0].numpy().copy(),
            net[0].bias.numpy().copy(),
            net[2].weight[0].numpy().copy(),
            float(net[2].bias[0]),
        )


# ---------------------------------------------------------------------------------------------
# Experiment description


@dataclass(frozen=True)
class Regime:
    """Which layers SGD trains, and with what learning rate."""

    name: str
    lr: float
    train_all_layers: bool


#: The course's two regimes: a larger rate is too noisy when all layers train.
REGIMES = (
    Regime("output layer only", 0.2, False),
    Regime("all layers", 0.02, True),
)


@dataclass(frozen=True)
class ExperimentConfig:
    """The course's experiment; every default is the original notebook's setting."""

    widths: tuple = (10, 20, 40)
    regimes: tuple = REGIMES
    steps: int = 150_000
    batch_size: int = 40
    record_every: int = 1000
    n_train: int = 200
    noise: float = 0.1
    data_seed: int = 1
    target: str = "piecewise"
    dtype: str = "float32"

    def dataset(self):
        return make_dataset(self.n_train, self.noise, self.data_seed, target=self.target)


@dataclass(frozen=True)
class RunSpec:
    width: int
    regime: Regime
    seed: int

    @property
    def label(self):
        return f"width {self.width}, {self.regime.name}"


def minibatch_rng(seed, width, regime_index):
    """The numpy Generator that draws one run's minibatches (``train_relu``'s ``rng``)."""
    return np.random.default_rng([seed, width, regime_index])
