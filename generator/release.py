"""``eecs182 build``: the release of one assignment, from its one source, into dist/<name>/.

    student/   + <name>-student.zip     notebook, support files, public tests, requirements.txt
    solution/  + <name>-solution.zip    executed solution notebook, its HTML render, the same files
    <name>-autograder.zip               otter's Gradescope autograder (all tests)

then the verification (``generator.verify``) that the release is sound.
"""

import ast
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import nbformat

from autograder.in_kernel import submit
from autograder.in_kernel.submit import written_prompt
from generator.testfiles import write_tests
from generator import pipelines
from generator.steps import run_pipeline
from autograder.judge import shipped
from autograder.judge.kinds import KINDS
from generator.requirements import (imported_module_paths, imported_modules, pinned_distributions, third_party,
                                    write_requirements)
from generator.offline_html import markdown_page
from generator.zipping import repack, zip_folder

GRADESCOPE_TEMPLATES = Path(__file__).resolve().parents[1] / "autograder" / "gradescope" / "templates"
# What the judge itself needs on Gradescope, besides what the assignment's notebook imports.
JUDGE_PACKAGES = ("numpy", "nbclient", "nbformat", "ipykernel", "jupyter_client")
# otter installs itself there; the export cell's tool and the support files are files, not packages.
NOT_INSTALLED = ("otter", "submit")


def gradescope_requirements(release, nb):
    """What Gradescope installs (otter merges it into its environment.yml): the judge's packages
    and every package the student notebook ``nb``, its support files and its case kinds' kernel
    code import, each pinned to the version the release was built and verified with. torch comes
    from its CPU wheel index: a plain `torch` there pulls the multi-GB CUDA build."""
    a = release.assignment
    sources = [cell.source for cell in nb.cells if cell.cell_type == "code"] + _support_sources(a)
    sources.append(shipped.kernel_source([KINDS[kind] for kind in sorted(_case_kinds(a, release.seed))]))
    own = [Path(name).stem for name in a.support_files] + list(NOT_INSTALLED)
    modules = third_party(imported_modules(sources), own=own) + list(JUDGE_PACKAGES)
    pins = pinned_distributions(modules, keep_local=True)
    index = ["--extra-index-url https://download.pytorch.org/whl/cpu"] if any("+cpu" in p for p in pins) else []
    return "\n".join(index + pins) + "\n"


def _support_sources(assignment):
    return [(assignment.root / name).read_text() for name in assignment.support_files]


def _case_kinds(assignment, seed):
    import importlib

    checks = importlib.import_module(assignment.cases_module)
    return sorted({case.kind for q in assignment.questions for case in checks.cases(q.name, seed)})


@dataclass
class Release:
    assignment: object
    seed: int
    root: Path
    artifacts: dict = field(default_factory=dict)  # label -> path

    @cached_property
    def casebook(self):
        """Every case with the reference's answers, computed once: the test files and the judge's
        casebook in the Gradescope zip are written from it."""
        from autograder.judge import build_casebook

        return build_casebook(self.assignment, self.seed)

    @property
    def student_dir(self):
        return self.root / "student"

    @property
    def solution_dir(self):
        return self.root / "solution"

    @property
    def solution_page(self):
        return self.solution_dir / self.assignment.notebook.replace(".ipynb", ".html")

    @property
    def rubric(self):
        return self.root / f"{self.assignment.name}-rubric.md"

    @property
    def rubric_page(self):
        return self.rubric.with_suffix(".html")

    @property
    def student_zip(self):
        return self.root / f"{self.assignment.name}-student.zip"

    @property
    def solution_zip(self):
        return self.root / f"{self.assignment.name}-solution.zip"

    @property
    def autograder_zip(self):
        return self.root / f"{self.assignment.name}-autograder.zip"


@contextmanager
def _working_directory(path):
    # otter generate resolves its inputs against the current directory and refuses files outside it
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def _copy_support_files(assignment, dest):
    for name in assignment.support_files:
        shutil.copy2(assignment.root / name, dest / name)
    # The export cell's tool, the same for every assignment.
    shutil.copy2(Path(submit.__file__), dest / "submit.py")


