"""Copied work found: canonical forms of graded functions, and pairs weighed by rarity."""

import json
import random
from types import SimpleNamespace

import pytest

from autograder.cell_code import canonical_dump, canonical_form, notebook_functions
from autograder.grading.similarity import FLAG, similar_pairs

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
    assert "np" in canonical_dump(SIGMOID, "sigmoid") and "'z'" not in canonical_dump(SIGMOID, "sigmoid")
    lam = "def f(a):\n    return sorted(a, key=lambda item: -item)\n"
    assert canonical_form(lam, "f") == canonical_form(lam.replace("item", "k").replace("(a", "(b").replace("(b,", "(b,"), "f")


def test_the_canonical_form_is_none_for_what_does_not_parse_or_define_the_function():
    assert canonical_form("def sigmoid(z) return z", "sigmoid") is None
    assert canonical_form("x = 1", "sigmoid") is None
    assert canonical_form("def sigmoid(z):\n    return " + "(" * 5000 + "z" + ")" * 5000, "sigmoid") is None
    # Long functions that differ only at the end are different (the digest covers all of it).
    long = "def f(z):\n" + "    z = z + 1\n" * 3000
    assert len(canonical_form(long, "f")) == 64
    assert canonical_form(long + "    return z\n", "f") != canonical_form(long + "    return -z\n", "f")


def test_imports_are_resolved_before_forms_are_compared():
    """``import numpy``, ``import numpy as np`` and ``from numpy import exp`` write the same code."""
    aliased = canonical_form("import numpy as np\n" + SIGMOID, "sigmoid")
    assert canonical_form("import numpy\n" + SIGMOID.replace("np.", "numpy."), "sigmoid") == aliased
    assert canonical_form("from numpy import asarray, exp\n" + SIGMOID.replace("np.", ""), "sigmoid") == aliased
    assert canonical_form("import numpy as xp\n" + SIGMOID.replace("np.", "xp."), "sigmoid") == aliased
    # Another module is other code, and a local that shadows an imported name stays local.
    assert canonical_form("import torch as np\n" + SIGMOID, "sigmoid") != aliased
    shadow = "from numpy import exp\ndef f(exp):\n    return exp + 1\n"
    assert canonical_form(shadow, "f") == canonical_form("def f(a):\n    return a + 1\n", "f")


def test_a_function_is_found_wherever_the_notebook_defines_it():
    pasted = ["import numpy as np", "x = 1", "def helper():\n    return 2\n" + SIGMOID]
    form, source = notebook_functions(pasted, {"sigmoid"})["sigmoid"]
    assert form == canonical_form("import numpy as np\n" + SIGMOID, "sigmoid") and "np.exp(-z)" in source
    # The last definition counts, as after the cells run; a magic in the cell changes nothing.
    assert notebook_functions(["%time y = 2\n" + SIGMOID], {"sigmoid"})["sigmoid"][0] == canonical_form(SIGMOID, "sigmoid")
    assert "sigmoid" not in notebook_functions([SIGMOID, "def sigmoid(z):\n    pass\n"], {"sigmoid"})


def test_a_copy_moved_to_other_cells_with_other_imports_shares_the_original_form(tmp_path):
    import nbformat

    from autograder.grading.written import submission_texts

    casebook = SimpleNamespace(assignment="hw", written=(), written_placeholder="",
                               questions=[SimpleNamespace(name="q_sigmoid", function="sigmoid")])

    def texts(cells, name):
        nb = nbformat.v4.new_notebook(cells=cells)
        path = tmp_path / name / "hw.ipynb"
        path.parent.mkdir()
        nbformat.write(nb, path)
        return submission_texts(path, casebook)["code"]

    code = nbformat.v4.new_code_cell
    original = texts([code("import numpy as np"), code(SIGMOID, metadata={"question": "q_sigmoid"})], "a")
    moved = texts([code("import numpy"), code("z0 = 3", metadata={"question": "q_sigmoid"}),
                   code(SIGMOID_DISGUISED.replace("np.", "numpy."))], "b")
    assert original == moved and set(original) == {"q_sigmoid"}


QUESTIONS = [SimpleNamespace(name=f"q{i}", points=1.0) for i in range(7)]
WRITTEN = [{"name": "w1", "points": 2}, {"name": "w2", "points": 2}]
TEXTBOOK = {q.name: f"{q.name}-textbook" for q in QUESTIONS}  # the reference's form
STUBS = {q.name: f"{q.name}-stub" for q in QUESTIONS}
CASEBOOK = SimpleNamespace(questions=QUESTIONS, written=WRITTEN,
                           known_forms={q: [TEXTBOOK[q], STUBS[q]] for q in TEXTBOOK})
VOCABULARY = ("subtracting the largest logit multiplies numerator and denominator by same factor so result "
              "is unchanged while exponentials can no longer overflow to infinity exp shift constant row "
              "cancels stable nan float error step truncation round off small large").split()
