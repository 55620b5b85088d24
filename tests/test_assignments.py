"""Every assignment in the repo, end to end: its release builds, verifies and rebuilds the same
bytes; its Gradescope zip grades through Gradescope's entry point and through plain
``otter run -a`` alike; ``eecs182 grade`` grades a section with it. Discussion 1 goes through
all of this (and much more) in its own modules; this one runs the same paths for the others,
so an assignment added to the repo is tested without a copy of any test."""

import csv
import subprocess
import sys

import nbformat
import pytest
from test_gradescope import question_tests, run_autograder
from test_release import judged_and_otters

from assignment.model import all_assignments
from generator.release import build_release

EECS182 = [sys.executable, "-c", "from generator.cli import main; main()"]
OTHERS = [a for a in all_assignments() if a.name != "disc01"]  # disc01: test_release.py and others


@pytest.fixture(scope="module", params=OTHERS, ids=lambda a: a.name)
def release(request, built):
    return built(request.param.name)


@pytest.fixture(scope="module")
def section(release, tmp_path_factory):
    """The solution, the blank notebook and the solution with one cataloged mistake per question."""
    import importlib

    rel, _ = release
    a = rel.assignment
    folder = tmp_path_factory.mktemp(f"{a.name}-section")
    solution = nbformat.read(rel.solution_dir / a.notebook, as_version=4)
    nbformat.write(solution, folder / "solution.ipynb")
    nbformat.write(nbformat.read(rel.student_dir / a.notebook, as_version=4), folder / "blank.ipynb")
    first = {}
    for mistake in importlib.import_module(a.cases_module).MISTAKES:
        first.setdefault(mistake.question, mistake)
    for cell in solution.cells:
        if cell.metadata.get("question") in first:
            cell.source = first[cell.metadata.question].source.strip()
    nbformat.write(solution, folder / "mistaken.ipynb")
    return folder


def test_the_release_builds_and_passes_every_check(release):
    rel, checks = release
    failed = [f"{c.name}: {c.detail}" for c in checks if not c.passed]
    assert len(checks) == 6 and not failed, failed
    assert {"student zip", "solution zip", "rubric", "rubric page", "autograder zip"} == set(rel.artifacts)
    assert all(path.is_file() for path in rel.artifacts.values())


def test_the_same_source_rebuilds_the_same_bytes(release, tmp_path):
    rel, _ = release
    again = build_release(rel.assignment, tmp_path)
    for path in (rel.student_zip, rel.solution_zip, rel.autograder_zip):
        assert (again.root / path.name).read_bytes() == path.read_bytes(), path.name


def test_gradescope_gives_the_solution_full_marks_and_the_blank_notebook_zero(release, section, tmp_path):
    rel, _ = release
    a = rel.assignment
    total = sum(q.points for q in a.questions)
    solution = run_autograder(rel.autograder_zip, section / "solution.ipynb", tmp_path)
    assert list(question_tests(solution)) == [q.name for q in a.questions]
    assert solution["score"] == total
    blank = run_autograder(rel.autograder_zip, section / "blank.ipynb", tmp_path)
    assert blank["score"] == 0
    mistaken = run_autograder(rel.autograder_zip, section / "mistaken.ipynb", tmp_path)
    hints = [t for t in question_tests(mistaken).values() if "Looks like a known mistake" in t["output"]]
    assert mistaken["score"] < total and hints


def test_the_judge_and_plain_otter_run_agree(release, section):
    """otter's own in-kernel grading of the zip's test files (the kinds' checks as otter runs
    them) and the judge give the same scores, question by question."""
    rel, _ = release
    graded = judged_and_otters(rel.autograder_zip, {name: section / f"{name}.ipynb" for name in ("solution", "mistaken")})
    for name, (judged, otters) in graded.items():
        assert set(judged) == set(otters), name
        for question, (score, possible) in judged.items():
            # otter rounds a score to 5 decimals (1/7 of a point: 0.14286), the judge to 6
            assert (score, possible) == pytest.approx(otters[question], abs=1e-5), (name, question)


def test_eecs182_grade_grades_a_section_with_the_zip(release, section, tmp_path):
    rel, _ = release
    a = rel.assignment
    out = tmp_path / "out"
    proc = subprocess.run([*EECS182, "grade", str(section), "-o", str(out), "-a", str(rel.autograder_zip),
                           "--no-progress"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out / "final_grades.csv", newline="") as f:
        rows = {row["file"]: row for row in csv.DictReader(f)}
    total = sum(q.points for q in a.questions)
    assert float(rows["solution"]["total_points_earned"]) == total
    assert float(rows["blank"]["total_points_earned"]) == 0
    assert all(float(rows["mistaken"][q.name]) < q.points for q in a.questions)


@pytest.mark.browser
def test_the_solution_page_draws_every_formula_with_no_network(release, tmp_path):
    from lab_browser import look_offline

    rel, _ = release
    seen = look_offline(rel.solution_page, tmp_path / "solution-offline.png")
    assert seen["tried"] == [] and seen["tex"] == [], seen
    assert seen["formulas"] >= 20 and seen["drawn"] == seen["formulas"], seen