def _lay_out(release, folder, include_hidden):
    """Support files and tests in ``folder``, as a student's notebook finds them."""
    _copy_support_files(release.assignment, folder)
    write_tests(release.casebook, release.assignment.reference_module(), folder / "tests", include_hidden)


def _fresh_folder(folder):
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@contextmanager
def _staged(release, include_hidden):
    """A temporary folder laid out like a student's."""
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        _lay_out(release, work, include_hidden)
        yield work


def build_student(release, progress=lambda msg: None):
    a = release.assignment
    progress("student notebook")
    folder = _fresh_folder(release.student_dir)
    nb = run_pipeline(pipelines.STUDENT, dict(assignment=a, variant="student", seed=release.seed))
    nbformat.write(nb, folder / a.notebook)
    _lay_out(release, folder, include_hidden=False)
    write_requirements(folder, nb, a)
    zip_folder(release.student_zip, folder)
    release.artifacts["student zip"] = release.student_zip


def build_solution(release, progress=lambda msg: None):
    """Render, then execute in a folder laid out like the student's (support files, tests)."""
    from generator.offline_html import offline_html

    a = release.assignment
    progress("solution notebook (executing)")
    folder = _fresh_folder(release.solution_dir)
    with _staged(release, include_hidden=False) as work:
        resources = dict(assignment=a, variant="solution", seed=release.seed, workdir=work)
        nb = run_pipeline(pipelines.SOLUTION, resources)
    nbformat.write(nb, folder / a.notebook)
    html, _ = offline_html(nb)  # every formula as MathML, nothing from a CDN
    release.solution_page.write_text(html)
    # Laid out like the student's: with the public tests, grader.check runs in the solution too.
    _lay_out(release, folder, include_hidden=False)
    write_requirements(folder, nb, a)
    zip_folder(release.solution_zip, folder)
    release.artifacts["solution zip"] = release.solution_zip


def build_rubric(release):
    """``<assignment>-rubric.md``: every written question with its heading, prompt, key and
    rubric, taken from the built solution notebook; what a TA grades from on Gradescope."""
    a = release.assignment
    nb = nbformat.read(release.solution_dir / a.notebook, as_version=4)
    sections = {}
    for previous, cell in zip(nb.cells, nb.cells[1:]):
        name = cell.metadata.get("written")
        if name:
            title, prompt = written_prompt(previous)
            sections[name] = (title, prompt, cell.source.strip())
    total = sum(w.points for w in a.written)
    lines = [f"# {a.title}: written questions", "",
             f"Graded by hand on Gradescope: {len(a.written)} question{'' if len(a.written) == 1 else 's'}, {total:g} points.", ""]
    for w in a.written:
        title, prompt, key = sections[w.name]
        lines += [f"## {w.name}: {title} ({w.points:g} points)", "", prompt, "", key, ""]
    release.rubric.write_text("\n".join(lines))
    release.artifacts["rubric"] = release.rubric
    # The same, as a page with its formulas drawn, for TAs who open it in a browser.
    page, _ = markdown_page("\n".join(lines), f"{a.title}: written questions")
    release.rubric_page.write_text(page)
    release.artifacts["rubric page"] = release.rubric_page


def build_autograder(release, progress=lambda msg: None):
    import otter.generate

    a = release.assignment
    progress("autograder zip (otter generate)")
    # What the student notebook imports decides both the packages and the warm sandbox's preloads.
    nb = run_pipeline(pipelines.STUDENT, dict(assignment=a, variant="student", seed=release.seed))
    with _staged(release, include_hidden=True) as work:
        (work / "requirements.txt").write_text(gradescope_requirements(release, nb))
        config = {"lang": "python", "pdf": False, "zips": False, "show_stdout": False,
                  "show_hidden": False, "assignment_name": a.name, "plugins": []}
        (work / "otter_config.json").write_text(json.dumps(config, indent=2))
        with _working_directory(work):
            otter.generate.main(
                tests_dir="tests", output_path="autograder.zip", config="otter_config.json",
                lang="python", requirements="requirements.txt", no_environment=True,
                python_version=a.python_version, files=list(a.support_files),
            )
        release.autograder_zip.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(work / "autograder.zip", release.autograder_zip)
    repack(release.autograder_zip, _judge_files(release, nb))
    release.artifacts["autograder zip"] = release.autograder_zip


