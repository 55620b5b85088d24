"""End to end: build the real release once, then check the artifacts and the verification."""

import zipfile

import nbformat
import pytest

from generator.assignment import Assignment
from generator.release import build_release
from generator.verify import otter_grade, verify_release

DISC01 = Assignment.named("disc01")


@pytest.fixture(scope="session")
def release(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    rel = build_release(DISC01, out)
    return rel, verify_release(rel)


def test_verification_passes_every_check(release):
    _, checks = release
    assert [c.name for c in checks] == [
        "solution notebook runs", "student zip leaks nothing", "solution earns full marks (otter run -a)",
        "blank student notebook runs", "blank student notebook earns zero",
    ]
    failed = [f"{c.name}: {c.detail}" for c in checks if not c.passed]
    assert not failed, failed


def test_student_zip_holds_exactly_what_students_need(release):
    rel, _ = release
    names = zipfile.ZipFile(rel.student_zip).namelist()
    assert sorted(names) == sorted(["disc01.ipynb", "relu_lab.py"] + [f"tests/{q.name}.py" for q in DISC01.questions])


def test_solution_zip_is_executed_with_figures_and_html(release):
    rel, _ = release
    with zipfile.ZipFile(rel.solution_zip) as zf:
        assert {"disc01.ipynb", "disc01.html"} <= set(zf.namelist())
        nb = nbformat.reads(zf.read("disc01.ipynb").decode(), as_version=4)
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 8
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []


def test_autograder_zip_is_otters_with_hidden_tests_and_cpu_torch(release):
    rel, _ = release
    with zipfile.ZipFile(rel.autograder_zip) as zf:
        names = set(zf.namelist())
        assert {"run_autograder", "setup.sh", "otter_config.json", "files/relu_lab.py"} <= names
        assert {f"tests/{q.name}.py" for q in DISC01.questions} <= names
        assert "hidden=True" in zf.read("tests/q2_train.py").decode()
        env = zf.read("environment.yml").decode()
    assert "python=3.11" in env and "torch==2.13.0+cpu" in env and "whl/cpu" in env


def test_a_wrong_answer_loses_exactly_its_question(release, tmp_path):
    rel, _ = release
    nb = nbformat.read(rel.solution_dir / DISC01.notebook, as_version=4)
    (cell,) = [c for c in nb.cells if c.metadata.get("question") == "q1b_opt"]
    cell.source = cell.source.replace("np.sum(x * y) / np.sum(x * x)", "np.sum(y) / np.sum(x)")
    path = tmp_path / DISC01.notebook
    nbformat.write(nb, path)
    scores = otter_grade(rel.autograder_zip, path)
    assert scores["q1b_opt"] == (0, 1)
    assert all(scores[q.name] == (q.points, q.points) for q in DISC01.questions if q.name != "q1b_opt")


def test_the_same_source_rebuilds_the_same_bytes(release, tmp_path):
    rel, _ = release
    again = build_release(DISC01, tmp_path)
    for path in (rel.student_zip, rel.solution_zip, rel.autograder_zip):
        assert (again.root / path.name).read_bytes() == path.read_bytes(), path.name
