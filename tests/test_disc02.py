"""Discussion 2: the reference against torch's autograd and closed forms, on randomized inputs
with fixed seeds, and the two case kinds it brings, as the judge and otter's test files use them."""

import warnings

import numpy as np
import pytest
import torch

from assignment.disc02 import cases
from assignment.disc02.kinds import tanh_bowl
from assignment.model import Assignment
from autograder.in_kernel.plain import dumps
from autograder.judge.kinds import KINDS
from generator.casebook import judged_question, reference_answer
from generator.testfiles import render_test_file
from solutions import disc02 as S

DISC02 = Assignment.named("disc02")
SEEDS = [0, 1, 2, 3]


def _t(a):
    return torch.tensor(np.asarray(a, dtype=float), dtype=torch.float64, requires_grad=True)


@pytest.mark.parametrize("seed", SEEDS)
def test_sigmoid_and_its_gradient_match_autograd(seed):
    z = np.random.default_rng(seed).normal(0, 4, (3, 5))
    zt = _t(z)
    torch.sigmoid(zt).sum().backward()
    assert np.allclose(S.sigmoid(z), torch.sigmoid(zt).detach().numpy(), rtol=1e-12, atol=0)
    assert np.allclose(S.sigmoid_grad(z), zt.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_sigmoid_saturates_without_overflow():
    z = np.array([-1e4, -1000.0, -745.0, 0.0, 745.0, 1000.0, 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning fails the test
        s, ds = S.sigmoid(z), S.sigmoid_grad(z)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    assert np.all(np.isfinite(ds)) and ds[3] == 0.25


@pytest.mark.parametrize("seed", SEEDS)
def test_logistic_grad_matches_autograd(seed):
    rng = np.random.default_rng(seed)
    X, w, y = rng.normal(size=(9, 4)), rng.normal(size=4), rng.integers(0, 2, 9).astype(float)
    wt = _t(w)
    torch.nn.functional.binary_cross_entropy_with_logits(torch.tensor(X) @ wt, torch.tensor(y)).backward()
    assert np.allclose(S.logistic_grad(w, X, y), wt.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_matches_torch_even_for_logits_in_the_thousands(seed):
    Z = np.random.default_rng(seed).normal(0, 3, (5, 4)) + [[0.0], [1000.0], [-1000.0], [0.0], [700.0]]
    P = S.softmax(Z)
    assert np.allclose(P, torch.softmax(torch.tensor(Z), dim=1).numpy(), rtol=1e-12, atol=1e-15)
    assert np.allclose(P.sum(axis=1), 1.0) and np.all(P >= 0)


@pytest.mark.parametrize("seed", SEEDS)
def test_cross_entropy_grad_matches_autograd(seed):
    rng = np.random.default_rng(seed)
    Z, labels = rng.normal(0, 2, (6, 3)), rng.integers(0, 3, 6)
    Zt = _t(Z)
    torch.nn.functional.cross_entropy(Zt, torch.tensor(labels)).backward()
    assert np.allclose(S.cross_entropy_grad(Z, labels), Zt.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("seed", SEEDS)
def test_two_layer_grads_match_autograd(seed):
    rng = np.random.default_rng(seed)
    X, labels = rng.normal(size=(7, 3)), rng.integers(0, 4, 7)
    params = [rng.normal(size=(3, 5)), rng.normal(size=5), rng.normal(size=(5, 4)), rng.normal(size=4)]
    W1, b1, W2, b2 = (_t(p) for p in params)
    Z = torch.tanh(torch.tensor(X) @ W1 + b1) @ W2 + b2
    torch.nn.functional.cross_entropy(Z, torch.tensor(labels)).backward()
    got = S.two_layer_grads(X, labels, *params)
    for mine, theirs, param in zip(got, (W1, b1, W2, b2), params):
        assert mine.shape == param.shape
        assert np.allclose(mine, theirs.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("seed", SEEDS)
def test_numerical_gradient_is_within_eps_squared_of_the_true_gradient(seed):
    rng = np.random.default_rng(seed)
    A, x = rng.normal(size=(3, 4)), rng.normal(size=4)
    exact = cases.tanh_bowl_gradient(A, x)
    kept = x.copy()
    errors = [np.max(np.abs(S.numerical_gradient(tanh_bowl(A), x, eps) - exact)) for eps in (1e-1, 1e-2)]
    assert np.array_equal(x, kept)  # x left as it was
    assert errors[1] < errors[0] / 50  # central: 100x smaller per 10x smaller step (forward: 10x)
    assert np.allclose(S.numerical_gradient(tanh_bowl(A), x, 1e-5), exact, rtol=1e-8, atol=1e-9)


def test_the_case_kinds_exist_and_every_question_has_public_and_hidden_edge_cases():
    for q in DISC02.questions:
        drawn = cases.cases(q.name, DISC02.term_seed)
        assert any(not c.hidden for c in drawn) and any(c.hidden for c in drawn)
        assert {c.note for c in drawn if c.hidden} >= set(cases.EDGES[q.name])
    assert {"layer_gradients", "gradient_check"} <= set(KINDS)


def _plain(value):
    import json

    return json.loads(dumps(value))


def test_layer_gradients_name_the_gradient_that_is_wrong_or_misshapen():
    kind = KINDS["layer_gradients"]
    (case, *_) = cases.cases("q3_backprop", DISC02.term_seed)
    expected = reference_answer(kind, S.two_layer_grads, case.args)
    assert kind.compare(expected, expected, "call", case.args, kind.rtol, kind.atol).passed
    dW1, db1, dW2, db2 = (np.asarray(g) for g in S.two_layer_grads(*case.args))
    transposed = kind.compare(expected, _plain([dW1.T, db1, dW2, db2]), "call", case.args, kind.rtol, kind.atol)
    assert not transposed.passed
    assert f"dW1 has shape {dW1.T.shape}; it should have shape {dW1.shape}" in transposed.message
    wrong_bias = kind.compare(expected, _plain([dW1, db1, dW2, 2 * db2]), "call", case.args, kind.rtol, kind.atol)
    assert not wrong_bias.passed and "db2 is wrong" in wrong_bias.message
    assert not kind.compare(expected, _plain([dW1, db1, dW2]), "call", case.args, kind.rtol, kind.atol).passed


def _test_file_namespace(question, func):
    """An otter test file for ``question`` with every case, loaded as otter loads it."""
    a = DISC02.question(question)
    judged = judged_question(a, S, cases.cases(question, DISC02.term_seed))
    source = render_test_file(judged, include_hidden=True)
    namespace = {}
    exec(compile(source, f"{question}.py", "exec"), namespace)
    tests = [v for k, v in namespace.items() if k.startswith(("test_public", "test_hidden"))]
    outcomes = []
    for test in tests:
        try:
            test.test_func(func)
            outcomes.append(None)
        except AssertionError as exc:
            outcomes.append(str(exc))
    return outcomes


def test_the_gradient_check_kind_builds_f_in_the_test_file_and_rejects_a_forward_difference():
    from assignment.disc02.mistakes import MISTAKES

    assert _test_file_namespace("q4_numgrad", S.numerical_gradient) == [None] * 7
    forward = next(m for m in MISTAKES if m.name == "forward difference").function("numerical_gradient")
    failures = [o for o in _test_file_namespace("q4_numgrad", forward) if o]
    assert len(failures) == 7
    assert "numerical_gradient(f, x=[" in failures[0] and "for a 2×3 matrix A" in failures[0]


def test_the_backprop_test_file_names_a_misshapen_gradient():
    def transposed(X, labels, W1, b1, W2, b2):
        dW1, db1, dW2, db2 = S.two_layer_grads(X, labels, W1, b1, W2, b2)
        return dW1.T, db1, dW2, db2

    assert _test_file_namespace("q3_backprop", S.two_layer_grads) == [None] * 7
    failures = _test_file_namespace("q3_backprop", transposed)
    shape_failures = [f for f in failures if f and "dW1 has shape" in f and "like the parameter it belongs to" in f]
    assert shape_failures  # a 1-wide hidden layer with D = 1 makes dW1.T the same shape: not every case