# What runs on Gradescope: the judge, its entry point and the kernel's side of a graded run (sent as
# source); the assignment's cases modules come after. Local grading, its sandbox, the export tool
# and the test files' own check (they carry it) stay out.
GRADESCOPE_CODE = ("autograder/__init__.py", "autograder/files.py", "autograder/judge", "autograder/gradescope",
                   "autograder/in_kernel/__init__.py", "autograder/in_kernel/grade.py", "autograder/cases.py")


def gradescope_code(assignment):
    """{name in the zip: path} of the code that runs on Gradescope for ``assignment``: the
    generic part, and its cases module with the modules of its folder that one imports."""
    project = Path(__file__).resolve().parents[1]
    files = {}
    for entry in GRADESCOPE_CODE:
        path = project / entry
        for p in (sorted(path.glob("*.py")) if path.is_dir() else [path]):
            files[p.relative_to(project).as_posix()] = p
    # Its packages' (empty) faces, its cases module, and what that imports from its own folder
    # (mistakes, kinds): never its notebook's support files or commands, never the reference.
    own = assignment.cases_module.rsplit(".", 1)[0]
    for package in (own.split(".")[0], own):
        path = project / package.replace(".", "/") / "__init__.py"
        files[path.relative_to(project).as_posix()] = path
    pending = [assignment.cases_module]
    while pending:
        path = project / (pending.pop().replace(".", "/") + ".py")
        files[path.relative_to(project).as_posix()] = path
        tree = ast.parse(path.read_text())
        pending += [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
                    and node.module.startswith(own + ".")
                    and f"{node.module.replace('.', '/')}.py" not in files]
    return files


def _judge_files(release, nb):
    """The judge, its casebook and the entry points that run it, for the Gradescope zip."""
    files = gradescope_code(release.assignment)
    casebook = replace(release.casebook, preload=tuple(_notebook_imports(release.assignment, nb)),
                       known_forms=_known_forms(release.assignment, release.casebook, nb))
    files["casebook.json"] = casebook.to_json().encode()
    # Gradescope's scripts, as they are: run_autograder runs run_otter.py, which runs the judge.
    for name in ("run_autograder", "run_otter.py"):
        files[name] = GRADESCOPE_TEMPLATES / name
    return files


def _known_forms(assignment, casebook, nb):
    """question -> the canonical forms of the code the student notebook gives for it and of the
    reference's function: what unanswered submissions share, and what the course itself wrote,
    neither of which is evidence of copying."""
    import inspect

    from autograder.grading.review.similarity import canonical_form

    reference = assignment.reference_module()
    functions = {q.name: q.function for q in casebook.questions}
    forms = {q: [canonical_form(inspect.getsource(getattr(reference, f)), f)] for q, f in functions.items()}
    for cell in nb.cells:
        question = cell.metadata.get("question")
        if cell.cell_type == "code" and question in functions:
            forms[question].append(canonical_form(cell.source, functions[question]))
    return {q: sorted({f for f in found if f}) for q, found in forms.items()}


def _notebook_imports(assignment, nb):
    """What the cells of ``nb`` the judge runs, and the support files, import as they run: the
    modules the local grader's warm sandbox imports once for all kernels."""
    from autograder.judge.request import gradable_cells

    sources = [cell.source for _, cell in gradable_cells(nb)] + _support_sources(assignment)
    own = [Path(name).stem for name in assignment.support_files]
    return third_party(imported_module_paths(sources, when_run=True), own=own)


def build_release(assignment, out_root, seed=None, progress=lambda msg: None, student_built=lambda release: None):
    """``student_built(release)`` is called once the student folder and zip exist."""
    seed = assignment.term_seed if seed is None else int(seed)
    release = Release(assignment, seed, Path(out_root) / assignment.name)
    release.root.mkdir(parents=True, exist_ok=True)
    build_student(release, progress)
    student_built(release)
    build_solution(release, progress)
    build_rubric(release)
    build_autograder(release, progress)
    return release
