"""``eecs182 build``: the release of one assignment, from its one source, into dist/<name>/.

    student/   + <name>-student.zip     notebook, support files, public tests
    solution/  + <name>-solution.zip    executed solution notebook and its HTML render
    <name>-autograder.zip               otter's Gradescope autograder (all tests)

then the verification (``generator.verify``) that the release is sound.
"""

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.testfiles import write_tests
from generator import pipelines
from generator.steps import run_pipeline
from generator.zipping import repack, zip_folder

# Gradescope installs these (otter merges them into its environment.yml). The extra index
# keeps torch on the CPU wheel; a plain `torch` there pulls the multi-GB CUDA build.
GRADESCOPE_REQUIREMENTS = """\
--extra-index-url https://download.pytorch.org/whl/cpu
torch==2.13.0+cpu
numpy
numba
matplotlib
ipywidgets
tqdm
"""


@dataclass
class Release:
    assignment: object
    seed: int
    root: Path
    artifacts: dict = field(default_factory=dict)  # label -> path

    @property
    def student_dir(self):
        return self.root / "student"

    @property
    def solution_dir(self):
        return self.root / "solution"

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


def _lay_out(release, folder, include_hidden):
    """Support files and tests in ``folder``, as a student's notebook finds them."""
    _copy_support_files(release.assignment, folder)
    write_tests(release.assignment, release.seed, folder / "tests", include_hidden=include_hidden)


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
    zip_folder(release.student_zip, folder)
    release.artifacts["student zip"] = release.student_zip


def build_solution(release, progress=lambda msg: None):
    """Render, then execute in a folder laid out like the student's (support files, tests)."""
    from nbconvert import HTMLExporter

    a = release.assignment
    progress("solution notebook (executing)")
    folder = _fresh_folder(release.solution_dir)
    with _staged(release, include_hidden=False) as work:
        resources = dict(assignment=a, variant="solution", seed=release.seed, workdir=work)
        nb = run_pipeline(pipelines.SOLUTION, resources)
    nbformat.write(nb, folder / a.notebook)
    html, _ = HTMLExporter().from_notebook_node(nb)
    (folder / a.notebook.replace(".ipynb", ".html")).write_text(html)
    _copy_support_files(a, folder)
    zip_folder(release.solution_zip, folder)
    release.artifacts["solution zip"] = release.solution_zip


def build_autograder(release, progress=lambda msg: None):
    import otter.generate

    a = release.assignment
    progress("autograder zip (otter generate)")
    with _staged(release, include_hidden=True) as work:
        (work / "requirements.txt").write_text(GRADESCOPE_REQUIREMENTS)
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
    repack(release.autograder_zip)
    release.artifacts["autograder zip"] = release.autograder_zip


def build_release(assignment, out_root, seed=None, progress=lambda msg: None):
    seed = assignment.term_seed if seed is None else int(seed)
    release = Release(assignment, seed, Path(out_root) / assignment.name)
    release.root.mkdir(parents=True, exist_ok=True)
    build_student(release, progress)
    build_solution(release, progress)
    build_autograder(release, progress)
    return release
