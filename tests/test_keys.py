"""Keys true to the data: every number and claim a written question's key takes from a run is
checked against that run, as the notebook makes it (the experiment with its own settings, the
notebook's own cells), so a key cannot drift from what students see in their figures."""

import math
import re

import matplotlib
import numpy as np
import pytest

from assignment.model import Assignment
from generator import pipelines
from generator.steps import run_pipeline
from solutions import disc01 as S1
from solutions import disc02 as S2

DISC01, DISC02 = Assignment.named("disc01"), Assignment.named("disc02")


def _solution(assignment):
    return run_pipeline(pipelines.RENDER, dict(assignment=assignment, variant="solution", seed=assignment.term_seed))


def _key(notebook, question):
    """The key of a written question, its whitespace and TeX dollars squeezed out."""
    cell = next(c for c in notebook.cells if c.metadata.get("written") == question)
    return " ".join(cell.source.replace("$", "").split())


def _range(text, pattern):
    found = re.search(pattern, text)
    assert found, f"the key no longer says {pattern!r}: update this test with it"
    return tuple(int(g) for g in found.groups())


@pytest.fixture(scope="module")
def experiment():
    from assignment.disc01 import relu_lab

    return relu_lab.run_experiment(progress=False)  # the notebook's own call, its own settings


@pytest.fixture(scope="module")
def disc01_keys():
    notebook = _solution(DISC01)
    return {q: _key(notebook, q) for q in ("q2_test_below_train", "q2_ridge_vs_sgd")}


def test_the_test_error_ends_below_the_training_error_and_crosses_it_as_often_as_the_key_says(experiment,
                                                                                              disc01_keys):
    key = disc01_keys["q2_test_below_train"]
    assert "at the end of every run the test error is below the training error" in key
    for r in range(len(experiment.runs)):
        assert experiment.test_mse[r][-1] < experiment.train_loss_avg[r][-1], experiment.runs[r]
    above = {spec.regime.train_all_layers: [] for spec in experiment.runs}
    for r, spec in enumerate(experiment.runs):
        share = np.mean(experiment.test_mse[r] > experiment.train_loss_avg[r])
        above[spec.regime.train_all_layers].append(round(100 * share))
    low, high = _range(key, r"test error is above the logged training error in (\d+)% to (\d+)% of the records")
    assert (min(above[True]), max(above[True])) == (low, high), above
    assert "output-layer-only runs in none" in key and set(above[False]) == {0}, above


def _output_layer_fit(experiment, width):
    data = experiment.dataset
    w, b, _, _ = experiment.params(experiment.run_index(width, "output layer only"))

    def features(x):
        return np.hstack([S1.hidden_features(x, w, b), np.ones((len(x), 1))])

    F = features(data.x_train)
    return F, features(data.x_test) @ S1.fit_last_layer_ridge(F, data.y_train, 1e-5), w, b


def test_the_ridge_key_states_the_runs_conditioning_spectrum_and_test_errors(experiment, disc01_keys):
    key = disc01_keys["q2_ridge_vs_sgd"]
    data, regime = experiment.dataset, experiment.config
    line = 1 / (2 * 0.2 * regime.steps)  # the figure's dashed line: 1/(2·lr·steps), lr of the output-layer runs
    ratios, found = [], {}
    for width in regime.widths:
        F, ridge_test, w, b = _output_layer_fit(experiment, width)
        run = experiment.run_index(width, "output layer only")
        sgd_test = experiment.predict(run, data.x_test)
        ratios.append(round(100 * np.mean((ridge_test - data.y_test) ** 2) / np.mean((sgd_test - data.y_test) ** 2)))
        eigenvalues = np.linalg.eigvalsh(F.T @ F / len(F))
        dead = [j for j in range(width) if np.all(w[j] * data.x_train + b[j] <= 0)]
        found[width] = dict(condition=np.linalg.cond(F.T @ F), rank=np.linalg.matrix_rank(F), columns=F.shape[1],
                            below=int(np.sum(eigenvalues < line)), dead=dead)
    assert regime.widths == (10, 20, 40) and "widths 10, 20 and 40" in key
    assert _range(key, r"its test MSE is (\d+)% to (\d+)% of SGD's") == (min(ratios), max(ratios)), ratios
    assert "about 10^6 at width 10 and 10^{18} at width 40" in key
    assert round(math.log10(found[10]["condition"])) == 6 and round(math.log10(found[40]["condition"])) == 18, found
    assert "at width 20 one unit's elbow lies past every training x" in key
    assert found[20]["rank"] < found[20]["columns"] and len(found[20]["dead"]) == 1, found
    assert "at widths 20 and 40 most eigenvalues" in key and "(at width 10, 5 of 11)" in key
    assert all(found[w]["below"] > found[w]["columns"] / 2 for w in (20, 40)), found
    assert (found[10]["below"], found[10]["columns"]) == (5, 11), found


def test_the_step_size_key_names_the_best_step_and_error_of_the_notebooks_own_curve():
    """The notebook's own cell, run with the reference's numerical_gradient: its plotted curve."""
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    notebook = _solution(DISC02)
    cell = next(c.source for c in notebook.cells if c.cell_type == "code" and "def step_size_errors" in c.source)
    plt.close("all")
    exec(compile(cell, "<step_size_errors cell>", "exec"),
         {"np": np, "plt": plt, "numerical_gradient": S2.numerical_gradient})
    curve = plt.gcf().axes[0].lines[0]
    steps, errors = np.asarray(curve.get_xdata()), np.asarray(curve.get_ydata())
    plt.close("all")
    key = _key(notebook, "q4_step_size")
    assert r"\varepsilon \approx 10^{-5} (here the error is about 10^{-11} there)" in key
    best = int(np.argmin(errors))
    assert steps[best] == pytest.approx(1e-5) and round(math.log10(errors[best])) == -11, (steps, errors)
