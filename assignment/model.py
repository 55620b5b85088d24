"""The assignment model: an assignment's source folder, its data file, template, reference
module and support files. It sits below both the generator (which builds the release) and the
autograder (whose casebook is built from it).

Adding an assignment means adding a folder under ``assignment/`` with an ``assignment.toml``;
nothing here names a particular assignment.
"""

import importlib
from dataclasses import dataclass
from pathlib import Path

from assignment.schema import AssignmentError, read_toml  # noqa: F401 - AssignmentError is raised from here

ASSIGNMENTS_DIR = Path(__file__).resolve().parent
# What an answer's cell holds until the student writes in it. The export tool (submit.py) spots
# blank written answers by the same text: it ships alone, so it holds a copy, which
# tests/test_submit.py keeps equal to this one.
WRITTEN_PLACEHOLDER = "_Graded by hand: type your answer here, replacing this text._"
PRACTICE_PLACEHOLDER = "_For practice, not graded: work it out here if you like, replacing this text._"


@dataclass(frozen=True)
class Question:
    name: str
    function: str
    points: float


@dataclass(frozen=True)
class RubricItem:
    points: float
    item: str  # what an answer must say to earn these points


@dataclass(frozen=True)
class WrittenQuestion:
    name: str
    points: float
    rubric: tuple = ()

    def __post_init__(self):
        items = tuple(i if isinstance(i, RubricItem) else RubricItem(**i) for i in self.rubric)
        object.__setattr__(self, "rubric", items)
        if items and sum(i.points for i in items) != self.points:
            raise ValueError(f"{self.name}: the rubric's points add up to {sum(i.points for i in items):g}, "
                             f"not the question's {self.points:g}")


@dataclass(frozen=True)
class Assignment:
    root: Path
    name: str
    title: str
    notebook: str
    template: str
    reference: str
    support_files: tuple
    python_version: str
    term_seed: int
    questions: tuple
    written: tuple
    commands: tuple  # (name, "module:attribute" of a click command): `eecs182 run ASSIGNMENT NAME`
    build_cell_timeout: float = None  # seconds a cell of the notebook may take in the build (None: the build's)
    score_from: str = "hidden"  # the cases a question's score counts: "hidden" or "all"

    @classmethod
    def load(cls, root):
        """The assignment in ``root``, its assignment.toml checked (``schema``): a mistake there is
        an ``AssignmentError`` that names the file and the key."""
        root = Path(root)
        path = root / "assignment.toml"
        data = read_toml(path)
        if data.name != root.name:
            raise AssignmentError(f"{path}: name = {data.name!r}, but its folder is {root.name!r}: "
                                  "they must be the same")
        try:
            written = tuple(WrittenQuestion(name=w.name, points=w.points, rubric=tuple(
                RubricItem(i.points, i.item) for i in w.rubric)) for w in data.written)
        except ValueError as exc:
            raise AssignmentError(f"{path}: written: {exc}") from None
        return cls(
            root=root,
            name=data.name,
            title=data.title,
            notebook=data.notebook,
            template=data.template,
            reference=data.reference,
            support_files=tuple(data.support_files),
            python_version=data.python_version,
            term_seed=data.term_seed,
            questions=tuple(Question(q.name, q.function, q.points) for q in data.questions),
            written=written,
            commands=tuple(sorted(data.commands.items())),
            build_cell_timeout=data.build_cell_timeout,
            score_from=data.score_from,
        )

    @classmethod
    def named(cls, name):
        root = ASSIGNMENTS_DIR / name
        if not (root / "assignment.toml").is_file():
            known = ", ".join(a.name for a in all_assignments()) or "none"
            raise LookupError(f"no assignment {name!r} under {ASSIGNMENTS_DIR} (known: {known})")
        return cls.load(root)

    def command(self, name):
        """The click command this assignment declares as ``name``."""
        declared = dict(self.commands)
        if name not in declared:
            raise LookupError(f"{self.name} has no command {name!r} (it has: "
                              f"{', '.join(declared) or 'none'}; see its assignment.toml)")
        module, _, attribute = declared[name].partition(":")
        return getattr(importlib.import_module(module), attribute)

    def written_question(self, name):
        try:
            return next(w for w in self.written if w.name == name)
        except StopIteration:
            raise LookupError(f"{self.name} has no written question {name!r} (assignment.toml)") from None

    @property
    def written_placeholder(self):
        """What a written answer's cell holds until the student answers (the casebook carries it
        to local grading, which reads nothing of the source tree)."""
        return WRITTEN_PLACEHOLDER

    @property
    def cases_module(self):
        """Its cases, kinds and mistakes live beside it: ``assignment/<name>/cases.py``."""
        return f"{ASSIGNMENTS_DIR.name}.{self.name}.cases"

    def reference_module(self):
        return importlib.import_module(self.reference)

    def reference_function(self, question):
        return getattr(self.reference_module(), self.question(question).function)

    def question(self, name):
        for q in self.questions:
            if q.name == name:
                return q
        raise KeyError(f"{self.name} has no autograded question {name!r}")


def all_assignments():
    return [Assignment.load(p.parent) for p in sorted(ASSIGNMENTS_DIR.glob("*/assignment.toml"))]
