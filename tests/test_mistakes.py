"""The catalogue of real student mistakes: every one loses points on its question, through the
judge and through ``grader.check``, and the judge's feedback names it."""

import importlib
import textwrap
import warnings
from collections import defaultdict

import otter
import pytest
from submissions import submission

from assignment.model import all_assignments
from autograder.judge import Limits, judge_submission
from generator import pipelines
from generator.casebook import build_casebook
from generator.steps import run_pipeline
from generator.testfiles import write_tests

ASSIGNMENTS = {a.name: a for a in all_assignments()}
CATALOGUES = {name: importlib.import_module(a.cases_module).MISTAKES for name, a in ASSIGNMENTS.items()}
EVERY_MISTAKE = [(name, m) for name, mistakes in CATALOGUES.items() for m in mistakes]


def _function(assignment_name, mistake):
    return ASSIGNMENTS[assignment_name].question(mistake.question).function


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_each_catalogue_covers_every_question_once_per_mistake(name):
    mistakes = CATALOGUES[name]
    assert {m.question for m in mistakes} == {q.name for q in ASSIGNMENTS[name].questions}
    assert len({(m.question, m.name) for m in mistakes}) == len(mistakes)
    assert len(CATALOGUES["disc01"]) >= 40


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_no_two_mistakes_answer_alike_where_students_look(name):
    """On a public case (what grader.check runs) each mistake that gets it wrong answers as no
    other does, so the hint an answer earns there is its own mistake's."""
    assignment = ASSIGNMENTS[name]
    for question in build_casebook(assignment, assignment.term_seed).questions:
        for number, case in enumerate(question.cases, 1):
            answers = defaultdict(list)
            for hint, value, *_ in case.diagnoses if not case.hidden else ():
                answers[repr(value)].append(hint)
            shared = [hints for hints in answers.values() if len(hints) > 1]
            assert not shared, (question.name, number, shared)


@pytest.fixture(scope="module")
def public_tests(tmp_path_factory):
    """Each assignment's public test files, as the student zip holds them."""
    folders = {}
    for name, a in ASSIGNMENTS.items():
        folders[name] = tmp_path_factory.mktemp(name)
        write_tests(build_casebook(a, a.term_seed), a.reference_module(), folders[name] / "tests", include_hidden=False)
    return folders


