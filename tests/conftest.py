import dataclasses
import fcntl
import json
from pathlib import Path

import numpy as np
import pytest

from assignment.model import Assignment
from generator.build import build_and_verify
from generator.layout import Release
from generator.verify import CheckResult


@pytest.fixture
def rng():
    return np.random.default_rng(182)


@pytest.fixture(scope="session")
def built(tmp_path_factory, worker_id):
    """built(name) -> (Release, verification checks): an assignment's release, built and verified
    once for the whole run. The test processes share one copy: the first to ask builds it under a
    lock; the others wait for it and read it (nobody writes into it afterwards)."""
    root = tmp_path_factory.getbasetemp()
    root = (root.parent if worker_id != "master" else root) / "releases"
    root.mkdir(exist_ok=True)
    cache = {}

    def get(name):
        if name not in cache:
            assignment = Assignment.named(name)
            with open(root / f"{name}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                record = root / f"{name}.json"
                if not record.exists():
                    release, checks = build_and_verify(assignment, root)
                    record.write_text(json.dumps({"checks": [dataclasses.asdict(c) for c in checks],
                                                  "artifacts": {k: str(v) for k, v in release.artifacts.items()}}))
            recorded = json.loads(record.read_text())
            release = Release(assignment, assignment.term_seed, root / name)
            release.artifacts.update({label: Path(path) for label, path in recorded["artifacts"].items()})
            cache[name] = (release, [CheckResult(**c) for c in recorded["checks"]])
        return cache[name]

    return get


@pytest.fixture(scope="session")
def autograder_zip(built):
    """disc01's Gradescope zip, from the run's one release build."""
    return built("disc01")[0].autograder_zip


@pytest.fixture(scope="session")
def student_folder(built):
    """disc01's student folder as the release lays it out (notebook, support files, tests)."""
    return built("disc01")[0].student_dir


# The longest files first, so that the test processes finish together rather than one running
# the last long file alone (xdist hands out whole files, in collection order: pyproject's
# --no-loadscope-reorder stops it from putting the files with most tests first). Of the first
# three, only test_grading.py needs a release build, so none waits for another's. A file missing
# here only runs later; the list is from `pytest --durations=0`.
LONGEST_FIRST = ("test_grading.py", "test_judge.py", "test_browser.py", "test_release.py", "test_assignments.py",
                 "test_bad_uploads.py", "test_submit.py", "test_review.py", "test_gradescope.py", "test_rootless.py",
                 "test_notebook_client.py", "test_new_assignment.py", "test_mistakes.py")


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: each file keeps its order
