"""What the Discussion 1 notebook shows (part of ``relu_lab``): the figures of an experiment,
the slider over its history, and the progress line ``run_experiment`` keeps while it trains.

matplotlib and ipywidgets are imported inside the functions: the engine needs neither.
"""

from __future__ import annotations

import os
import time

import numpy as np
import torch

if __package__:  # assignment.disc01.relu_plots: the course's own code and tests
    from .relu_data import Regime, target_function
else:  # beside the notebook, where the support files are top-level modules
    from relu_data import Regime, target_function

# ---------------------------------------------------------------------------------------------
# Figures and the slider over an experiment's history

_NO_ELBOWS = "implement elbows() to see the elbows"


def plot_fit(exp, run, record=-1, elbows_fn=None, ax=None):
    """Run ``run`` at history entry ``record``: data, ground truth, the learned function and
    every hidden unit's share of it, v_j ReLU(w_j x + b_j) + c/H, as a dotted line on [0, 1].

    The elbow dots come only from ``elbows_fn(w, b)`` (your ``elbows``); when it is missing,
    fails or returns anything but H numbers, the dots are left out and a note says why.
    """
    ax = _new_axes(ax, (8, 5))
    w, b, v, c = exp.params(run, record)
    h = len(w)
    data = exp.dataset
    grid = np.linspace(0.0, 1.0, 501)
    # Splitting c evenly over the units makes their lines add up exactly to the learned f.
    offset = c / h
    units = v * exp.unit_outputs(run, grid, record) + offset
    fit = exp.predict(run, grid, record)
    colors = _unit_colors(h)

    for j in range(h):  # every unit, wherever its elbow is: its line still shapes f on [0, 1]
        label = r"hidden units: $v_j\,\mathrm{ReLU}(w_j x + b_j) + c/H$" if j == 0 else None
        ax.plot(grid, units[:, j], ls=":", lw=1.3, color=colors[j], label=label)
    ax.scatter(data.x_train, data.y_train, s=9, color="0.55", label="training data")
    ax.plot(grid, target_function(grid, data.target), color="k", lw=1.5, label="ground truth")
    ax.plot(grid, fit, color="C3", lw=2.2, label="learned function")

    at, note = _checked_elbows(elbows_fn, w, b)
    if at is None:
        ax.text(0.02, 0.03, note, transform=ax.transAxes, fontsize="small", color="C3",
                bbox=dict(facecolor="white", edgecolor="C3", alpha=0.9))
    else:
        # A unit is zero at its elbow, so the dot sits at the unit's offset. A wrong elbow
        # thus shows up off the kink of its line instead of being hidden on it.
        ax.scatter(at, np.full(h, offset), s=36, color=colors, edgecolors="k", zorder=5,
                   label="elbows")

    # Scale to what is being fitted: a steep unit line may leave the frame, the data may not.
    lo = min(data.y_train.min(), fit.min(), offset)
    hi = max(data.y_train.max(), fit.max(), offset)
    pad = 0.15 * (hi - lo)
    ax.set(xlim=(-0.02, 1.02), ylim=(lo - pad, hi + pad), xlabel="x", ylabel="y")
    ax.set_title(f"{_run_label(exp, run)}, after {int(exp.steps[record]):,} SGD steps")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return ax


