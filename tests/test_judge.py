"""The judge: honest work scores what it earns, hostile work gains nothing and leaves nothing."""

import json
import os
import pwd
import zipfile
from pathlib import Path

import nbformat
import pytest
from submissions import kernel_user, local_listener, notebooks, solution_answers, submission  # noqa: F401 - a fixture

from assignment.model import Assignment
from autograder.judge import Limits, judge_submission
from autograder.judge.limits import call_budget
from autograder.judge.request import gradable_cells
from autograder.judge.user import prepare_user, remove_files_of
from generator.casebook import build_casebook

DISC01 = Assignment.named("disc01")
# Short limits: the tests' loops and hangs should cost seconds, not minutes.
FAST = Limits(cell_timeout=20, call_timeout=5, total_timeout=240)


@pytest.fixture(scope="module")
def casebook():
    return build_casebook(DISC01, DISC01.term_seed)


def scores(verdict):
    return {q.name: q.score for q in verdict.questions}


def feedback(verdict, question, show_hidden=False):
    return next(q for q in verdict.questions if q.name == question).feedback(show_hidden)


def no_process_left(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie is dead already; its parent simply has not reaped it.
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(")")[1].split()[0] == "Z"


# --- honest work ---------------------------------------------------------------------------------


def hard_coded(question):
    """A function that answers ``question``'s public cases (float and array kinds) from a table of
    what grader.check shows, and returns 0.0 to anything else: no work at all."""
    from autograder.in_kernel.plain import decode_arg
    from generator.testfiles import literal

    public = [c for c in question.cases if not c.hidden and c.kind in ("float", "array")]
    table = ", ".join(f"({literal(tuple(decode_arg(a) for a in c.args))}, {literal(c.expected)})" for c in public)
    return f"""
        import numpy as np
        _shown_{question.function} = [{table}]
        def {question.function}(*args):
            for shown, answer in _shown_{question.function}:
                if len(shown) == len(args) and all(np.array_equal(np.asarray(a), np.asarray(b))
                                                   for a, b in zip(shown, args)):
                    return answer
            return 0.0
        """


def test_hard_coded_public_answers_pass_grader_check_and_earn_nothing(notebooks, casebook, tmp_path):
    """The public cases are what students check with; the score counts the hidden ones."""
    cheated = {q.name: hard_coded(q) for q in casebook.questions
               if any(not c.hidden and c.kind in ("float", "array") for c in q.cases)}
    assert len(cheated) >= 10
    path = submission(notebooks, tmp_path, base="student", answers=cheated)
    verdict = judge_submission(path, casebook, DISC01.root, FAST)
    for q in verdict.questions:
        if q.name in cheated:
            assert all(c.passed for c in q.cases if not c.hidden), q.feedback(True)  # grader.check passes ...
            assert q.score == 0, (q.name, q.score)  # ... and no point is earned
            assert f"points, from the {sum(c.hidden for c in q.cases)} hidden cases: 0 pass)" in q.summary(True)
    # Had the public cases counted, the same work would have earned points.
    from dataclasses import replace

    every_case = replace(casebook, score_from="all")
    assert judge_submission(path, every_case, DISC01.root, FAST).score > 0


def test_the_solution_in_an_export_zip_earns_full_marks(notebooks, casebook, tmp_path):
    path = submission(notebooks, tmp_path, base="solution")
    zipped = tmp_path / "disc01_2026_11_28T12_00_00.zip"
    with zipfile.ZipFile(zipped, "w") as zf:  # what otter's export cell writes
        zf.write(path, "disc01.ipynb")
        zf.writestr("relu_lab.py", "raise SystemExit('the support file in the zip is not used')\n")
    verdict = judge_submission(zipped, casebook, DISC01.root, FAST)
    assert verdict.status == "graded"
    assert scores(verdict) == {q.name: q.points for q in DISC01.questions}
    assert verdict.score == verdict.max_score == 20


def test_cells_pasted_into_a_new_notebook_are_graded_with_a_note(notebooks, casebook, tmp_path):
    # A student who copies the cells into a fresh notebook loses otter's metadata and the cell
    # tags: the demonstrations then run too, and the work is still graded.
    pasted = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c.source)
                                             for c in notebooks["solution"].cells if c.cell_type == "code"])
    path = tmp_path / "Untitled.ipynb"
    nbformat.write(pasted, path)
    verdict = judge_submission(path, casebook, DISC01.root)
    assert verdict.score == verdict.max_score
    assert verdict.notes[0].startswith("this notebook is not marked as disc01")
    # Otter's set-up and the export are known by their code: neither runs.
    kept = {id(cell) for _, cell in gradable_cells(pasted)}
    left_out = [c.source for c in pasted.cells if id(c) not in kept]
    assert len(left_out) == 2
    assert "otter.Notebook(" in left_out[0] and "submit.export(" in left_out[1]


