"""Build the casebook: each question's cases with what the reference answers on each, and what
each catalogued mistake answers where it is wrong. Build-time only: it imports the reference and
runs the mistakes' source, so it never ships to Gradescope (the judge reads the casebook it makes,
``autograder/judge/casebook.py``).
"""

import importlib
import inspect
from dataclasses import asdict
from pathlib import Path

from autograder.in_kernel.compare import compare_fields
from autograder.in_kernel.plain import decode_arg, encode_arg, numbers
from autograder.judge.casebook import Casebook, JudgedCase, JudgedQuestion
from autograder.judge.kinds import KINDS
from generator.authoring import AuthoringError, at
from generator.cache import NO_CACHE, folder_files
from generator.hints import check_hints


def build_casebook(assignment, seed, cache=NO_CACHE):
    """Every case of every question, with the reference's answers. Refuses (``AuthoringError``) a
    reference that gives no answer on a case, and a catalogued mistake whose hint could never
    show. The questions' answers come from ``cache`` when the code that makes them (the
    assignment's folder, its reference, the toolkit) and the questions are what they were."""
    _cases_module(assignment)  # registers its kinds, which the test files name
    reference_file = Path(inspect.getsourcefile(assignment.reference_module()))
    parts = ["cases", int(seed), [[q.name, q.function, q.points] for q in assignment.questions], reference_file,
             *folder_files(assignment.root, leave_out={assignment.template, "assignment.toml"})]
    data = cache.cached("cases", parts, lambda: [_question_data(q) for q in _judged_questions(assignment, seed)],
                        what=f"{assignment.name}'s cases")
    questions = tuple(_question_from(q) for q in data)
    written = tuple({"name": w.name, "points": w.points, "rubric": [asdict(i) for i in w.rubric]}
                    for w in assignment.written)
    if assignment.score_from == "hidden":
        unscored = [q.name for q in questions if not any(c.hidden for c in q.cases)]
        if unscored:
            raise AuthoringError(f"assignment/{assignment.root.name}/cases.py: {', '.join(unscored)} "
                                 f"{'has' if len(unscored) == 1 else 'have'} no hidden case, and scores count hidden "
                                 "cases (score_from = \"hidden\", assignment.toml's default): add hidden cases, or "
                                 "set score_from = \"all\"")
    return Casebook(assignment.name, int(seed), questions, assignment.cases_module, written,
                    written_placeholder=assignment.written_placeholder, score_from=assignment.score_from)


def _cases_module(assignment):
    try:
        return importlib.import_module(assignment.cases_module)
    except Exception as exc:  # a syntax error, a bad import, a case kind that fails to register
        raise AuthoringError(f"{at(assignment.root / 'cases.py', exc)}: importing it raised {type(exc).__name__}: "
                             f"{exc}") from None


def _judged_questions(assignment, seed):
    reference = assignment.reference_module()
    cases_file = assignment.root / "cases.py"
    checks = _cases_module(assignment)
    mistakes = getattr(checks, "MISTAKES", [])
    names = [q.name for q in assignment.questions]
    for m in mistakes:
        if m.question not in names:
            raise AuthoringError(f"{at(assignment.root / 'mistakes.py')}: the mistake {m.name!r} is of {m.question!r}, "
                                 f"which is no question of {assignment.name} (its questions: {', '.join(names)})")
    check_hints(assignment, mistakes, reference)
    questions = []
    for q in assignment.questions:
        try:
            made = list(checks.cases(q.name, seed))
        except Exception as exc:  # a question it has no case maker for, a case of no kind, a bug
            raise AuthoringError(f"{at(cases_file, exc)}: cases({q.name!r}, seed) raised {type(exc).__name__}: "
                                 f"{exc}" + (f": give {q.name} a case maker in CASES" if isinstance(exc, KeyError)
                                             else "")) from None
        if not made:
            raise AuthoringError(f"{at(cases_file)}: cases({q.name!r}, seed) gave no case: give it public and "
                                 "hidden ones")
        try:
            questions.append(judged_question(q, reference, made, mistakes))
        except _NoAnswer as exc:
            raise AuthoringError(f"{assignment.reference.replace('.', '/')}.py: {q.function} {exc.failed} "
                                 f"{q.name}'s case {exc.number} ({'hidden' if exc.case.hidden else 'public'}, made "
                                 f"by {assignment.cases_module.replace('.', '/')}.py): {exc}") from None
        _refuse_silent_mistakes(assignment, questions[-1], [m for m in mistakes if m.question == q.name])
    return questions


def _question_data(question):
    return dict(asdict(question), cases=[asdict(c) for c in question.cases])


def _question_from(data):
    return JudgedQuestion(data["name"], data["function"], data["points"],
                          tuple(JudgedCase(**c) for c in data["cases"]))


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
            expected = reference_answer(kind, func, case.args, case.no_warnings)
            _check_comparable(kind, expected, case.args, rtol, atol)
        except ValueError as exc:
            raise _NoAnswer(str(exc), number, case, isinstance(exc, ReferenceWarned),
                            isinstance(exc, ReferenceUncomparable)) from None
        diagnoses = mistake_outputs(mistakes, question.name, name, kind, case.args, expected, rtol, atol,
                                    case.no_warnings)
        judged.append(JudgedCase([encode_arg(a) for a in case.args], case.kind, case.hidden, expected,
                                 kind.call_text(name, case.args, params), rtol, atol, case.note, diagnoses,
                                 case.no_warnings))
    return JudgedQuestion(question.name, name, question.points, tuple(judged))


