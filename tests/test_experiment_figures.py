"""The lab's plots and the figures of ``eecs182 run disc01 experiment``."""

import base64
import dataclasses
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.image
import matplotlib.pyplot as plt
import numpy as np
import pytest
from click.testing import CliRunner

from assignment.disc01 import relu_lab as L
from assignment.disc01 import relu_plots
from generator.cli import main
from solutions.disc01 import elbows as reference_elbows

SMALL = dataclasses.replace(L.ExperimentConfig(), steps=2000, record_every=250)


@pytest.fixture(scope="module")
def exp():
    return L.run_experiment(SMALL, progress=False)


@pytest.fixture(scope="module")
def exp3():
    return L.run_experiment(SMALL, seeds=range(3), progress=False)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def unit_lines(ax):
    return [line for line in ax.get_lines() if line.get_linestyle() == ":"]


def labeled(ax, label):
    return [a for a in ax.get_children() if getattr(a, "get_label", lambda: None)() == label]


def elbow_dots(ax):
    found = labeled(ax, "elbows")
    assert len(found) <= 1
    return found[0].get_offsets() if found else None


# --- plot_fit ---------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [10, 40])
@pytest.mark.parametrize("record", [0, 3, -1])
def test_plot_fit_draws_every_unit_the_data_the_truth_and_the_fit(exp, width, record):
    run = exp.run_index(width, "all layers")
    ax = L.plot_fit(exp, run, record, elbows_fn=reference_elbows)
    w, b, v, c = exp.params(run, record)
    lines = unit_lines(ax)
    assert len(lines) == width
    grid = lines[0].get_xdata()
    assert grid.min() == 0.0 and grid.max() == 1.0
    for j, line in enumerate(lines):
        want = v[j] * np.maximum(w[j] * grid + b[j], 0) + c / width
        # The lab evaluates the network in the run's own precision (float32 here).
        np.testing.assert_allclose(line.get_ydata(), want, rtol=1e-5, atol=1e-6)
    # The units' lines add up to the learned function, which is drawn too.
    (fit,) = labeled(ax, "learned function")
    np.testing.assert_allclose(fit.get_ydata(), exp.predict(run, fit.get_xdata(), record), rtol=1e-9)
    np.testing.assert_allclose(sum(line.get_ydata() for line in lines), fit.get_ydata(),
                               rtol=1e-5, atol=1e-6)
    (truth,) = labeled(ax, "ground truth")
    np.testing.assert_allclose(truth.get_ydata(), L.target_function(truth.get_xdata()))
    (data,) = labeled(ax, "training data")
    np.testing.assert_array_equal(data.get_offsets(),
                                  np.column_stack([exp.dataset.x_train, exp.dataset.y_train]))
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_legend() is not None
    assert f"{int(exp.steps[record]):,}" in ax.get_title()
    assert exp.runs[run].label in ax.get_title()


def test_reference_elbow_dots_sit_at_minus_b_over_w_on_each_units_line(exp):
    for run, spec in enumerate(exp.runs):
        for record in (0, -1):
            ax = L.plot_fit(exp, run, record, elbows_fn=reference_elbows)
            w, b, v, c = exp.params(run, record)
            dots = elbow_dots(ax)
            assert dots.shape == (spec.width, 2)
            w, b = w.astype(float), b.astype(float)  # the history is float32
            np.testing.assert_allclose(dots[:, 0], -b / w, rtol=1e-12)
            # On the unit's line: the unit is zero at its elbow, only its offset remains.
            on_line = v * np.maximum(w * dots[:, 0] + b, 0) + c / spec.width
            np.testing.assert_allclose(dots[:, 1], on_line, atol=1e-6)
            assert not ax.texts
            plt.close("all")


def test_elbows_as_a_list_or_a_tensor_are_drawn(exp):
    import torch

    for fn in (lambda w, b: list(reference_elbows(w, b)),
               lambda w, b: torch.tensor(reference_elbows(w, b), requires_grad=True)):
        ax = L.plot_fit(exp, 0, elbows_fn=fn)
        assert elbow_dots(ax).shape == (10, 2)


def _raises(w, b):
    raise ZeroDivisionError("oops")


def _not_implemented(w, b):
    raise NotImplementedError