def test_the_blank_notebook_scores_zero_and_says_not_implemented(notebooks, casebook, tmp_path):
    verdict = judge_submission(submission(notebooks, tmp_path), casebook, DISC01.root, FAST)
    assert verdict.status == "graded" and verdict.score == 0
    text = feedback(verdict, "q1a_grad", show_hidden=True)
    cases = casebook.question("q1a_grad").cases
    which = ", ".join(f"{i}{' (hidden)' if c.hidden else ''}" for i, c in enumerate(cases, 1))
    hidden = sum(c.hidden for c in cases)
    assert text.splitlines() == [f"q1a_grad: 0 of {len(cases)} cases (0 of 1 points, from the {hidden} hidden cases: "
                                 "0 pass)",
                                 f"cases {which} failed: grad_const is not implemented yet (it returned nothing): "
                                 "replace the ... with your code, and return the result."]
    assert feedback(verdict, "q1a_grad").splitlines()[0] == "q1a_grad: 0 of 2 public cases pass"
    assert "Traceback" not in text and "line" not in text


def test_a_wrong_answer_costs_its_question_and_says_what_came_back(notebooks, casebook, tmp_path):
    answers = solution_answers(notebooks, *[q.name for q in DISC01.questions])
    answers["q1a_grad"] = """
        def grad_const(theta, y):
            import numpy as np
            return float(np.mean(theta - np.asarray(y)))  # the 2 of the square forgotten
    """
    verdict = judge_submission(submission(notebooks, tmp_path, answers=answers), casebook, DISC01.root, FAST)
    got = scores(verdict)
    assert got.pop("q1a_grad") == 0
    assert got.pop("q1a_gd") == 0  # the solution's gd_step_const calls grad_const
    assert "gd_step_const uses grad_const, which fails q1a_grad: fix that first." in feedback(verdict, "q1a_gd")
    assert all(got[q.name] == q.points for q in DISC01.questions if q.name in got)
    public, hidden = feedback(verdict, "q1a_grad"), feedback(verdict, "q1a_grad", show_hidden=True)
    case = casebook.question("q1a_grad").cases[0]
    assert case.call in public and "expected" in public
    hidden_case = casebook.question("q1a_grad").cases[4]
    assert "hidden" not in public and hidden_case.call in hidden  # shown once published
    cases = casebook.question("q1a_grad").cases
    assert hidden.splitlines()[0] == (f"q1a_grad: 0 of {len(cases)} cases (0 of 1 points, from the "
                                      f"{sum(c.hidden for c in cases)} hidden cases: 0 pass)")


# --- hostile work --------------------------------------------------------------------------------