class _NoAnswer(ValueError):
    def __init__(self, text, number, case, warned=False, uncomparable=False):
        super().__init__(text)
        self.number, self.case = number, case
        self.failed = ("warned on" if warned else "answered what its case kind cannot compare on" if uncomparable
                       else "gave no answer on")


class ReferenceWarned(ValueError):
    """The reference warned on a case that requires no warnings."""


class ReferenceUncomparable(ValueError):
    """The reference's answer is not of the form its case's kind compares."""


def _check_comparable(kind, expected, args, rtol, atol):
    """The reference's answer must be one its kind can compare (a right answer then passes): a
    ``fields`` case needs a tuple or a dict, one part per field name; every kind must accept the
    reference's own answer."""
    if kind.compare is compare_fields:
        if not isinstance(expected, (list, dict)):
            raise ReferenceUncomparable(f"a {kind.name} case needs a tuple or a dict of numbers and arrays, and the "
                                        f"reference returned {_short(expected)}")
        parts = expected.values() if isinstance(expected, dict) else expected
        if kind.fields and (isinstance(expected, dict) or len(expected) != len(kind.fields)):
            raise ReferenceUncomparable(f"kind {kind.name!r} names {len(kind.fields)} parts "
                                        f"({', '.join(kind.fields)}), and the reference returned "
                                        f"{_short(expected)}")
        odd = [p for p in parts if numbers(p) is None]
        if odd:
            raise ReferenceUncomparable(f"each part of a {kind.name} answer must be a number or an array of "
                                        f"numbers, and the reference's has {_short(odd[0])}")
    try:  # the arguments as the judge passes them: through plain data
        accepted = kind.compared(expected, expected, "", [decode_arg(encode_arg(a)) for a in args], rtol,
                                 atol).passed
    except Exception as exc:
        raise ReferenceUncomparable(f"kind {kind.name!r}'s compare raised {type(exc).__name__} on the reference's "
                                    f"own answer ({exc})") from None
    if not accepted:
        raise ReferenceUncomparable(f"kind {kind.name!r}'s compare fails the reference's own answer, "
                                    f"{_short(expected)}")


def _short(value):
    """A plain value for an authoring message, cut short."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _refuse_silent_mistakes(assignment, question, mistakes):
    """Each catalogued mistake must differ from the reference on a public case: else its hint
    can never show where students look (``grader.check``), or never at all."""
    for mistake in mistakes:
        shown = [c for c in question.cases if any(d[0] == mistake.hint for d in c.diagnoses)]
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


def mistake_outputs(mistakes, question, function, kind, args, expected, rtol, atol, no_warnings=False):
    """[hint, what the mistake returns] for each of ``question``'s catalogued mistakes that
    gets this case wrong, as plain data: the judge and otter's test files name a mistake by these.
    On a case that requires no warnings (``no_warnings``), a mistake that warns gets it wrong too,
    and its warnings follow: [hint, what it returns, its warnings]."""
    found = []
    for mistake in mistakes:
        if mistake.question != question:
            continue
        outcome = _mistake_outcome(mistake, function, kind, args)
        if outcome is None:
            continue
        value, heard = outcome[1], (outcome[2] if no_warnings and len(outcome) > 2 else [])
        if heard:
            found.append([mistake.hint, value, heard])
        elif not kind.compared(expected, value, "", args, rtol, atol).passed:
            found.append([mistake.hint, value])
    return found


def reference_answer(kind, func, args, no_warnings=False):
    """What the reference answers on a case, as plain data: exactly what is compared later. On a
    case that requires no warnings, the reference must not warn."""
    outcome = kind.answer(func, args)
    tag, detail = outcome[0], outcome[1]
    if tag != "value":
        raise ValueError(f"the reference {func.__name__} gave no answer on a {kind.name} case: {tag} {detail or ''}")
    if no_warnings and len(outcome) > 2:
        raise ReferenceWarned(f"the reference {func.__name__} warned ({', '.join(outcome[2])}) on a case that "
                              "requires no warnings")
    return detail


def _mistake_outcome(mistake, function, kind, args):
    """What a catalogued mistake answers on these inputs (``[tag, value]``, with its warnings
    after them if it warned); None if it gives no value (a mistake that raises is diagnosed by its
    error)."""
    outcome = kind.answer(mistake.function(function), args)  # its warnings are heard there, never shown
    return outcome if outcome[0] == "value" else None


def _mistake_output(mistake, function, kind, args):
    """What a catalogued mistake returns on these inputs, as plain data; None if it gives no value."""
    outcome = _mistake_outcome(mistake, function, kind, args)
    return outcome[1] if outcome is not None else None