def plot_mse(exp, runs=None, ax=None):
    """Training and test error against SGD steps (log scale) for the runs ``runs``
    (indices into ``exp.runs``; default: every run of the first seed)."""
    from matplotlib.lines import Line2D

    ax = _new_axes(ax, (8, 4.5))
    if runs is None:
        runs = [r for r, spec in enumerate(exp.runs) if spec.seed == exp.seeds[0]]
    runs = [int(r) for r in np.atleast_1d(runs)]
    handles = []
    for k, r in enumerate(runs):
        color = f"C{k % 10}"
        # The last minibatch loss alone is very noisy: show it faintly behind its average.
        ax.plot(exp.steps, exp.train_loss[r], color=color, lw=0.7, alpha=0.3)
        ax.plot(exp.steps, exp.train_loss_avg[r], color=color, lw=1.6)
        ax.plot(exp.steps, exp.test_mse[r], color=color, lw=1.6, ls="--")
        handles.append(Line2D([], [], color=color, lw=3, label=_run_label(exp, r)))
    handles += [
        Line2D([], [], color="0.3", lw=1.6, label="train: mean minibatch loss since previous record"),
        Line2D([], [], color="0.3", lw=0.7, alpha=0.4, label="train: last minibatch loss"),
        Line2D([], [], color="0.3", lw=1.6, ls="--", label="test MSE (noiseless test set)"),
    ]
    ax.set_yscale("log")
    ax.set(xlabel="SGD steps", ylabel="mean squared error")
    ax.set_title(_run_label(exp, runs[0]) if len(runs) == 1 else "training and test error")
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return ax


def plot_mse_across_seeds(exp, width, regime, ax=None):
    """Median training and test error over every seed of one width and regime, with the band
    between the 25th and 75th percentiles (log scale)."""
    ax = _new_axes(ax, (8, 4.5))
    name = regime.name if isinstance(regime, Regime) else regime
    runs = [exp.run_index(width, name, seed) for seed in exp.seeds]
    curves = (
        ("train: mean minibatch loss since previous record", exp.train_loss_avg, "C0", "-"),
        ("test MSE", exp.test_mse, "C1", "--"),
    )
    for label, curve, color, ls in curves:
        values = curve[runs]
        keep = ~np.isnan(values).any(axis=0)  # the initial record has no training loss yet
        steps, values = exp.steps[keep], values[:, keep]
        lo, median, hi = np.percentile(values, [25, 50, 75], axis=0)
        ax.fill_between(steps, lo, hi, color=color, alpha=0.25, lw=0,
                        label=f"{label}: 25th–75th percentile")
        ax.plot(steps, median, color=color, ls=ls, lw=1.6, label=f"{label}: median")
    ax.set_yscale("log")
    ax.set(xlabel="SGD steps", ylabel="mean squared error")
    ax.set_title(f"width {width}, {name}: {len(runs)} seeds")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return ax


def history_slider(exp, run=0, elbows_fn=None):
    """A slider over run ``run``'s recorded SGD steps that redraws ``plot_fit`` at the chosen step.

    The figure is shown as an image widget, not through an Output widget: an image needs no
    front end to answer the kernel, so the slider also works where no browser is attached
    (a notebook run by nbconvert or a grader) and its picture is saved with the widget state.
    """
    try:
        import ipywidgets as widgets
    except ImportError as exc:
        raise ImportError("history_slider needs ipywidgets (pip install ipywidgets); "
                          "plot_fit(exp, run, record) draws a single entry without it") from exc

    # Label each position with its SGD step; the value is the history entry to draw.
    options = [(f"{int(step):,}", k) for k, step in enumerate(exp.steps)]
    # Redraw on release only: a drag would otherwise queue one figure per entry passed.
    slider = widgets.SelectionSlider(options=options, value=len(options) - 1,
                                     description="SGD step", continuous_update=False,
                                     style={"description_width": "initial"},
                                     layout=widgets.Layout(width="600px"))
    image = widgets.Image(format="png", value=_fit_png(exp, run, slider.value, elbows_fn))

    def show(change):
        image.value = _fit_png(exp, run, change["new"], elbows_fn)

    slider.observe(show, names="value")

    class HistorySlider(widgets.VBox):
        """Where no widget can be drawn (an HTML export, a notebook viewer), the figure at the
        slider's step stands in; a live notebook shows the widget itself."""

        def _repr_mimebundle_(self, **kwargs):
            import base64

            data = super()._repr_mimebundle_(**kwargs)
            data["image/png"] = base64.b64encode(bytes(image.value)).decode("ascii")
            return data

    return HistorySlider([slider, image])