def test_tampering_cannot_raise_a_score_or_reach_out(notebooks, casebook, tmp_path):
    marker = tmp_path / "escaped"
    with local_listener() as (port, accepted):
        hostile = [
            # comparisons that always agree
            """
            import numpy as np, math, torch
            np.isclose = lambda *a, **k: np.ones(np.broadcast(*a[:2]).shape, dtype=bool)
            np.allclose = lambda *a, **k: True
            np.array_equal = lambda *a, **k: True
            math.isclose = lambda *a, **k: True
            torch.allclose = lambda *a, **k: True
            """,
            # a fake otter and grader, fake results files and a poisoned pickle
            """
            import os, pickle, json
            class Everything:
                def __getattr__(self, name): return lambda *a, **k: {"score": 20}
            grader = Everything()
            class Boom:
                def __reduce__(self): return (os.system, ("touch %s",))
            for folder in (".", "/tmp", os.path.expanduser("~")):
                try:
                    with open(os.path.join(folder, "results.pkl"), "wb") as f: pickle.dump(Boom(), f)
                    with open(os.path.join(folder, "results.json"), "w") as f:
                        json.dump({"score": 100, "tests": []}, f)
                except OSError:
                    pass
            """ % marker,
            # a process that outlives the kernel, and the network
            f"""
            import os, socket, time
            # the cell goes on only once the survivor has written its pid (renamed into place,
            # so never half-written): on a loaded machine it would otherwise be killed unborn
            pid_file = {str(tmp_path / 'survivor.pid')!r}
            middle = os.fork()
            if middle == 0:
                os.setsid()
                if os.fork() == 0:
                    with open(pid_file + ".part", "w") as f: f.write(str(os.getpid()))
                    os.rename(pid_file + ".part", pid_file)
                    time.sleep(600)
                while not os.path.exists(pid_file):
                    time.sleep(0.05)
                os._exit(0)
            os.waitpid(middle, 0)
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=2)
                open({str(marker)!r}, "w").write("network")
            except OSError:
                pass
            """,
            # answers that claim to be anything, then leave
            """
            def grad_const(theta, y):
                class Liar(float):
                    def __eq__(self, other): return True
                return Liar(0.0)
            import sys
            sys.exit(0)
            """,
        ]
        answers = solution_answers(notebooks, "q1b_opt")  # one honest answer: it keeps its points
        path = submission(notebooks, tmp_path, answers=answers, extra_cells=hostile)
        verdict = judge_submission(path, casebook, DISC01.root, FAST)
    got = scores(verdict)
    assert got.pop("q1b_opt") == 1
    assert sum(got.values()) == 0
    assert not marker.exists()  # neither the pickle nor the socket did anything
    assert not accepted, "the kernel reached the network"
    survivor = int((tmp_path / "survivor.pid").read_text())
    assert no_process_left(survivor)


def test_a_cell_that_kills_the_kernel_costs_only_itself(notebooks, casebook, tmp_path):
    answers = solution_answers(notebooks, *[q.name for q in DISC01.questions])
    answers["q1a_opt"] = """
        def theta_star_const(y):
            import os
            os._exit(3)  # ends the kernel when called
    """
    killer = ["import os\nos._exit(1)"]
    path = submission(notebooks, tmp_path, answers=answers, extra_cells=killer, at=9)
    verdict = judge_submission(path, casebook, DISC01.root, FAST)
    got = scores(verdict)
    assert got.pop("q1a_opt") == 0
    lost = {q.name: feedback(verdict, q.name, show_hidden=True) for q in DISC01.questions
            if q.name in got and got[q.name] != q.points}
    assert not lost, (lost, verdict.notes)
    assert any("ended the kernel" in note for note in verdict.notes)
    assert "calling theta_star_const ended the kernel" in feedback(verdict, "q1a_opt", show_hidden=True)


