"""``eecs182 new`` and the instructor guide's "Writing a new assignment" (docs/instructor-guide.md),
followed step by step.

The slow test copies the project's sources into a temporary folder, scaffolds ``hw99`` there
with ``eecs182 new``, applies the guide's snippets as the guide says (they are written out
here, and the test fails if the guide no longer holds them verbatim), builds and verifies the
release, grades its solution, its blank notebook and a notebook with a cataloged mistake, and
runs the command the guide adds. Nothing is written into this project's own folders: the
subprocesses run in the copy, with the copy on ``PYTHONPATH``: the editable install's finder
comes after the path finder on ``sys.meta_path``, so the copy's packages win (the test checks).
"""

import csv
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

import assignment.model as model
from generator.cli import main

ROOT = Path(__file__).resolve().parents[1]
GUIDE = (ROOT / "docs" / "instructor-guide.md").read_text()
SOURCES = ("assignment", "solutions", "autograder", "generator")
# The venv's command, run by the venv's python (the same command without its script, elsewhere).
EECS182 = Path(sys.executable).parent / "eecs182"
COMMAND_LINE = [str(EECS182)] if EECS182.is_file() else [sys.executable, "-c", "from generator.cli import main; main()"]

# --- the guide's snippets, step by step ----------------------------------------------------

NEW = 'eecs182 new hw99 --title "Homework 99: Least squares"'

# 2. An autograded question.
Q2_TOML = '''[[questions]]
name = "q2_grad"
function = "mse_grad"
points = 1
'''
Q2_REFERENCE = '''def mse_grad(w, X, y):
    """The gradient of mse(w, X, y) with respect to w: an array of shape (D,)."""
    X, w, y = (np.asarray(a, dtype=float) for a in (X, w, y))
    return 2.0 / len(y) * X.T @ (X @ w - y)
'''
Q2_TEMPLATE = r'''{% call autograded("(d) The gradient", "q2_grad") %}
Derive $\nabla_w L$, then implement it.

{% call answer() %}
By the chain rule, $\nabla_w L = \frac{2}{N} X^\top (Xw - y)$.
{% endcall %}
{% endcall %}
'''
Q2_CASES = '''def _mse_grad(rng, hidden):
    return Case(_linear_data(rng, hidden), hidden, "array")


CASES["q2_grad"] = _mse_grad
'''

# 3. A written question.
WRITTEN_TOML = '''[[written]]
name = "q2_optimum"
points = 1
rubric = [
    { points = 1, item = "Zero: at the least-squares w the residual y - Xw is orthogonal to every column of X." },
]
'''
WRITTEN_TEMPLATE = r'''{% call written("(e) At the optimum", "q2_optimum") %}
What is the gradient at the least-squares solution, and what does that say about the residuals?

{% call answer() %}
Zero: $X^\top(Xw^* - y) = 0$, so the residual vector is orthogonal to every column of $X$.
{% endcall %}
{% endcall %}
'''

# 4. A mistake in the catalogue.
MISTAKE_FUNCTION = '''def mse_grad(w, X, y):
    import numpy as np
    X, w, y = (np.asarray(a, dtype=float) for a in (X, w, y))
    return X.T @ (X @ w - y) / len(y)
'''
MISTAKE_HINT = "exactly half of the expected gradient: the derivative of the square brings down a 2."
MISTAKE = '''MISTAKES.append(Mistake("q2_grad", "factor 2 dropped", "exactly half of the expected gradient: the "
                        "derivative of the square brings down a 2.", """
''' + MISTAKE_FUNCTION + '''"""))
'''

