"""Write otter exception-based test files from the casebook: the cases with the reference's answers.

A test file stands alone: literal inputs, literal expected values (as the casebook holds them:
plain data), and the judge's own code for calling and comparing a case, shipped as source
(``autograder/judge/shipped.py``). Public cases go to students (``grader.check``); hidden cases
only into the Gradescope autograder.
"""

from pathlib import Path

import numpy as np

from autograder.in_kernel.plain import decode_arg
from autograder.judge import shipped
from autograder.judge.kinds import KINDS


def literal(value):
    """Python source that evaluates (with numpy as np) to exactly ``value``."""
    if isinstance(value, np.ndarray):
        dtype = "" if value.dtype == np.float64 else f", dtype=np.{value.dtype}"
        return f"np.array({literal(value.tolist())}{dtype})"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(literal(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key!r}: {literal(v)}" for key, v in value.items()) + "}"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, (int, np.integer)):
        return repr(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if np.isnan(value):
            return "np.nan"
        return ("np.inf" if value > 0 else "-np.inf") if np.isinf(value) else repr(value)
    raise TypeError(f"cannot write {type(value).__name__} as a literal")


def helpers_source(kinds=()):
    """The judge's code for a case, with the files of ``kinds``, and each kind as the test file's
    ``expect`` takes it: ``_kind_<name> = (compare, caller, matches, show_expected, fields)``."""
    records = [KINDS[kind] for kind in sorted(set(kinds))]
    lines = [shipped.test_file_source(records).rstrip("\n"), "",
             # Called here, in the test file only: importing runtime elsewhere changes nothing of otter's.
             "readable_failures()", ""]
    for kind in records:
        parts = [kind.compare, kind.call, kind.matches]
        names = ", ".join(f.__name__ if f is not None else "None" for f in parts)
        lines.append(f"{_kind_variable(kind)} = ({names}, {kind.show_expected!r}, {kind.fields!r})")
    return "\n".join(lines)


def _kind_variable(kind):
    return f"_kind_{kind.name}"


def _case_literals(case):
    """(arguments, expected) of a casebook case as test-file source: the arguments as the
    kernel receives them (arrays keep their dtype, anything else is plain lists and numbers)."""
    return literal(tuple(decode_arg(a) for a in case.args)), literal(case.expected)


def case_code(case, function, var, uses=False):
    """(data lines, check line) of one casebook case. The data sits in module constants so that
    otter's feedback, which quotes the failing line, shows a short call rather than the literals.
    The outputs of the question's mistakes on this case come along, so that the check names a
    mistake as the judge does; ``uses``: the file's ``_uses`` goes to the check too. A case that
    requires no warnings says so to the check, which then fails an answer that warned, as the judge does."""
    args, expected = _case_literals(case)
    data = [f"{var} = {args}", f"{var}_expected = {expected}"]
    check = (f"expect({function}, {function!r}, {case.call!r}, {var}, {var}_expected, "
             f"{_kind_variable(KINDS[case.kind])}, rtol={case.rtol!r}, atol={case.atol!r}")
    if case.diagnoses:
        data.append(f"{var}_mistakes = {literal(case.diagnoses)}")
        check += f", mistakes={var}_mistakes"
    if uses:
        check += ", uses=_uses"
    if case.no_warnings:
        check += ", no_warnings=True"
    return data, check + ")"


def uses_code(uses):
    """``_uses``: for each graded function the question's reference calls, its question and its
    public cases, so that a failing check can say that a function it uses fails too."""
    entries = []
    for used in uses:
        # A case that requires no warnings says so after its (here unused) mistakes, as ``_judged`` reads it.
        checks = [f"({case.call!r}, {', '.join(_case_literals(case))}, {_kind_variable(KINDS[case.kind])}, "
                  f"{case.rtol!r}, {case.atol!r}{', [], True' if case.no_warnings else ''})"
                  for case in used.cases if not case.hidden]
        entries.append(f"({used.function!r}, {used.name!r}, [{', '.join(checks)}])")
    return f"_uses = [{', '.join(entries)}]"


def render_test_file(question, include_hidden, uses=(), score_from="all"):
    """The test file of ``question``, a casebook's JudgedQuestion (see ``generator/casebook.py``);
    ``uses``: the JudgedQuestions of the graded functions its reference calls; ``score_from``:
    the casebook's. With "hidden", the Gradescope copy (``include_hidden``) weighs only the hidden
    cases, as the judge does, and the students' copy, all public, is their check: each of its cases
    weighs the same there."""
    cases = question.cases
    chosen = [c for c in cases if include_hidden or not c.hidden]
    if score_from != "hidden":
        counted = list(cases)  # every case weighs the same in every copy (and in the judge)
    else:
        counted = [c for c in cases if c.hidden] if include_hidden else chosen

    def points(case):
        return question.points / len(counted) if case in counted else 0.0
    kinds = {c.kind for c in chosen} | {c.kind for used in uses for c in used.cases if not c.hidden}
    function = question.function
    lines = [
        f'"""Otter test for {question.name}: {function}. Generated by `eecs182 build`; '
        'edit the source, not this file."""',
        "",
        "import numpy as np",
        "from otter.test_files import test_case",
        "",
        "OK_FORMAT = False",
        f"name = {question.name!r}",
        "",
        helpers_source(kinds),
        "",
    ]
    if uses:
        lines += ["", uses_code(uses), ""]
    for i, case in enumerate(chosen, 1):
        label = "hidden" if case.hidden else "public"
        note = f" ({case.note})" if case.note else ""
        data, check = case_code(case, function, f"_{label}_{i}", uses=bool(uses))
        lines += [
            "",
            *data,
            "",
            f"@test_case(name={f'{question.name} {label} {i}'!r}, hidden={case.hidden!r}, points={points(case)!r},",
            f"           failure_message={f'{function}: {label} test {i} failed{note}.'!r})",
            f"def test_{label}_{i}({function}):",
            f"    {check}",
            "",
        ]
    return "\n".join(lines).rstrip("\n") + "\n"


def write_tests(casebook, reference, out_dir, include_hidden):
    """One test file per autograded question of ``casebook`` into ``out_dir``; returns their
    paths. ``reference``: the assignment's reference module, whose functions say which graded
    functions each one calls."""
    graded = {q.function: q for q in casebook.questions}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for question in casebook.questions:
        if all(c.hidden for c in question.cases) or not any(c.hidden for c in question.cases):
            raise ValueError(f"{question.name} needs both public and hidden cases")
        # The graded functions the reference calls: a student's version likely calls them too.
        called = getattr(reference, question.function).__code__.co_names
        uses = [graded[name] for name in dict.fromkeys(called) if name in graded and name != question.function]
        path = out_dir / f"{question.name}.py"
        path.write_text(render_test_file(question, include_hidden, uses, casebook.score_from))
        paths.append(path)
    return paths
