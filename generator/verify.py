"""Is the release sound? Each check returns a CheckResult; the build fails if any fails.

- the solution notebook ran top to bottom in a fresh kernel (during the build);
- graded by the judge with the built autograder zip's casebook it earns full marks;
- the blank student notebook runs top to bottom and the judge gives it zero everywhere;
- nothing in the student zip leaks a reference body, a hidden test or a hidden expected value.
"""

import ast
import json
import re
import shutil
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder import syntax
from generator.cache import NO_CACHE, code_cells
from generator.source import function_source


@dataclass
class CheckResult:
    name: str
    passed: bool
    detail: str


def _count(n, noun):
    return f"{n} {noun}{'' if n == 1 else 's'}"


def judge_grade(autograder_zip, notebook, cache=NO_CACHE):
    """Grade one notebook with the judge, from what the built zip holds (its casebook and
    support files): {question: (score, max)}. From ``cache`` when this zip graded the same code."""
    parts = ["judge", *_what_the_judge_reads(autograder_zip), code_cells(nbformat.read(notebook, as_version=4))]
    scores = cache.cached("judge", parts, lambda: _judge_grade(autograder_zip, notebook),
                          what=f"the judge on {Path(notebook).parent.name}'s notebook")
    return {name: tuple(score) for name, score in scores.items()}


def _what_the_judge_reads(autograder_zip):
    """Key parts: the zip's files and its casebook's questions, without what grades nothing (the
    written questions' rubrics, the similarity forms): a new rubric leaves the judge's grade."""
    parts = []
    with zipfile.ZipFile(autograder_zip) as zf:
        for name in sorted(zf.namelist()):
            data = zf.read(name)
            if name == "casebook.json":
                casebook = json.loads(data)
                data = json.dumps({k: v for k, v in casebook.items()
                                   if k not in ("written", "known_forms", "written_placeholder")}, sort_keys=True)
            parts += [name, data]
    return parts


def _judge_grade(autograder_zip, notebook):
    from autograder.judge import Casebook, judge_submission

    with tempfile.TemporaryDirectory() as unpacked, zipfile.ZipFile(autograder_zip) as zf:
        zf.extractall(unpacked)
        casebook = Casebook.read(Path(unpacked) / "casebook.json")
        verdict = judge_submission(notebook, casebook, Path(unpacked) / "files")
    if verdict.status != "graded":
        raise RuntimeError(f"the judge could not grade {notebook}: {verdict.status}; {verdict.notes}")
    return {q.name: (q.score, q.points) for q in verdict.questions}


def check_solution_full_marks(release):
    scores = judge_grade(release.autograder_zip, release.solution_dir / release.assignment.notebook, release.cache)
    wrong = {q.name: scores.get(q.name) for q in release.assignment.questions
             if scores.get(q.name) != (q.points, q.points)}
    detail = f"all {_count(len(scores), 'question')} at full marks" if not wrong else f"not full marks: {wrong}"
    return CheckResult("solution earns full marks (judge)", not wrong, detail)


def run_blank_student(release):
    """Run the blank student notebook top to bottom in a fresh kernel, in a copy of the student
    folder. It needs only that folder, so a build may run it while it executes the solution."""
    from generator.steps import Execute

    a = release.assignment
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        shutil.copytree(release.student_dir, work, dirs_exist_ok=True)
        nb = nbformat.read(work / a.notebook, as_version=4)
        try:
            Execute()(nb, {"workdir": work, "assignment": a, "cache": release.cache,
                           "run_name": "the blank student notebook"})
        except Exception as exc:  # CellExecutionError names the cell and the traceback
            return CheckResult("blank student notebook runs", False, f"{type(exc).__name__}: {str(exc)[-2000:]}")
    cached = ("notebook-run", "the blank student notebook") in release.cache.hits
    return CheckResult("blank student notebook runs", True,
                       "the run of the same code, cached" if cached else "ran top to bottom in a fresh kernel")


def check_blank_student_zero(release):
    """Grade the blank student notebook: every question must be 0."""
    a = release.assignment
    scores = judge_grade(release.autograder_zip, release.student_dir / a.notebook, release.cache)
    nonzero = {q.name: scores.get(q.name) for q in a.questions if (scores.get(q.name) or (None,))[0] != 0}
    detail = f"all {_count(len(a.questions), 'autograded question')} score 0" if not nonzero else f"not zero: {nonzero}"
    return CheckResult("blank student notebook earns zero", not nonzero, detail)


# --- leaks -------------------------------------------------------------------------------------


def _normalise(text):
    return re.sub(r"\s+", " ", text).strip()


def student_texts(student_zip):
    """Every text in the zip, notebooks as their cells' sources and outputs."""
    texts = {}
    with zipfile.ZipFile(student_zip) as zf:
        for name in zf.namelist():
            data = zf.read(name).decode("utf-8", errors="replace")
            if name.endswith(".ipynb"):
                nb = nbformat.reads(data, as_version=4)
                data = "\n".join(c.source for c in nb.cells) + "\n" + json.dumps(
                    [c.get("outputs", []) for c in nb.cells])
            texts[name] = data
    return texts


