"""Submissions made from the rendered notebooks: a student notebook with some answers filled in
(from the solution, or written by the test) and extra cells inserted."""

import csv
import errno
import json
import os
import socket
import textwrap
import threading
from contextlib import contextmanager

import nbformat
import pytest

from assignment.model import Assignment
from generator import pipelines
from generator.steps import run_pipeline

DISC01 = Assignment.named("disc01")


@pytest.fixture(scope="module")
def notebooks():
    return {variant: run_pipeline(pipelines.RENDER, dict(assignment=DISC01, variant=variant, seed=DISC01.term_seed))
            for variant in ("student", "solution")}


def submission(notebooks, tmp_path, base="student", answers=None, extra_cells=(), at=None, name="disc01.ipynb"):
    """A notebook from ``base`` with some answer cells replaced and extra cells inserted."""
    nb = nbformat.from_dict(json.loads(nbformat.writes(notebooks[base])))
    for cell in nb.cells:
        question = cell.metadata.get("question")
        if answers and question in answers:
            cell.source = textwrap.dedent(answers[question])
    extra = [nbformat.v4.new_code_cell(textwrap.dedent(src)) for src in extra_cells]
    at = len(nb.cells) if at is None else at
    nb.cells[at:at] = extra
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def gradebook_rows(out):
    """OUT/final_grades.csv as {file: row}."""
    with open(out / "final_grades.csv", newline="") as f:
        return {row["file"]: row for row in csv.DictReader(f)}


def write_answers(path, answers):
    """Put ``answers`` ({written question: text}) into the notebook at ``path``."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("written") in answers:
            cell.source = answers[cell.metadata.written]
    nbformat.write(nb, path)


def solution_answers(notebooks, *questions):
    return {c.metadata.question: c.source for c in notebooks["solution"].cells
            if c.metadata.get("question") in questions}




def kernel_user(purpose):
    """A kernel user of this test process's own: every grader removes what its kernel's user
    left in /tmp, so two test processes grading at once must not share one."""
    return f"eecs182-{purpose}{os.getpid()}"


@contextmanager
def local_listener():
    """A TCP listener on 127.0.0.1 that records every connection it accepts, for submissions
    that try the network: yields (port, accepted)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.5)
    accepted, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                accepted.append(listener.accept())
            except OSError:
                pass

    watcher = threading.Thread(target=accept, daemon=True)
    watcher.start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        stop.set()
        watcher.join(2)
        listener.close()


# A graded function that tries to write 320 MB in every place a kernel might: only its own capped
# tmpfs mounts take anything, and only up to their cap.
WRITER = """
    def grad_const(theta, y):
        import json, os
        from ipykernel.kernelapp import IPKernelApp
        sockets = os.path.dirname(IPKernelApp.instance().connection_file)
        chunk, wrote = b"x" * (1 << 20), []
        for folder in [sockets] + %(places)r:
            path, done = os.path.join(folder, "fill"), 0
            try:
                with open(path, "wb") as f:
                    while done < 320:
                        f.write(chunk)
                        f.flush()
                        done += 1
            except OSError as exc:
                wrote.append([done, exc.errno])
            else:
                wrote.append([done, 0])
            try:
                os.unlink(path)
            except OSError:
                pass
        raise RuntimeError("SEEN" + json.dumps(wrote) + "SEEN")
"""


READ_ONLY = ["/", "/opt", "/opt/eecs182", "/usr", "/var/tmp", "/run"]
OWN = ["/tmp", "/dev/shm", "."]  # the kernel's own tmpfs mounts
WRITER = WRITER % dict(places=READ_ONLY + OWN)


def written_everywhere(out, name):
    """{place: [megabytes written, errno]} of the writer's run."""
    wrote = json.loads((out / "feedback" / f"{name}.txt").read_text().split("SEEN")[1])
    return dict(zip(["sockets"] + READ_ONLY + OWN, wrote))


def assert_written_only_where_capped(wrote, scratch_mb):
    assert wrote["sockets"] == [0, errno.EROFS], wrote  # the judge's folder, on the host's disk
    for place in READ_ONLY:
        assert wrote[place][0] == 0 and wrote[place][1] in (errno.EROFS, errno.EACCES, errno.ENOENT), (place, wrote)
    for place in OWN:  # full at the cap
        assert wrote[place][0] <= scratch_mb and wrote[place][1] == errno.ENOSPC, (place, wrote)


# Graded functions that take memory past a 2 GB cap in the two ways per-process limits miss: a
# shared mapping, and several processes. Each tries once (on its first case) and says "TOOK" if
# it got all of it.
SHARED_MAPPING = """
    def gd_step_linear(theta, x, y, alpha):
        import mmap
        if globals().get("tried_mapping"):
            return 0.0
        globals()["tried_mapping"] = True
        size, chunk = 2560 << 20, b"x" * (64 << 20)
        m = mmap.mmap(-1, size, flags=mmap.MAP_SHARED | mmap.MAP_ANONYMOUS)
        for _ in range(size // len(chunk)):
            m.write(chunk)
        raise RuntimeError("TOOK 2560 MB in one shared mapping")
"""
SEVERAL_PROCESSES = """
    def sgd_step_linear(theta, x_i, y_i, alpha):
        import os
        if globals().get("tried_processes"):
            return 0.0
        globals()["tried_processes"] = True
        done, told = os.pipe()
        for _ in range(3):
            if os.fork() == 0:
                block = bytearray(1 << 30)  # 1 GB each, under a 2 GB per-process cap
                block[::4096] = b"x" * len(block[::4096])
                os.write(told, b"x")
                os.close(told)
                os.read(done, 1)  # holds its gigabyte until the parent is gone
                os._exit(0)
        os.close(told)
        got = b""
        while len(got) < 3 and (more := os.read(done, 3)):  # ends early once every child is gone
            got += more
        if len(got) == 3:
            raise RuntimeError("TOOK 3 GB in three processes")
        return 0.0
"""
