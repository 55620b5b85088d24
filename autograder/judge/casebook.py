"""The casebook: every case of every graded question as plain data, with expected values.

Built by the release from the assignment's cases and its reference implementation, written to
``casebook.json`` inside the Gradescope autograder (never into the student's or the kernel's
reach), and read back by the judge. It is the judge's only source of inputs and answers.
"""

import importlib
import inspect
import json
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autograder.files import write_atomically
from autograder.judge.kinds import KINDS
from autograder.judge.plain import decode_arg, encode_arg

FORMAT = 1


@dataclass(frozen=True)
class JudgedCase:
    args: list  # tagged plain arguments (see encode_arg)
    kind: str
    hidden: bool
    expected: object
    call: str  # the call, readable: what a student sees for a public case
    rtol: float
    atol: float
    note: str = ""
    diagnoses: list = field(default_factory=list)  # [hint, what that mistake returns here]


@dataclass(frozen=True)
class JudgedQuestion:
    name: str
    function: str
    points: float
    cases: tuple


@dataclass(frozen=True)
class Casebook:
    assignment: str
    seed: int
    questions: tuple
    cases_module: str  # registers the assignment's own case kinds; imported before judging
    written: tuple = ()  # hand-graded questions: {"name", "points", "rubric": [{"points", "item"}]}
    preload: tuple = ()  # modules the notebook imports: local grading's warm sandbox imports them once
    known_forms: dict = field(default_factory=dict)  # question -> canonical forms of the given code and the reference
    written_placeholder: str = ""  # the text a written answer's cell starts with: no answer yet

    def register_kinds(self):
        importlib.import_module(self.cases_module)

    def question(self, name):
        return next(q for q in self.questions if q.name == name)

    def to_json(self):
        data = {"format": FORMAT, "assignment": self.assignment, "seed": self.seed,
                "cases_module": self.cases_module,
                "questions": [dict(asdict(q), cases=[asdict(c) for c in q.cases]) for q in self.questions],
                "written": list(self.written), "preload": list(self.preload),
                "known_forms": dict(self.known_forms), "written_placeholder": self.written_placeholder}
        return json.dumps(data, allow_nan=False, indent=1)

    def write(self, path):
        write_atomically(path, self.to_json())  # the review server may be reading it
        return Path(path)

    @classmethod
    def from_json(cls, text):
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError(f"casebook format {data.get('format')!r}; this judge reads {FORMAT}")
        questions = tuple(
            JudgedQuestion(q["name"], q["function"], q["points"], tuple(JudgedCase(**c) for c in q["cases"]))
            for q in data["questions"])
        return cls(data["assignment"], data["seed"], questions, data["cases_module"],
                   tuple(data.get("written", ())), tuple(str(m) for m in data.get("preload", ())),
                   {str(k): [str(f) for f in v] for k, v in (data.get("known_forms") or {}).items()},
                   str(data.get("written_placeholder", "")))

    @classmethod
    def read(cls, path):
        return cls.from_json(Path(path).read_text())


class AuthoringError(ValueError):
    """The assignment's cases, reference or mistakes cannot make a sound casebook; the message
    names the file, the question and the case."""


def build_casebook(assignment, seed):
    """Every case of every question, with the reference's answers. Refuses (``AuthoringError``) a
    reference that gives no answer on a case, and a catalogued mistake whose hint could never
    show."""
    reference = assignment.reference_module()
    checks = importlib.import_module(assignment.cases_module)
    mistakes = getattr(checks, "MISTAKES", [])
    questions = []
    for q in assignment.questions:
        try:
            questions.append(judged_question(q, reference, checks.cases(q.name, seed), mistakes))
        except _NoAnswer as exc:
            raise AuthoringError(f"{assignment.reference.replace('.', '/')}.py: {q.function} gave no answer on "
                                 f"{q.name}'s case {exc.number} ({'hidden' if exc.case.hidden else 'public'}, made "
                                 f"by {assignment.cases_module.replace('.', '/')}.py): {exc}") from None
        _refuse_silent_mistakes(assignment, questions[-1], [m for m in mistakes if m.question == q.name])
    questions = tuple(questions)
    written = tuple({"name": w.name, "points": w.points, "rubric": [asdict(i) for i in w.rubric]}
                    for w in assignment.written)
    return Casebook(assignment.name, int(seed), questions, assignment.cases_module, written,
                    written_placeholder=assignment.written_placeholder)


