"""The fast ReLU experiment engine is the course's SGD: same data, same draws, same steps."""

import dataclasses
import shutil

import numpy as np
import pytest
import torch

from assignment.disc01 import relu_engine
from assignment.disc01 import relu_lab as L
from assignment.model import Assignment
from solutions.disc01 import train_relu

SHORT = dataclasses.replace(L.ExperimentConfig(), steps=1000, record_every=500)
BACKENDS = ["numba", "numpy"]


@pytest.fixture(scope="module")
def short_runs():
    """Both backends, both precisions, over the first 1,000 steps of every run."""
    return {
        (backend, dtype): L.run_experiment(dataclasses.replace(SHORT, dtype=dtype),
                                           progress=False, backend=backend)
        for backend in BACKENDS for dtype in ("float32", "float64")
    }


def reference_run(exp, r, steps):
    run = exp.runs[r]
    dtype = getattr(torch, exp.config.dtype)
    net = L.make_network(run.width, run.seed).to(dtype)
    x = torch.tensor(exp.dataset.x_train, dtype=dtype).reshape(-1, 1)
    y = torch.tensor(exp.dataset.y_train, dtype=dtype).reshape(-1, 1)
    rng = L.minibatch_rng(run.seed, run.width, exp.config.regimes.index(run.regime))
    losses = train_relu(net, x, y, steps, run.regime.lr, exp.config.batch_size,
                        run.regime.train_all_layers, rng)
    return net, losses


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype,tol", [("float64", 1e-12), ("float32", 2e-5)])
def test_engine_follows_reference_train_relu_for_1000_steps(short_runs, backend, dtype, tol):
    exp = short_runs[backend, dtype]
    assert len(exp.runs) == 6
    for r in range(len(exp.runs)):
        net, losses = reference_run(exp, r, 1000)
        for got, want in zip(exp.params(r), L.network_params(net)):
            np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
        # The recorded losses are the reference's minibatch losses at those steps.
        assert exp.train_loss[r, 1] == pytest.approx(losses[499], rel=tol, abs=tol)
        assert exp.train_loss[r, 2] == pytest.approx(losses[999], rel=tol, abs=tol)
        assert exp.train_loss_avg[r, 2] == pytest.approx(np.mean(losses[500:]), rel=tol, abs=tol)


def test_backends_agree(short_runs):
    a, b = short_runs["numba", "float64"], short_runs["numpy", "float64"]
    for key in ("w", "b", "v", "c", "train_loss", "test_mse"):
        np.testing.assert_allclose(getattr(a, key), getattr(b, key), rtol=1e-10, atol=1e-12)


def test_same_seed_same_history_other_seed_other_history():
    cfg = dataclasses.replace(SHORT, widths=(10,))
    one = L.run_experiment(cfg, seeds=3, progress=False)
    again = L.run_experiment(cfg, seeds=3, progress=False)
    other = L.run_experiment(cfg, seeds=4, progress=False)
    for key in ("w", "b", "v", "c", "train_loss", "test_mse"):
        np.testing.assert_array_equal(getattr(one, key), getattr(again, key))
    assert not np.allclose(one.v, other.v, equal_nan=True)


def test_output_layer_runs_keep_the_hidden_layer_bit_for_bit(short_runs):
    exp = short_runs["numba", "float32"]
    for r, run in enumerate(exp.runs):
        moved = not np.array_equal(exp.w[r, 0], exp.w[r, -1], equal_nan=True)
        assert moved == run.regime.train_all_layers, run.label
        assert not np.array_equal(exp.v[r, 0], exp.v[r, -1], equal_nan=True)


def test_regimes_of_a_width_share_their_start(short_runs):
    exp = short_runs["numpy", "float32"]
    for width in exp.config.widths:
        a = exp.run_index(width, "output layer only")
        b = exp.run_index(width, "all layers")
        for key in ("w", "b", "v", "c"):
            np.testing.assert_array_equal(getattr(exp, key)[a, 0], getattr(exp, key)[b, 0])


def test_test_mse_is_the_error_of_the_recorded_network(short_runs):
    exp = short_runs["numba", "float64"]
    for r in range(len(exp.runs)):
        for k in range(len(exp.steps)):
            pred = exp.predict(r, exp.dataset.x_test, record=k)
            assert exp.test_mse[r, k] == pytest.approx(np.mean((pred - exp.dataset.y_test) ** 2), rel=1e-9)


def test_history_layout(short_runs):
    exp = short_runs["numba", "float32"]
    np.testing.assert_array_equal(exp.steps, [0, 500, 1000])
    assert exp.w.shape == (6, 3, 40)
    for r, run in enumerate(exp.runs):
        assert np.isfinite(exp.w[r, :, : run.width]).all()
        assert np.isnan(exp.w[r, :, run.width:]).all()
    assert np.isnan(exp.train_loss[:, 0]).all() and np.isfinite(exp.train_loss[:, 1:]).all()


def test_several_seeds_are_batched_into_one_experiment():
    cfg = dataclasses.replace(SHORT, widths=(10, 20))
    exp = L.run_experiment(cfg, seeds=[0, 1, 2], progress=False)
    assert len(exp.runs) == 12 and exp.seeds == (0, 1, 2)
    alone = L.run_experiment(cfg, seeds=1, progress=False)
    r_many, r_alone = exp.run_index(20, "all layers", seed=1), alone.run_index(20, "all layers")
    np.testing.assert_array_equal(exp.v[r_many], alone.v[r_alone])


