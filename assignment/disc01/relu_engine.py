"""The Discussion 1 experiment's engine (part of ``relu_lab``): ``run_experiment``, the
``Experiment`` it returns, and the two engines that train the runs.

It trains many one-hidden-layer ReLU networks at once with exactly the SGD of the course's
notebook (minibatches drawn with replacement by ``rng.integers(0, N, size=batch)`` once per
step, mean squared error, plain SGD steps), but without per-step Python overhead: the loop is
compiled with numba when numba is installed and vectorized over runs with numpy otherwise.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

if __package__:  # assignment.disc01.relu_engine: the course's own code and tests
    from .relu_data import Dataset, ExperimentConfig, Regime, RunSpec, make_network, minibatch_rng, network_params
    from .relu_plots import TrainingProgress
else:  # beside the notebook, where the support files are top-level modules
    from relu_data import Dataset, ExperimentConfig, Regime, RunSpec, make_network, minibatch_rng, network_params
    from relu_plots import TrainingProgress

try:  # numba is optional: without it the numpy engine gives the same results, slower.
    import numba
except ImportError:  # pragma: no cover - exercised by forcing backend="numpy" in tests
    numba = None

# ---------------------------------------------------------------------------------------------
# Results


@dataclass
class Experiment:
    """The history of every run, recorded every ``config.record_every`` steps.

    Parameter arrays are (runs, records, max width), NaN beyond a run's own width; entry k
    holds the state after ``steps[k]`` SGD steps (k = 0 is the initial network).
    ``train_loss`` is the minibatch loss of the step just before each record (as the course
    notebook logged it), ``train_loss_avg`` the mean minibatch loss since the previous record,
    and ``test_mse`` the error on the noiseless test set.
    """

    config: ExperimentConfig
    dataset: Dataset
    runs: list
    steps: np.ndarray
    w: np.ndarray
    b: np.ndarray
    v: np.ndarray
    c: np.ndarray
    train_loss: np.ndarray
    train_loss_avg: np.ndarray
    test_mse: np.ndarray
    seeds: tuple = field(default=(0,))

    def run_index(self, width, regime, seed=None):
        """Index of the run with this width, regime (a Regime or its name) and seed."""
        name = regime.name if isinstance(regime, Regime) else regime
        seed = self.seeds[0] if seed is None else seed
        for i, run in enumerate(self.runs):
            if run.width == width and run.regime.name == name and run.seed == seed:
                return i
        raise KeyError(f"no run with width {width}, regime {name!r}, seed {seed}")

    def params(self, run, record=-1):
        """(w, b, v, c) of run ``run`` at history entry ``record``."""
        h = self.runs[run].width
        return (
            self.w[run, record, :h].copy(),
            self.b[run, record, :h].copy(),
            self.v[run, record, :h].copy(),
            float(self.c[run, record]),
        )

    def network(self, run, record=-1):
        """A torch network holding run ``run``'s parameters at history entry ``record``."""
        w, b, v, c = self.params(run, record)
        h, dtype = len(w), getattr(torch, self.w.dtype.name)  # the run's own precision
        # skip_init: the weights are overwritten below, so draw nothing from torch's global RNG.
        net = nn.Sequential(nn.utils.skip_init(nn.Linear, 1, h, dtype=dtype), nn.ReLU(),
                            nn.utils.skip_init(nn.Linear, h, 1, dtype=dtype))
        with torch.no_grad():
            net[0].weight.copy_(torch.as_tensor(w).reshape(-1, 1))
            net[0].bias.copy_(torch.as_tensor(b))
            net[2].weight.copy_(torch.as_tensor(v).reshape(1, -1))
            net[2].bias.fill_(c)
        return net

    def predict(self, run, x, record=-1):
        """The learned function of run ``run`` at history entry ``record``, evaluated at x."""
        net = self.network(run, record)
        with torch.no_grad():
            return net(_column(x, net)).numpy().astype(float).reshape(-1)

    def unit_outputs(self, run, x, record=-1):
        """Every hidden unit's output ReLU(w_j x + b_j) at each x: an (N, H) array."""
        net = self.network(run, record)
        with torch.no_grad():
            return net[1](net[0](_column(x, net))).numpy().astype(float)

    def save(self, path):
        """Write the whole history to an ``.npz`` file (readable by ``Experiment.load``)."""
        cfg = dataclasses.asdict(self.config)
        np.savez_compressed(
            path,
            steps=self.steps, w=self.w, b=self.b, v=self.v, c=self.c,
            train_loss=self.train_loss, train_loss_avg=self.train_loss_avg,
            test_mse=self.test_mse, seeds=np.asarray(self.seeds),
            run_width=np.array([r.width for r in self.runs]),
            run_regime=np.array([self.config.regimes.index(r.regime) for r in self.runs]),
            run_seed=np.array([r.seed for r in self.runs]),
            regimes=np.array([(r.name, r.lr, r.train_all_layers) for r in self.config.regimes],
                             dtype=object),
            config=np.array([(k, v) for k, v in cfg.items() if k != "regimes"], dtype=object),
        )

    @classmethod
    def load(cls, path):
        with np.load(path, allow_pickle=True) as z:
            regimes = tuple(Regime(str(n), float(lr), bool(t)) for n, lr, t in z["regimes"])
            cfg = {str(k): v for k, v in z["config"]}
            cfg["widths"] = tuple(int(h) for h in cfg["widths"])
            config = ExperimentConfig(regimes=regimes, **cfg)
            runs = [RunSpec(int(h), regimes[int(g)], int(s))
                    for h, g, s in zip(z["run_width"], z["run_regime"], z["run_seed"])]
            return cls(config, config.dataset(), runs, z["steps"], z["w"], z["b"], z["v"],
                       z["c"], z["train_loss"], z["train_loss_avg"], z["test_mse"],
                       tuple(int(s) for s in z["seeds"]))