def _fit_png(exp, run, record, elbows_fn):
    import io

    from matplotlib.figure import Figure

    # A bare Figure, not pyplot: nothing is registered with (or shown by) the inline backend.
    fig = Figure(figsize=(8, 5))
    plot_fit(exp, run, record, elbows_fn, ax=fig.add_subplot())
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    return buffer.getvalue()


def _new_axes(ax, figsize):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    return ax


def _unit_colors(h):
    import matplotlib

    return matplotlib.colormaps["viridis"](np.linspace(0.0, 0.9, h))


def _run_label(exp, run):
    spec = exp.runs[run]
    return spec.label if len(exp.seeds) == 1 else f"{spec.label}, seed {spec.seed}"


def _checked_elbows(elbows_fn, w, b):
    """The caller's elbows as H floats, or (None, note): a blank or broken answer must only
    cost the dots, never the plot."""
    if elbows_fn is None:
        return None, _NO_ELBOWS
    try:
        got = elbows_fn(w.copy(), b.copy())
    except NotImplementedError:
        return None, _NO_ELBOWS
    except Exception as exc:  # any error in the answer: report it, draw the rest
        return None, f"elbows() raised {type(exc).__name__}: elbow dots not shown"
    if got is None or got is Ellipsis:
        return None, _NO_ELBOWS
    try:
        if isinstance(got, torch.Tensor):
            got = got.detach().cpu().numpy()
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError, RuntimeError):
        got = None
    if got is None or got.shape != w.shape:
        return None, f"elbows() should return {len(w)} numbers: elbow dots not shown"
    return got, None


# ---------------------------------------------------------------------------------------------
# The training's progress line


class TrainingProgress:
    """What the training is doing, told truthfully: first the compiling of the engine (numba
    compiles it on a machine's first run, then loads it from its cache), then the SGD steps
    with the rate measured on steps alone, then the times both took.

    In a notebook it is one HTML line updated in place, so the saved notebook and its HTML
    export keep the finished line; elsewhere it prints only the finished line.
    """

    def __init__(self, total, runs, steps, enabled):
        self.total, self.runs, self.steps, self.enabled = total, runs, steps, enabled
        self.done, self.compile_seconds, self.started, self.shown_at = 0, None, None, 0.0
        self.handle = None
        if enabled and _in_notebook():
            from IPython.display import display

            self.handle = display(self._bundle("Preparing the training loop…"), raw=True,
                                  display_id=True)

    def compiled(self, seconds):
        self.compile_seconds = seconds
        self.started = time.perf_counter()
        self._show(force=True)

    def update(self, n):
        self.done += n
        self._show()

    def close(self):
        if self.enabled:
            self._show(force=True, final=True)

    def _show(self, force=False, final=False):
        if not self.enabled or self.started is None:
            return
        now = time.perf_counter()
        if not force and now - self.shown_at < 0.25:
            return
        self.shown_at = now
        elapsed = now - self.started
        if final and os.environ.get("EECS182_REPRODUCIBLE_OUTPUTS"):  # a release build
            text = f"Trained {self.runs} runs × {self.steps:,} SGD steps."
        elif final:
            text = f"Trained {self.runs} runs × {self.steps:,} SGD steps in {elapsed:.{1 if elapsed >= 1 else 2}f} s"
            if self.compile_seconds >= 0.5:
                text += f", after compiling the training loop for {self.compile_seconds:.1f} s (cached from now on)"
            text += "."
        else:
            text = f"SGD: {self.done:,} of {self.total:,} steps, {elapsed:.1f} s"
            if self.done:
                text += f", about {elapsed * (self.total - self.done) / self.done:.0f} s left"
        if self.handle is not None:
            self.handle.update(self._bundle(text, None if final else self.done), raw=True)
        elif final:
            print(text, flush=True)

    def _bundle(self, text, value=None):
        bar = "" if value is None else (f"<progress value='{value}' max='{self.total}' "
                                        "style='width: 16em; vertical-align: middle'></progress> ")
        return {"text/plain": text, "text/html": f"<div>{bar}{text}</div>"}


def _in_notebook():
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"

