"""``eecs182 grade`` as a TA without root: bubblewrap in unprivileged user namespaces gives each
kernel what it gets as root, short of a uid of its own. Run as a plain user made for the
purpose (when the suite runs as root, as CI does) or as the user running the suite."""

import csv
import json
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from submissions import (  # noqa: F401
    SHARED_MAPPING,
    WRITER,
    assert_written_only_where_capped,
    local_listener,
    notebooks,
    submission,
    written_everywhere,
)

from assignment.model import Assignment

pytestmark = [pytest.mark.sandbox]  # grading as a plain user

DISC01 = Assignment.named("disc01")
TOTAL = sum(q.points for q in DISC01.questions)
EECS182 = Path(sys.executable).with_name("eecs182")
TA = "eecs182-ta"
PROJECT = Path(__file__).parents[1]

PROBE = """
    def grad_const(theta, y):
        import glob, json, os, signal, socket
        seen = {"uid": os.getuid(), "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
                "home": os.path.exists(%(home)r), "project": os.path.exists(%(project)r),
                "submissions": os.path.exists(%(submissions)r), "host_tmp": os.path.exists(%(host_file)r),
                "left_by_another": glob.glob("/tmp/left-by-*") + glob.glob("/dev/shm/left-by-*"),
                "casebooks": glob.glob("/tmp/**/casebook.json", recursive=True),
                "capabilities": [l.split()[1] for l in open("/proc/self/status") if l.startswith("CapEff")][0],
                "no_new_privs": [l.split()[1] for l in open("/proc/self/status") if l.startswith("NoNewPrivs")][0]}
        try:
            open("/usr/probe", "w")
            seen["system_writable"] = True
        except OSError:
            seen["system_writable"] = False
        try:
            socket.create_connection(("127.0.0.1", %(port)d), timeout=2)
            seen["network"] = True
        except OSError:
            seen["network"] = False
        raise RuntimeError("SEEN" + json.dumps(seen) + "SEEN")
"""
# A graded function that tries to start processes of its own (each would have limits of its own)
# and a thread, and reports what it got through its error message.
SPAWNER = """
    def theta_star_linear(x, y):
        import json, os, subprocess, threading
        tried = {}
        try:
            pid = os.fork()
            if pid == 0:
                grown = bytearray(1 << 30)
                os._exit(0)
            os.waitpid(pid, 0)
            tried["fork"] = "started"
        except OSError as exc:
            tried["fork"] = type(exc).__name__
        try:
            subprocess.run(["true"], check=True)
            tried["subprocess"] = "started"
        except OSError as exc:
            tried["subprocess"] = type(exc).__name__
        box = []
        worker = threading.Thread(target=lambda: box.append(sum(range(1000))))
        worker.start()
        worker.join()
        tried["thread"] = box == [499500]
        raise RuntimeError("SPAWN" + json.dumps(tried) + "SPAWN")
"""
HOSTILE = {
    "kills_everything": "import os, signal\nfor pid in range(2, 5000):\n    try:\n        os.kill(pid, signal.SIGKILL)\n"
                        "    except OSError:\n        pass\nos.kill(-1, signal.SIGKILL)",
    "forks_without_end": "import os, time\nchildren = 0\ntry:\n    while children < 3000:\n        if os.fork() == 0:\n"
                         "            time.sleep(600)\n            os._exit(0)\n        children += 1\nexcept OSError:\n    pass",
    "writes_shared_places": "for place in ('/tmp', '/dev/shm'):\n    open(place + '/left-by-writer', 'w').write('x')",
}


def _ta_command(command):
    """``command`` as the plain user: TA when the suite runs as root, else the suite's own user."""
    if os.geteuid() == 0:
        return ["su", TA, "-s", "/bin/bash", "-c", " ".join(f"'{c}'" for c in command)]
    return command