def _column(x, net):
    """x as the (N, 1) tensor a network takes, in the network's own dtype."""
    return torch.as_tensor(np.asarray(x, dtype=float).reshape(-1, 1), dtype=net[0].weight.dtype)


# ---------------------------------------------------------------------------------------------
# The engine


def run_experiment(config=None, seeds=(0,), progress=True, backend="auto"):
    """Train every (seed, width, regime) run of ``config`` and return their Experiment.

    Each run starts from ``make_network(width, seed)`` (both regimes of a width share their
    start) and draws its minibatches from ``minibatch_rng(seed, width, regime_index)``, so the
    same seeds always give the same history, and ``solutions``' ``train_relu`` given the same
    network and Generator follows the same trajectory.
    ``backend``: "numba" (compiled, parallel over runs), "numpy" or "auto" (numba if present).
    """
    config = config or ExperimentConfig()
    seeds = tuple(int(s) for s in np.atleast_1d(seeds))
    if config.steps % config.record_every:
        raise ValueError("steps must be a multiple of record_every")
    backend = _pick_backend(backend)
    data = config.dataset()
    dtype = np.dtype(config.dtype)

    runs, nets, rngs = [], [], []
    for seed in seeds:
        for width in config.widths:
            start = make_network(width, seed)
            for g, regime in enumerate(config.regimes):
                runs.append(RunSpec(width, regime, seed))
                nets.append(start)
                rngs.append(minibatch_rng(seed, width, g))
    n_runs, h_max = len(runs), max(config.widths)
    n_records = config.steps // config.record_every + 1

    # Live parameters, zero-padded to h_max: a padded unit has w = b = v = 0, so it outputs
    # 0 and gets zero gradient forever, which lets the numpy engine vectorize over runs.
    W, B, V = (np.zeros((n_runs, h_max), dtype) for _ in range(3))
    C = np.zeros(n_runs, dtype)
    for r, net in enumerate(nets):
        w, b, v, c = network_params(net)
        W[r, : len(w)], B[r, : len(w)], V[r, : len(w)], C[r] = w, b, v, c
    widths = np.array([r.width for r in runs], dtype=np.int64)
    lrs = np.array([r.regime.lr for r in runs], dtype=dtype)
    train_all = np.array([r.regime.train_all_layers for r in runs], dtype=np.bool_)
    x = data.x_train.astype(dtype)
    y = data.y_train.astype(dtype)
    x_test = data.x_test.astype(dtype)
    y_test = data.y_test.astype(dtype)

    hist = {k: np.full((n_runs, n_records, h_max), np.nan, dtype) for k in "wbv"}
    c_hist = np.empty((n_runs, n_records), dtype)
    train_loss = np.full((n_runs, n_records), np.nan)
    train_loss_avg = np.full((n_runs, n_records), np.nan)
    test_mse = np.empty((n_runs, n_records))

    chunk = config.record_every
    idx = np.empty((n_runs, chunk, config.batch_size), np.int64)
    losses = np.empty((n_runs, chunk), dtype)
    mse = np.empty(n_runs, dtype)
    step, evaluate = _ENGINES[backend]
    # Largest runs first so that dynamic scheduling over threads balances the work.
    order = np.argsort(-(widths * (1 + train_all)), kind="stable")

    def record(k):
        for r, h in enumerate(widths):
            hist["w"][r, k, :h], hist["b"][r, k, :h], hist["v"][r, k, :h] = W[r, :h], B[r, :h], V[r, :h]
        c_hist[:, k] = C
        evaluate(x_test, y_test, W, B, V, C, mse)
        test_mse[:, k] = mse

    bar = TrainingProgress(config.steps * n_runs, n_runs, config.steps, progress)
    bar.compiled(_warm_up(step, evaluate, x, y, x_test, y_test, W, B, V, C, widths, lrs, train_all,
                          order, config.batch_size))
    record(0)
    for k in range(1, n_records):
        for r in range(n_runs):
            _draw(rngs[r], x.shape[0], idx[r])
        step(x, y, idx, W, B, V, C, widths, lrs, train_all, order, losses)
        train_loss[:, k] = losses[:, -1]
        train_loss_avg[:, k] = losses.mean(axis=1)
        record(k)
        bar.update(chunk * n_runs)
    bar.close()

    steps = np.arange(n_records) * config.record_every
    return Experiment(config, data, runs, steps, hist["w"], hist["b"], hist["v"], c_hist,
                      train_loss, train_loss_avg, test_mse, seeds)