@pytest.mark.parametrize("name, mistake", EVERY_MISTAKE, ids=lambda m: getattr(m, "name", m))
def test_grader_check_fails_every_mistake(name, mistake, public_tests, monkeypatch):
    monkeypatch.chdir(public_tests[name])
    grader = otter.Notebook(tests_dir="tests")
    function = _function(name, mistake)
    env = {function: mistake.function(function)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = grader.check(mistake.question, global_env=env)
    assert result.score < result.possible
    # what the student reads: the call and what came back, no test internals
    shown = str(result)
    assert function in shown
    assert "Error at line" not in shown and "call_student" not in shown and "_public_" not in shown
    # and names the mistake, as the judge does
    assert f"Looks like a known mistake: {mistake.hint}" in shown, shown


def _rounds():
    """Round k holds each question's k-th mistake: one notebook judges up to 16 at once."""
    rounds = []
    for name, mistakes in CATALOGUES.items():
        by_question = defaultdict(list)
        for mistake in mistakes:
            by_question[mistake.question].append(mistake)
        rounds += [(name, [ms[k] for ms in by_question.values() if k < len(ms)])
                   for k in range(max(len(ms) for ms in by_question.values()))]
    return rounds


@pytest.fixture(scope="module")
def rendered():
    """Each assignment's student and solution notebooks, and its casebook."""
    return {name: ({variant: run_pipeline(pipelines.RENDER, dict(assignment=a, variant=variant, seed=a.term_seed))
                    for variant in ("student", "solution")}, build_casebook(a, a.term_seed))
            for name, a in ASSIGNMENTS.items()}


@pytest.mark.parametrize("name, round_", _rounds(), ids=lambda r: r if isinstance(r, str) else f"{len(r)}-mistakes")
def test_the_judge_takes_points_for_every_mistake_and_names_it(name, round_, rendered, tmp_path):
    a = ASSIGNMENTS[name]
    notebooks, casebook = rendered[name]
    answers = {m.question: m.source for m in round_}
    verdict = judge_submission(submission(notebooks, tmp_path, answers=answers, name=a.notebook), casebook, a.root,
                               Limits(cell_timeout=30, call_timeout=20))
    results = {q.name: q for q in verdict.questions}
    for mistake in round_:
        result = results[mistake.question]
        assert result.score < result.points, mistake.name
        assert f"Looks like a known mistake: {mistake.hint}" in result.feedback(show_hidden=True), mistake.name


def test_grader_check_names_a_mistake_written_unlike_the_catalogue_and_a_broken_function_it_uses(
        public_tests, monkeypatch):
    """The hint follows what the answer returns, not how it is written: the factor 2 dropped in a
    loop, the sign flipped in a generator expression. A correct step that calls a broken gradient
    says that the gradient is the one to fix."""
    monkeypatch.chdir(public_tests["disc01"])
    grader = otter.Notebook(tests_dir="tests")
    student = {}
    exec(compile(textwrap.dedent("""
        import numpy as np

        def grad_const(theta, y):
            total = 0.0
            for y_i in y:
                total += theta - y_i
            return total / len(y)

        def grad_linear(theta, x, y):
            return sum(2 * (y_i - theta * x_i) * x_i for x_i, y_i in zip(x, y)) / len(x)

        def gd_step_const(theta, y, alpha):
            return theta - alpha * grad_const(theta, y)
        """), "<student>", "exec"), student)
    half = str(grader.check("q1a_grad", global_env=student))
    flipped = str(grader.check("q1b_grad", global_env=student))
    step = str(grader.check("q1a_gd", global_env=student))
    assert "Looks like a known mistake: exactly half of the expected value" in half, half
    assert "Looks like a known mistake: the sign is flipped" in flipped, flipped
    assert "gd_step_const uses grad_const, which fails q1a_grad: fix that first." in step, step
    # numbers as the tolerance needs them, not as float64 spells them
    assert "returned 2.07727; expected 4.15453. Looks like" in half, half


def test_two_mistakes_that_answer_alike_are_both_named():
    """On a case where two cataloged mistakes return the same value, an answer like theirs
    names both hints, numbered, in the judge's feedback and in grader.check's, word for word; a
    case that tells them apart names the one it matches."""
    from types import SimpleNamespace

    import numpy as np

    from autograder.cases import Case, Mistake
    from autograder.in_kernel.plain import decode_arg
    from autograder.judge.kinds import KINDS
    from autograder.judge.verdict import judge_question
    from generator.casebook import judged_question
    from generator.testfiles import render_test_file

    def scale(x, k):
        return float(np.sum(x) * k)

    mistakes = [Mistake("q_scale", "k squared", "multiply by k, not by k squared.",
                        "def scale(x, k):\n    import numpy as np\n    return float(np.sum(x) * k * k)\n"),
                Mistake("q_scale", "k doubled", "multiply by k once, not by 2k.",
                        "def scale(x, k):\n    import numpy as np\n    return float(np.sum(x) * 2 * k)\n")]
    # k = 2: k*k and 2k agree; k = 3: they differ.
    cases = [Case((np.array([1.0, 2.0]), 2.0), False, "float"), Case((np.array([1.0, 2.0]), 3.0), False, "float"),
             Case((np.array([0.5, 1.5]), 3.0), True, "float")]
    judged = judged_question(SimpleNamespace(name="q_scale", function="scale", points=1.0),
                             SimpleNamespace(scale=scale), cases, mistakes)
    squared = mistakes[0].function("scale")
    outcomes = [KINDS["float"].answer(squared, [decode_arg(a) for a in c.args]) for c in judged.cases]
    judge = judge_question(judged, outcomes).cases
    both = "Looks like a known mistake: (1) multiply by k, not by k squared. (2) multiply by k once, not by 2k."
    assert judge[0].message.endswith(both) and judge[0].hint.startswith("(1) multiply by k")
    assert judge[1].message.endswith("Looks like a known mistake: multiply by k, not by k squared.")
    assert "(2)" not in judge[1].message
    assert judge[0].markdown().endswith("**Looks like a known mistake:** (1) multiply by k, not by k squared. "
                                        "(2) multiply by k once, not by 2k.")
    namespace = {}
    exec(compile(render_test_file(judged, include_hidden=False), "<test file>", "exec"), namespace)
    checks = [v.test_func for k, v in namespace.items() if k.startswith("test_public")]
    said = []
    for check in checks:
        with pytest.raises(AssertionError) as failure:
            check(squared)
        said.append(str(failure.value))
    assert said == [judge[0].message, judge[1].message]
