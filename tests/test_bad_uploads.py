"""Bad uploads cost only themselves: each gets a status that says what to do, on the judge, in a
local batch beside honest notebooks (which keep their scores) and on Gradescope; a grader
failure is recorded once; two runs never write one OUT; a full disk stops a run cleanly."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bad_uploads import make_bad_uploads
from submissions import gradebook_rows, notebooks, submission  # noqa: F401 - a fixture
from test_gradescope import question_tests, run_autograder

from assignment.model import Assignment
from autograder.grading.batch import GradingError, grade
from autograder.judge import Limits
from autograder.judge.upload import UnreadableSubmission, find_upload, read_notebook

pytestmark = [pytest.mark.sandbox]  # batches and Gradescope runs

DISC01 = Assignment.named("disc01")
TOTAL = sum(q.points for q in DISC01.questions)
LIMITS = Limits(cell_timeout=10, call_timeout=4, total_timeout=120)
EECS182 = Path(sys.executable).with_name("eecs182")


@pytest.fixture(scope="module")
def bad(notebooks, tmp_path_factory):
    folder = tmp_path_factory.mktemp("uploads") / "bad"
    return folder, make_bad_uploads(notebooks, folder)


def test_the_reader_turns_every_bad_file_into_a_reason(bad):
    folder, expect = bad
    for name, says in expect.items():
        if says is None:
            nb = read_notebook(folder / name, "disc01")
            assert sum(c.cell_type == "code" for c in nb.cells) > 20, name
            assert all(isinstance(c.source, str) and "outputs" not in c or not c.outputs for c in nb.cells)
        else:
            with pytest.raises(UnreadableSubmission, match=says):
                read_notebook(folder / name, "disc01")


def _link_farm(notebooks, root):
    """A Gradescope export and a folder of loose submissions, each with one notebook that is a
    link to another student's."""
    export = root / "export"
    for number in (1, 2, 3):
        (export / f"submission_{number}").mkdir(parents=True)
    submission(notebooks, export / "submission_1", base="solution", name="disc01.ipynb")
    submission(notebooks, export / "submission_2", name="disc01.ipynb")
    (export / "submission_2" / "disc01.ipynb").unlink()
    (export / "submission_2" / "disc01.ipynb").symlink_to("../submission_1/disc01.ipynb")
    submission(notebooks, export / "submission_3", base="solution", name="work.ipynb")
    (export / "submission_3" / "disc01.ipynb").symlink_to("work.ipynb")  # inside its own folder: fine
    (export / "submission_metadata.yml").write_text("".join(
        f"submission_{n}:\n  :submitters:\n  - :name: Student {n}\n" for n in (1, 2, 3)))
    loose = root / "loose"
    (loose / "alice").mkdir(parents=True)
    (loose / "bob").mkdir()
    submission(notebooks, loose / "bob", base="solution", name="disc01.ipynb")
    (loose / "alice" / "disc01.ipynb").symlink_to("../bob/disc01.ipynb")
    (loose / "carol.ipynb").symlink_to("/etc/passwd")
    return export, loose


@pytest.fixture(scope="module")
def graded(bad, notebooks, autograder_zip, tmp_path_factory):
    folder, expect = bad
    root = tmp_path_factory.mktemp("batch")
    honest = root / "honest"
    honest.mkdir()
    submission(notebooks, honest, base="solution", name="honest_a.ipynb")
    submission(notebooks, honest, name="blank.ipynb")
    export, loose = _link_farm(notebooks, root)
    out = root / "out"
    summary = grade([folder, honest, export, loose], out, autograder_zip, workers=3, limits=LIMITS,
                    progress=False)
    return dict(out=out, rows=gradebook_rows(out), expect=expect, summary=summary)


def test_each_bad_file_gets_its_status_beside_honest_notebooks(graded):
    got, expect = graded["rows"], graded["expect"]
    table = []
    for name, says in expect.items():
        row = got[Path(name).stem]
        table.append(f"{name}: {row['grading_status']}")
        if says is None:
            assert float(row["total_points_earned"]) == TOTAL, (name, row["grading_status"])
        else:
            assert row["grading_status"].startswith("Unreadable: ") and says in row["grading_status"], \
                (name, row["grading_status"])
            assert float(row["total_points_earned"]) == 0
    assert float(got["honest_a"]["total_points_earned"]) == TOTAL
    assert float(got["blank"]["total_points_earned"]) == 0 and got["blank"]["grading_status"] == "Completed"
    assert not any(r["grading_status"].startswith("Grader error") for r in got.values())
    print("\n".join(table))


def test_links_resolve_only_inside_their_submission(graded):
    got = graded["rows"]
    assert float(got["submission_1"]["total_points_earned"]) == TOTAL
    assert float(got["submission_3"]["total_points_earned"]) == TOTAL  # a link within its own folder
    assert float(got["bob__disc01"]["total_points_earned"]) == TOTAL
    for copier in ("submission_2", "alice__disc01", "carol"):
        status = got[copier]["grading_status"]
        assert float(got[copier]["total_points_earned"]) == 0, copier
        assert status.startswith("Unreadable: ") and "outside its submission's folder" in status, status