def test_save_and_load_round_trip(short_runs, tmp_path):
    exp = short_runs["numba", "float32"]
    exp.save(tmp_path / "h.npz")
    back = L.Experiment.load(tmp_path / "h.npz")
    assert back.config == exp.config and back.runs == exp.runs and back.seeds == exp.seeds
    for key in ("steps", "w", "b", "v", "c", "train_loss", "train_loss_avg", "test_mse"):
        np.testing.assert_array_equal(getattr(back, key), getattr(exp, key))


def test_network_rebuilds_the_recorded_parameters(short_runs):
    exp = short_runs["numba", "float32"]
    net = exp.network(5, record=1)
    x = np.linspace(0, 1, 11)
    with torch.no_grad():
        out = net(torch.tensor(x, dtype=torch.float32).reshape(-1, 1))[:, 0].numpy()
    np.testing.assert_allclose(out, exp.predict(5, x, record=1), rtol=1e-5, atol=1e-6)


def test_bad_arguments_are_refused_clearly():
    with pytest.raises(ValueError, match="backend"):
        L.run_experiment(SHORT, backend="cuda", progress=False)
    with pytest.raises(ValueError, match="multiple of record_every"):
        L.run_experiment(dataclasses.replace(SHORT, steps=1001), progress=False)


# --- data and networks ----------------------------------------------------------------------


def test_target_interpolates_the_knots_including_the_last():
    np.testing.assert_allclose(
        L.target_function(L.KNOTS),
        [0, -0.994, -0.221, 0.944, 0.432, -0.848, -0.621, 0.710, 0.779, -0.536, -0.899], atol=5e-4)
    assert L.target_function(1.0) == pytest.approx(-0.899, abs=1e-3)  # the original gave 0 here
    assert L.target_function(0.05) == pytest.approx((L.KNOT_HEIGHTS[0] + L.KNOT_HEIGHTS[1]) / 2)
    np.testing.assert_allclose(L.target_function([0.3], "sin"), np.sin([6.0]))


def test_dataset_follows_the_course():
    d = L.make_dataset()
    assert d.x_train.shape == (200,) and np.all(np.diff(d.x_train) >= 0)
    assert 0 <= d.x_train.min() and d.x_train.max() <= 1
    assert 0.07 < np.std(d.y_train - L.target_function(d.x_train)) < 0.13
    assert d.x_test.shape == (1200,)
    np.testing.assert_array_equal(d.y_test, L.target_function(d.x_test))  # noiseless
    np.testing.assert_array_equal(L.make_dataset().y_train, d.y_train)


def test_make_network_places_sorted_elbows_in_the_unit_interval():
    torch.manual_seed(0)
    before = torch.rand(3)
    torch.manual_seed(0)
    net = L.make_network(40, seed=7)
    assert torch.equal(torch.rand(3), before), "global torch RNG must be left alone"
    w, b, _, _ = L.network_params(net)
    elbow_at = -b / w
    assert np.all((0 <= elbow_at) & (elbow_at <= 1)) and np.all(np.diff(elbow_at) >= -1e-6)
    w2, b2, v2, c2 = L.network_params(L.make_network(40, seed=7))
    np.testing.assert_array_equal(w, w2)
    assert not np.array_equal(w, L.network_params(L.make_network(40, seed=8))[0])


def test_one_draw_per_chunk_is_one_draw_per_step():
    """The engine draws a chunk of minibatches at once; train_relu draws one per step."""
    for n, batch in [(200, 40), (7, 41), (1000, 3)]:
        chunked, stepwise = L.minibatch_rng(0, n, 1), L.minibatch_rng(0, n, 1)
        out = np.empty((500, batch), np.int64)
        relu_engine._draw(chunked, n, out)
        assert (out == np.stack([stepwise.integers(0, n, size=batch) for _ in range(500)])).all()
        assert chunked.bit_generator.state == stepwise.bit_generator.state


def test_progress_in_a_notebook_ends_as_one_line_with_the_real_times(tmp_path):
    """In a kernel the progress is one HTML line updated in place: the saved notebook (and
    its HTML export) keeps the finished line, not a bar stuck at its first state."""
    import nbformat

    from generator.notebook_client import HeadlessNotebookClient

    # A copy, as students have it: importing the source itself as `relu_lab` would leave numba
    # cache entries there that the tests' `assignment.disc01.relu_engine` cannot load.
    disc01 = Assignment.named("disc01")
    for name in disc01.support_files:
        shutil.copy(disc01.root / name, tmp_path / name)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import relu_lab\nrelu_lab.run_experiment(relu_lab.ExperimentConfig(steps=20000)); None")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    HeadlessNotebookClient(nb, timeout=120, kernel_name="python3",
                           resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = nb.cells[0].outputs
    assert [o.output_type for o in outputs] == ["display_data"], outputs
    text, html = outputs[0].data["text/plain"], outputs[0].data["text/html"]
    assert text.startswith("Trained 6 runs × 20,000 SGD steps in ") and text.endswith(".")
    assert "<progress" not in html and "application/vnd.jupyter.widget-view+json" not in outputs[0].data
    seconds = float(text.split(" in ")[1].split(" s")[0])
    assert 0 < seconds < 120  # two decimals below a second