def test_loops_floods_and_allocations_cost_only_their_question(notebooks, casebook, tmp_path):
    answers = solution_answers(notebooks, "q1a_grad", "q1a_opt", "q2_elbows")
    answers["q1b_grad"] = "def grad_linear(theta, x, y):\n    while True:\n        pass\n"
    answers["q1b_opt"] = "def theta_star_linear(x, y):\n    while True:\n        print('spam' * 1000)\n"
    answers["q1b_gd"] = "def gd_step_linear(theta, x, y, alpha):\n    return bytearray(50 * 2**30)\n"
    answers["q1b_sgd"] = """
        import signal
        def sgd_step_linear(theta, x_i, y_i, alpha):
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # an interrupt cannot stop it
            while True:
                pass
    """
    top_level = ["while True:\n    pass", "while True:\n    print('x' * 10000)", "big = bytearray(50 * 2**30)"]
    path = submission(notebooks, tmp_path, answers=answers, extra_cells=top_level, at=9)
    # Each loop spins a core until its limit: short limits, still far above what an honest cell
    # of this notebook takes (its import cell, 2 s of CPU; its function cells, under 0.1 s). The
    # limits are on the kernel's clock: the import cell once took 6 s on the wall in the suite.
    limits = Limits(cell_timeout=6, call_timeout=3, total_timeout=240)
    verdict = judge_submission(path, casebook, DISC01.root, limits)
    got = scores(verdict)
    honest = {q: feedback(verdict, q, show_hidden=True) for q in ("q1a_grad", "q1a_opt", "q2_elbows") if got[q] != 1}
    assert not honest, (honest, verdict.notes)
    assert got["q1b_grad"] == got["q1b_opt"] == got["q1b_gd"] == got["q1b_sgd"] == 0
    assert "ran over the 3 s limit" in feedback(verdict, "q1b_grad")
    assert "MemoryError" in feedback(verdict, "q1b_gd")
    assert "stopped the kernel from answering" in feedback(verdict, "q1b_sgd")
    first = 1 + sum(c.cell_type == "code" for c in notebooks["student"].cells[:9])  # the loop's number
    # (Demonstration cells that call the looping functions may run over too.)
    assert {f"code cell {first} ran over 6 s and was interrupted",
            f"code cell {first + 1} ran over 6 s and was interrupted"} <= set(verdict.notes)


@pytest.mark.parametrize("content, says", [
    (b"", "the file is empty"),
    (b"{not json", "not JSON"),
    (b"%PDF-1.7\n...", "this is a PDF"),
    (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}).encode(), "no code cells"),
    (json.dumps({"hello": "world"}).encode(), "not a notebook"),
])
def test_uploads_that_are_not_notebooks_say_what_to_upload(casebook, tmp_path, content, says):
    path = tmp_path / "disc01.ipynb"
    path.write_bytes(content)
    verdict = judge_submission(path, casebook, DISC01.root, FAST)
    assert verdict.status == "unreadable" and verdict.score == 0
    assert says in verdict.notes[0]


def test_a_zip_without_a_notebook_says_so(casebook, tmp_path):
    path = tmp_path / "submission.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("disc01.pdf", b"%PDF")
    verdict = judge_submission(path, casebook, DISC01.root, FAST)
    assert verdict.status == "unreadable"
    assert verdict.notes == ["the zip holds no notebook: upload disc01.ipynb or the zip its export cell made"]


# --- another user ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def judge_user():
    if os.geteuid() != 0:
        pytest.skip("running the kernel as another user needs root")
    return prepare_user(kernel_user("j"))


def test_the_kernel_runs_as_another_user_that_cannot_read_the_judges_files(notebooks, casebook, tmp_path, judge_user):
    secret = tmp_path / "secret.json"  # the judge's files: root's, like casebook.json on Gradescope
    secret.write_text("42")
    os.chmod(secret, 0o600)
    answers = solution_answers(notebooks, "q1a_grad")
    answers["q1a_opt"] = f"""
        import os
        def theta_star_const(y):
            try:
                found = open({str(secret)!r}).read()
            except OSError as exc:
                found = type(exc).__name__
            with open("/proc/self/status") as f:
                no_new_privs = [line.split()[1] for line in f if line.startswith("NoNewPrivs")][0]
            raise RuntimeError(f"SEEN {{os.getuid()}} {{found}} {{no_new_privs}} SEEN")
    """
    path = submission(notebooks, tmp_path, answers=answers)
    verdict = judge_submission(path, casebook, DISC01.root, Limits(user=judge_user, total_timeout=240))
    seen = next(q for q in verdict.questions if q.name == "q1a_opt").cases[0].message
    uid, found, no_new_privs = seen.split("SEEN")[1].split()
    assert int(uid) == pwd.getpwnam(judge_user).pw_uid
    assert found == "PermissionError"
    assert no_new_privs == "1"  # no setuid program gives the kernel privileges back
    assert scores(verdict)["q1a_grad"] == 1