def secrets(assignment, hidden_tests_dir):
    """(label, text) pairs that must not appear in anything students get."""
    reference = assignment.reference_module()
    found = []
    for q in assignment.questions:
        src = function_source(getattr(reference, q.function))
        found.append((f"reference body of {q.function}", _normalise(src.body)))
        for line in src.body.splitlines():
            line = line.strip()
            if line.startswith("return ") and len(line) > 20:
                found.append((f"reference return line of {q.function}", _normalise(line)))
    for path in sorted(Path(hidden_tests_dir).glob("*.py")):
        text = path.read_text()
        lines = text.splitlines(keepends=True)
        for node in syntax.parse(text).body:
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) \
                    and node.targets[0].id.startswith("_hidden_"):
                value = _source_segment(lines, node.value)
                found.append((f"{path.stem} {node.targets[0].id}", _normalise(value)))
                for number in re.findall(r"-?\d+\.\d{6,}(?:e-?\d+)?", value):
                    found.append((f"{path.stem} {node.targets[0].id} value {number}", number))
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_hidden"):
                found.append((f"{path.stem} hidden test", f"def {node.name}("))
    for question in assignment.written:
        found += [(f"rubric of {question.name}", _normalise(item.item)) for item in question.rubric]
    return found


def _source_segment(lines, node):
    """``ast.get_source_segment`` from lines split once: it splits the whole file on every call,
    and a test file holds hundreds of hidden values (2.4 s of a 16-question verification)."""
    first, last = node.lineno - 1, node.end_lineno - 1
    encoded = [line.encode() for line in lines[first:last + 1]]  # offsets count UTF-8 bytes
    if first == last:
        return encoded[0][node.col_offset:node.end_col_offset].decode()
    return b"".join([encoded[0][node.col_offset:], *encoded[1:-1], encoded[-1][:node.end_col_offset]]).decode()


def find_leaks(student_zip, secret_items):
    texts = {name: _normalise(t) for name, t in student_texts(student_zip).items()}
    leaks = []
    for label, secret in secret_items:
        for name, text in texts.items():
            if secret and secret in text:
                leaks.append(f"{label} in {name}")
    return leaks


def check_no_leaks(release):
    # The secrets are those of the built autograder zip: what Gradescope really holds.
    with tempfile.TemporaryDirectory() as hidden, zipfile.ZipFile(release.autograder_zip) as zf:
        for name in zf.namelist():
            if name.startswith("tests/") and name.endswith(".py"):
                (Path(hidden) / Path(name).name).write_bytes(zf.read(name))
        leaks = find_leaks(release.student_zip, secrets(release.assignment, hidden))
    detail = "no reference body, hidden test, hidden value or rubric in the student zip" if not leaks \
        else "; ".join(leaks[:10]) + (f" (+{len(leaks) - 10} more)" if len(leaks) > 10 else "")
    return CheckResult("student zip leaks nothing", not leaks, detail)


def check_pages_offline(release):
    """The solution page and the rubric page draw every formula themselves and fetch nothing."""
    problems, formulas = [], 0
    for path in (release.solution_page, release.rubric_page):
        page = path.read_text()
        formulas += page.count("<math")
        problems += [f"{path.name}: formula not rendered: {t[:60]}"
                     for t in re.findall(r'<code class="tex-unrendered"[^>]*>(.*?)</code>', page, re.S)]
        fetched = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', page)
        problems += [f"{path.name} fetches {u}" for u in fetched]
    detail = (f"{formulas} formulas as MathML, nothing from the network" if not problems
              else "; ".join(problems[:5]))
    return CheckResult("solution and rubric pages work offline", not problems, detail)


def verify_release(release, progress=lambda msg: None, blank_run=None):
    """Every check of ``release``. ``blank_run``: ``run_blank_student``'s result where it ran
    already (beside the build, ``generator.build.build_and_verify``)."""
    ran = ("the run of the same code, cached" if ("notebook-run", "the solution notebook") in release.cache.hits
           else "executed top to bottom in a fresh kernel")
    results = [CheckResult("solution notebook runs", True, ran), check_pages_offline(release)]
    # The judge's two runs, each in a kernel of its own, go on while this process looks for leaks.
    with ThreadPoolExecutor(max_workers=2) as judge:
        full_marks = judge.submit(check_solution_full_marks, release)
        zero = judge.submit(check_blank_student_zero, release)
        progress("leak check")
        results.append(check_no_leaks(release))
        progress("grading the solution (judge)")
        results.append(full_marks.result())
        progress("running and grading the blank student notebook")
        results.append(blank_run or run_blank_student(release))
        results.append(zero.result())
    return results