# 5. A case kind.
KIND_TOML = '''[[questions]]
name = "q3_numgrad"
function = "numerical_grad"
points = 1
'''
KIND_REFERENCE = '''def numerical_grad(f, w):
    """The gradient of f (a function of an array shaped like w, returning a number) at w, by
    central differences with h = 1e-5: entry i is (f(w + h e_i) - f(w - h e_i)) / (2h).
    Return an array shaped like w."""
    w = np.asarray(w, dtype=float)
    h = 1e-5
    grad = np.zeros_like(w)
    for i in range(w.size):
        step = np.zeros_like(w)
        step[i] = h
        grad[i] = (f(w + step) - f(w - step)) / (2 * h)
    return grad
'''
KIND_TEMPLATE = '''{% call autograded("(f) A numerical gradient", "q3_numgrad") %}
Approximate a gradient without deriving it.
{% endcall %}
'''
KIND_FILE = '''"""hw99's case kinds: shipped as source into the judge's kernel and otter's test files."""

import numpy as np


def call_on_quadratic(func, args):
    (A, b), w = args
    A, b, w = (np.asarray(a, dtype=float) for a in (A, b, w))
    return func(lambda v: v @ A @ v / 2 - b @ v, w)
'''
KIND_IMPORTS = ("from assignment.hw99.kinds import call_on_quadratic",
                "from autograder.in_kernel.compare import compare_array",
                "from autograder.judge.kinds import Kind, register")
KIND_CASES = """register(Kind("quadratic", compare_array, call=call_on_quadratic))


def _numgrad(rng, hidden):
    d = int(rng.integers(1, 5)) if hidden else 2
    M = rng.normal(size=(d, d))
    A, b = np.round(M @ M.T + np.eye(d), 6), np.round(rng.normal(size=d), 6)
    return Case(([A, b], np.round(rng.normal(size=d), 6)), hidden, "quadratic")


CASES["q3_numgrad"] = _numgrad
"""

# 5, continued. An answer of several parts: a tuple, its parts named by a kind of one line.
FIELDS_TOML = '''[[questions]]
name = "q4_fit"
function = "fit"
points = 1
'''
FIELDS_REFERENCE = '''def fit(X, y):
    """The least-squares weights for (X, y), and the mean squared error they leave: (w, mse)."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    w = np.linalg.lstsq(X, y, rcond=None)[0]
    return w, float(np.mean((X @ w - y) ** 2))
'''
FIELDS_TEMPLATE = '''{% call autograded("(g) The fit and its error", "q4_fit") %}
Fit the weights, and say how well they fit.
{% endcall %}
'''
FIELDS_IMPORT = "from autograder.in_kernel.compare import compare_fields"
FIELDS_CASES = """register(Kind("fit", compare_fields, fields=("w", "mse")))


def _fit(rng, hidden):
    n, d = (int(rng.integers(6, 12)), int(rng.integers(1, 4))) if hidden else (6, 2)
    X = np.round(rng.normal(0.0, 2.0, (n, d)), 6)
    y = np.round(X @ rng.normal(size=d) + rng.normal(0.0, 0.5, n), 6)
    return Case((X, y), hidden, "fit")


CASES["q4_fit"] = _fit
"""
# A student's fit that gets w right and sums the squares.
SUMMED_FIT = '''def fit(X, y):
    w = np.linalg.lstsq(X, y, rcond=None)[0]
    return w, float(np.sum((X @ w - y) ** 2))
'''

# 6. A support file.
PLOTS = '''"""Plots for the hw99 notebook."""

import matplotlib.pyplot as plt


def residual_plot(X, y, w):
    """Each point's residual y_i - x_i . w against its prediction x_i . w."""
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.scatter(X @ w, y - X @ w, s=12)
    ax.axhline(0, color="gray", lw=0.5)
    ax.set(xlabel="prediction", ylabel="residual")
    plt.show()
'''
SUPPORT_FILES = 'support_files = ["hw99_lab.py", "hw99_plots.py"]\n'
PLOTS_TEMPLATE = '''```{code-cell} ipython3
:tags: [otter_ignore]

import hw99_plots

hw99_plots.residual_plot(X, y, w_best)
```
'''