def test_what_the_user_left_near_the_top_goes_first_and_closed_folders_are_not_walked(tmp_path, judge_user):
    """A shared folder holding someone's big tree: a walk that went depth first could spend its
    budget inside that tree and miss what the kernel left at the top (seen in /tmp)."""
    uid = pwd.getpwnam(judge_user).pw_uid
    shared = tmp_path / "shared"
    (shared / "a-big-tree").mkdir(parents=True)
    for i in range(300):
        (shared / "a-big-tree" / f"f{i}").write_text("")
    (shared / "open" / "deeper").mkdir(parents=True, mode=0o777)
    (shared / "closed").mkdir(mode=0o700)
    for place in ("left-file", "open/deeper/left-file", "closed/root-put-it-here"):
        (shared / place).write_text("x")
        os.chown(shared / place, uid, -1)
    (shared / "left-folder" / "inner").mkdir(parents=True)
    os.chown(shared / "left-folder", uid, -1)

    assert remove_files_of(judge_user, [shared], max_entries=50) == f"2 in {shared}"
    assert not (shared / "left-file").exists() and not (shared / "left-folder").exists()
    assert remove_files_of(judge_user, [shared]) == f"1 in {shared}"
    assert not (shared / "open" / "deeper" / "left-file").exists()
    assert (shared / "closed" / "root-put-it-here").exists()  # the user could never have reached it
    assert len(list((shared / "a-big-tree").iterdir())) == 300


def test_nothing_the_kernels_user_left_in_shared_folders_survives(notebooks, casebook, tmp_path, judge_user):
    cell = """
        import os
        for folder in ("/tmp", "/var/tmp", "/dev/shm"):
            with open(os.path.join(folder, f"left-behind-{os.getpid()}"), "wb") as f:
                f.write(b"x" * (1 << 20))
            os.makedirs(os.path.join(folder, f"left-folder-{os.getpid()}", "inner"), exist_ok=True)
        open("/tmp/eecs182-marker-%d" % os.getpid(), "w").write(str(os.getpid()))
    """
    path = submission(notebooks, tmp_path, base="solution", extra_cells=[cell], at=9)
    uid = pwd.getpwnam(judge_user).pw_uid
    verdict = judge_submission(path, casebook, DISC01.root, Limits(user=judge_user, total_timeout=240))
    assert verdict.score == verdict.max_score
    left = [str(p) for folder in ("/tmp", "/var/tmp", "/dev/shm") for p in Path(folder).glob("*")
            if p.lstat().st_uid == uid]
    assert left == []
    assert any("removed what the kernel left in shared folders" in n and "/dev/shm" in n
               for n in verdict.staff_notes), verdict.staff_notes
    assert not any("shared folders" in n for n in verdict.notes)  # the student's notes stay about the work


# --- every return type the spec allows ----------------------------------------------------------

