"""``eecs182 grade``: a class's worth of submissions, honest, broken and hostile, graded in the
sandbox into a gradebook; every misbehaving submission costs only itself."""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from lab_browser import CHROMIUM_FLAGS
from submissions import (  # noqa: F401
    SEVERAL_PROCESSES,
    SHARED_MAPPING,
    WRITER,
    assert_written_only_where_capped,
    gradebook_rows,
    kernel_user,
    local_listener,
    notebooks,
    solution_answers,
    submission,
    write_answers,
    written_everywhere,
)
from test_gradescope import question_tests, run_autograder

from assignment.disc01.mistakes import MISTAKES
from assignment.model import Assignment
from autograder.grading.batch import GradingError, grade
from autograder.grading.inputs import collect
from autograder.grading.summary import summary_text
from autograder.judge import Limits
from autograder.sandbox import bubblewrap as sandbox

pytestmark = [pytest.mark.sandbox]  # a class graded in the sandbox

DISC01 = Assignment.named("disc01")
QUESTIONS = [q.name for q in DISC01.questions]
POINTS = {q.name: q.points for q in DISC01.questions}
# Short limits: every loop here spins a core until its limit. Warm kernels grade an honest
# submission in about 0.3 s, cells and calls together, so these are still far above honest work.
LIMITS = Limits(cell_timeout=5, call_timeout=3, total_timeout=120)
EECS182 = Path(sys.executable).with_name("eecs182")
# Headless, and quiet: this machine has no network for Chromium's background services.


def full_marks_except(row, *questions):
    return all(float(row[q]) == (0 if q in questions else POINTS[q]) for q in QUESTIONS)


def sandbox_processes(*batches, wait=0):
    """Processes still alive of the grading sandboxes of ``batches`` (pids of the processes that
    graded; this one by default) after up to ``wait`` seconds: bubblewrap, the zygote, launchers
    and kernels (forked from the zygote, they keep its command line). Each names its batch's warm
    folder, whose name holds the batch's pid, so sandboxes of other tests running at the same
    time are not counted."""
    marks = [f"eecs182-warm-{pid}-" for pid in (batches or [os.getpid()])]
    deadline = time.monotonic() + wait
    while True:
        found = []
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                except OSError:
                    continue
                if any(mark in cmdline for mark in marks):
                    found.append(cmdline[:120])
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_the_sandbox_works_on_this_machine():
    assert Path(sandbox.probe()).name == "bwrap"


def test_batches_grading_at_once_as_root_get_uids_of_their_own(tmp_path):
    """Two TAs (or two courses) grading on one server at the same time: no kernel of one shares
    a uid, and so a process limit, with a kernel of the other."""
    from autograder.sandbox.warm import SLOTS_PER_RANGE, WarmKernels

    if os.geteuid() != 0:
        pytest.skip("slot uids are for the root mode")
    with WarmKernels(tmp_path, preload=()) as first, WarmKernels(tmp_path, preload=()) as second:
        uids = [{warm.launcher(slot).uid for slot in range(3)} for warm in (first, second)]
        assert len(uids[0]) == len(uids[1]) == 3 and not uids[0] & uids[1]
        assert sandbox_processes()  # both sandboxes are this process's, and seen as such
        with pytest.raises(sandbox.SandboxUnavailable, match="at most"):
            first.launcher(SLOTS_PER_RANGE)
    assert not sandbox_processes()


# --- one class, graded once -----------------------------------------------------------------------

HOSTILE_CELLS = {
    "exits": ["import sys\nsys.exit(1)"],
    "kills_its_kernel": ["import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"],
    "floods": ["while True:\n    print('x' * 100000)"],
    "forks_without_end": ["""
        import os, time
        children = 0
        try:
            while children < 5000:
                if os.fork() == 0:
                    time.sleep(600)
                    os._exit(0)
                children += 1
        except OSError as exc:
            print("fork refused after", children, exc)
        """],
    "deletes_and_rewrites": ["""
        import glob, os, shutil
        for path in glob.glob("*") + glob.glob("/tmp/*"):
            shutil.rmtree(path, ignore_errors=True) if os.path.isdir(path) else os.remove(path)
        for target in ("/usr/lib/os.py", "/etc/hostname", os.path.expanduser("~/../x")):
            try:
                open(target, "w").write("gone")
            except OSError:
                pass
        shutil.rmtree("/work", ignore_errors=True)
        open("relu_lab.py", "w").write("raise SystemExit")
        """],
}
HOSTILE_ANSWERS = {  # (question whose function misbehaves, its source)
    "loops_forever": ("q1a_grad", "def grad_const(theta, y):\n    while True:\n        pass\n"),
    "exits_in_a_function": ("q1a_opt", "def theta_star_const(y):\n    import os\n    os._exit(0)\n"),
    "allocates_without_end": ("q1a_grad", "def grad_const(theta, y):\n    keep = []\n    while True:\n"
                                          "        keep.append(bytearray(2**26))\n"),
}
NOT_NOTEBOOKS = {
    "empty.ipynb": b"",
    "invalid.ipynb": b'{"cells": [',
    "report.ipynb": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
    "text.zip": None,  # a zip without a notebook, made below
}