# How honest students answer a question: the textbook form, two common variants, a common
# mistake, a blank stub, or a form of their own (None).
CHOICES = [("textbook", 0.45), ("variant1", 0.2), ("variant2", 0.1), ("mistake", 0.07), ("stub", 0.03), (None, 0.15)]


def _record(id, forms, wrong=(), written=None):
    return {"id": id, "code": forms, "written": written or {},
            "verdict": {"questions": [{"name": q.name, "score": 0.0 if q.name in wrong else 1.0} for q in QUESTIONS]}}


def _honest(rng, id):
    forms, wrong = {}, set()
    for q in QUESTIONS:
        choice = rng.choices([c for c, _ in CHOICES], [w for _, w in CHOICES])[0]
        if choice in ("textbook", "stub"):
            forms[q.name] = (TEXTBOOK if choice == "textbook" else STUBS)[q.name]
        else:
            forms[q.name] = f"{q.name}-{choice or id}"  # None: a form nobody else writes
        if choice in ("mistake", "stub") or (choice is None and rng.random() < 0.3):
            wrong.add(q.name)
    essays = {w["name"]: " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(20, 60))) for w in WRITTEN
              if rng.random() < 0.9}
    return _record(id, forms, wrong, essays)


def synthetic_class(seed, students=120):
    """Honest students choosing independently, and one copied pair: the copier takes everything
    from a classmate who wrote three answers their own way (one of them wrong)."""
    rng = random.Random(seed)
    records = [_honest(rng, f"s{n:03d}") for n in range(students - 2)]
    original = _honest(rng, "copied_from")
    for q in ("q1", "q2", "q4"):
        original["code"][q] = f"{q}-own-copied_from"
    original["verdict"]["questions"][2]["score"] = 0.0
    original["written"] = {"w1": " ".join(rng.choice(VOCABULARY) for _ in range(40))}
    copier = json.loads(json.dumps(original))
    copier["id"] = "copier"
    copier["written"]["w1"] = copier["written"]["w1"].replace("overflow", "overflows") + " I think"
    records += [original, copier]
    rng.shuffle(records)
    return records


@pytest.mark.parametrize("seed", range(5))
def test_a_synthetic_class_flags_the_copied_pair_and_no_honest_pair(seed):
    pairs = similar_pairs(CASEBOOK, synthetic_class(seed))
    assert [(p.a, p.b) for p in pairs] == [("copied_from", "copier")], [(p.a, p.b, p.score, p.evidence) for p in pairs]
    pair = pairs[0]
    assert pair.score >= FLAG and pair.evidence.startswith("the same wrong q2 (2 of 120 wrote it)")
    assert "the same q1 (2 of 120 wrote it)" in pair.evidence and "written w1" in pair.evidence
    assert pair.shared[0] == ("code", "q2") and ("written", "w1") in pair.shared
    # The textbook answer and the stub are what everyone shares: never named as evidence.
    assert "textbook" not in pair.evidence and "stub" not in pair.evidence


def test_without_what_they_shared_the_same_pair_is_not_flagged():
    records = synthetic_class(0)
    for record in records:
        if record["id"] in ("copied_from", "copier"):
            record["code"] = dict(TEXTBOOK)
            record["written"] = {}
    assert similar_pairs(CASEBOOK, records) == []


def test_one_copied_pair_in_a_small_section_does_not_hide_itself():
    """Five submissions: the pair's own score must not raise the bar it is measured against."""
    records = [_record(f"s{n}", {q.name: f"{q.name}-own{n}" for q in QUESTIONS}) for n in range(3)]
    shared = {q.name: f"{q.name}-shared" for q in QUESTIONS}
    records += [_record("a", dict(shared)), _record("b", dict(shared))]
    assert [(p.a, p.b) for p in similar_pairs(CASEBOOK, records)] == [("a", "b")]
    stubbed = [_record(n, dict(STUBS), wrong=set(STUBS)) for n in ("blank1", "blank2")] + records[:3]
    assert similar_pairs(CASEBOOK, stubbed) == []  # the notebook's own code is no evidence


@pytest.mark.parametrize("body", ["pass", "...", "raise NotImplementedError", "raise NotImplementedError('todo')",
                                  "return", "return None", '"""Only a docstring."""', "pass\n    ...",
                                  '"""Doc."""\n    raise NotImplementedError'])
def test_a_function_left_blank_has_no_form_to_share(body):
    assert canonical_form(f"def sigmoid(z):\n    {body}\n", "sigmoid") is None


def test_a_function_that_does_anything_keeps_its_form():
    for body in ("return 0", "raise ValueError('no')", "z = 1\n    pass", "return z"):
        assert canonical_form(f"def sigmoid(z):\n    {body}\n", "sigmoid") is not None, body
