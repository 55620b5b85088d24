"""Write otter exception-based test files from cases whose answers the reference computes.

A test file stands alone: literal inputs, literal expected values (as the casebook holds them:
plain data), and the judge's own code for calling and comparing a case, shipped as source
(``autograder/judge/shipped.py``). Public cases go to students (``grader.check``); hidden cases
only into the Gradescope autograder.
"""

import inspect
from pathlib import Path

import numpy as np

from autograder.judge import shipped
from autograder.judge.casebook import mistake_outputs, reference_answer
from autograder.judge.kinds import KINDS
from autograder.judge.plain import decode_arg, encode_arg


def literal(value):
    """Python source that evaluates (with numpy as np) to exactly ``value``."""
    if isinstance(value, np.ndarray):
        dtype = "" if value.dtype == np.float64 else f", dtype=np.{value.dtype}"
        return f"np.array({literal(value.tolist())}{dtype})"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(literal(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
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


def args_literal(args):
    """A case's arguments as the kernel receives them (``plain.encode_arg`` there and back: arrays
    keep their dtype, anything else is plain lists and numbers), so that a test file calls the
    student's function with what the judge's kernel would."""
    return literal(tuple(decode_arg(encode_arg(a)) for a in args))


def helpers_source(kinds=()):
    """The judge's code for a case, with the files of ``kinds``, and each kind as the test file's
    ``expect`` takes it: ``_kind_<name> = (compare, caller, matches, show_expected)``."""
    records = [KINDS[kind] for kind in sorted(set(kinds))]
    lines = [shipped.test_file_source(records).rstrip("\n"), "",
             # Called here, in the test file only: importing runtime elsewhere changes nothing of otter's.
             "readable_failures()", ""]
    for kind in records:
        parts = [kind.compare, kind.call, kind.matches]
        names = ", ".join(f.__name__ if f is not None else "None" for f in parts)
        lines.append(f"{_kind_variable(kind)} = ({names}, {kind.show_expected!r})")
    return "\n".join(lines)


def _kind_variable(kind):
    return f"_kind_{kind.name}"


def _case_terms(case, func):
    """(kind, the call as feedback shows it, the reference's answer, rtol, atol) of one case."""
    kind = KINDS[case.kind]
    call = kind.call_text(func.__name__, case.args, list(inspect.signature(func).parameters))
    return (kind, call, reference_answer(kind, func, case.args), *kind.tolerances(case))


def case_code(case, func, var, catalogue=(), question=None, uses=False):
    """(data lines, check line) of one case. The data sits in module constants so that otter's
    feedback, which quotes the failing line, shows a short call rather than the literals. With
    the ``catalogue``, the outputs of ``question``'s mistakes on this case come along, so that
    the check names a mistake as the judge does; ``uses``: the file's ``_uses`` goes to the check too."""
    name = func.__name__
    kind, call, expected, rtol, atol = _case_terms(case, func)
    data = [f"{var} = {args_literal(case.args)}", f"{var}_expected = {literal(expected)}"]
    check = (f"expect({name}, {name!r}, {call!r}, {var}, {var}_expected, {_kind_variable(kind)}, "
             f"rtol={rtol!r}, atol={atol!r}")
    found = mistake_outputs(catalogue, question, kind, case.args, expected, rtol, atol) if question else []
    if found:
        data.append(f"{var}_mistakes = {literal(found)}")
        check += f", mistakes={var}_mistakes"
    if uses:
        check += ", uses=_uses"
    return data, check + ")"


def uses_code(uses):
    """``_uses``: for each graded function the question's reference calls, its question and its
    public cases, so that a failing check can say that a function it uses fails too."""
    entries = []
    for used_question, used_func, used_cases in uses:
        checks = []
        for case in used_cases:
            kind, call, expected, rtol, atol = _case_terms(case, used_func)
            checks.append(f"({call!r}, {args_literal(case.args)}, {literal(expected)}, {_kind_variable(kind)}, "
                          f"{rtol!r}, {atol!r})")
        entries.append(f"({used_func.__name__!r}, {used_question.name!r}, [{', '.join(checks)}])")
    return f"_uses = [{', '.join(entries)}]"


def render_test_file(question, func, cases, include_hidden, catalogue=(), uses=()):
    """``catalogue``: the assignment's mistakes; ``uses``: (question, reference function, public
    cases) of each graded function this question's reference calls."""
    chosen = [c for c in cases if include_hidden or not c.hidden]
    # Every case weighs the same in every copy (and in the judge): points / number of cases.
    per_case = question.points / len(cases)
    kinds = {c.kind for c in chosen} | {c.kind for _, _, used_cases in uses for c in used_cases}
    lines = [
        f'"""Otter test for {question.name}: {func.__name__}. Generated by `eecs182 build`; edit the source, not this file."""',
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
        data, check = case_code(case, func, f"_{label}_{i}", catalogue, question, uses=bool(uses))
        lines += [
            "",
            *data,
            "",
            f"@test_case(name={f'{question.name} {label} {i}'!r}, hidden={case.hidden!r}, points={per_case!r},",
            f"           failure_message={f'{func.__name__}: {label} test {i} failed{note}.'!r})",
            f"def test_{label}_{i}({func.__name__}):",
            f"    {check}",
            "",
        ]
    return "\n".join(lines).rstrip("\n") + "\n"


def write_tests(assignment, seed, out_dir, include_hidden):
    """One test file per autograded question into ``out_dir``; returns their paths."""
    import importlib

    reference = assignment.reference_module()
    checks = importlib.import_module(assignment.checks)
    catalogue = getattr(checks, "MISTAKES", [])
    graded = {q.function: q for q in assignment.questions}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for question in assignment.questions:
        func = getattr(reference, question.function)
        cases = checks.cases(question.name, seed)
        if not any(not c.hidden for c in cases) or not any(c.hidden for c in cases):
            raise ValueError(f"{question.name} needs both public and hidden cases")
        # The graded functions the reference calls: a student's version likely calls them too.
        uses = [(graded[name], getattr(reference, name), [c for c in checks.cases(graded[name].name, seed) if not c.hidden])
                for name in dict.fromkeys(func.__code__.co_names) if name in graded and name != question.function]
        path = out_dir / f"{question.name}.py"
        path.write_text(render_test_file(question, func, cases, include_hidden, catalogue, uses))
        paths.append(path)
    return paths
