"""Every requirement a prompt states is graded, and shown (issue 28, Discussion 2): a stable
function passes, and the naive one fails, on a public case (students see it in ``grader.check``)
and on a hidden one, with a message that says why: the warning it gave, or the NaN it returned,
and the cataloged mistake's hint.

Most of it goes through the judge's compare path without a kernel: the casebook's cases, each
called through ``answer_of`` as the judge's kernel calls a student's function, the outcome made
plain data and judged by ``judge_question``. The test files go through otter's own loading, as
``grader.check`` runs them."""

import json
import textwrap
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

from assignment.disc02 import cases as disc02_cases
from assignment.model import Assignment
from autograder.cases import Case
from autograder.in_kernel.answer import WARNINGS_KEPT, answer_of
from autograder.in_kernel.compare import MUST_NOT_WARN, compare_array, judge_outcome
from autograder.in_kernel.plain import decode_arg, encode_arg
from autograder.judge import shipped
from autograder.judge.casebook import Casebook
from autograder.judge.kinds import KINDS
from autograder.judge.request import _parse_replies
from autograder.judge.verdict import judge_question
from generator.casebook import build_casebook, judged_question
from generator.source import function_source
from generator.testfiles import render_test_file
from solutions import disc02 as S

DISC02 = Assignment.named("disc02")
OVERFLOW = "RuntimeWarning: overflow encountered in exp"
INVALID = "RuntimeWarning: invalid value encountered in divide"


@pytest.fixture(scope="module")
def casebook():
    return build_casebook(DISC02, DISC02.term_seed)


def _functions(source):
    """Functions as a student writes them in the notebook: one namespace, numpy as np."""
    namespace = {"np": np}
    exec(compile(textwrap.dedent(source), "<student>", "exec"), namespace)
    return namespace


# The variants, written as students write them (not copied from the catalogue: the hint follows
# what an answer returns, not how it is written).
STUDENT = _functions("""
    def naive_sigmoid(z):
        return 1.0 / (1.0 + np.exp(-z))

    def where_sigmoid(z):  # the two-branch trap: np.where evaluates both branches everywhere
        z = np.asarray(z, dtype=float)
        return np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))

    def masked_sigmoid(z):  # stable, another way: each branch computed on its own entries only
        z = np.asarray(z, dtype=float)
        out = np.empty_like(z)
        pos = z >= 0
        out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
        e = np.exp(z[~pos])
        out[~pos] = e / (1.0 + e)
        return out

    def logaddexp_sigmoid(z):  # stable: exp(-log(1 + exp(-z))) without forming exp(-z)
        return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float)))

    def chain_rule_sigmoid_grad(z):
        return np.exp(-z) / (1.0 + np.exp(-z)) ** 2

    def sigmoid_grad_of_naive(z):  # its value is right (0 where it saturates); only sigmoid must not warn
        s = naive_sigmoid(z)
        return s * (1.0 - s)

    def chain_rule_logistic_grad(w, X, y):
        z = X @ w
        p = 1.0 / (1.0 + np.exp(-z))
        dL_dp = (p - y) / (p * (1.0 - p))
        return X.T @ (dL_dp * np.exp(-z) / (1.0 + np.exp(-z)) ** 2) / len(y)

    def simplified_logistic_grad(w, X, y):
        return X.T @ (masked_sigmoid(X @ w) - y) / len(y)

    def _rows(e):
        return e / e.sum(axis=1, keepdims=True)

    def naive_softmax(Z):
        return _rows(np.exp(Z))

    def min_softmax(Z):
        return _rows(np.exp(Z - np.min(Z, axis=1, keepdims=True)))

    def mean_softmax(Z):
        return _rows(np.exp(Z - np.mean(Z, axis=1, keepdims=True)))

    def first_softmax(Z):
        return _rows(np.exp(Z - Z[:, [0]]))

    def global_max_softmax(Z):
        return _rows(np.exp(Z - np.max(Z)))

    def max_softmax(Z):
        return _rows(np.exp(Z - np.max(Z, axis=1, keepdims=True)))

    def logsumexp_softmax(Z):  # stable, another way
        m = np.max(Z, axis=1, keepdims=True)
        return np.exp(Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True)))

    def naive_cross_entropy_grad(Z, labels):
        P = naive_softmax(Z)
        P[np.arange(len(labels)), labels] -= 1
        return P / len(labels)

    def stable_cross_entropy_grad(Z, labels):
        P = logsumexp_softmax(Z)
        P[np.arange(len(labels)), labels] -= 1
        return P / len(labels)

    def in_place_numerical_gradient(f, x, eps):  # an integer x rounds the step away
        grad = np.zeros(len(x))
        for i in range(len(x)):
            old = x[i]
            x[i] = old + eps
            up = f(x)
            x[i] = old - eps
            down = f(x)
            x[i] = old
            grad[i] = (up - down) / (2 * eps)
        return grad
""")