RETURN_TYPES = {
    # a "float" as a numpy scalar, a 0-d array, a 0-d tensor, a float32, a Python float
    "q1a_grad": """
        import numpy as np
        def grad_const(theta, y):
            return np.float32(2 * np.mean(theta - np.asarray(y)))
    """,
    "q1a_opt": """
        import numpy as np
        def theta_star_const(y):
            return np.array(np.mean(y))
    """,
    "q1a_gd": """
        import torch
        def gd_step_const(theta, y, alpha):
            y = torch.as_tensor(y, dtype=torch.float64)
            return theta - alpha * 2 * torch.mean(theta - y)
    """,
    "q1a_sgd": """
        def sgd_step_const(theta, y_i, alpha):
            return theta - 2 * alpha * (theta - y_i)
    """,
    # an "array" as a list, a tensor, a numpy array; loops and plain Python
    "q1a_contrib": """
        def per_sample_grad_const(theta, y):
            return [2 * (theta - v) / len(y) for v in y]
    """,
    "q2_forward": """
        import torch
        def relu_net(x, w, b, v, c):
            x, w, b, v = (torch.as_tensor(a, dtype=torch.float64) for a in (x, w, b, v))
            return torch.relu(x[:, None] * w + b) @ v + c
    """,
    "q2_elbows": """
        import numpy as np
        def elbows(w, b):
            out = []
            for wj, bj in zip(w, b):
                out.append(float("nan") if wj == 0 else -bj / wj)
            return out
    """,
    "q2_features": """
        import numpy as np
        def hidden_features(x, w, b):
            return np.maximum(np.outer(x, w) + b, 0).astype(np.float32)
    """,
}


def test_every_return_type_the_spec_allows_earns_full_marks(notebooks, casebook, tmp_path):
    path = submission(notebooks, tmp_path, answers=RETURN_TYPES)
    verdict = judge_submission(path, casebook, DISC01.root, FAST)
    got = scores(verdict)
    assert {q: got[q] for q in RETURN_TYPES} == {q: DISC01.question(q).points for q in RETURN_TYPES}


FLOAT32_WORK = {
    # correct answers computed in float32, as torch does by default
    "q1a_contrib": """
        import torch
        def per_sample_grad_const(theta, y):
            y = torch.tensor(y, dtype=torch.float32)
            return 2 / len(y) * (theta - y)
    """,
    "q1b_grad": """
        import torch
        def grad_linear(theta, x, y):
            x, y = torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
            return (2 * torch.mean((theta * x - y) * x)).item()
    """,
    "q1b_opt": """
        import numpy as np
        def theta_star_linear(x, y):
            x, y = np.float32(x), np.float32(y)
            return (x * y).sum() / (x * x).sum()
    """,
    "q1b_contrib": """
        import torch
        def per_sample_grad_linear(theta, x, y):
            x, y = torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
            return 2 / len(x) * (theta * x - y) * x
    """,
    "q2_slopes": """
        import torch
        def slope_changes(w, v):
            return torch.tensor(v, dtype=torch.float32) * torch.tensor(w, dtype=torch.float32).abs()
    """,
    "q2_ridge": """
        import torch
        def fit_last_layer_ridge(features, y, lambd):
            F = torch.tensor(features, dtype=torch.float32)
            y = torch.tensor(y, dtype=torch.float32)
            return torch.linalg.solve(F.T @ F + lambd * torch.eye(F.shape[1]), F.T @ y)
    """,
}


def test_correct_work_in_float32_earns_full_marks_on_every_case(notebooks, casebook, tmp_path):
    path = submission(notebooks, tmp_path, answers=FLOAT32_WORK)
    verdict = judge_submission(path, casebook, DISC01.root, FAST)
    short = {q.name: q.feedback(show_hidden=True) for q in verdict.questions
             if q.name in FLOAT32_WORK and q.score < q.points}
    assert not short


def test_each_kind_of_question_gets_its_own_time_budget(casebook):
    """An infinite loop costs seconds, while a slow but correct training loop keeps its room."""
    casebook.register_kinds()
    grad, train = casebook.question("q1a_grad"), casebook.question("q2_train")
    assert call_budget(grad, Limits()) == 5 and call_budget(train, Limits()) == 30
    assert call_budget(train, Limits(call_timeout=4)) == 4