def judged_question(question, reference, cases, mistakes=()):
    """``question``'s cases as plain data, with what the ``reference`` (a module, or anything with
    the question's function as an attribute) answers on each and what each of its catalogued
    ``mistakes`` answers where that is wrong. The function goes by the question's name for it: the
    name the judge looks for in a submission, whatever the reference's own is called."""
    name = question.function
    func = getattr(reference, name)
    params = list(inspect.signature(func).parameters)
    judged = []
    for number, case in enumerate(cases, 1):
        kind = KINDS[case.kind]
        rtol, atol = kind.tolerances(case)
        try:
            expected = reference_answer(kind, func, case.args)
        except ValueError as exc:
            raise _NoAnswer(str(exc), number, case) from None
        diagnoses = mistake_outputs(mistakes, question.name, name, kind, case.args, expected, rtol, atol)
        judged.append(JudgedCase([encode_arg(a) for a in case.args], case.kind, case.hidden, expected,
                                 kind.call_text(name, case.args, params), rtol, atol, case.note, diagnoses))
    return JudgedQuestion(question.name, name, question.points, tuple(judged))


class _NoAnswer(ValueError):
    def __init__(self, text, number, case):
        super().__init__(text)
        self.number, self.case = number, case


def _refuse_silent_mistakes(assignment, question, mistakes):
    """Each catalogued mistake must differ from the reference on a public case: else its hint
    can never show where students look (``grader.check``), or never at all."""
    for mistake in mistakes:
        shown = [c for c in question.cases if any(hint == mistake.hint for hint, _ in c.diagnoses)]
        if shown and any(not c.hidden for c in shown):
            continue
        if shown:
            problem = ("differs from the reference on hidden cases only, so students running grader.check never "
                       "see its hint: add a public case where it differs")
        elif _raises_everywhere(mistake, question):
            problem = "raises on every case, so its hint can never show: make it return its wrong answer"
        else:
            problem = ("returns what the reference returns on every case, so its hint can never show: make it a "
                       "real mistake, or add a case where it differs")
        raise AuthoringError(f"assignment/{assignment.root.name}/mistakes.py: the mistake {mistake.name!r} of "
                             f"{question.name} {problem}")


def _raises_everywhere(mistake, question):
    for case in question.cases:
        kind = KINDS[case.kind]
        args = [decode_arg(a) for a in case.args]
        if _mistake_output(mistake, question.function, kind, args) is not None:
            return False
    return True


def mistake_outputs(mistakes, question, function, kind, args, expected, rtol, atol):
    """[hint, what the mistake returns] for each of ``question``'s catalogued mistakes that
    gets this case wrong, as plain data: the judge and otter's test files name a mistake by these."""
    found = []
    for mistake in mistakes:
        if mistake.question != question:
            continue
        value = _mistake_output(mistake, function, kind, args)
        if value is not None and not kind.compare(expected, value, "", args, rtol, atol).passed:
            found.append([mistake.hint, value])
    return found


def reference_answer(kind, func, args):
    """What the reference answers on a case, as plain data: exactly what is compared later."""
    tag, detail = kind.answer(func, args)
    if tag != "value":
        raise ValueError(f"the reference {func.__name__} gave no answer on a {kind.name} case: {tag} {detail or ''}")
    return detail


def _mistake_output(mistake, function, kind, args):
    """What a catalogued mistake returns on these inputs, as plain data; None if it gives no
    value (a mistake that raises is diagnosed by its error)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tag, detail = kind.answer(mistake.function(function), args)
    return detail if tag == "value" else None