# 7. A command of its own.
COMMAND = '''"""hw99's own commands: eecs182 run hw99 NAME."""

import click
import numpy as np

from assignment.hw99 import hw99_lab
from assignment.model import Assignment


@click.command()
@click.option("--seed", type=int, default=None, help="Term seed (default: the assignment's).")
def data(seed):
    """Print the size of the notebook's data set and its least-squares fit."""
    seed = Assignment.named("hw99").term_seed if seed is None else seed
    X, y = hw99_lab.make_data(seed)
    w = np.linalg.lstsq(X, y, rcond=None)[0]
    click.echo(f"seed {seed}: {len(y)} points, {X.shape[1]} features, least-squares w = {np.round(w, 3)}")
'''
COMMAND_TOML = '''[commands]
data = "assignment.hw99.commands:data"
'''
RUN_COMMAND = "eecs182 run hw99 data --seed 3"

SNIPPETS = [NEW, Q2_TOML, Q2_REFERENCE, Q2_TEMPLATE, Q2_CASES, WRITTEN_TOML, WRITTEN_TEMPLATE, MISTAKE,
            KIND_TOML, KIND_REFERENCE, KIND_TEMPLATE, KIND_FILE, KIND_CASES, FIELDS_TOML, FIELDS_REFERENCE,
            FIELDS_TEMPLATE, FIELDS_CASES, f"`{FIELDS_IMPORT}`", PLOTS, SUPPORT_FILES, PLOTS_TEMPLATE,
            COMMAND, COMMAND_TOML, RUN_COMMAND] + [f"`{line}`" for line in KIND_IMPORTS]


def test_the_readme_holds_every_snippet_this_test_applies():
    section = GUIDE.split("## Writing a new assignment\n", 1)[1].split("\n## ", 1)[0]
    missing = [snippet.splitlines()[0] for snippet in SNIPPETS if snippet not in section]
    assert not missing, f"docs/instructor-guide.md's 'Writing a new assignment' no longer shows these snippets: {missing}"


# --- the copy and its commands ---------------------------------------------------------------