def _as_ta(command):
    return subprocess.run(_ta_command(command), capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def ta():
    """The plain user, able to run the project's Python (and nothing of root's beyond that)."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())
    try:
        pwd.getpwnam(TA)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", TA], check=True)
    for place in (Path(sys.executable).resolve(), Path(sys.prefix).resolve(), PROJECT.resolve()):
        for folder in [place, *place.parents]:  # search only: listing and reading stay root's
            if folder.is_dir() and not folder.stat().st_mode & stat.S_IXOTH:
                folder.chmod(folder.stat().st_mode | stat.S_IXOTH)
    return pwd.getpwnam(TA)


def _give(path, user):
    for p in [path, *path.rglob("*")]:
        os.chown(p, user.pw_uid, user.pw_gid)


def _processes_of(uid, wait=10):
    """The processes of ``uid`` still there after up to ``wait`` seconds (name and state)."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            if f"\nUid:\t{uid}\t" in status:
                fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
                found.append(f"{pid} {fields.get('Name')} {fields.get('State')} ppid {fields.get('PPid')}")
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_the_sandbox_check_names_the_rootless_mode(ta):
    result = _as_ta([str(EECS182), "sandbox"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "works (rootless: user namespaces" in result.stdout
    assert "memory cap: per process (data and address space, shared mappings included)" in result.stdout
    assert "a kernel may start threads but no other process (a seccomp filter)" in result.stdout


@pytest.fixture(scope="module")
def graded(ta, notebooks, autograder_zip):
    base = Path(tempfile.mkdtemp(prefix="eecs182-rootless-"))  # pytest's own folders are root's alone
    base.chmod(0o755)
    yield _grade_as_ta(ta, notebooks, autograder_zip, base)
    shutil.rmtree(base, ignore_errors=True)


def _grade_as_ta(ta, notebooks, autograder_zip, base):
    work = base / "ta"
    work.mkdir()
    folder = work / "section"
    folder.mkdir()
    shutil.copy(autograder_zip, work / "autograder.zip")
    host_file = Path("/tmp") / f"eecs182-rootless-host-{os.getpid()}"
    host_file.write_text("the TA's machine")
    for name in ("a_honest", "z_honest"):
        submission(notebooks, folder, base="solution", name=f"{name}.ipynb")
    submission(notebooks, folder, name="blank.ipynb")
    for name, cell in HOSTILE.items():
        submission(notebooks, folder, base="solution", extra_cells=[cell], at=9, name=f"{name}.ipynb")
    with local_listener() as (port, accepted):
        probe = PROBE % dict(home=ta.pw_dir, project=str(PROJECT / "solutions"), submissions=str(folder),
                             host_file=str(host_file), port=port)
        submission(notebooks, folder, base="solution", answers={"q1a_grad": probe}, name="probe.ipynb")
        submission(notebooks, folder, base="solution", answers={"q1a_grad": WRITER}, name="filler.ipynb")
        submission(notebooks, folder, base="solution", answers={"q1b_gd": SHARED_MAPPING}, name="mapper.ipynb")
        submission(notebooks, folder, base="solution", answers={"q1b_opt": SPAWNER}, name="spawner.ipynb")
        _give(work, ta)
        started = time.monotonic()
        result = _as_ta([str(EECS182), "grade", str(folder), "-o", str(work / "out"), "-a",
                         str(work / "autograder.zip"), "--require-sandbox", "--no-progress"])
        seconds = time.monotonic() - started
    host_file.unlink()
    assert result.returncode == 0, result.stdout + result.stderr
    with open(work / "out" / "final_grades.csv", newline="") as f:
        rows = {row["file"]: row for row in csv.DictReader(f)}
    feedback = (work / "out" / "feedback" / "probe.txt").read_text()
    return dict(rows=rows, seen=json.loads(feedback.split("SEEN")[1]), accepted=accepted, output=result.stdout,
                stderr=result.stderr, seconds=seconds, work=work)


def test_it_grades_in_the_sandbox_without_root(graded):
    rows = graded["rows"]
    assert "WITHOUT the sandbox" not in graded["output"] + graded["stderr"]
    assert float(rows["a_honest"]["total_points_earned"]) == TOTAL
    assert float(rows["z_honest"]["total_points_earned"]) == TOTAL
    assert float(rows["blank"]["total_points_earned"]) == 0 and rows["blank"]["grading_status"] == "Completed"


def test_hostile_kernels_cost_only_themselves(graded):
    rows = graded["rows"]
    for name in ("kills_everything", "writes_shared_places"):
        assert float(rows[name]["total_points_earned"]) == TOTAL, rows[name]
    # a fork bomb meets its own namespace's process limit: it may cost its own threads, no one else's
    assert float(rows["forks_without_end"]["total_points_earned"]) >= 15


def test_a_rootless_kernel_sees_only_its_own_world(graded, ta):
    seen = graded["seen"]
    assert seen["uid"] == 1000 and seen["capabilities"] == "0000000000000000" and seen["no_new_privs"] == "1"
    assert len(seen["processes"]) <= 3  # its own pid namespace: init, the kernel (and perhaps a helper)
    assert not seen["home"] and not seen["project"] and not seen["submissions"] and not seen["host_tmp"]
    assert seen["casebooks"] == [] and seen["left_by_another"] == []
    assert not seen["system_writable"] and not seen["network"] and not graded["accepted"]


def test_a_rootless_kernel_cannot_map_past_its_memory_cap(graded):
    # No memory cgroup for a plain user here: the address-space limit counts shared mappings.
    feedback = (graded["work"] / "out" / "feedback" / "mapper.txt").read_text()
    assert "TOOK" not in feedback and "gd_step_linear raised" in feedback, feedback
    assert graded["rows"]["mapper"]["q1b_gd"] == "0"
    assert float(graded["rows"]["mapper"]["total_points_earned"]) == TOTAL - 1


def test_a_rootless_kernel_may_start_threads_but_no_other_process(graded):
    # Each process has limits of its own, so without a memory cgroup a kernel is kept to one
    # (a seccomp filter): its limits are then all it can use. It costs only that question.
    feedback = (graded["work"] / "out" / "feedback" / "spawner.txt").read_text()
    assert json.loads(feedback.split("SPAWN")[1]) == {"fork": "BlockingIOError", "subprocess": "BlockingIOError",
                                                      "thread": True}, feedback
    row = graded["rows"]["spawner"]
    assert row["q1b_opt"] == "0" and float(row["total_points_earned"]) == TOTAL - DISC01.question("q1b_opt").points


def test_a_rootless_kernel_writes_nowhere_but_its_own_capped_folders(graded):
    from autograder.judge import Limits

    # The sandbox's own root, a tmpfs of half the memory that rootless kernels could write, and
    # the judge's socket folder on the TA's disk are read-only to it.
    assert_written_only_where_capped(written_everywhere(graded["work"] / "out", "filler"), Limits().scratch_mb)


def test_nothing_is_left_running_or_lying_around(graded, ta):
    assert _processes_of(ta.pw_uid) == []
    assert not Path("/tmp/left-by-writer").exists() and not Path("/dev/shm/left-by-writer").exists()


def test_require_sandbox_grades_and_an_interrupted_rootless_run_resumes(graded, ta):
    work = graded["work"]
    out = work / "out2"
    command = _ta_command([str(EECS182), "grade", str(work / "section"), "-o", str(out), "-a",
                           str(work / "autograder.zip"), "--workers", "1", "--require-sandbox", "--no-progress"])
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    deadline = time.monotonic() + 180
    while len(list((out / "results").glob("*.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGINT)
    process.communicate(timeout=60)
    assert _processes_of(ta.pw_uid) == []
    first = {p.name: p.read_bytes() for p in (out / "results").glob("*.json")}
    assert 2 <= len(first) < len(graded["rows"]) - 1
    again = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"{len(first)} kept from an earlier run" in again.stdout
    assert all((out / "results" / name).read_bytes() == data for name, data in first.items())
