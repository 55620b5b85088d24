"""Hints point at the error and never state the answer (generator/hints.py): they ship to every
student in the public test files, so the build refuses one that writes a formula or the
reference's code."""

import importlib

import pytest

from assignment.model import all_assignments
from autograder.cases import Mistake
from generator.authoring import AuthoringError
from generator.hints import check_hints, formula_in, reference_code_in

# The hints the catalogues shipped before the rule, as the issue quoted them: each a formula.
FORMULAS = [
    "setting the gradient to zero gives Σx_i y_i / Σx_i².",
    "the sign is flipped: dL/dw = Xᵀ(p - y) / N, not Xᵀ(y - p) / N.",
    "the derivative of (y - θ)² with respect to θ is 2(θ - y), not 2(y - θ).",
    "the slope changes by v_j·|w_j|: the unit's own slope |w_j| is missing.",
    "w_j x + b_j = 0 at x = -b_j/w_j.",
    "tanh's derivative is 1 - tanh(a)², not 1 - tanh(a).",
    "λI belongs inside the inverse, added to FᵀF: c = (FᵀF + λI)⁻¹Fᵀy.",
    "this is the gradient, not the new θ: return θ - α·dL/dθ.",
    "each term lacks the 1/N: the terms must add up to the full gradient.",
    "x holds integers here, so x[i] += ε rounds the step away.",
    "(Σx)² stands where the sum of squares belongs.",
    "the features are ReLU(x_n w_j + b_j): the ReLU is missing.",
    "the error shrinks like ε²",
    "subtract α*grad",
]
# Pointers that name things and state facts of floating point: no formula in any of them.
POINTERS = [
    "exp(z) overflows for large positive z (exp(1000) is inf, and inf / inf is NaN).",
    "a row below -745 is all 0, and 0 / 0 is NaN.",
    "simplify dL/dz on paper before you code it.",
    "the one-sample gradient keeps the 2 that the square brings down.",
    "a unit with w_j = 0 has no elbow: return NaN there.",
    "for w_j < 0 the unit is active left of its elbow.",
    "this is the sum of y, which grows with N: θ* is where the gradient is zero.",
    "with train_all_layers False only the output layer net[2] trains.",
    "the matrix is (H, N); it should be (N, H), one row per input.",
    "exp(-z) overflows for very negative z: the answer is still 0, but numpy warns.",
    "dividing by its zero weight gives ±inf (or NaN with a warning).",
]


@pytest.mark.parametrize("hint", FORMULAS)
def test_a_hint_with_a_formula_is_found_out(hint):
    found = formula_in(hint)
    assert found and found.strip("…") in hint  # the message quotes the hint's own words


@pytest.mark.parametrize("hint", POINTERS)
def test_a_hint_that_points_passes(hint):
    assert formula_in(hint) is None


def _reference(source):
    namespace = {}
    exec(compile(source, "<reference>", "exec"), namespace)
    return namespace["f"]


def test_the_reference_code_a_hint_repeats_is_named_and_spaces_do_not_hide_it():
    def theta_star(y):
        import numpy as np
        return float(np.mean(y))

    assert reference_code_in("it is np.mean( y ).", theta_star) == "np.mean(y)"
    assert reference_code_in("take the mean of y.", theta_star) is None
    assert reference_code_in("anything", lambda y: y) is None  # no source to compare with: nothing found


@pytest.mark.parametrize("assignment", all_assignments(), ids=lambda a: a.name)
def test_every_shipped_hint_points(assignment):
    mistakes = importlib.import_module(f"assignment.{assignment.name}.mistakes").MISTAKES
    check_hints(assignment, mistakes, assignment.reference_module())  # raises on the first that does not
    assert mistakes


def test_the_build_refuses_a_formula_naming_the_mistake_and_why():
    assignment = all_assignments()[0]
    question = assignment.questions[0]
    told = Mistake(question.name, "told the answer", "the answer is 2(θ - y).", "")
    with pytest.raises(AuthoringError) as refused:
        check_hints(assignment, [told], assignment.reference_module())
    message = str(refused.value)
    assert f"assignment/{assignment.name}/mistakes.py" in message and question.name in message
    assert "'told the answer' states a formula ('…answer is 2(θ - y).')" in message
    assert "hints ship to every student" in message