# (question, the student's function, what a failing public case says): the naive variants.
FAILING = [
    ("q1_sigmoid", "naive_sigmoid", [f"warned: {OVERFLOW}; {MUST_NOT_WARN}.",
                                     "exp(-z) overflows for very negative z", "Which form of the sigmoid never"]),
    ("q1_sigmoid", "where_sigmoid", [f"warned: {OVERFLOW}, {INVALID}; {MUST_NOT_WARN}.",
                                     "np.where computes both of its branches on every entry"]),
    ("q1_sigmoid_grad", "chain_rule_sigmoid_grad", ["returned [nan, 0,", "expected [0, 0,",
                                                    "inf / inf is NaN where the derivative is 0"]),
    ("q1_logistic_grad", "chain_rule_logistic_grad", ["returned [nan, nan, nan]",
                                                      "the chain rule through p divides by a factor that is"]),
    ("q2_softmax", "naive_softmax", ["is nan, it should be", "exp overflows for large logits",
                                     "0 / 0 is NaN"]),
    ("q2_softmax", "min_softmax", ["is nan, it should be", "after subtracting the row's smallest logit"]),
    ("q2_softmax", "mean_softmax", ["is nan, it should be", "a row's mean lies between its logits"]),
    ("q2_softmax", "first_softmax", ["is nan, it should be", "the first logit is not always the row's largest"]),
    ("q2_softmax", "global_max_softmax", ["is nan, it should be", "The shift must be each row's own."]),
    ("q2_ce_grad", "naive_cross_entropy_grad", ["is nan, it should be", "the gradient inherits the NaN"]),
    ("q4_numgrad", "in_place_numerical_gradient", ["x holds integers here"]),
]
# (question, a stable function): each passes every case, public and hidden.
PASSING = [
    ("q1_sigmoid", S.sigmoid), ("q1_sigmoid", STUDENT["masked_sigmoid"]), ("q1_sigmoid", STUDENT["logaddexp_sigmoid"]),
    ("q1_sigmoid_grad", S.sigmoid_grad), ("q1_sigmoid_grad", STUDENT["sigmoid_grad_of_naive"]),
    ("q1_logistic_grad", S.logistic_grad), ("q1_logistic_grad", STUDENT["simplified_logistic_grad"]),
    ("q2_softmax", S.softmax), ("q2_softmax", STUDENT["max_softmax"]), ("q2_softmax", STUDENT["logsumexp_softmax"]),
    ("q2_ce_grad", S.cross_entropy_grad), ("q2_ce_grad", STUDENT["stable_cross_entropy_grad"]),
    ("q4_numgrad", S.numerical_gradient),
]


def _outcomes(question, func, cases):
    """Each case's outcome as the judge receives it: called as the kernel calls, as plain JSON."""
    named = STUDENT[func] if isinstance(func, str) else func
    calls = [KINDS[c.kind].answer(named, [decode_arg(a) for a in c.args]) for c in cases]
    return [json.loads(json.dumps(o, allow_nan=False)) for o in calls]


def _judged(casebook, question, func):
    judged = casebook.question(question)
    return judge_question(judged, _outcomes(question, func, judged.cases), score_from=casebook.score_from)


@pytest.mark.parametrize("question, func, says", FAILING, ids=[f"{q}-{f}" for q, f, _ in FAILING])
def test_the_naive_variant_fails_in_public_and_hidden_saying_why(casebook, question, func, says):
    result = _judged(casebook, question, func)
    public = [c for c in result.cases if not c.hidden]
    hidden = [c for c in result.cases if c.hidden]
    assert any(not c.passed for c in public), "students must be able to see the requirement in grader.check"
    assert any(not c.passed for c in hidden), "the score must count it"
    assert result.score < result.points
    messages = [c.message for c in public if not c.passed]
    assert any(all(part in m for part in says) for m in messages), messages
    assert all(c.hint for c in public if not c.passed), messages  # each failing public case names the mistake


@pytest.mark.parametrize("question, func", PASSING, ids=[f"{q}-{getattr(f, '__module__', '')}.{f.__name__}"
                                                         for q, f in PASSING])
def test_the_stable_variant_passes_every_case(casebook, question, func):
    result = _judged(casebook, question, func)
    assert result.score == result.points and all(c.passed for c in result.cases), result.feedback(show_hidden=True)


