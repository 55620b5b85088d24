"""A case kind is one record, registered by the assignment that uses it: the build, the judge,
the judge's kernel and otter's test file all call and compare through its functions, shipped
as their files' source (``test_generic.py``: and generic code names none of an assignment's
kinds). So ``grader.check`` and the judge say the same thing about the same answer."""

import ast
import importlib
import json
import re
import sys
import textwrap
from types import SimpleNamespace

import numpy as np
import pytest

from assignment.model import Assignment, all_assignments
from autograder.cases import Case
from autograder.in_kernel.compare import judge_outcome
from autograder.in_kernel.plain import decode_arg
from autograder.judge import shipped
from autograder.judge.kinds import KINDS, Kind, register
from autograder.judge.verdict import judge_question
from generator.casebook import build_casebook, judged_question
from generator.testfiles import render_test_file

for _assignment in all_assignments():  # each registers its own kinds
    importlib.import_module(_assignment.cases_module)

# A kind no assignment has, in a file of its own as an instructor would write one: the answer
# is a direction, right up to its length, and the function gets the vector as a list.
DIRECTION_KIND = textwrap.dedent('''
    """A test's case kind: a direction."""

    import numpy as np

    from autograder.in_kernel.compare import Comparison
    from autograder.in_kernel.plain import numbers


    def call_with_list(func, args):
        return func([float(v) for v in args[0]])


    def compare_direction(expected, got, call, args=None, rtol=1e-6, atol=1e-9):
        got, expected = numbers(got), numbers(expected)
        if got is None or got.shape != expected.shape:
            return Comparison(False, f"{call} should return a vector like its input", show_expected=False)
        cosine = got @ expected / ((np.linalg.norm(got) * np.linalg.norm(expected)) or 1.0)
        return Comparison(bool(np.isclose(cosine, 1.0, rtol=rtol, atol=atol)), f"{call} points the wrong way")
''')


@pytest.fixture(scope="module")
def direction(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kinds")
    (folder / "direction_kind.py").write_text(DIRECTION_KIND)
    sys.path.insert(0, str(folder))
    module = importlib.import_module("direction_kind")
    kind = register(Kind("direction", module.compare_direction, call=module.call_with_list, show_expected=False))
    yield kind
    del KINDS["direction"]
    sys.path.remove(str(folder))
    sys.modules.pop("direction_kind")


def _checks(rendered):
    namespace = {}
    exec(compile(rendered, "<test file>", "exec"), namespace)
    return [value.test_func for key, value in namespace.items() if key.startswith(("test_public", "test_hidden"))]


def test_a_new_kind_ships_its_own_file_into_otters_test_file(direction):
    def gradient(w):
        return [2 * v for v in w]

    question = SimpleNamespace(name="q_dir", function="gradient", points=2.0)
    cases = [Case((np.array([1.0, -2.0, 0.5]),), False, "direction"),
             Case((np.array([0.3, 0.1, -4.0]),), True, "direction")]
    rendered = render_test_file(judged_question(question, SimpleNamespace(gradient=gradient), cases), include_hidden=True)
    assert "def compare_direction(" in rendered and "def call_with_list(" in rendered
    assert "from autograder" not in rendered  # the project's imports are dropped: the test file stands alone
    assert "def train_case(" not in rendered  # only the kinds a question uses come along

    longer = lambda w: [10 * v for v in w]  # noqa: E731 - the same direction: full marks for this kind
    backwards = lambda w: [-v for v in w]  # noqa: E731
    checks = _checks(rendered)
    assert len(checks) == 2
    for check in checks:
        check(gradient)
        check(longer)
        with pytest.raises(AssertionError, match="points the wrong way"):
            check(backwards)
        with pytest.raises(AssertionError, match="should return a vector like its input"):
            check(lambda w: w[:2])
        with pytest.raises(AssertionError, match="not implemented yet"):
            check(lambda w: None)
        with pytest.raises(AssertionError, match="raised TypeError"):
            check(lambda w: w @ w)  # it was given a list, as the kind's caller says


def test_a_kinds_functions_must_be_shippable():
    with pytest.raises(ValueError, match="defined at the top of its module"):
        Kind("bad", lambda expected, got, call, args, rtol, atol: None)


def test_the_training_kind_keeps_its_expected_value_out_of_the_feedback():
    assert KINDS["training"].show_expected is False and KINDS["float"].show_expected is True


def _test_file_messages(rendered, func):
    messages = []
    for check in _checks(rendered):
        try:
            check(func)
            messages.append("")
        except AssertionError as failure:
            messages.append(str(failure))
    return messages


@pytest.mark.parametrize("name", ["disc01", "disc02"])
def test_grader_check_and_the_judge_say_the_same_about_every_mistake(name):
    """Each cataloged mistake (and the reference) on each public case: the test file's message
    is the judge's, word for word, hint included. The judge's side goes through the casebook's
    plain data and ``answer_of``, as a graded run does; only the kernel is left out."""
    assignment = Assignment.named(name)
    checks = importlib.import_module(assignment.cases_module)
    reference = assignment.reference_module()
    casebook = build_casebook(assignment, assignment.term_seed)
    compared, saved = 0, np.geterr()
    for question in assignment.questions:
        judged = casebook.question(question.name)
        rendered = render_test_file(judged, include_hidden=False)
        public = [c for c in judged.cases if not c.hidden]
        answers = [getattr(reference, question.function)]
        answers += [m.function(question.function) for m in checks.MISTAKES if m.question == question.name]
        for func in answers:
            np.seterr(all="ignore")  # the mistakes overflow on purpose; numpy's warnings say nothing here
            kind_calls = [KINDS[c.kind].answer(func, [decode_arg(a) for a in c.args]) for c in public]
            outcomes = [json.loads(json.dumps(o, allow_nan=False)) for o in kind_calls]
            verdict = judge_question(SimpleNamespace(**{**judged.__dict__, "cases": public}), outcomes)
            judge_messages = [c.message for c in verdict.cases]
            assert _test_file_messages(rendered, func) == judge_messages, (question.name, func)
            compared += len(public)
    np.seterr(**saved)
    assert compared > 40


def test_every_shipped_file_imports_only_what_travels_with_it():
    """A file sent as source finds only the standard library, numpy (torch inside a function)
    and the names of the traveling files shipped ahead of it; the kernel's and the test file's
    sources put together run in a bare namespace."""
    files = {shipped.PLAIN, shipped.ANSWER, shipped.COMPARE, shipped.RUNTIME, shipped.GRADE}
    for role in ("call", "compare", "matches"):
        files |= set(shipped.kind_files(KINDS.values(), role))
    assert len(files) >= 7  # the generic five, and disc01's and disc02's kinds.py
    for path in files:
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module]
            else:
                continue
            for module in modules:
                root = module.split(".")[0]
                assert root in sys.stdlib_module_names or root == "numpy" or module in shipped.TRAVELLING, \
                    (path.name, module)
    for source in (shipped.kernel_source(KINDS.values()), shipped.test_file_source(KINDS.values())):
        exec(compile(source, "<shipped>", "exec"), {})


