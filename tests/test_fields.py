"""Answers of several parts: a function returning a tuple ``(w, mse)`` or a dict
``{"w": ..., "mse": ...}`` is graded part by part, by the generic ``fields`` kind or a kind of one
line that names a tuple's parts, with no comparison of the instructor's own. The judge and
``grader.check`` say the same, part by part, and name a cataloged mistake."""

from types import SimpleNamespace

import numpy as np
import pytest

from autograder.cases import Case, Mistake
from autograder.in_kernel.compare import compare_array, compare_fields, judge_outcome, short_numbers
from autograder.in_kernel.plain import decode_arg, dumps, loads
from autograder.judge.kinds import KINDS, Kind, register
from autograder.judge.verdict import judge_question
from generator.casebook import judged_question
from generator.testfiles import render_test_file


def fit(X, y):
    """Least squares: the weights and the mean squared error they leave."""
    w = np.linalg.lstsq(X, y, rcond=None)[0]
    return w, float(np.mean((X @ w - y) ** 2))


def fit_dict(X, y):
    w, mse = fit(X, y)
    return {"w": w, "mse": mse}


# What students get wrong, each a whole function as the catalogue holds it.
SUM_NOT_MEAN = Mistake("q_fit", "sum instead of mean", "the error is the mean of the squared residuals, not "
                       "their sum.", '''
def fit(X, y):
    import numpy as np
    w = np.linalg.lstsq(X, y, rcond=None)[0]
    return w, float(np.sum((X @ w - y) ** 2))
''')


@pytest.fixture(scope="module")
def fit_kind():
    kind = register(Kind("fit", compare_fields, fields=("w", "mse")))
    yield kind
    del KINDS["fit"]


def _cases(kind, count=3, seed=0):
    rng = np.random.default_rng(seed)
    made = []
    for i in range(count):
        n, d = (6, 2) if i == 0 else (int(rng.integers(4, 10)), int(rng.integers(1, 4)))
        made.append(Case((np.round(rng.normal(size=(n, d)), 4), np.round(rng.normal(size=n), 4)), i > 0, kind))
    return made


def _judged(function, reference, kind, mistakes=()):
    question = SimpleNamespace(name="q_fit", function=function, points=3.0)
    return judged_question(question, SimpleNamespace(**{function: reference}), _cases(kind), mistakes)


def _judge_says(judged, func):
    """The judge's messages for ``func`` on each case, from the casebook's plain data as a kernel
    would answer (the answer through the codec both ways)."""
    outcomes = [loads(dumps(KINDS[c.kind].answer(func, [decode_arg(a) for a in c.args]))) for c in judged.cases]
    return [case.message for case in judge_question(judged, outcomes).cases]


def _check_says(judged, func):
    """What ``grader.check`` says: the rendered otter test file's checks, run."""
    namespace = {}
    exec(compile(render_test_file(judged, include_hidden=True), "<test file>", "exec"), namespace)
    said = []
    for key, value in namespace.items():
        if key.startswith(("test_public", "test_hidden")):
            try:
                value.test_func(func)
                said.append("")
            except AssertionError as failure:
                said.append(str(failure))
    return said


def test_a_tuple_answer_is_graded_part_by_part_and_names_the_parts(fit_kind):
    judged = _judged("fit", fit, "fit", [SUM_NOT_MEAN])
    assert all(isinstance(c.expected, list) and len(c.expected) == 2 for c in judged.cases)
    assert _judge_says(judged, fit) == ["", "", ""]

    def mse_off(X, y):
        w, mse = fit(X, y)
        return w, mse + 0.5

    first = _judge_says(judged, mse_off)[0]
    assert first.startswith("fit(X=[6×2 array], y=[") and "]): w is right; mse is " in first
    assert f"it should be {judged.cases[0].expected[1]:.6g}" in first

    def w_transposed(X, y):
        w, mse = fit(X, y)
        return w.reshape(1, -1), mse

    assert "mse is right; w has shape (1, 2); it should have shape (2,)" in _judge_says(judged, w_transposed)[0]
    assert "should return a tuple of 2 values (w, mse), not a number" in _judge_says(judged, lambda X, y: 1.0)[0]
    assert "returned 3 values; it should return 2 values (w, mse)" in \
        _judge_says(judged, lambda X, y: (*fit(X, y), 0))[0]
    mistaken = SUM_NOT_MEAN.function("fit")
    assert all("Looks like a known mistake: the error is the mean" in m for m in _judge_says(judged, mistaken))