def _warm_up(step, evaluate, x, y, x_test, y_test, W, B, V, C, widths, lrs, train_all, order, batch):
    """Seconds spent making the engine ready: one step on copies of everything, which compiles
    the numba engine (or loads it from its cache) without touching the real runs."""
    start = time.perf_counter()
    idx = np.zeros((len(widths), 1, batch), np.int64)  # a step on point 0 only
    step(x, y, idx, W.copy(), B.copy(), V.copy(), C.copy(), widths, lrs, train_all, order,
         np.empty((len(widths), 1), W.dtype))
    evaluate(x_test, y_test, W, B, V, C, np.empty(len(widths), W.dtype))
    return time.perf_counter() - start


def _pick_backend(backend):
    if backend == "auto":
        return "numba" if numba is not None else "numpy"
    if backend == "numba" and numba is None:
        raise RuntimeError("backend='numba' needs numba installed (pip install numba)")
    if backend not in _ENGINES:
        raise ValueError(f"unknown backend {backend!r}: use 'auto', 'numba' or 'numpy'")
    return backend


# --- the minibatch draws, the same for both engines -----------------------------------------


def _draw(rng, n, out):
    # One call for the whole chunk draws exactly what one call per step (as train_relu makes)
    # would: PCG64 hands out the 32-bit halves of its 64-bit outputs from a buffer kept in the
    # bit generator, across calls, and the bounded draws for n < 2**32 use those halves.
    out[:] = rng.integers(0, n, size=out.shape)


# --- numpy engine: one vectorized step for all runs at once --------------------------------


def _step_numpy(x, y, idx, W, B, V, C, widths, lrs, train_all, order, losses):
    batch = idx.shape[2]
    scale = W.dtype.type(2.0 / batch)
    lr = lrs[:, None]
    hidden = train_all  # runs whose hidden layer trains
    for t in range(idx.shape[1]):
        xb = x[idx[:, t]]                                   # (R, M)
        pre = xb[:, :, None] * W[:, None, :] + B[:, None, :]  # (R, M, H)
        act = np.maximum(pre, 0)
        res = np.matmul(act, V[:, :, None])[:, :, 0] + C[:, None] - y[idx[:, t]]
        losses[:, t] = np.mean(res * res, axis=1)
        g = res * scale                                     # dL/d output, per sample
        grad_v = np.matmul(g[:, None, :], act)[:, 0, :]
        if hidden.any():
            d_pre = (g[hidden, :, None] * V[hidden, None, :]) * (pre[hidden] > 0)
            grad_w = np.matmul(xb[hidden, None, :], d_pre)[:, 0, :]
            grad_b = d_pre.sum(axis=1)
            W[hidden] -= lr[hidden] * grad_w
            B[hidden] -= lr[hidden] * grad_b
        V -= lr * grad_v
        C -= lrs * g.sum(axis=1)


