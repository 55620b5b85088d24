"""The reference implementations against torch autograd, closed forms and numerical optima."""

import numpy as np
import pytest
import torch
from scipy.optimize import minimize_scalar

from solutions import disc01 as S

SEEDS = [0, 1, 2, 3, 4]


def data(seed, n=None):
    rng = np.random.default_rng(seed)
    n = n or int(rng.integers(3, 60))
    x = rng.normal(size=n)
    y = 1.7 * x + rng.normal(size=n) + rng.normal()
    theta = float(rng.normal())
    return theta, x, y


def autograd(loss_fn, theta):
    t = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    loss_fn(t).backward()
    return t.grad.item()


def mse_const(y):
    y = torch.as_tensor(y, dtype=torch.float64)
    return lambda t: torch.mean((y - t) ** 2)


def mse_linear(x, y):
    x = torch.as_tensor(x, dtype=torch.float64)
    y = torch.as_tensor(y, dtype=torch.float64)
    return lambda t: torch.mean((y - t * x) ** 2)


# --- Part 1 (a): constant model ---------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_grad_const_matches_autograd(seed):
    theta, _, y = data(seed)
    assert S.grad_const(theta, y) == pytest.approx(autograd(mse_const(y), theta), rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_theta_star_const_is_the_minimiser(seed):
    _, _, y = data(seed)
    best = minimize_scalar(lambda t: np.mean((y - t) ** 2)).x
    assert S.theta_star_const(y) == pytest.approx(best, abs=1e-6)
    assert S.grad_const(S.theta_star_const(y), y) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_gd_const_converges_to_theta_star(seed):
    theta, _, y = data(seed)
    for _ in range(2000):
        theta = S.gd_step_const(theta, y, 0.1)
    assert theta == pytest.approx(S.theta_star_const(y), abs=1e-10)


@pytest.mark.parametrize("seed", SEEDS)
def test_gd_step_const_is_one_gradient_step(seed):
    theta, _, y = data(seed)
    alpha = 0.05 * (seed + 1)
    expected = theta - alpha * autograd(mse_const(y), theta)
    assert S.gd_step_const(theta, y, alpha) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_sgd_step_const_is_a_step_on_the_one_sample_loss(seed):
    theta, _, y = data(seed)
    alpha, y_i = 0.1, float(y[0])
    expected = theta - alpha * autograd(lambda t: (y_i - t) ** 2, theta)
    assert S.sgd_step_const(theta, y_i, alpha) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_per_sample_const_terms_are_each_points_share(seed):
    theta, _, y = data(seed)
    terms = S.per_sample_grad_const(theta, y)
    assert terms.shape == y.shape
    assert terms.sum() == pytest.approx(S.grad_const(theta, y), rel=1e-10, abs=1e-12)
    n = len(y)
    for i in range(n):
        share = autograd(lambda t: (y[i] - t) ** 2 / n, theta)
        assert terms[i] == pytest.approx(share, rel=1e-12)


# --- Part 1 (b): linear model -----------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_grad_linear_matches_autograd(seed):
    theta, x, y = data(seed)
    assert S.grad_linear(theta, x, y) == pytest.approx(autograd(mse_linear(x, y), theta), rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_theta_star_linear_is_the_minimiser(seed):
    _, x, y = data(seed)
    best = minimize_scalar(lambda t: np.mean((y - t * x) ** 2)).x
    assert S.theta_star_linear(x, y) == pytest.approx(best, abs=1e-6)
    assert S.grad_linear(S.theta_star_linear(x, y), x, y) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_gd_linear_converges_to_theta_star(seed):
    theta, x, y = data(seed)
    alpha = 0.5 / np.mean(x * x)  # below 1/L for L = 2 mean(x^2): converges
    for _ in range(5000):
        theta = S.gd_step_linear(theta, x, y, alpha * 0.5)
    assert theta == pytest.approx(S.theta_star_linear(x, y), abs=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_gd_step_linear_is_one_gradient_step(seed):
    theta, x, y = data(seed)
    expected = theta - 0.03 * autograd(mse_linear(x, y), theta)
    assert S.gd_step_linear(theta, x, y, 0.03) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_sgd_step_linear_is_a_step_on_the_one_sample_loss(seed):
    theta, x, y = data(seed)
    x_i, y_i = float(x[1]), float(y[1])
    expected = theta - 0.1 * autograd(lambda t: (y_i - t * x_i) ** 2, theta)
    assert S.sgd_step_linear(theta, x_i, y_i, 0.1) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_per_sample_linear_votes_sum_to_gradient_and_scale_with_x(seed):
    theta, x, y = data(seed)
    votes = S.per_sample_grad_linear(theta, x, y)
    assert votes.shape == x.shape
    assert votes.sum() == pytest.approx(S.grad_linear(theta, x, y), rel=1e-10, abs=1e-12)
    n = len(x)
    for i in range(n):
        share = autograd(lambda t: (y[i] - t * x[i]) ** 2 / n, theta)
        assert votes[i] == pytest.approx(share, rel=1e-12, abs=1e-15)
    # Two points with the same error: their votes are in the ratio of their x.
    x2, y2 = np.array([0.5, 2.0]), np.array([0.5 * theta + 1, 2.0 * theta + 1])
    v = S.per_sample_grad_linear(theta, x2, y2)
    assert v[1] / v[0] == pytest.approx(4.0)


# --- Input and output forms -------------------------------------------------------------------


FLOAT_FUNCS = [
    (S.grad_const, lambda x, y: (0.3, y)),
    (S.theta_star_const, lambda x, y: (y,)),
    (S.gd_step_const, lambda x, y: (0.3, y, 0.1)),
    (S.grad_linear, lambda x, y: (0.3, x, y)),
    (S.theta_star_linear, lambda x, y: (x, y)),
    (S.gd_step_linear, lambda x, y: (0.3, x, y, 0.1)),
]


@pytest.mark.parametrize("func,args", FLOAT_FUNCS, ids=lambda f: getattr(f, "__name__", ""))
@pytest.mark.parametrize("form", [list, np.asarray, torch.tensor])
def test_float_answers_accept_lists_arrays_and_tensors(func, args, form):
    _, x, y = data(7)
    expected = func(*args(x, y))
    got = func(*[form(a) if isinstance(a, np.ndarray) else a for a in args(x, y)])
    assert type(got) is float
    assert got == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("form", [list, np.asarray, torch.tensor])
def test_array_answers_accept_lists_arrays_and_tensors(form):
    theta, x, y = data(8)
    for got, want in [
        (S.per_sample_grad_const(theta, form(y)), S.per_sample_grad_const(theta, y)),
        (S.per_sample_grad_linear(theta, form(x), form(y)), S.per_sample_grad_linear(theta, x, y)),
        (S.relu_net(form(x), form(y), form(x), form(y), 0.5), S.relu_net(x, y, x, y, 0.5)),
    ]:
        assert isinstance(got, np.ndarray)
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_scalar_inputs_may_be_numpy_or_tensor_scalars():
    assert S.sgd_step_const(np.float32(1.0), torch.tensor(3.0), 0.25) == pytest.approx(2.0)
    assert S.sgd_step_linear(1.0, np.float64(2.0), torch.tensor(1.0), 0.1) == pytest.approx(0.6)


# --- Part 2: ReLU network ---------------------------------------------------------------------


def random_net(seed, h=None):
    rng = np.random.default_rng(seed)
    h = h or int(rng.integers(1, 30))
    w, b, v = rng.normal(size=(3, h))
    return w, b, v, float(rng.normal())


def torch_net(w, b, v, c):
    net = torch.nn.Sequential(torch.nn.Linear(1, len(w)), torch.nn.ReLU(), torch.nn.Linear(len(w), 1))
    net = net.double()
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor(w).reshape(-1, 1))
        net[0].bias.copy_(torch.tensor(b))
        net[2].weight.copy_(torch.tensor(v).reshape(1, -1))
        net[2].bias.fill_(c)
    return net


@pytest.mark.parametrize("seed", SEEDS)
def test_relu_net_and_features_match_torch(seed):
    w, b, v, c = random_net(seed)
    x = np.random.default_rng(seed + 100).uniform(-2, 2, 57)
    net = torch_net(w, b, v, c)
    xt = torch.tensor(x).reshape(-1, 1)
    with torch.no_grad():
        np.testing.assert_allclose(S.relu_net(x, w, b, v, c), net(xt)[:, 0].numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(S.hidden_features(x, w, b), net[1](net[0](xt)).numpy(), rtol=1e-12, atol=1e-12)
    assert S.hidden_features(x, w, b).shape == (57, len(w))


@pytest.mark.parametrize("seed", SEEDS)
def test_elbows_are_where_each_unit_switches_on(seed):
    w, b, _, _ = random_net(seed)
    w[0] = 0.0
    e = S.elbows(w, b)
    assert np.isnan(e[0])
    np.testing.assert_allclose(w[1:] * e[1:] + b[1:], 0.0, atol=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_slope_changes_match_numerical_slopes_at_each_elbow(seed):
    w, b, v, c = random_net(seed, h=8)
    e = S.elbows(w, b)
    gap = np.min(np.diff(np.sort(e)))
    h = min(1e-4, gap / 4)
    f = lambda x: S.relu_net(np.asarray(x), w, b, v, c)
    for j, x0 in enumerate(e):
        left = (f([x0 - h])[0] - f([x0 - 2 * h])[0]) / h
        right = (f([x0 + 2 * h])[0] - f([x0 + h])[0]) / h
        assert right - left == pytest.approx(S.slope_changes(w, v)[j], rel=1e-5, abs=1e-7)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("lambd", [1e-5, 0.1, 10.0])
def test_ridge_matches_lstsq_on_the_augmented_system(seed, lambd):
    rng = np.random.default_rng(seed)
    n, h = int(rng.integers(5, 80)), int(rng.integers(1, 20))
    F, y = rng.normal(size=(n, h)), rng.normal(size=n)
    augmented = np.vstack([F, np.sqrt(lambd) * np.eye(h)])
    expected = np.linalg.lstsq(augmented, np.concatenate([y, np.zeros(h)]), rcond=None)[0]
    np.testing.assert_allclose(S.fit_last_layer_ridge(F, y, lambd), expected, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(S.fit_last_layer_ridge(F, y.reshape(-1, 1), lambd), expected, rtol=1e-7, atol=1e-9)


# --- train_relu ------------------------------------------------------------------------------


def training_problem(seed, h=12, n=64):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(1, h), torch.nn.ReLU(), torch.nn.Linear(h, 1))
    gen = np.random.default_rng(seed)
    x = torch.tensor(gen.uniform(0, 1, (n, 1)), dtype=torch.float32)
    y = torch.sin(6 * x)
    return net, x, y


def manual_sgd(net, x, y, steps, lr, batch_size, train_all_layers, rng):
    """An independent reading of the protocol: torch.optim.SGD on the chosen parameters."""
    params = net.parameters() if train_all_layers else net[2].parameters()
    opt = torch.optim.SGD(params, lr=lr)
    losses = []
    for _ in range(steps):
        idx = rng.integers(0, x.shape[0], size=batch_size)
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(net(x[idx]), y[idx])
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("train_all", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_train_relu_follows_the_protocol(seed, train_all):
    net, x, y = training_problem(seed)
    twin = torch.nn.Sequential(*[m for m in training_problem(seed)[0]])
    rng, twin_rng = np.random.default_rng(seed), np.random.default_rng(seed)
    losses = S.train_relu(net, x, y, 60, 0.1, 16, train_all, rng)
    expected = manual_sgd(twin, x, y, 60, 0.1, 16, train_all, twin_rng)
    assert len(losses) == 60 and all(type(l) is float for l in losses)
    np.testing.assert_allclose(losses, expected, rtol=1e-5, atol=1e-7)
    for p, q in zip(net.parameters(), twin.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6)
    # Exactly one draw of batch_size integers per step: both generators are now in step.
    assert rng.integers(0, 1 << 30) == twin_rng.integers(0, 1 << 30)


def test_train_relu_first_loss_is_the_first_minibatch_mse():
    net, x, y = training_problem(3)
    idx = np.random.default_rng(5).integers(0, x.shape[0], size=8)
    with torch.no_grad():
        expected = torch.mean((net(x[idx]) - y[idx]) ** 2).item()
    losses = S.train_relu(net, x, y, 1, 0.1, 8, True, np.random.default_rng(5))
    assert losses[0] == pytest.approx(expected, rel=1e-6)


def test_output_layer_training_leaves_the_hidden_layer_bit_for_bit():
    net, x, y = training_problem(4)
    hidden_before = [p.detach().clone() for p in net[0].parameters()]
    out_before = [p.detach().clone() for p in net[2].parameters()]
    S.train_relu(net, x, y, 200, 0.2, 10, False, np.random.default_rng(0))
    for before, after in zip(hidden_before, net[0].parameters()):
        assert torch.equal(before, after)
    assert not all(torch.equal(a, b) for a, b in zip(out_before, net[2].parameters()))


def test_train_relu_reduces_the_loss():
    net, x, y = training_problem(6, h=20)
    losses = S.train_relu(net, x, y, 3000, 0.05, 32, True, np.random.default_rng(1))
    assert np.mean(losses[-100:]) < 0.35 * np.mean(losses[:100])