def test_a_dict_answer_needs_no_kind_of_its_own():
    judged = _judged("fit_dict", fit_dict, "fields")
    assert all(isinstance(c.expected, dict) and set(c.expected) == {"w", "mse"} for c in judged.cases)
    assert _judge_says(judged, fit_dict) == ["", "", ""]
    assert "returned a dict with keys 'w': it has no 'mse'" in _judge_says(judged, lambda X, y: {"w": fit(X, y)[0]})[0]
    extra = _judge_says(judged, lambda X, y: {**fit_dict(X, y), "b": 0.0})[0]
    assert "'b' should not be there" in extra
    assert "should return a dict with keys 'w', 'mse', not 2 values" in _judge_says(judged, fit)[0]
    assert "keys must be text, not int" in _judge_says(judged, lambda X, y: {0: 1.0})[0]
    assert "or a tuple or dict of them" in _judge_says(judged, lambda X, y: {0: 1.0})[0]


@pytest.mark.parametrize("answer", ["right", "mse off", "w wrong", "a number", "the mistake"])
def test_grader_check_says_what_the_judge_says(fit_kind, answer):
    judged = _judged("fit", fit, "fit", [SUM_NOT_MEAN])
    func = {"right": fit,
            "mse off": lambda X, y: (fit(X, y)[0], 0.0),
            "w wrong": lambda X, y: (fit(X, y)[0] * 2, fit(X, y)[1]),
            "a number": lambda X, y: 0.0,
            "the mistake": SUM_NOT_MEAN.function("fit")}[answer]
    judge = _judge_says(judged, func)
    assert _check_says(judged, func) == judge
    assert (judge == ["", "", ""]) == (answer == "right")


def test_a_matrix_reads_as_a_matrix():
    assert short_numbers([[1.0, 2.0, 3.0]]) == "[[1, 2, 3]]"
    assert short_numbers([[1.0], [2.5]]) == "[[1], [2.5]]"
    message = compare_array([[1.0, 2.0, 3.0]], [[1.0, 2.0, 4.0]], "f()").message
    assert message == "f() returned [[1, 2, 4]]: 1 of 3 entries are wrong"


@pytest.mark.parametrize("reference, says", [
    (lambda X, y: 1.0, "a fit case needs a tuple or a dict of numbers and arrays, and the reference returned 1.0"),
    (lambda X, y: (1.0, 2.0, 3.0), "kind 'fit' names 2 parts (w, mse), and the reference returned [1.0, 2.0, 3.0]"),
    (lambda X, y: (np.zeros(2), "text"), "each part of a fit answer must be a number or an array of numbers"),
])
def test_the_build_refuses_a_reference_whose_answer_the_kind_cannot_compare(fit_kind, reference, says):
    with pytest.raises(ValueError) as raised:
        _judged("fit", reference, "fit")
    assert raised.value.failed == "answered what its case kind cannot compare on"  # type: ignore[attr-defined]
    assert says in str(raised.value)


def test_a_kind_with_fields_needs_a_compare_that_takes_names():
    with pytest.raises(ValueError, match="compare_array does not take"):
        Kind("bad", compare_array, fields=("w", "mse"))
    with pytest.raises(ValueError, match="fields must be a tuple of names"):
        Kind("bad", compare_fields, fields="w")


def test_fields_named_by_position_without_names():
    passed, message, _ = judge_outcome(["value", [[1.0, 2.0], 0.5]], [[1.0, 2.0], 0.25], "f", "f()",
                                       [], compare_fields)
    assert not passed and message == "f(): value 1 is right; value 2 is 0.5, it should be 0.25."
