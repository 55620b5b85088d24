"""A case kind is one record, registered by the assignment that uses it: the judge's comparison,
the kernel's call, otter's check and its source all come from it (``test_generic.py``: and
generic code names none of an assignment's kinds)."""

import textwrap
from types import SimpleNamespace

import numpy as np
import pytest

import autograder.cases.disc01  # noqa: F401 - registers Discussion 1's own kinds
from autograder.cases import Case
from autograder.judge.kinds import KINDS, Comparison, Kind, register
from generator.testfiles import render_test_file


# A kind no assignment has: the answer is a direction, right up to its length.
EXPECT_DIRECTION = textwrap.dedent('''
    def expect_direction(func, func_name, call, args, expected, rtol=1e-6, atol=1e-9):
        got = as_array(call_student(func, func_name, *args), func_name, np.shape(expected))
        cosine = float(got @ expected) / (np.linalg.norm(got) * np.linalg.norm(expected) or 1.0)
        if not np.isclose(cosine, 1.0, rtol=rtol, atol=atol):
            raise AnswerError(f"{call} points the wrong way (cosine {cosine:.3f} with the expected direction).")
''')


def _compare_direction(expected, got, call, args=None, rtol=1e-6, atol=1e-9):
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    cosine = got @ expected / (np.linalg.norm(got) * np.linalg.norm(expected))
    return Comparison(bool(np.isclose(cosine, 1.0, rtol=rtol, atol=atol)), f"{call} points the wrong way")


@pytest.fixture(scope="module")
def direction():
    kind = register(Kind("direction", lambda fn, args: np.asarray(fn(*args), dtype=float), _compare_direction,
                         show_expected=False, test_check="expect_direction", test_source=EXPECT_DIRECTION))
    yield kind
    del KINDS["direction"]


def _checks(rendered):
    namespace = {}
    exec(compile(rendered, "<test file>", "exec"), namespace)
    return [value.test_func for key, value in namespace.items() if key.startswith(("test_public", "test_hidden"))]


def test_a_new_kind_writes_its_own_check_into_otters_test_file(direction):
    def gradient(w):
        return 2 * w

    question = SimpleNamespace(name="q_dir", points=2.0)
    cases = [Case((np.array([1.0, -2.0, 0.5]),), False, "direction"),
             Case((np.array([0.3, 0.1, -4.0]),), True, "direction")]
    rendered = render_test_file(question, gradient, cases, include_hidden=True)
    assert "def expect_direction(" in rendered and rendered.count("expect_direction(gradient") == 2
    assert "def expect_training(" not in rendered  # only the kinds a question uses come along

    longer = lambda w: 10 * w  # noqa: E731 - the same direction: full marks for this kind
    backwards = lambda w: -w  # noqa: E731
    checks = _checks(rendered)
    assert len(checks) == 2
    for check in checks:
        check(gradient)
        check(longer)
        with pytest.raises(AssertionError, match="points the wrong way"):
            check(backwards)
        with pytest.raises(AssertionError, match="not implemented yet"):
            check(lambda w: None)


def test_the_training_kind_keeps_its_expected_value_out_of_the_feedback():
    assert KINDS["training"].show_expected is False and KINDS["float"].show_expected is True
