"""The catalogue of real student mistakes: every one loses points on its question, through the
judge and through ``grader.check``, and the judge's feedback names it."""

import warnings
from collections import defaultdict

import otter
import pytest

from autograder.cases.disc01_mistakes import MISTAKES
from autograder.judge import Limits, build_casebook, judge_submission
from autograder.testfiles import write_tests
from assignment.model import Assignment
from submissions import notebooks, submission  # noqa: F401 - a fixture

DISC01 = Assignment.named("disc01")
FUNCTIONS = {q.name: q.function for q in DISC01.questions}


def test_the_catalogue_covers_every_question_with_forty_mistakes_or_more():
    assert len(MISTAKES) >= 40
    assert {m.question for m in MISTAKES} == set(FUNCTIONS)
    assert len({(m.question, m.name) for m in MISTAKES}) == len(MISTAKES)


@pytest.fixture(scope="module")
def public_tests(tmp_path_factory):
    folder = tmp_path_factory.mktemp("student")
    write_tests(DISC01, DISC01.term_seed, folder / "tests", include_hidden=False)
    return folder


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: f"{m.question}-{m.name}")
def test_grader_check_fails_every_mistake(mistake, public_tests, monkeypatch):
    monkeypatch.chdir(public_tests)
    grader = otter.Notebook(tests_dir="tests")
    env = {FUNCTIONS[mistake.question]: mistake.function(FUNCTIONS[mistake.question])}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = grader.check(mistake.question, global_env=env)
    assert result.score < result.possible
    # what the student reads: the call and what came back, no test internals
    shown = str(result)
    assert FUNCTIONS[mistake.question] in shown
    assert "Error at line" not in shown and "call_student" not in shown and "_public_" not in shown


def _rounds():
    """Round k holds each question's k-th mistake: one notebook judges up to 16 at once."""
    by_question = defaultdict(list)
    for mistake in MISTAKES:
        by_question[mistake.question].append(mistake)
    return [[ms[k] for ms in by_question.values() if k < len(ms)]
            for k in range(max(len(ms) for ms in by_question.values()))]


@pytest.fixture(scope="module")
def casebook():
    return build_casebook(DISC01, DISC01.term_seed)


@pytest.mark.parametrize("round_", _rounds(), ids=lambda ms: f"{len(ms)}-mistakes")
def test_the_judge_takes_points_for_every_mistake_and_names_it(round_, notebooks, casebook, tmp_path):
    answers = {m.question: m.source for m in round_}
    verdict = judge_submission(submission(notebooks, tmp_path, answers=answers), casebook, DISC01.root,
                               Limits(cell_timeout=30, call_timeout=20))
    results = {q.name: q for q in verdict.questions}
    for mistake in round_:
        result = results[mistake.question]
        assert result.score < result.points, mistake.name
        assert f"Looks like a known mistake: {mistake.hint}" in result.feedback(show_hidden=True), mistake.name