def test_only_the_sigmoid_must_not_warn(casebook):
    """"Without a warning" is the sigmoid's requirement: every one of its cases has it, and no
    other question's does (their prompts ask for finite values, not for silence)."""
    for question in casebook.questions:
        flags = {c.no_warnings for c in question.cases}
        assert flags == ({True} if question.name == "q1_sigmoid" else {False}), question.name
    sigmoid = casebook.question("q1_sigmoid")
    assert {c.note for c in sigmoid.cases if not c.hidden} >= {"extreme logits"}
    assert {c.note for c in sigmoid.cases if c.hidden} >= {"extreme logits", "very negative logits"}


def test_every_stated_requirement_is_a_public_case_and_in_the_docstring_students_see():
    """The hidden edges a docstring states each have a public case too, and the student
    notebook's function (its docstring) says what they require."""
    said = {
        "q1_sigmoid": (S.sigmoid, ["without a warning", "-1000"]),
        "q1_sigmoid_grad": (S.sigmoid_grad, ["z = -1000 or z = 1000 it returns 0.0", "not NaN"]),
        "q1_logistic_grad": (S.logistic_grad, ["stay finite", "in the hundreds", "exactly 1.0"]),
        "q2_softmax": (S.softmax, ["thousands, of either sign", "[-1000, 0, 1000]", "below -745"]),
        "q2_ce_grad": (S.cross_entropy_grad, ["logits in the thousands", "no NaN"]),
        "q4_numgrad": (S.numerical_gradient, ["integers"]),
    }
    for question, (func, parts) in said.items():
        student = " ".join(function_source(func).student.split())  # as the student notebook shows it
        for part in parts:
            assert part in student, (question, part)
        drawn = disc02_cases.cases(question, DISC02.term_seed)
        public = {c.note for c in drawn if not c.hidden}
        assert set(disc02_cases.PUBLIC_EDGES[question]) <= public <= set(disc02_cases.EDGES[question]) | {""}


def test_numerical_gradients_docstring_and_its_public_integer_case_agree():
    drawn = disc02_cases.cases("q4_numgrad", DISC02.term_seed)
    integer = [c for c in drawn if not c.hidden and c.note == "integer x"]
    assert integer and np.issubdtype(np.asarray(integer[0].args[1]).dtype, np.integer)
    assert "the vector x" not in S.numerical_gradient.__doc__
    assert "floats or integers" in " ".join(S.numerical_gradient.__doc__.split())
    x = integer[0].args[1].copy()
    assert np.allclose(S.numerical_gradient(lambda v: float(v @ v), x, 1e-3), 2 * x) and np.array_equal(
        x, integer[0].args[1])