RIDGE_ANSWER = r"Ridge wins: SGD has **not** converged, as $\kappa(F^\top F) \approx 10^{6}$ shows."
INJECTION = "Points far out vote more. <script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\">"


def old_format_notebook(source):
    """The same answer in nbformat 3, as an old Jupyter would save it."""
    return json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [
        {"cell_type": "code", "input": source, "language": "python", "outputs": [], "metadata": {}}]}]})


@pytest.fixture(scope="module")
def graded_class(notebooks, autograder_zip, tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    folder = root / "section"
    folder.mkdir()
    everything = solution_answers(notebooks, *QUESTIONS)
    submission(notebooks, folder, base="solution", name="honest.ipynb")
    submission(notebooks, folder, name="blank.ipynb")
    partial = submission(notebooks, folder, answers={q: everything[q] for q in QUESTIONS if q.startswith("q1a")},
                         name="partial.ipynb")
    write_answers(partial, {"q1b_votes": INJECTION, "q2_ridge_vs_sgd": RIDGE_ANSWER})
    mistake = next(m for m in MISTAKES if m.question == "q1a_grad")
    submission(notebooks, folder, base="solution", answers={"q1a_grad": mistake.source}, name="mistaken.ipynb")
    for name, cells in HOSTILE_CELLS.items():
        submission(notebooks, folder, base="solution", extra_cells=cells, at=9, name=f"{name}.ipynb")
    for name, (question, source) in HOSTILE_ANSWERS.items():
        submission(notebooks, folder, base="solution", answers={question: source}, name=f"{name}.ipynb")
    for name, content in NOT_NOTEBOOKS.items():
        if content is None:
            with zipfile.ZipFile(folder / name, "w") as zf:
                zf.writestr("notes.txt", "my answers are in my head")
        else:
            (folder / name).write_bytes(content)
    (folder / "old_format.ipynb").write_text(old_format_notebook("import numpy as np\n" + everything["q1a_grad"]))
    # the export cell's zip
    exported = submission(notebooks, root, base="solution", name="disc01.ipynb")
    with zipfile.ZipFile(folder / "exported.zip", "w") as zf:
        zf.write(exported, "disc01.ipynb")
    # Gradescope's "Export Submissions": a folder per submission and the metadata
    export = root / "gradescope" / "assignment_7_export"
    (export / "submission_1001").mkdir(parents=True)
    (export / "submission_1002").mkdir()
    submission(notebooks, export / "submission_1001", base="solution", name="disc01.ipynb")
    (export / "submission_metadata.yml").write_text(textwrap.dedent("""\
        submission_1001:
          :submitters:
          - :name: Ada Lovelace
            :sid: '3031000001'
            :email: ada@berkeley.edu
          :created_at: 2026-09-05 23:58:00.000000000 -07:00
        submission_1002:
          :submitters:
          - :name: Alan Turing
            :sid: '3031000002'
            :email: alan@berkeley.edu
          :created_at: 2026-09-05 23:59:00.000000000 -07:00
        """))
    export_zip = root / "gradescope_export.zip"
    with zipfile.ZipFile(export_zip, "w") as zf:
        for path in sorted(export.parent.rglob("*")):
            zf.write(path, path.relative_to(export.parent))

    with local_listener() as (port, accepted):
        submission(notebooks, folder, base="solution", name="tries_the_network.ipynb", at=9, extra_cells=[f"""
            import socket
            for address in [("127.0.0.1", {port}), ("1.1.1.1", 443), ("pypi.org", 443)]:
                try:
                    socket.create_connection(address, timeout=2)
                    print("connected to", address)
                except OSError as exc:
                    print("no network:", exc)
            """])
        out = root / "out"
        summary = grade([folder, export_zip], out, autograder_zip, workers=2, limits=LIMITS, progress=False)
    return dict(out=out, summary=summary, rows=gradebook_rows(out), accepted=accepted, folder=folder)


def test_honest_work_scores_what_it_earns(graded_class):
    got = graded_class["rows"]
    assert full_marks_except(got["honest"]) and got["honest"]["grading_status"] == "Completed"
    assert float(got["blank"]["total_points_earned"]) == 0 and got["blank"]["grading_status"] == "Completed"
    assert float(got["partial"]["total_points_earned"]) == 5
    assert full_marks_except(got["exported"])


def test_the_gradebook_is_in_otters_layout_with_the_students(graded_class):
    with open(graded_class["out"] / "final_grades.csv", newline="") as f:
        header, points = next(csv.reader(f)), next(csv.reader(f))
    written = [w.name for w in DISC01.written]
    assert header == ["file", "name", "email", "sid", *QUESTIONS, *written, "total_points_earned",
                      "percent_correct", "grading_status"]
    assert points[0] == "points-per-question" and points[-3:] == ["28", "1", "--"]  # 20 autograded, 8 by hand
    ada, alan = graded_class["rows"]["submission_1001"], graded_class["rows"]["submission_1002"]
    assert (ada["name"], ada["email"], ada["sid"]) == ("Ada Lovelace", "ada@berkeley.edu", "3031000001")
    assert full_marks_except(ada) and ada["percent_correct"] == "0.7143"
    assert all(ada[w] == "" for w in written)  # not graded by hand yet: blank, never 0
    assert float(alan["total_points_earned"]) == 0 and "no file was submitted" in alan["grading_status"]


CELL_STATUS = {"exits": "Completed", "deletes_and_rewrites": "Completed", "tries_the_network": "Completed",
               "kills_its_kernel": "Completed with problems: code cell 6 ended the kernel",
               "floods": "Completed with problems: code cell 6 ran over 5 s"}


@pytest.mark.parametrize("name", sorted(CELL_STATUS))
def test_misbehaving_cells_cost_only_themselves(graded_class, name):
    row = graded_class["rows"][name]
    assert full_marks_except(row), row
    assert row["grading_status"].startswith(CELL_STATUS[name]), row["grading_status"]


def test_a_fork_bomb_stays_inside_its_own_process_limit(graded_class):
    """Its kernel hits its own slot's process limit (which may cost it a cell that needed a
    thread); the submissions graded beside it by the other worker are untouched."""
    got = graded_class["rows"]
    assert float(got["forks_without_end"]["total_points_earned"]) >= 15
    assert all(float(got["forks_without_end"][q]) == POINTS[q] for q in QUESTIONS if q.startswith("q2"))
    for name in ("honest", "exported", "submission_1001", "exits", "deletes_and_rewrites"):
        assert full_marks_except(got[name]), name


@pytest.mark.parametrize("name", sorted(HOSTILE_ANSWERS))
def test_misbehaving_functions_cost_their_question(graded_class, name):
    question = HOSTILE_ANSWERS[name][0]
    row = graded_class["rows"][name]
    assert float(row[question]) == 0
    untouched = [q for q in QUESTIONS if not q.startswith("q1a")]  # q1a's later steps use the broken one
    assert all(float(row[q]) == POINTS[q] for q in untouched), row
    # A loop or an exit is the grader's to report; a MemoryError is the function's own exception.
    # Filling the 2 GB limit takes about a second alone; on a loaded machine it can outlast the
    # 3 s limit and end as a loop that ran over: either way it costs only its question.
    feedback = (graded_class["out"] / "feedback" / f"{name}.txt").read_text()
    says = {"loops_forever": "ran over the 3 s limit", "exits_in_a_function": "ended the kernel",
            "allocates_without_end": "MemoryError"}[name]
    if name == "allocates_without_end" and "ran over the 3 s limit" in feedback:
        says = "ran over the 3 s limit"
    expected = "Completed" if says == "MemoryError" else "Completed with problems"
    assert row["grading_status"].startswith(expected), row["grading_status"]
    assert says in feedback


@pytest.mark.parametrize("name, says", [("empty", "the file is empty"), ("invalid", "not a notebook (not JSON)"),
                                        ("report", "this is a PDF"), ("text", "the zip holds no notebook")])
def test_files_that_are_not_notebooks_get_a_clear_status(graded_class, name, says):
    row = graded_class["rows"][name]
    assert row["grading_status"].startswith("Unreadable") and says in row["grading_status"]
    assert float(row["total_points_earned"]) == 0


def test_an_old_notebook_format_is_read(graded_class):
    row = graded_class["rows"]["old_format"]
    assert float(row["q1a_grad"]) == 1 and "not marked as disc01" in row["grading_status"]


def test_nothing_reached_the_network_and_nothing_was_left_behind(graded_class):
    assert not graded_class["accepted"]
    feedback = (graded_class["out"] / "feedback" / "tries_the_network.txt").read_text()
    assert "20 of 20" in feedback
    assert not sandbox_processes()
    assert Path(__file__).exists() and (graded_class["folder"] / "honest.ipynb").exists()


def test_every_submission_has_a_result_and_a_feedback_file(graded_class):
    out, got = graded_class["out"], graded_class["rows"]
    ids = set(got) - {"points-per-question"}
    assert {p.stem for p in (out / "results").glob("*.json")} == ids
    assert {p.stem for p in (out / "feedback").glob("*.txt")} == ids
    record = json.loads((out / "results" / "partial.json").read_text())
    assert record["score"] == 5 and record["max_score"] == 20
    assert "q1b_grad: 0 of" in (out / "feedback" / "partial.txt").read_text()


@pytest.mark.parametrize("name", ["partial", "kills_its_kernel", "exits_in_a_function"])
def test_scores_agree_with_the_gradescope_zip(graded_class, autograder_zip, tmp_path, name):
    """The same judge: the zip's own entry point, run as Gradescope runs it, gives every
    question the score local grading gave."""
    results = run_autograder(autograder_zip, graded_class["folder"] / f"{name}.ipynb", tmp_path)
    on_gradescope = {test: data["score"] for test, data in question_tests(results).items()}
    locally = {q: float(graded_class["rows"][name][q]) for q in QUESTIONS}
    assert on_gradescope == locally


# --- the report -------------------------------------------------------------------------------------


def test_the_report_shows_scores_mistakes_problems_and_written_answers(graded_class):
    page = (graded_class["out"] / "report.html").read_text()
    assert page.count("<svg") == 1 and "q2_train (of 3)" in page
    mistake = next(m for m in MISTAKES if m.question == "q1a_grad")
    assert mistake.hint.split(":")[0] in page  # the cataloged mistake, counted
    for name, says in [("report", "this is a PDF"), ("text", "the zip holds no notebook"),
                       ("kills_its_kernel", "ended the kernel"), ("Alan Turing", "no file was submitted")]:
        assert name in page and says in page
    votes = page.split('id="written-q1b_votes"')[1].split("<h3")[0]
    assert "Rubric" in votes and "residual times x_i" in votes
    assert "Points far out vote more. &lt;script&gt;" in votes and "<script>" not in page
    assert "No answer from" in votes  # everyone else left it blank
    ridge = page.split('id="written-q2_ridge_vs_sgd"')[1].split("<h3")[0]
    # Shown as the Markdown it is, its formula as MathML (no TeX left), and nothing else let in.
    assert "<strong>not</strong>" in ridge and "<math" in ridge and "<msup>" in ridge and "\\kappa" not in ridge


def test_the_report_renders_in_a_browser(graded_class, tmp_path):
    from playwright.sync_api import sync_playwright

    assert shutil.which("chromium"), "Debian's chromium is missing: `make test` installs it (as root)"
    errors = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto((graded_class["out"] / "report.html").as_uri())
        page.screenshot(path=tmp_path / "report-top.png")
        plots = page.locator("#score-plots svg")
        box = plots.bounding_box()
        assert box["width"] > 600 and box["height"] > 300
        plots.screenshot(path=tmp_path / "report-plots.png")
        bars = page.locator("#score-plots svg path[style*='fill: #4a7ab5']").count()
        page.locator("#written-q1b_votes").scroll_into_view_if_needed()
        page.screenshot(path=tmp_path / "report-written.png")
        formula = page.locator(".answer", has_text="Ridge wins").locator("math").first.bounding_box()
        pwned = page.evaluate("window.pwned")
        browser.close()
    assert bars >= len(QUESTIONS)  # every question's distribution is drawn
    assert pwned is None and not errors, errors
    assert formula["width"] > 40 and formula["height"] > 8  # drawn by the browser, not left as tags
    shutil.copytree(tmp_path, graded_class["out"].parent / "screenshots", dirs_exist_ok=True)


# --- what a kernel can see ------------------------------------------------------------------------

PROBE = """
    def grad_const(theta, y):
        import glob, json, os, socket
        seen = {"uid": os.getuid(), "processes": len([p for p in os.listdir("/proc") if p.isdigit()]),
                "left_by_another": os.path.exists("/tmp/left-by-writer") or os.path.exists("left-by-writer"),
                "host_tmp": os.path.exists(%(host_file)r), "project": os.path.exists(%(project)r),
                "submissions": os.path.exists(%(submissions)r),
                "casebooks": glob.glob("/tmp/**/casebook.json", recursive=True),
                # the support files by count, dot-files left out: the error message carrying this is capped
                "support": len([n for n in os.listdir(".") if n.startswith("relu_")]),
                "cwd": sorted(n for n in os.listdir(".") if not n.startswith(("relu_", ".")))}
        try:
            open("/usr/probe", "w")
            seen["system_writable"] = True
        except OSError:
            seen["system_writable"] = False
        raise RuntimeError("SEEN" + json.dumps(seen) + "SEEN")
"""


def test_a_kernel_sees_only_its_own_world(notebooks, autograder_zip, tmp_path):
    host_file = Path("/tmp") / f"eecs182-host-{os.getpid()}"
    host_file.write_text("the grader's machine")
    folder = tmp_path / "two"
    folder.mkdir()
    writer = 'open("/tmp/left-by-writer", "w").write("x")\nopen("left-by-writer", "w").write("x")'
    submission(notebooks, folder, base="solution", extra_cells=[writer], name="a_writer.ipynb")
    probe = PROBE % dict(host_file=str(host_file), project=str(Path(__file__).parents[1] / "solutions"),
                         submissions=str(folder))
    submission(notebooks, folder, base="solution", answers={"q1a_grad": probe}, name="b_probe.ipynb")
    try:
        grade([folder], tmp_path / "out", autograder_zip, workers=1, limits=LIMITS, progress=False)
    finally:
        host_file.unlink()
    feedback = (tmp_path / "out" / "feedback" / "b_probe.txt").read_text()
    seen = json.loads(feedback.split("SEEN")[1])
    assert seen["uid"] != 0 and not seen["system_writable"]
    assert seen["processes"] <= 3  # its own pid namespace: init, the kernel (and perhaps a helper)
    assert not seen["left_by_another"] and not seen["host_tmp"]
    assert not seen["project"] and not seen["submissions"] and not seen["casebooks"]
    # its folder holds the support files and its own kernel's caches, nothing of the writer's
    assert seen["support"] == len(DISC01.support_files) and seen["cwd"] == []


def test_a_kernel_writes_nowhere_but_its_own_capped_folders(notebooks, autograder_zip, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    submission(notebooks, folder, base="solution", answers={"q1a_grad": WRITER}, name="filler.ipynb")
    grade([folder], tmp_path / "out", autograder_zip, workers=1, limits=LIMITS, progress=False)
    wrote = written_everywhere(tmp_path / "out", "filler")
    assert_written_only_where_capped(wrote, LIMITS.scratch_mb)


def test_memory_is_capped_across_shared_mappings_and_processes(notebooks, autograder_zip, tmp_path):
    from autograder.judge.memory import cgroup_parent

    if cgroup_parent()[0] is None:
        pytest.skip(f"no memory cgroup here: {cgroup_parent()[1]}")
    folder = tmp_path / "in"
    folder.mkdir()
    submission(notebooks, folder, base="solution", answers={"q1b_gd": SHARED_MAPPING, "q1b_sgd": SEVERAL_PROCESSES},
               name="hog.ipynb")
    # Room for touching gigabytes: the cap, not a time limit, must be what stops them.
    limits = Limits(cell_timeout=20, call_timeout=20, total_timeout=240)
    grade([folder], tmp_path / "out", autograder_zip, workers=1, limits=limits, progress=False)
    feedback = (tmp_path / "out" / "feedback" / "hog.txt").read_text()
    assert "TOOK" not in feedback, feedback
    row = gradebook_rows(tmp_path / "out")["hog"]
    assert row["q1b_gd"] == "0" and row["q1b_sgd"] == "0", row
    assert all(float(row[q.name]) == q.points for q in DISC01.questions if q.name not in ("q1b_gd", "q1b_sgd")), row


# --- nothing lost -----------------------------------------------------------------------------------


def test_an_interrupted_run_keeps_what_finished_and_a_rerun_grades_the_rest(notebooks, autograder_zip, tmp_path):
    folder = tmp_path / "section"
    folder.mkdir()
    for i in range(4):
        submission(notebooks, folder, base="solution" if i % 2 else "student", name=f"student{i}.ipynb")
    out = tmp_path / "out"
    command = [str(EECS182), "grade", str(folder), "-o", str(out), "-a", str(autograder_zip), "--workers", "1",
               "--no-progress"]

    batches = []

    def run_until(results, sig):
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   start_new_session=True)
        batches.append(process.pid)
        deadline = time.monotonic() + 180
        while len(list((out / "results").glob("*.json"))) < results and time.monotonic() < deadline:
            time.sleep(0.2)
        if sig == signal.SIGINT:
            os.killpg(process.pid, sig)  # Ctrl-C reaches the whole foreground group
        else:
            process.send_signal(sig)
        output, _ = process.communicate(timeout=60)
        return process.returncode, output

    code, output = run_until(1, signal.SIGINT)
    assert code == 130 and "INTERRUPTED" in output and "Run the same command again" in output
    after_first = {p.name: p.read_bytes() for p in (out / "results").glob("*.json")}
    assert 1 <= len(after_first) < 4 and (out / "final_grades.csv").exists()
    assert all(json.loads(data)["format"] == 1 for data in after_first.values())

    code, _ = run_until(len(after_first) + 1, signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert not sandbox_processes(*batches, wait=5)  # each dies with its parent
    kept = {p.name: p.read_bytes() for p in (out / "results").glob("*.json")}
    assert all(kept[name] == data for name, data in after_first.items())  # never regraded

    killed_private = list(Path(tempfile.gettempdir()).glob(f"eecs182-grade-{batches[-1]}-*"))
    assert killed_private  # the killed run could not remove its own folder ...

    finished = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert f"{len(kept)} kept from an earlier run" in finished.stdout
    assert not any(folder.exists() for folder in killed_private)  # ... the next run did
    got = gradebook_rows(out)
    assert len(got) == 5
    assert [float(got[f"student{i}"]["total_points_earned"]) for i in range(4)] == [0, 20, 0, 20]

    again = subprocess.run(command + ["--force"], capture_output=True, text=True, timeout=300)
    assert "4 graded now" in again.stdout


def test_inputs_get_stable_unique_names(tmp_path):
    for relative in ["a/lab.ipynb", "b/lab.ipynb", "c.zip", "c.ipynb", ".ipynb_checkpoints/x.ipynb"]:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    ids = [s.id for s in collect([tmp_path], "disc01")]
    assert ids == ["a__lab", "b__lab", "c", "c-2"]


def test_without_a_sandbox_it_says_so_and_can_refuse(notebooks, autograder_zip, tmp_path, monkeypatch):
    def unavailable():
        raise sandbox.SandboxUnavailable("bubblewrap is not installed")

    monkeypatch.setattr(sandbox, "probe", unavailable)
    monkeypatch.setenv("EECS182_KERNEL_USER", kernel_user("u"))
    folder = tmp_path / "section"
    folder.mkdir()
    submission(notebooks, folder, base="solution", name="honest.ipynb")
    with pytest.raises(GradingError, match="no sandbox: bubblewrap is not installed"):
        grade([folder], tmp_path / "refused", autograder_zip, require_sandbox=True, progress=False)
    assert not (tmp_path / "refused" / "results").exists()

    said = []
    summary = grade([folder], tmp_path / "out", autograder_zip, progress=False, log=said.append)
    assert said and said[0].startswith("WARNING: grading WITHOUT the sandbox (bubblewrap is not installed)")
    assert not summary.sandboxed and "WITHOUT the sandbox" in summary_text(summary, tmp_path / "out")
    assert full_marks_except(gradebook_rows(tmp_path / "out")["honest"])  # the judge's own limits still grade it
