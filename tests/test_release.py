"""End to end: build the real release once, then check the artifacts and the verification."""

import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from assignment.model import Assignment
from autograder.in_kernel.submit import written_prompt
from generator.cache import NO_CACHE
from generator.release import build_release
from generator.verify import check_blank_student_zero, judge_grade, run_blank_student

DISC01 = Assignment.named("disc01")


@pytest.fixture(scope="session")
def release(built):
    return built("disc01")


def test_verification_passes_every_check(release):
    _, checks = release
    assert [c.name for c in checks] == [
        "solution notebook runs", "solution and rubric pages work offline", "student zip leaks nothing",
        "solution earns full marks (judge)",
        "blank student notebook runs", "blank student notebook earns zero",
    ]
    failed = [f"{c.name}: {c.detail}" for c in checks if not c.passed]
    assert not failed, failed


def test_the_verification_fails_a_student_notebook_that_cannot_run_or_earns_points(release, tmp_path):
    rel, _ = release
    student = tmp_path / "student"
    shutil.copytree(rel.student_dir, student)
    broken = SimpleNamespace(assignment=DISC01, student_dir=student, autograder_zip=rel.autograder_zip, cache=NO_CACHE)
    cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("raise RuntimeError('this demo needs answers')")]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), student / DISC01.notebook)
    ran = run_blank_student(broken)
    assert not ran.passed and "this demo needs answers" in ran.detail
    shutil.copyfile(rel.solution_dir / DISC01.notebook, student / DISC01.notebook)  # answers given away
    zero = check_blank_student_zero(broken)
    assert not zero.passed and zero.detail.startswith("not zero: ") and "'q1a_grad'" in zero.detail


def test_student_zip_holds_exactly_what_students_need(release):
    rel, _ = release
    names = zipfile.ZipFile(rel.student_zip).namelist()
    assert sorted(names) == sorted(["disc01.ipynb", *DISC01.support_files, "submit.py", "written_pdf.py",
                                    "requirements.txt"] + [f"tests/{q.name}.py" for q in DISC01.questions])
    requirements = zipfile.ZipFile(rel.student_zip).read("requirements.txt").decode()
    pins = [line for line in requirements.splitlines() if line and not line.startswith("#")]
    # what the notebook, its support files and the export tool import, pinned; torch without its "+cpu" tag
    assert sorted(p.split("==")[0] for p in pins) == [
        "fpdf2", "ipylab", "ipython", "ipywidgets", "matplotlib", "nbformat", "numba", "numpy",
        "otter-grader", "pillow", "torch"]  # pillow: the written-answers PDF draws formulas with it
    assert all("==" in p for p in pins) and "torch==2.13.0" in pins


def test_solution_zip_is_executed_with_figures_and_html(release):
    rel, _ = release
    with zipfile.ZipFile(rel.solution_zip) as zf:
        # with the public tests beside it, grader.check runs in the solution notebook too
        assert {"disc01.ipynb", "disc01.html", *DISC01.support_files, "submit.py", "written_pdf.py",
                "requirements.txt"} <= set(zf.namelist())
        assert {f"tests/{q.name}.py" for q in DISC01.questions} <= set(zf.namelist())
        nb = nbformat.reads(zf.read("disc01.ipynb").decode(), as_version=4)
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 8
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    # the slider shows as its figure in the HTML, not as "VBox(children=...)"
    (slider,) = [c for c in nb.cells if "history_slider(" in c.source]
    (picture,) = [o.data["image/png"] for o in slider.outputs if "image/png" in o.get("data", {})]
    html = (rel.solution_dir / "disc01.html").read_text()
    assert picture[:200] in html.replace("\n", "")
    assert "VBox(children" not in html
    # the course worksheet's authors are credited where students read
    assert "Kumar Krishna Agrawal, Anant Sahai, Ashwin Pananjady, Josh Sanz and Yichao Zhou" in " ".join(html.split())
    # the experiment's progress shows its finished line, not a bar stuck at 0%
    # (without durations: the release is built to be byte-for-byte reproducible)
    assert "Trained 6 runs × 150,000 SGD steps." in html and "0%|" not in html


def test_the_rubric_file_holds_every_written_question_and_stays_out_of_the_student_zip(release):
    rel, _ = release
    rubric = (rel.root / "disc01-rubric.md").read_text()
    with zipfile.ZipFile(rel.student_zip) as zf:
        cells = nbformat.reads(zf.read(DISC01.notebook).decode(), as_version=4).cells
    student = "\n".join(c.source for c in cells)
    prompts = {cell.metadata.written: written_prompt(previous)
               for previous, cell in zip(cells, cells[1:]) if cell.metadata.get("written")}
    for question in DISC01.written:
        title, prompt = prompts[question.name]
        assert title and len(prompt) > 40, question.name
        section = rubric.split(f"## {question.name}: {title} ({question.points:g} points)")[1].split("\n## ")[0]
        assert prompt in section and "**Solution.**" in section  # what students read, and the key
        assert all(item.item in section for item in question.rubric)
    assert not any(item.item in student for w in DISC01.written for item in w.rubric)