def _test_mse_numpy(x, y, W, B, V, C, out):
    pred = np.matmul(np.maximum(x[None, :, None] * W[:, None, :] + B[:, None, :], 0),
                     V[:, :, None])[:, :, 0] + C[:, None]
    out[:] = np.mean((pred - y) ** 2, axis=1)


_ENGINES = {"numpy": (_step_numpy, _test_mse_numpy)}


# --- numba engine: the same algorithm, compiled, parallel over runs -------------------------

if numba is not None:
    # Reassociation lets LLVM vectorize the sums over units; NaN and inf keep their meaning.
    _FAST = {"reassoc", "contract", "nsz", "arcp"}
    # Runs train side by side, one thread per core; threads start on first use.
    _THREADS = concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1, thread_name_prefix="relu_lab")
    _CACHE = os.access(os.path.dirname(os.path.abspath(__file__)), os.W_OK)

    @numba.njit(nogil=True, fastmath=_FAST, cache=_CACHE)
    def _train_run_numba(x, y, idx, w, b, v, c, lr, hidden, losses):
        """``idx.shape[0]`` SGD steps of one run, in place on its w, b, v (length H) and c
        (length 1). Releases the GIL, so runs train side by side in threads."""
        n_steps, batch = idx.shape
        h = w.shape[0]
        zero = w.dtype.type(0)
        scale = w.dtype.type(2.0 / batch)
        pre = np.empty((batch, h), w.dtype)
        g = np.empty(batch, w.dtype)
        grad_w = np.empty(h, w.dtype)
        grad_b = np.empty(h, w.dtype)
        grad_v = np.empty(h, w.dtype)
        for t in range(n_steps):
            loss = zero
            for m in range(batch):
                xm = x[idx[t, m]]
                out = c[0]
                for j in range(h):
                    p = xm * w[j] + b[j]
                    pre[m, j] = p
                    out += v[j] * max(p, zero)
                res = out - y[idx[t, m]]
                loss += res * res
                g[m] = res * scale
            losses[t] = loss / batch
            grad_v[:] = 0
            grad_w[:] = 0
            grad_b[:] = 0
            grad_c = zero
            for m in range(batch):
                gm = g[m]
                grad_c += gm
                xm = x[idx[t, m]]
                for j in range(h):
                    p = pre[m, j]
                    grad_v[j] += gm * max(p, zero)
                    if hidden:
                        d = gm * v[j] if p > 0 else zero
                        grad_w[j] += d * xm
                        grad_b[j] += d
            for j in range(h):
                v[j] -= lr * grad_v[j]
            if hidden:
                for j in range(h):
                    w[j] -= lr * grad_w[j]
                    b[j] -= lr * grad_b[j]
            c[0] -= lr * grad_c

    def _step_numba(x, y, idx, W, B, V, C, widths, lrs, train_all, order, losses):
        # One thread per core, largest runs first (``order``), each run compiled and GIL-free.
        jobs = [_THREADS.submit(_train_run_numba, x, y, idx[r], W[r, :widths[r]], B[r, :widths[r]],
                                V[r, :widths[r]], C[r:r + 1], lrs[r], train_all[r], losses[r])
                for r in order]
        for job in jobs:
            job.result()

    @numba.njit(nogil=True, fastmath=_FAST, cache=_CACHE)
    def _test_mse_numba(x, y, W, B, V, C, out):
        for r in range(W.shape[0]):
            total = 0.0
            for n in range(x.shape[0]):
                f = C[r]
                for j in range(W.shape[1]):
                    f += V[r, j] * max(x[n] * W[r, j] + B[r, j], 0)
                total += (f - y[n]) ** 2
            out[r] = total / x.shape[0]

    _ENGINES["numba"] = (_step_numba, _test_mse_numba)

