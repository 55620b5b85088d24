"""Copied work found: canonical forms of graded functions, and pairs weighed by rarity."""

import random
from types import SimpleNamespace

from autograder.grading.review.similarity import FLAG, canonical_form, similar_pairs

SIGMOID = '''
def sigmoid(z):
    """The logistic function."""
    z = np.asarray(z, dtype=float)
    return 1 / (1 + np.exp(-z))
'''
SIGMOID_DISGUISED = '''
# my own work!!
def sigmoid(x):
    x = np.asarray(x,dtype=float)   # convert


    return 1/(1+np.exp(-x))
'''


def test_the_canonical_form_ignores_comments_whitespace_docstrings_and_local_names():
    assert canonical_form(SIGMOID, "sigmoid") == canonical_form(SIGMOID_DISGUISED, "sigmoid")
    # What the code does is kept: another library function, another constant, another order.
    assert canonical_form(SIGMOID.replace("np.exp", "np.expm1"), "sigmoid") != canonical_form(SIGMOID, "sigmoid")
    assert canonical_form(SIGMOID.replace("1 /", "2 /"), "sigmoid") != canonical_form(SIGMOID, "sigmoid")
    # Names the function does not bind (modules, the student's helpers) stay as they are.
    assert "np" in canonical_form(SIGMOID, "sigmoid") and "'z'" not in canonical_form(SIGMOID, "sigmoid")
    lam = "def f(a):\n    return sorted(a, key=lambda item: -item)\n"
    assert canonical_form(lam, "f") == canonical_form(lam.replace("item", "k").replace("(a", "(b").replace("(b,", "(b,"), "f")


def test_the_canonical_form_is_none_for_what_does_not_parse_or_define_the_function():
    assert canonical_form("def sigmoid(z) return z", "sigmoid") is None
    assert canonical_form("x = 1", "sigmoid") is None
    assert canonical_form("def sigmoid(z):\n    return " + "(" * 5000 + "z" + ")" * 5000, "sigmoid") is None
    assert len(canonical_form("def f(z):\n" + "    z = z + 1\n" * 3000, "f")) == 20_000  # capped


QUESTIONS = [SimpleNamespace(name=f"q{i}", points=1.0) for i in range(6)]
CASEBOOK = SimpleNamespace(questions=QUESTIONS, written=[{"name": "w1", "points": 2}])
ESSAY = ("Subtracting the largest logit multiplies the numerator and the denominator by the same factor so the "
         "result is unchanged while the exponentials can no longer overflow to infinity")


def _record(id, forms, wrong=(), essay=None):
    return {"id": id, "code": forms, "written": {"w1": essay} if essay else {},
            "verdict": {"questions": [{"name": q.name, "score": 0.0 if q.name in wrong else 1.0} for q in QUESTIONS]}}


def _section(seed=0):
    """40 students, each writing one of three common styles per question; two copy each other
    (rare code in three questions, one of them wrong, and the essay); two hand in the textbook
    version of everything, as many honest students do."""
    rng = random.Random(seed)
    styles = {q.name: [f"{q.name}-style{k}" for k in range(3)] for q in QUESTIONS}
    vocabulary = ESSAY.lower().split() + "exp overflow shift constant logit row cancels stable nan".split()
    records = [_record(f"s{n:02d}", {q: rng.choice(s) for q, s in styles.items()},
                       essay=" ".join(rng.choice(vocabulary) for _ in range(30)))
               for n in range(36)]
    textbook = {q: s[0] for q, s in styles.items()}
    records += [_record("textbook1", dict(textbook)), _record("textbook2", dict(textbook))]
    copied = {**textbook, "q1": "rare-1", "q2": "rare-wrong-2", "q3": "rare-3"}
    records += [_record("copier_a", copied, wrong={"q2"}, essay=ESSAY),
                _record("copier_b", dict(copied), wrong={"q2"}, essay=ESSAY.replace("infinity", "inf"))]
    rng.shuffle(records)
    return records


def test_rare_shared_code_and_a_shared_mistake_flag_a_pair_and_common_code_does_not():
    pairs = similar_pairs(CASEBOOK, _section())
    assert pairs and pairs[0][:2] == ("copier_a", "copier_b"), pairs[:3]
    a, b, score, evidence = pairs[0]
    assert score >= FLAG and "the same wrong q2 (2 of 40 wrote it)" in evidence.split("; ")[0]
    assert "the same q1 (2 of 40 wrote it)" in evidence and "written w1" in evidence
    # Identical from top to bottom, but only in what everyone writes: weak evidence, not flagged.
    assert all({"textbook1", "textbook2"} != {a, b} for a, b, *_ in pairs), pairs
    assert len(pairs) == 1, pairs


def test_without_the_rare_code_the_same_pair_is_not_flagged():
    records = _section(seed=1)
    for record in records:
        if record["id"].startswith("copier"):
            record["code"] = {q: f"{q}-style0" for q in record["code"]}
            record["written"] = {}
    assert similar_pairs(CASEBOOK, records) == []


def test_the_code_the_notebook_gives_is_no_evidence_even_in_a_small_section():
    stubs = {q.name: f"{q.name}-stub" for q in QUESTIONS}
    records = [_record("blank1", dict(stubs), wrong=set(stubs)), _record("blank2", dict(stubs), wrong=set(stubs))]
    records += [_record(f"s{n}", {q.name: f"{q.name}-own{n}" for q in QUESTIONS}) for n in range(3)]
    assert [p[:2] for p in similar_pairs(CASEBOOK, records)] == [("blank1", "blank2")]  # as far as it knows
    knowing = SimpleNamespace(**vars(CASEBOOK), known_forms={q: [form] for q, form in stubs.items()})
    assert similar_pairs(knowing, records) == []