def _copy_project(into):
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc")
    for name in SOURCES:
        shutil.copytree(ROOT / name, into / name, ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", into / "pyproject.toml")
    return into


def _env(copy):
    return {**os.environ, "PYTHONPATH": str(copy)}


def _run(copy, *args, timeout=300):
    result = subprocess.run([*COMMAND_LINE, *args], cwd=copy, env=_env(copy), capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, \
        f"eecs182 {' '.join(args)}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _append(path, text, gap="\n\n"):
    path.write_text(path.read_text().rstrip("\n") + gap + text)


def _insert_after(path, anchor, text):
    source = path.read_text()
    assert anchor in source, f"{path.name} has no {anchor!r}"
    path.write_text(source.replace(anchor, anchor + text, 1))


def _apply_the_readme(copy):
    folder = copy / "assignment" / "hw99"
    toml, template = folder / "assignment.toml", folder / "hw99.md.j2"
    reference, cases, mistakes = copy / "solutions" / "hw99.py", folder / "cases.py", folder / "mistakes.py"
    # 2. An autograded question: toml, reference, template block, cases.
    _append(toml, Q2_TOML)
    _append(reference, Q2_REFERENCE, "\n\n\n")
    _append(template, Q2_TEMPLATE)
    _append(cases, Q2_CASES, "\n\n\n")
    # 3. A written question.
    _append(toml, WRITTEN_TOML)
    _append(template, WRITTEN_TEMPLATE)
    # 4. A mistake.
    _append(mistakes, MISTAKE)
    # 5. A case kind: the question as in step 2, the kind's file, its imports among the module's, the kind.
    _append(toml, KIND_TOML)
    _append(reference, KIND_REFERENCE, "\n\n\n")
    _append(template, KIND_TEMPLATE)
    (folder / "kinds.py").write_text(KIND_FILE)
    _insert_after(cases, "from autograder.cases import Case, question_rngs\n", "\n".join(KIND_IMPORTS) + "\n")
    _append(cases, KIND_CASES, "\n\n\n")
    # 5, continued: a tuple answer.
    _append(toml, FIELDS_TOML)
    _append(reference, FIELDS_REFERENCE, "\n\n\n")
    _append(template, FIELDS_TEMPLATE)
    _insert_after(cases, "from autograder.cases import Case, question_rngs\n", FIELDS_IMPORT + "\n")
    _append(cases, FIELDS_CASES, "\n\n\n")
    # 6. A support file.
    (folder / "hw99_plots.py").write_text(PLOTS)
    scaffolded = 'support_files = ["hw99_lab.py"]\n'
    assert scaffolded in toml.read_text()
    toml.write_text(toml.read_text().replace(scaffolded, SUPPORT_FILES))
    _append(template, PLOTS_TEMPLATE)
    # 7. A command.
    (folder / "commands.py").write_text(COMMAND)
    _append(toml, COMMAND_TOML)


def _grades(path):
    with open(path, newline="") as f:
        return {row["file"]: row for row in csv.DictReader(f)}


def test_a_new_assignment_grown_as_the_readme_says_builds_and_grades(tmp_path):
    timings = {}
    copy = _copy_project(tmp_path / "project")
    # The copy's packages, not the editable install's, are the ones imported.
    where = subprocess.run([sys.executable, "-c", "import assignment, autograder, generator, solutions as s; "
                            "print(*(m.__file__ for m in (assignment, autograder, generator, s)))"],
                           cwd=copy, env=_env(copy), capture_output=True, text=True, check=True).stdout.split()
    assert len(where) == 4 and all(Path(p).is_relative_to(copy) for p in where), where

    # 1. Create it.
    out = _run(copy, *NEW.split()[1:3], "--title", "Homework 99: Least squares")
    for path in ["assignment/hw99/assignment.toml", "assignment/hw99/hw99.md.j2", "assignment/hw99/hw99_lab.py",
                 "assignment/hw99/__init__.py", "assignment/hw99/cases.py", "assignment/hw99/mistakes.py",
                 "solutions/hw99.py"]:
        assert path in out and (copy / path).is_file(), path
    assert "eecs182 build hw99" in out and "--assignment hw99" in out
    assert not (ROOT / "assignment" / "hw99").exists()

    # 2-7, then the build: it verifies (solution full marks, blank zero, no leaks) or exits 1.
    _apply_the_readme(copy)
    start = time.perf_counter()
    _run(copy, "build", "hw99", "-o", str(tmp_path / "dist"), timeout=1200)
    timings["build"] = time.perf_counter() - start
    release = tmp_path / "dist" / "hw99"
    assert (release / "student" / "hw99_plots.py").is_file()
    assert "q2_optimum" in (release / "hw99-rubric.md").read_text()

    # A notebook whose mse_grad is the cataloged mistake, beside the solution and the blank one.
    student = nbformat.read(release / "student" / "hw99.ipynb", as_version=4)
    cell = next(c for c in student.cells if c.metadata.get("question") == "q2_grad")
    cell.source = MISTAKE_FUNCTION
    next(c for c in student.cells if c.metadata.get("question") == "q4_fit").source = SUMMED_FIT
    nbformat.write(student, tmp_path / "mistaken.ipynb")

    start = time.perf_counter()
    _run(copy, "grade", str(release / "solution" / "hw99.ipynb"), str(release / "student" / "hw99.ipynb"),
         str(tmp_path / "mistaken.ipynb"), "-o", str(tmp_path / "grades"),
         "-a", str(release / "hw99-autograder.zip"), "--no-progress", timeout=600)
    timings["grade"] = time.perf_counter() - start
    grades = _grades(tmp_path / "grades" / "final_grades.csv")
    solution, blank, mistaken = grades["hw99"], grades["hw99-2"], grades["mistaken"]
    # 4 autograded points and 3 for the written questions, which are blank until a TA grades them
    assert grades["points-per-question"]["total_points_earned"] == "7"
    assert solution["total_points_earned"] == "4" and float(solution["percent_correct"]) == pytest.approx(4 / 7, abs=1e-4), \
        solution
    assert blank["total_points_earned"] == "0", blank
    assert mistaken["q2_grad"] == "0" and mistaken["q4_fit"] == "0", mistaken
    assert mistaken["total_points_earned"] == "0", mistaken
    feedback = (tmp_path / "grades" / "feedback" / "mistaken.txt").read_text()
    assert MISTAKE_HINT in feedback
    assert re.search(r"fit\(X=\[6×2 array\], y=\[[-0-9., ]+\]\): w is right; mse is [0-9.]+, it should be "
                     r"[0-9.]+", feedback), feedback

    # 7. The command.
    out = _run(copy, *RUN_COMMAND.split()[1:])
    assert out.startswith("seed 3: 40 points, 3 features, least-squares w = [")
    print(f"\nbuild {timings['build']:.0f} s, grading 3 notebooks {timings['grade']:.0f} s")


# --- refusals ---------------------------------------------------------------------------------


def _files(root):
    return sorted(p.relative_to(root) for p in root.rglob("*"))


def test_new_refuses_a_bad_or_taken_name_and_writes_nothing(tmp_path, monkeypatch):
    for package in ("assignment", "solutions"):
        (tmp_path / package).mkdir(parents=True)
    (tmp_path / "assignment" / "hw01").mkdir()
    (tmp_path / "assignment" / "hw01" / "assignment.toml").write_text('name = "hw01"\n')
    (tmp_path / "assignment" / "model.py").write_text("")
    (tmp_path / "solutions" / "hw02.py").write_text("")
    monkeypatch.setattr(model, "ASSIGNMENTS_DIR", tmp_path / "assignment")
    before = _files(tmp_path)
    refusals = {
        "Hw99": "lowercase", "hw-99": "not a Python identifier", "9hw": "not a Python identifier",
        "hw99é": "not a Python identifier", "class": "keyword",
        "hw01": "already an assignment folder assignment/hw01/",
        "model": "assignment/model.py already exists",  # it would shadow assignment.model
        "hw02": "solutions/hw02.py already exists",
    }
    for name, why in refusals.items():
        result = CliRunner().invoke(main, ["new", name])
        assert result.exit_code == 1 and why in result.output, (name, result.output)
        assert _files(tmp_path) == before, name
    result = CliRunner().invoke(main, ["new", "hw03", "--title", "two\nlines"])
    assert result.exit_code == 1 and "one line" in result.output and _files(tmp_path) == before

    # A good name is written once, with its title as the toml has it; the second time it is taken.
    result = CliRunner().invoke(main, ["new", "hw03", "--title", 'Homework 3: "Least" squares — ü'])
    assert result.exit_code == 0, result.output
    written = set(_files(tmp_path)) - set(before)
    assert {str(p) for p in written if (tmp_path / p).is_file()} == {
        "assignment/hw03/assignment.toml", "assignment/hw03/hw03.md.j2", "assignment/hw03/hw03_lab.py",
        "assignment/hw03/__init__.py", "assignment/hw03/cases.py", "assignment/hw03/mistakes.py", "solutions/hw03.py"}
    hw03 = model.Assignment.named("hw03")
    assert (hw03.title, hw03.reference, hw03.cases_module) == ('Homework 3: "Least" squares — ü', "solutions.hw03",
                                                        "assignment.hw03.cases")
    assert [q.name for q in hw03.questions] == ["q1_mse"] and [w.name for w in hw03.written] == ["q1_mean"]
    assert hw03.support_files == ("hw03_lab.py",) and "import hw03_lab" in (hw03.root / hw03.template).read_text()
    after = _files(tmp_path)
    result = CliRunner().invoke(main, ["new", "hw03"])
    assert result.exit_code == 1 and "already an assignment" in result.output and _files(tmp_path) == after


def test_new_refuses_an_assignment_of_this_project():
    result = CliRunner().invoke(main, ["new", "disc01"])
    assert result.exit_code == 1 and "already an assignment folder assignment/disc01/" in result.output
    assert not (ROOT / "assignment" / "disc01" / "disc01_lab.py").exists()


# --- a fixed reference regrades ---------------------------------------------------------------

CORRECT_MSE = '''def mse(w, X, y):
    import numpy as np
    X, w, y = (np.asarray(a, dtype=float) for a in (X, w, y))
    return float(np.mean((X @ w - y) ** 2))
'''


def test_a_rebuilt_autograder_regrades_what_the_old_one_graded_and_lists_what_moved(tmp_path):
    """The instructor's week: a bug in a reference, a section graded, the reference fixed, the
    release rebuilt, the section graded again into the same folder. The correct student's score
    follows the fixed autograder, the change is listed, the TA's hand score stays."""
    from autograder.grading.hand_scores import HandScores

    copy = _copy_project(tmp_path / "project")
    _run(copy, "new", "hw98")
    reference = copy / "solutions" / "hw98.py"
    right = "return float(np.mean(residuals**2))"
    assert right in reference.read_text()
    reference.write_text(reference.read_text().replace(right, "return float(np.mean(np.abs(residuals)))"))
    dist, out = tmp_path / "dist", tmp_path / "grades"
    release = dist / "hw98"
    _run(copy, "build", "hw98", "-o", str(dist), timeout=600)

    student = nbformat.read(release / "student" / "hw98.ipynb", as_version=4)
    next(c for c in student.cells if c.metadata.get("question") == "q1_mse").source = CORRECT_MSE
    nbformat.write(student, tmp_path / "correct.ipynb")
    grade = ["grade", str(tmp_path / "correct.ipynb"), "-o", str(out), "-a", str(release / "hw98-autograder.zip"),
             "--no-progress"]
    _run(copy, *grade)
    assert _grades(out / "final_grades.csv")["correct"]["q1_mse"] == "0"  # the buggy reference's verdict
    HandScores(out).tick("correct", "q1_mean", 0, True, answer_hash="")  # a TA's point for the written part

    unchanged = _run(copy, *grade)  # the same zip: nothing to grade again
    assert "0 graded now" in unchanged and "1 kept from an earlier run" in unchanged, unchanged

    reference.write_text(reference.read_text().replace("return float(np.mean(np.abs(residuals)))", right))
    _run(copy, "build", "hw98", "-o", str(dist), timeout=600)
    regraded = _run(copy, *grade)
    assert "1 graded now" in regraded and "1 of them again because the autograder changed" in regraded, regraded
    assert "correct: 1 → 2 (q1_mse 0 → 1)" in regraded, regraded  # totals: the hand point included
    row = _grades(out / "final_grades.csv")["correct"]
    assert row["q1_mse"] == "1" and row["q1_mean"] == "1" and row["total_points_earned"] == "2", row
    assert "correct: 1 → 2 (q1_mse 0 → 1)" in (out / "changes.log").read_text()


def test_a_new_assignment_keeps_the_fast_suite_green(tmp_path):
    """Adding an assignment breaks no test: no test lists the assignments by name. In a copy of
    the project under git (its tests, docs and settings too), `eecs182 new hw42`, then the fast
    suite there, which now meets hw42 in every test about each assignment."""
    if os.environ.get("EECS182_GROWN_COPY"):
        pytest.skip("this is that copy's run")  # no copy within the copy
    copy = _copy_project(tmp_path / "project")
    for name in ("tests", "docs", "benchmarks"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("README.md", "mypy.ini", "Makefile", ".gitignore"):
        shutil.copy2(ROOT / name, copy / name)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.com"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "the project"]):
        subprocess.run([*git, *command], cwd=copy, check=True, capture_output=True)
    _run(copy, "new", "hw42")
    assert (copy / "assignment" / "hw42" / "assignment.toml").is_file()
    fast = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", "2",
                           "-m", "not slow and not browser and not sandbox"], cwd=copy,
                          env={**_env(copy), "EECS182_GROWN_COPY": "1"},
                          capture_output=True, text=True, timeout=1800)
    assert fast.returncode == 0, fast.stdout[-6000:]
    assert "hw42" in subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--collect-only",
                                     "tests/test_generator.py"], cwd=copy, env=_env(copy), capture_output=True,
                                    text=True).stdout
