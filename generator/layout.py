"""Where a release goes and what a student's folder holds: ``dist/<name>/`` and its files.

    dist/<name>/student/   + <name>-student.zip     notebook, support files, public tests
    dist/<name>/solution/  + <name>-solution.zip    executed solution notebook, its page, the same files
    dist/<name>/<name>-autograder.zip               otter's Gradescope autograder (all tests)
    dist/<name>/<name>-rubric.md, .html             the written questions' keys and rubrics
"""

import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

DIST = "dist"
# The command reads this module for its paths alone: what builds a folder is imported when it does.


def autograder_zip_path(out_root, name):
    """The Gradescope zip ``eecs182 build`` makes for the assignment ``name`` under ``out_root``."""
    return Path(out_root) / name / f"{name}-autograder.zip"


@dataclass
class Release:
    assignment: object
    seed: int
    root: Path
    artifacts: dict = field(default_factory=dict)  # label -> path
    cache: object = None  # a generator.cache.BuildCache; None: nothing cached

    def __post_init__(self):
        if self.cache is None:
            from generator.cache import NO_CACHE

            self.cache = NO_CACHE

    @cached_property
    def casebook(self):
        """Every case with the reference's answers, computed once: the test files and the judge's
        casebook in the Gradescope zip are written from it."""
        from generator.casebook import build_casebook

        return build_casebook(self.assignment, self.seed, self.cache)

    @cached_property
    def student_notebook(self):
        """The student notebook, rendered once: the student zip holds it, and what it imports
        decides the Gradescope zip's packages and the warm sandbox's preloads."""
        from generator import pipelines
        from generator.steps import run_pipeline

        return run_pipeline(pipelines.STUDENT, dict(assignment=self.assignment, variant="student", seed=self.seed))

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
        return autograder_zip_path(self.root.parent, self.assignment.name)


def support_sources(assignment):
    return [(assignment.root / name).read_text() for name in assignment.support_files]


def lay_out(release, folder, include_hidden):
    """Support files, the export cell's tool and tests in ``folder``, as a student's notebook finds them."""
    from autograder.in_kernel import submit, written_pdf
    from generator.testfiles import write_tests

    for name in release.assignment.support_files:
        shutil.copy2(release.assignment.root / name, folder / name)
    for tool in (submit, written_pdf):  # the export cell's tool, the same for every assignment
        shutil.copy2(Path(tool.__file__), folder / Path(tool.__file__).name)
    write_tests(release.casebook, release.assignment.reference_module(), folder / "tests", include_hidden)


def fresh_folder(folder):
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@contextmanager
def staged(release, include_hidden):
    """A temporary folder laid out like a student's."""
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        lay_out(release, work, include_hidden)
        yield work
