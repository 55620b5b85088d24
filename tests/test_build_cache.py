"""The build's cache: a rebuild after editing only prose or a rubric starts no kernel and makes
the same release a full build would; anything else that changes runs again."""

import shutil
import zipfile

import nbformat
import pytest

import autograder.judge
import generator.casebook
from assignment.model import Assignment
from generator.build import build_and_verify
from generator.cache import BuildCache
from generator.notebook_client import HeadlessNotebookClient

PROSE = "A sentence added to the notebook's prose, and nothing else."
RUBRIC = "an item reworded by the instructor"


def _copy_of_disc01(folder):
    """disc01's folder, copied: its template and toml may be edited; its code stays the project's."""
    source = Assignment.named("disc01").root
    shutil.copytree(source, folder / "disc01", ignore=shutil.ignore_patterns("__pycache__"))
    return folder / "disc01"


def _no_kernel_may_start(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a kernel started, or the reference ran, for a prose-only rebuild")

    monkeypatch.setattr(HeadlessNotebookClient, "execute", refuse)
    monkeypatch.setattr(autograder.judge, "judge_submission", refuse)
    monkeypatch.setattr(generator.casebook, "_judged_questions", refuse)


def test_a_prose_and_rubric_edit_rebuilds_from_the_cache_into_the_release_a_full_build_makes(tmp_path, monkeypatch):
    root = _copy_of_disc01(tmp_path / "src")
    out = tmp_path / "dist"
    release, checks = build_and_verify(Assignment.load(root), out, cache=BuildCache(out / ".cache"))
    assert all(c.passed for c in checks), checks
    first_outputs = [c.outputs for c in nbformat.read(release.solution_dir / "disc01.ipynb", 4).cells
                     if c.cell_type == "code"]

    template = root / "disc01.md.j2"
    text = template.read_text()
    heading = next(line for line in text.splitlines() if line.startswith("## "))
    template.write_text(text.replace(heading, f"{heading}\n\n{PROSE}", 1))
    toml = root / "assignment.toml"
    item = toml.read_text().split('item = "', 1)[1].split('"', 1)[0]
    toml.write_text(toml.read_text().replace(item, RUBRIC, 1))

    with monkeypatch.context() as patched:
        _no_kernel_may_start(patched)
        cache = BuildCache(out / ".cache")
        release, checks = build_and_verify(Assignment.load(root), out, cache=cache)
    assert all(c.passed for c in checks), checks
    assert sorted(step for step, _ in cache.hits) == ["cases", "judge", "judge", "notebook-run", "notebook-run"]
    assert {c.name: c.detail for c in checks}["solution notebook runs"] == "the run of the same code, cached"
    solution = nbformat.read(release.solution_dir / "disc01.ipynb", 4)
    assert any(PROSE in c.source for c in solution.cells if c.cell_type == "markdown")
    assert [c.outputs for c in solution.cells if c.cell_type == "code"] == first_outputs
    assert RUBRIC in release.rubric.read_text()

    # The same bytes as a build that runs everything.
    full, checks = build_and_verify(Assignment.load(root), tmp_path / "full", cache=BuildCache(tmp_path / "none",
                                                                                                 enabled=False))
    assert all(c.passed for c in checks)
    for made in ("student_zip", "solution_zip", "autograder_zip", "rubric"):
        assert getattr(release, made).read_bytes() == getattr(full, made).read_bytes(), made
    with zipfile.ZipFile(release.autograder_zip) as zf:
        assert RUBRIC.encode() in zf.read("casebook.json")


def test_what_changed_runs_again_and_a_failure_is_never_kept(tmp_path):
    cache = BuildCache(tmp_path)
    runs = []

    def make(value):
        runs.append(value)
        return {"value": value, "pair": (1, 2)}

    assert cache.cached("judge", ["zip", b"bytes", {"a": 1}], lambda: make(1)) == {"value": 1, "pair": [1, 2]}
    assert cache.cached("judge", ["zip", b"bytes", {"a": 1}], lambda: make(2)) == {"value": 1, "pair": [1, 2]}
    assert cache.cached("judge", ["zip", b"other bytes", {"a": 1}], lambda: make(3))["value"] == 3
    assert cache.cached("notebook-run", ["zip", b"bytes", {"a": 1}], lambda: make(4))["value"] == 4  # another step
    assert runs == [1, 3, 4] and cache.hits == [("judge", "")]

    def fails():
        runs.append("failed")
        raise RuntimeError("a cell raised")

    for _ in range(2):
        with pytest.raises(RuntimeError):
            cache.cached("cases", ["x"], fails)
    assert runs[-2:] == ["failed", "failed"]
    # Off, it runs every time (and still gives back what JSON would).
    off = BuildCache(tmp_path, enabled=False)
    assert off.cached("judge", ["zip", b"bytes", {"a": 1}], lambda: make(5)) == {"value": 5, "pair": [1, 2]}


def test_build_watch_rebuilds_on_save_from_the_cache(tmp_path):
    """``eecs182 build --watch``, in a copy of the project: it builds, and after a saved prose
    edit builds again, from the cache, with the edit in the release."""
    import os
    import queue
    import signal
    import subprocess
    import threading

    from tests.test_new_assignment import COMMAND_LINE, _copy_project, _env

    copy = _copy_project(tmp_path / "project")
    watcher = subprocess.Popen([*COMMAND_LINE, "build", "disc01", "--watch", "-o", str(tmp_path / "dist")], cwd=copy,
                               env=_env(copy), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in watcher.stdout], daemon=True).start()

    def wait_for(text, seconds=300):
        seen = []
        while True:
            line = lines.get(timeout=seconds)  # queue.Empty: the watcher never said it
            seen.append(line)
            if text in line:
                return seen

    try:
        first = wait_for("watching ")
        assert any("blank student notebook earns zero" in line and "PASS" in line for line in first), first
        template = copy / "assignment" / "disc01" / "disc01.md.j2"
        template.write_text(template.read_text().replace("## ", f"{PROSE}\n\n## ", 1))
        second = wait_for("blank student notebook earns zero")
        assert any(line.startswith("saved: disc01.md.j2") for line in second), second
        assert any("from the cache" in line for line in second), second
        solution = nbformat.read(tmp_path / "dist" / "disc01" / "solution" / "disc01.ipynb", 4)
        assert any(PROSE in c.source for c in solution.cells if c.cell_type == "markdown")
    finally:
        os.killpg(watcher.pid, signal.SIGINT)
        watcher.wait(timeout=60)