def test_find_upload_never_leaves_the_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "secret.ipynb").write_text("{}")
    (tmp_path / "sub" / "disc01.ipynb").symlink_to(tmp_path / "secret.ipynb")
    upload, problem = find_upload(tmp_path / "sub", "disc01")
    assert upload.name == "disc01.ipynb" and "outside its submission's folder" in problem
    (tmp_path / "sub" / "disc01.ipynb").unlink()
    (tmp_path / "sub" / "linked").symlink_to(tmp_path)  # a linked folder is not entered
    assert find_upload(tmp_path / "sub", "disc01") == (None, "")


# --- on Gradescope -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["nested_top.ipynb", "encrypted.zip", "deflate64.zip", "damaged.zip",
                                  "byte_order_mark.ipynb"])
def test_gradescope_gives_bad_uploads_a_result_that_says_why(bad, autograder_zip, tmp_path, name):
    folder, expect = bad
    results = run_autograder(autograder_zip, folder / name, tmp_path)
    assert "The autograder itself failed" not in results.get("output", "")
    if expect[name] is None:
        assert results["score"] == TOTAL
    else:
        assert results["score"] == 0 and expect[name] in results["output"]
        assert all(t["score"] == 0 for t in question_tests(results).values())


# --- one run at a time, a grader failure recorded once -------------------------------------------

def _worker_pids(parent):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if f"PPid:\t{parent}\n" in status and b"spawn_main" in cmdline:
            found.append(int(pid))
    return found


def test_a_dead_worker_is_recorded_once_and_a_second_run_into_the_same_folder_refuses(
        notebooks, autograder_zip, tmp_path):
    folder = tmp_path / "section"
    folder.mkdir()
    submission(notebooks, folder, base="solution", name="a_first.ipynb")
    submission(notebooks, folder, base="solution", name="b_slow.ipynb", at=9,
               extra_cells=["import time\ntime.sleep(5)"])
    out = tmp_path / "out"
    command = [str(EECS182), "grade", str(folder), "-o", str(out), "-a", str(autograder_zip), "--workers", "1",
               "--no-progress"]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 180
    while not (out / "results" / "a_first.json").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1)  # the worker is now in b_slow's sleeping cell

    second = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert second.returncode != 0
    assert "is being graded into by eecs182 grade (pid" in second.stderr, second.stderr

    (worker,) = _worker_pids(first.pid)
    os.kill(worker, 9)
    output, _ = first.communicate(timeout=120)
    assert first.returncode == 0, output
    status = gradebook_rows(out)["b_slow"]["grading_status"]
    assert status.startswith("Grader error: the grading worker died on this submission") and "--force" in status
    assert float(gradebook_rows(out)["a_first"]["total_points_earned"]) == TOTAL

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0 and "2 kept from an earlier run" in rerun.stdout, rerun.stdout + rerun.stderr
    forced = subprocess.run(command + ["--force"], capture_output=True, text=True, timeout=300)
    assert forced.returncode == 0 and "2 graded now" in forced.stdout
    assert gradebook_rows(out)["b_slow"]["grading_status"] == "Completed"
    assert float(gradebook_rows(out)["b_slow"]["total_points_earned"]) == TOTAL


def test_workers_that_cannot_start_stop_the_run_and_charge_no_submission(notebooks, autograder_zip, tmp_path):
    """A script on standard input cannot start spawned workers: every worker dies before its first
    submission. That is the grader's set-up, not the students': nothing is recorded for them."""
    folder = tmp_path / "section"
    folder.mkdir()
    submission(notebooks, folder, base="solution", name="honest.ipynb")
    out = tmp_path / "out"
    script = (f"from autograder.grading.batch import grade\n"
              f"grade([{str(folder)!r}], {str(out)!r}, {str(autograder_zip)!r}, workers=1, progress=False)\n")
    result = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0 and "WorkerCannotStart: a grading worker could not start" in result.stderr
    assert not list((out / "results").glob("*.json"))
    graded = subprocess.run([str(EECS182), "grade", str(folder), "-o", str(out), "-a", str(autograder_zip),
                             "--no-progress"], capture_output=True, text=True, timeout=300)
    assert graded.returncode == 0 and "1 graded now" in graded.stdout, graded.stdout + graded.stderr
    assert float(gradebook_rows(out)["honest"]["total_points_earned"]) == TOTAL


# --- a full disk ----------------------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_stops_the_run_and_keeps_what_was_written(autograder_zip, tmp_path, small_disk):
    folder = tmp_path / "uploads"
    folder.mkdir()
    for i in range(40):
        (folder / f"student{i:02}.ipynb").write_text("not a notebook")  # unreadable: no kernel needed
    out = small_disk / "out"
    with pytest.raises(GradingError, match="No space left on device.*every result written before this is kept"):
        grade([folder], out, autograder_zip, limits=LIMITS, progress=False)
    written = sorted((out / "results").glob("*.json"))
    assert 0 < len(written) < 40
    assert all(json.loads(p.read_text())["format"] == 1 for p in written)  # whole, never half a file
    assert not [p for p in out.rglob("*.tmp")]
    kept = {p.name: p.read_bytes() for p in written}

    subprocess.run(["mount", "-o", "remount,size=16m", str(small_disk)], check=True)
    summary = grade([folder], out, autograder_zip, limits=LIMITS, progress=False)
    assert summary.reused == len(kept) and summary.graded_now == 40 - len(kept)
    assert all((out / "results" / name).read_bytes() == data for name, data in kept.items())
    assert len(gradebook_rows(out)) == 41