def test_autograder_zip_is_otters_with_hidden_tests_and_cpu_torch(release):
    rel, _ = release
    with zipfile.ZipFile(rel.autograder_zip) as zf:
        names = set(zf.namelist())
        assert {"run_autograder", "setup.sh", "otter_config.json", "files/relu_lab.py"} <= names
        assert {f"tests/{q.name}.py" for q in DISC01.questions} <= names
        assert "hidden=True" in zf.read("tests/q2_train.py").decode()
        env = zf.read("environment.yml").decode()
    assert "python=3.11" in env and "torch==2.13.0+cpu" in env and "whl/cpu" in env


def otter_grade(autograder_zip, notebook, timeout=900):
    """Grade one notebook with plain ``otter run -a`` (otter's own in-kernel grading of the zip's
    test files): {question: (score, max)}."""
    otter = Path(sys.executable).with_name("otter")
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run([str(otter), "run", "-a", str(autograder_zip), "-o", out, str(notebook)],
                              capture_output=True, text=True, timeout=timeout)
        results = Path(out) / "results.json"
        assert results.exists(), f"otter run wrote no results (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
        tests = json.loads(results.read_text())["tests"]
    return {t["name"]: (t.get("score"), t.get("max_score")) for t in tests if "max_score" in t}


def judged_and_otters(autograder_zip, notebooks):
    """{label: (the judge's scores, ``otter run -a``'s scores)} of each of ``notebooks`` (label ->
    path). Every grading is a process of its own (a kernel, an otter run): they go side by side."""
    with ThreadPoolExecutor(max_workers=2 * len(notebooks)) as pool:
        pending = {label: (pool.submit(judge_grade, autograder_zip, path), pool.submit(otter_grade, autograder_zip, path))
                   for label, path in notebooks.items()}
        return {label: (judged.result(), otters.result()) for label, (judged, otters) in pending.items()}


def _with_answers(rel, tmp_path, edits):
    """The solution notebook with ``{question: (old, new)}`` replaced in its function cells."""
    nb = nbformat.read(rel.solution_dir / DISC01.notebook, as_version=4)
    for question, (old, new) in edits.items():
        (cell,) = [c for c in nb.cells if c.metadata.get("question") == question]
        assert old in cell.source
        cell.source = cell.source.replace(old, new)
    path = tmp_path / "edited" / DISC01.notebook
    path.parent.mkdir()
    nbformat.write(nb, path)
    return path


def test_the_judge_and_plain_otter_run_agree_on_honest_work(release, tmp_path):
    """Honest notebooks get the same scores from the judge and from ``otter run -a`` on the same
    zip, per question: the judge changes where grading runs, not what it asks."""
    rel, _ = release
    honest = {
        "solution": rel.solution_dir / DISC01.notebook,
        "a wrong ratio in q1b_opt, no factor 2 in q1b_grad": _with_answers(rel, tmp_path, {
            "q1b_opt": ("np.sum(x * y) / np.sum(x * x)", "np.sum(y) / np.sum(x)"),
            "q1b_grad": ("2.0 * np.mean", "np.mean")}),
    }
    for label, (judged, otters) in judged_and_otters(rel.autograder_zip, honest).items():
        assert set(judged) == set(otters), label
        for question, (score, possible) in judged.items():
            # otter prints a score to 5 places, the judge keeps 6: the same fraction either way
            assert (score, possible) == pytest.approx(otters[question], abs=1e-5), (label, question)
    assert judged["q1b_grad"] == (0, 1) and judged["q1b_gd"] == (0, 1)  # gd uses the wrong gradient
    assert judged["q1b_opt"][0] < 1 and judged["q1a_grad"] == (1, 1)


def test_the_same_source_rebuilds_the_same_bytes(release, tmp_path):
    rel, _ = release
    again = build_release(DISC01, tmp_path)
    for path in (rel.student_zip, rel.solution_zip, rel.autograder_zip):
        assert (again.root / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.browser
def test_the_solution_page_draws_every_formula_with_no_network(release, tmp_path):
    """Opened in Chromium with every host unresolvable: nothing is fetched, no TeX is left in the
    prose, and every formula is drawn (the page with MathJax from a CDN showed 363 pieces of TeX)."""
    from lab_browser import look_offline

    rel, _ = release
    seen = look_offline(rel.solution_dir / "disc01.html", tmp_path / "solution-offline.png")
    print(f"\nscreenshot: {tmp_path / 'solution-offline.png'}")
    assert seen["tried"] == [] and seen["tex"] == [], seen
    assert seen["formulas"] >= 100 and seen["drawn"] == seen["formulas"], seen
    # the Part 1 headings' formulas are MathML too, not <ns0:math> shown as text ("y^i=θ")
    assert seen["prefixed"] == [] and seen["heading_formulas"] >= 2, seen
    assert seen["heading_drawn"] == seen["heading_formulas"], seen


@pytest.mark.browser
def test_the_rubric_page_draws_its_formulas_with_no_network(release, tmp_path):
    from lab_browser import look_offline

    rel, _ = release
    seen = look_offline(rel.root / "disc01-rubric.html", tmp_path / "rubric-offline.png", prose="main")
    print(f"\nscreenshot: {tmp_path / 'rubric-offline.png'}")
    assert seen["tried"] == [] and seen["tex"] == [], seen
    assert seen["formulas"] >= 5 and seen["drawn"] == seen["formulas"], seen