def test_softmax_rows_tell_each_wrong_shift_apart():
    """The public rows: each wrong shift overflows (inf / inf) or divides 0 / 0 on one of them,
    each in its own way, and the row maximum's shift is exact."""
    rows = np.array([[-1000.0, 0.0, 1000.0], [1000.0, 2000.0, 3000.0], [1000.0, 0.0, -1000.0]])
    negative = np.array([[0.5, -1.0, 2.0], [1000.5, 999.0, 1002.0], [-1001.0, -1000.0, -1003.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = {name: STUDENT[name](rows) for name in ("naive_softmax", "min_softmax", "mean_softmax",
                                                      "first_softmax", "max_softmax")}
        underflow = {name: STUDENT[name](negative) for name in ("naive_softmax", "global_max_softmax", "max_softmax")}
    assert np.allclose(got["max_softmax"], [[0, 0, 1], [0, 0, 1], [1, 0, 0]])
    wrong = [got[n] for n in ("naive_softmax", "min_softmax", "mean_softmax", "first_softmax")]
    assert all(np.isnan(w).any() for w in wrong)
    patterns = {np.isnan(w).tobytes() for w in wrong}
    assert len(patterns) == 4  # so that each gets its own hint
    assert np.isnan(underflow["naive_softmax"]).any() and np.isnan(underflow["global_max_softmax"]).any()
    assert not np.array_equal(np.isnan(underflow["naive_softmax"]), np.isnan(underflow["global_max_softmax"]))
    assert np.isfinite(underflow["max_softmax"]).all()


# --- the warnings of a call -------------------------------------------------------------------

def test_a_call_reports_its_warnings_once_each_whatever_the_notebook_silenced():
    z = np.array([-1000.0, 0.0, 1000.0])
    assert answer_of(S.sigmoid, [z]) == ["value", [0.0, 0.5, 1.0]]  # quiet: no third entry
    saved = np.geterr()
    try:
        np.seterr(all="ignore")  # a notebook's np.seterr hides nothing from the check
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nor do its warning filters
            outcome = answer_of(STUDENT["where_sigmoid"], [z])
        assert np.geterr()["over"] == "ignore"  # and the notebook's settings are as it left them
    finally:
        np.seterr(**saved)
    assert outcome[:2] == ["value", [0.0, 0.5, 1.0]] and sorted(outcome[2]) == sorted([OVERFLOW, INVALID])

    def noisy(n):
        for i in range(n):
            warnings.warn(f"step {i % 50}", RuntimeWarning, stacklevel=1)
            warnings.warn("old", DeprecationWarning, stacklevel=1)  # about the code's future, not its answer
        return 1.0

    outcome = answer_of(noisy, [10_000])
    assert outcome[:2] == ["value", 1.0] and len(outcome[2]) == WARNINGS_KEPT  # a few, never all
    assert outcome[2][0] == "RuntimeWarning: step 0"
    assert answer_of(lambda: np.float64(1e-300) * 1e-300, [])[:2] == ["value", 0.0]  # underflow is no warning
    assert len(answer_of(lambda: np.float64(1e-300) * 1e-300, [])) == 2


def test_a_case_that_requires_no_warnings_fails_a_right_value_that_warned():
    outcome = ["value", [0.0, 1.0], [OVERFLOW]]
    call = "sigmoid(z=[-1000, 1000])"
    passed, message, hint = judge_outcome(outcome, [0.0, 1.0], "sigmoid", call, [], compare_array, no_warnings=True)
    assert not passed and not hint
    assert message == f"{call} warned: {OVERFLOW}; it must return its answer without a warning."
    assert judge_outcome(outcome, [0.0, 1.0], "sigmoid", call, [], compare_array) == (True, "", "")
    # a mistake is named by its warnings too: the same value, other warnings, another mistake
    diagnoses = [["both branches", [0.0, 1.0], [OVERFLOW, INVALID]], ["overflow", [0.0, 1.0], [OVERFLOW]]]
    passed, message, hint = judge_outcome(outcome, [0.0, 1.0], "sigmoid", call, [], compare_array,
                                          diagnoses=diagnoses, no_warnings=True)
    assert not passed and hint == "overflow" and message.endswith("Looks like a known mistake: overflow")
    # a wrong value that warned: what came back, then the warning
    passed, message, hint = judge_outcome(["value", [0.0, "NaN"], [OVERFLOW]], [0.0, 1.0], "sigmoid", call, [],
                                          compare_array, no_warnings=True)
    assert message == (f"{call} returned [0, nan]: 1 of 2 entries are wrong; expected [0, 1]. It warned too: "
                       f"{OVERFLOW}; it must return its answer without a warning.")


def test_the_kernels_answer_carries_its_warnings_to_the_judge(casebook):
    """grade.py's own serialization in the kernel, then the judge's parsing of the reply."""
    namespace = {}
    exec(compile(shipped.kernel_source([KINDS["array"]]), "<judge>", "exec"), namespace)
    sigmoid = casebook.question("q1_sigmoid")
    replies = {i: namespace["_answer"](namespace["answer_of"](STUDENT["naive_sigmoid"],
                                                              [namespace["decode_arg"](a) for a in case.args]))
               for i, case in enumerate(sigmoid.cases)}
    outcomes = _parse_replies(replies, len(sigmoid.cases))
    assert any(len(o) == 3 and o[2] == [OVERFLOW] for o in outcomes)
    result = judge_question(sigmoid, outcomes, score_from=casebook.score_from)
    assert result.score < result.points and any(f"warned: {OVERFLOW}" in c.message for c in result.cases)
    # a reply whose warnings are not text is unreadable, not trusted
    bad = _parse_replies({0: json.dumps(["value", 1.0, [3]]), 1: json.dumps(["value", 1.0, "x"]),
                          2: json.dumps(["value", 1.0, ["RuntimeWarning: x"]])}, 3)
    assert bad[0][0] == bad[1][0] == "error" and bad[2] == ("value", 1.0, ["RuntimeWarning: x"])


def test_the_flag_travels_in_the_casebook_and_an_older_casebook_reads_as_before(casebook):
    again = Casebook.from_json(casebook.to_json())
    assert again.question("q1_sigmoid").cases == casebook.question("q1_sigmoid").cases
    assert all(c.no_warnings for c in again.question("q1_sigmoid").cases)
    data = json.loads(casebook.to_json())
    for q in data["questions"]:
        for c in q["cases"]:
            del c["no_warnings"]
    older = Casebook.from_json(json.dumps(data))
    assert not any(c.no_warnings for q in older.questions for c in q.cases)


def test_the_build_refuses_a_reference_that_warns_on_a_case_that_requires_none():
    question = SimpleNamespace(name="q_sig", function="sigmoid", points=1.0)
    reference = SimpleNamespace(sigmoid=STUDENT["naive_sigmoid"])
    z = np.array([-1000.0, 2.0])
    judged_question(question, reference, [Case((z,), False, "array"), Case((z,), True, "array")])  # no flag: fine
    with pytest.raises(ValueError, match=f"the reference naive_sigmoid warned \\({OVERFLOW}\\) on a case that "
                                         "requires no warnings"):
        judged_question(question, reference, [Case((z,), False, "array", no_warnings=True)])


# --- grader.check: otter's test files ---------------------------------------------------------

def _check_messages(rendered, func):
    namespace = {}
    exec(compile(rendered, "<test file>", "exec"), namespace)
    messages = []
    for name, test in namespace.items():
        if not name.startswith(("test_public", "test_hidden")):
            continue
        try:
            test.test_func(func)
            messages.append("")
        except AssertionError as failure:
            messages.append(str(failure))
    return messages


@pytest.mark.parametrize("question, func", [("q1_sigmoid", "naive_sigmoid"), ("q1_sigmoid", "where_sigmoid"),
                                            ("q2_softmax", "min_softmax"), ("q2_softmax", "global_max_softmax")])
def test_grader_check_says_what_the_judge_says(casebook, question, func):
    judged = casebook.question(question)
    public = SimpleNamespace(**{**judged.__dict__, "cases": tuple(c for c in judged.cases if not c.hidden)})
    rendered = render_test_file(judged, include_hidden=False, score_from=casebook.score_from)
    assert ("no_warnings=True" in rendered) == (question == "q1_sigmoid")
    judge = [c.message for c in judge_question(public, _outcomes(question, func, public.cases)).cases]
    check = _check_messages(rendered, STUDENT[func])
    assert check == judge and any(check)
    stable = S.sigmoid if question == "q1_sigmoid" else S.softmax
    assert _check_messages(rendered, stable) == [""] * len(public.cases)
    # and with every case, as the Gradescope copy holds them
    assert not any(_check_messages(render_test_file(judged, include_hidden=True), stable))


def test_grader_check_fails_the_naive_sigmoid_saying_it_warned(casebook):
    rendered = render_test_file(casebook.question("q1_sigmoid"), include_hidden=False)
    messages = [m for m in _check_messages(rendered, STUDENT["naive_sigmoid"]) if m]
    assert len(messages) == 1
    assert messages[0].startswith("sigmoid(z=[-1000, 1000, ")
    assert f"warned: {OVERFLOW}; it must return its answer without a warning. Looks like a known mistake: " \
           "exp(-z) overflows for very negative z" in messages[0]


def test_grader_check_says_a_function_that_uses_a_warning_sigmoid_should_fix_it_first(casebook):
    """sigmoid_grad's check passes on the sigmoid's own public cases through ``_uses``, with the
    flag: a wrong sigmoid_grad that calls a naive sigmoid is told that sigmoid fails first."""
    rendered = render_test_file(casebook.question("q1_sigmoid_grad"), include_hidden=False,
                                uses=[casebook.question("q1_sigmoid")])
    assert ", [], True)" in rendered  # the sigmoid's public case that requires no warnings, as _uses holds it
    student = _functions("""
        def sigmoid(z):
            return 1.0 / (1.0 + np.exp(-z))

        def sigmoid_grad(z):
            s = sigmoid(z)
            return 1 - s ** 2
    """)
    messages = [m for m in _check_messages(rendered, student["sigmoid_grad"]) if m]
    assert messages and all("sigmoid_grad uses sigmoid, which fails q1_sigmoid: fix that first." in m
                            for m in messages)
    quiet = _functions("""
        def sigmoid(z):
            return np.exp(-np.logaddexp(0.0, -z))

        def sigmoid_grad(z):
            s = sigmoid(z)
            return 1 - s ** 2
    """)
    assert not any("fix that first" in m for m in _check_messages(rendered, quiet["sigmoid_grad"]))


def test_public_cases_of_the_flagged_question_carry_the_flag_as_plain_data(casebook):
    case = next(c for c in casebook.question("q1_sigmoid").cases if not c.hidden and c.note == "extreme logits")
    assert case.no_warnings and decode_arg(case.args[0]).dtype == np.float64
    assert encode_arg(decode_arg(case.args[0])) == case.args[0]
