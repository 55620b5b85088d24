"""The casebook: every case of every graded question as plain data, with expected values.

Built by the release from the assignment's cases and its reference implementation
(``generator/casebook.py``), written to ``casebook.json`` inside the Gradescope autograder (never
into the student's or the kernel's reach), and read back by the judge. It is the judge's only
source of inputs and answers.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from autograder.files import write_atomically

FORMAT = 1


@dataclass(frozen=True)
class JudgedCase:
    args: list[Any]  # tagged plain arguments (see encode_arg)
    kind: str
    hidden: bool
    expected: Any
    call: str  # the call, readable: what a student sees for a public case
    rtol: float
    atol: float
    note: str = ""
    # [hint, what that mistake returns here], and the warnings it gave where the case requires none
    diagnoses: list[list[Any]] = field(default_factory=list)
    no_warnings: bool = False  # the call must not warn (Case.no_warnings); an older casebook has no such key


@dataclass(frozen=True)
class JudgedQuestion:
    name: str
    function: str
    points: float
    cases: tuple[JudgedCase, ...]


@dataclass(frozen=True)
class Casebook:
    assignment: str
    seed: int
    questions: tuple[JudgedQuestion, ...]
    cases_module: str  # registers the assignment's own case kinds; imported before judging
    # hand-graded questions: {"name", "points", "rubric": [{"points", "item"}]}
    written: tuple[dict[str, Any], ...] = ()
    preload: tuple[str, ...] = ()  # modules the notebook imports: local grading's warm sandbox imports them once
    # question -> canonical forms of the given code and the reference
    known_forms: dict[str, list[str]] = field(default_factory=dict)
    written_placeholder: str = ""  # the text a written answer's cell starts with: no answer yet
    # The cases a question's score counts: "hidden" (public ones are what students check with), or "all".
    score_from: str = "hidden"

    def register_kinds(self) -> None:
        importlib.import_module(self.cases_module)

    def question(self, name: str) -> JudgedQuestion:
        return next(q for q in self.questions if q.name == name)

    def to_json(self) -> str:
        data = {"format": FORMAT, "assignment": self.assignment, "seed": self.seed,
                "cases_module": self.cases_module,
                "questions": [dict(asdict(q), cases=[asdict(c) for c in q.cases]) for q in self.questions],
                "written": list(self.written), "preload": list(self.preload),
                "known_forms": dict(self.known_forms), "written_placeholder": self.written_placeholder,
                "score_from": self.score_from}
        return json.dumps(data, allow_nan=False, indent=1)

    def write(self, path: str | Path) -> Path:
        write_atomically(path, self.to_json())  # the review server may be reading it
        return Path(path)

    @classmethod
    def from_json(cls, text: str) -> Casebook:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError(f"casebook format {data.get('format')!r}; this judge reads {FORMAT}")
        questions = tuple(
            JudgedQuestion(q["name"], q["function"], q["points"], tuple(JudgedCase(**c) for c in q["cases"]))
            for q in data["questions"])
        return cls(data["assignment"], data["seed"], questions, data["cases_module"],
                   tuple(data.get("written", ())), tuple(str(m) for m in data.get("preload", ())),
                   {str(k): [str(f) for f in v] for k, v in (data.get("known_forms") or {}).items()},
                   str(data.get("written_placeholder", "")),
                   # A casebook from before the key scored every case: its grades stay as they were.
                   "hidden" if data.get("score_from") == "hidden" else "all")

    @classmethod
    def read(cls, path: str | Path) -> Casebook:
        return cls.from_json(Path(path).read_text())