@pytest.mark.parametrize("text, says", [
    ("from .plain import numbers\n", "may import from the project only"),
    ("from autograder.judge.kinds import KINDS\n", "not autograder.judge.kinds"),
    ("import autograder.in_kernel.compare as C\n", "write `from autograder.in_kernel.compare import name`"),
    ("import numpy as np; from autograder.in_kernel.plain import numbers\n", "on lines of its own"),
])
def test_a_file_that_cannot_stand_alone_is_refused(tmp_path, text, says):
    path = tmp_path / "bad_kind.py"
    path.write_text('"""A kind file."""\n\n' + text + "\n\ndef call_it(func, args):\n    return func(*args)\n")
    with pytest.raises(shipped.NotShippable, match=re.escape(says)):
        shipped.module_source(path)


def test_two_shipped_files_may_not_define_one_name(tmp_path):
    """They share one namespace: a kind's own ``numbers`` would replace plain.py's."""
    path = tmp_path / "clashing.py"
    path.write_text("def numbers(value):\n    return value\n")
    with pytest.raises(shipped.NotShippable, match="defines numbers, as plain.py does"):
        shipped._joined([shipped.PLAIN, path])


def test_an_answer_the_comparison_did_not_foresee_fails_its_case_and_nothing_else():
    """A train_relu that gives net[2] another width: the judge's check must say so, not crash."""
    kind = KINDS["training"]
    start = [[0.5, -0.2], [0.1, 0.0], [0.3, 0.2], 0.1]
    args = [start, [0.1, 0.2], [0.3, 0.4], 2, 0.1, 1, True, 7]
    expected = [[0.5, 0.4], [[0.5, -0.2], [0.1, 0.0], [0.3, 0.2], [0.1]]]
    got = [[0.5, 0.4], [[0.5, -0.2], [0.1, 0.0], [0.3, 0.2, 0.9], [0.1]]]
    passed, message, _ = judge_outcome(["value", got], expected, "train_relu", "train_relu(...)", args,
                                       kind.compare, kind.matches, kind.rtol, kind.atol, kind.show_expected)
    assert not passed and "output weight with another shape" in message
    passed, message, _ = judge_outcome(["value", got], expected, "f", "f(x)", args,
                                       lambda *a: 1 / 0, None, 1e-4, 1e-5)
    assert not passed and message == "f(x) returned what the check cannot compare (ZeroDivisionError)."


def test_a_wrong_array_says_where_it_goes_wrong_as_a_student_reads_it():
    from autograder.in_kernel.compare import compare_array

    want = np.arange(12.0).reshape(4, 3)
    got = want.copy()
    got[1, 2] = 7.5
    passed, message, _ = judge_outcome(["value", got.tolist()], want.tolist(), "softmax", "softmax(Z=[4×3 array])",
                                       [], compare_array)
    assert not passed and message == "softmax(Z=[4×3 array]): 1 of 12 entries are wrong; entry (1, 2) is 7.5, " \
                                     "it should be 5."
    passed, message, _ = judge_outcome(["value", [1.0, 2.5]], [1.0, 2.0], "f", "f(x=[1, 2])", [], compare_array)
    assert message == "f(x=[1, 2]) returned [1, 2.5]: 1 of 2 entries are wrong; expected [1, 2]."
    passed, message, _ = judge_outcome(["value", [[1.0, 2.0]]], [1.0, 2.0], "f", "f(x)", [], compare_array)
    assert message == "f(x) returned an array of shape (1, 2); it should have shape (2,)."