@pytest.mark.parametrize("fn", [
    None,
    lambda w, b: None,
    lambda w, b: ...,
    _raises,
    _not_implemented,
    lambda w, b: reference_elbows(w, b)[:-1],           # one short
    lambda w, b: np.stack([w, b]),                      # wrong shape
    lambda w, b: ["left", "right"] * (len(w) // 2),     # not numbers
], ids=["none", "returns-none", "returns-ellipsis", "raises", "not-implemented",
        "too-short", "wrong-shape", "strings"])
def test_missing_or_broken_elbows_leave_out_the_dots_and_never_crash(exp, fn):
    ax = L.plot_fit(exp, 0, elbows_fn=fn)
    assert elbow_dots(ax) is None
    assert len(unit_lines(ax)) == 10
    assert labeled(ax, "learned function")
    assert any("elbows()" in t.get_text() for t in ax.texts)


def test_a_unit_whose_elbow_lies_outside_0_1_keeps_its_line(exp):
    run = exp.run_index(10, "all layers")
    b = exp.b.copy()
    w = exp.w[run, -1]
    b[run, -1, 0] = -1.5 * w[0]    # elbow at 1.5
    b[run, -1, 1] = 0.5 * w[1]     # elbow at -0.5
    moved = dataclasses.replace(exp, b=b)
    ax = L.plot_fit(moved, run, elbows_fn=reference_elbows)
    w, b, v, c = moved.params(run)
    lines = unit_lines(ax)
    assert len(lines) == 10
    for j in (0, 1):
        grid = lines[j].get_xdata()
        np.testing.assert_allclose(lines[j].get_ydata(),
                                   v[j] * np.maximum(w[j] * grid + b[j], 0) + c / 10,
                                   rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(elbow_dots(ax)[:2, 0], [1.5, -0.5], rtol=1e-6)


def test_plot_fit_draws_into_the_given_axes(exp):
    fig, axes = plt.subplots(1, 2)
    assert L.plot_fit(exp, 1, ax=axes[1]) is axes[1]
    assert not axes[0].get_lines()


# --- error curves -----------------------------------------------------------------------------


def test_plot_mse_log_scale_train_average_and_test_for_every_run_of_the_first_seed(exp3):
    ax = L.plot_mse(exp3)
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_legend() is not None
    first_seed = [r for r, spec in enumerate(exp3.runs) if spec.seed == 0]
    ys = [line.get_ydata() for line in ax.get_lines()]
    assert len(ys) == 3 * len(first_seed)
    for r in first_seed:
        for curve in (exp3.train_loss, exp3.train_loss_avg, exp3.test_mse):
            assert any(np.array_equal(y, curve[r], equal_nan=True) for y in ys)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("mean minibatch loss" in t for t in legend)
    assert any("test" in t for t in legend)


def test_plot_mse_of_chosen_runs(exp):
    ax = L.plot_mse(exp, runs=[2])
    assert len(ax.get_lines()) == 3
    assert exp.runs[2].label in ax.get_title()


def _vertices_by_step(collection):
    vertices = np.concatenate([p.vertices for p in collection.get_paths()])
    return {x: vertices[vertices[:, 0] == x, 1] for x in np.unique(vertices[:, 0])}


def test_across_seeds_median_and_band_between_25th_and_75th_percentiles(exp3):
    ax = L.plot_mse_across_seeds(exp3, 20, "all layers")
    assert ax.get_yscale() == "log" and ax.get_xlabel() and ax.get_ylabel()
    runs = [exp3.run_index(20, "all layers", s) for s in exp3.seeds]
    bands = [c for c in ax.collections if "percentile" in c.get_label()]
    assert len(bands) == 2
    for curve, word in ((exp3.train_loss_avg, "train"), (exp3.test_mse, "test")):
        values = curve[runs]
        (band,) = [c for c in bands if word in c.get_label()]
        by_step = _vertices_by_step(band)
        steps = exp3.steps[~np.isnan(values).any(axis=0)]
        assert sorted(by_step) == list(steps)
        for k, step in enumerate(exp3.steps):
            if step not in by_step:
                continue
            lo, hi = np.percentile(values[:, k], [25, 75])
            assert lo < hi  # three seeds differ: the band has a width to check
            assert by_step[step].min() == pytest.approx(lo, rel=1e-12)
            assert by_step[step].max() == pytest.approx(hi, rel=1e-12)
        (median,) = [line for line in ax.get_lines() if word in line.get_label()]
        np.testing.assert_allclose(median.get_ydata(), np.median(values[:, -len(steps):], axis=0))


# --- history slider ---------------------------------------------------------------------------


def _find(widget, cls):
    if isinstance(widget, cls):
        return widget
    for child in getattr(widget, "children", ()):
        found = _find(child, cls)
        if found is not None:
            return found
    return None


def test_history_slider_labels_sgd_steps_and_redraws(exp, monkeypatch):
    import ipywidgets

    box = L.history_slider(exp, run=1, elbows_fn=reference_elbows)
    assert isinstance(box, ipywidgets.Widget)
    slider = _find(box, ipywidgets.SelectionSlider)
    image = _find(box, ipywidgets.Image)
    # The slider reads SGD steps (0, 250, ..., 2,000), not history indices; it starts at the end.
    assert [label for label, _ in slider.options] == [f"{int(s):,}" for s in exp.steps]
    assert slider.label == "2,000" and slider.value == len(exp.steps) - 1
    assert bytes(image.value).startswith(b"\x89PNG")
    last = bytes(image.value)

    drawn = []
    real = L.plot_fit

    def spy(exp_, run, record=-1, elbows_fn=None, ax=None):
        drawn.append((run, record, elbows_fn))
        return real(exp_, run, record, elbows_fn, ax=ax)

    monkeypatch.setattr(relu_plots, "plot_fit", spy)  # where the slider finds it
    slider.label = "750"
    assert drawn == [(1, 3, reference_elbows)]
    assert bytes(image.value).startswith(b"\x89PNG") and bytes(image.value) != last
    assert plt.get_fignums() == []  # drawn off pyplot: no figure piles up
    # Where no widget can be drawn (HTML export, a viewer) the figure at the chosen step shows.
    bundle = box._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == bytes(image.value)


def test_history_slider_without_ipywidgets_says_so(exp, monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match="ipywidgets"):
        L.history_slider(exp)


# --- eecs182 run disc01 experiment -----------------------------------------------------------


def test_cli_experiment_writes_history_and_figures(tmp_path):
    out = tmp_path / "exp"
    result = CliRunner().invoke(main, ["run", "disc01", "experiment", "--out", str(out), "--steps", "2000",
                                       "--seeds", "2"])
    assert result.exit_code == 0, result.output
    loaded = L.Experiment.load(out / "history.npz")
    assert loaded.seeds == (0, 1) and int(loaded.steps[-1]) == 2000
    expected = {f"{kind}_w{width}_{slug}.png"
                for kind in ("fit", "mse") for width in (10, 20, 40)
                for slug in ("output-layer-only", "all-layers")}
    assert {p.name for p in out.glob("*.png")} == expected
    for name in expected:
        path = out / name
        assert name in result.output
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        image = matplotlib.image.imread(path)
        assert image.shape[0] > 300 and image.shape[1] > 500
        assert image[..., :3].std() > 0.05  # something is drawn on it
    assert plt.get_fignums() == []


def test_the_optional_seed_band_cell_draws_both_regimes():
    """The notebook's 30-seed cell, run as a student who switches it on would (shorter runs)."""
    import functools
    import types

    from submissions import DISC01

    from generator import pipelines
    from generator.steps import run_pipeline

    nb = run_pipeline(pipelines.STUDENT, dict(assignment=DISC01, variant="student", seed=DISC01.term_seed))
    (source,) = [c.source for c in nb.cells if "run_seed_bands = False" in c.source]
    lab = types.SimpleNamespace(**{name: getattr(L, name) for name in L.__all__})
    lab.ExperimentConfig = functools.partial(L.ExperimentConfig, steps=2000, record_every=250)
    plt.close("all")
    exec(source.replace("run_seed_bands = False", "run_seed_bands = True"),
         dict(relu_lab=lab, plt=plt, np=np, shared_scale=(1e-3, 1.0)))
    figures = [plt.figure(n) for n in plt.get_fignums()]
    assert [f.axes[0].get_title() for f in figures] == [
        f"width 20, {regime.name}: 30 seeds" for regime in L.REGIMES]
    for figure in figures:
        assert len(figure.axes[0].collections) == 2  # the two percentile bands
    plt.close("all")
