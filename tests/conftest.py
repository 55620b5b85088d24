import dataclasses
import fcntl
import json
import time
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


# --- what each test costs, measured ------------------------------------------------------------
# `make durations` runs the whole suite with --record-durations and writes tests/durations.json:
# each test's seconds (set-up, call and tear-down) and each shared fixture's set-up. From it, a
# test is marked slow (`make check` leaves those out) when its own cost reaches FAST_SECONDS or
# it needs a shared fixture (a release, a graded class) whose set-up reaches FIXTURE_SECONDS; and
# the files run longest first, so that the test processes finish together (xdist hands out whole
# files in collection order). A test not yet measured counts as fast; the summary says how many.
DURATIONS = Path(__file__).with_name("durations.json")
FAST_SECONDS = 0.5
FIXTURE_SECONDS = 2.0  # paid once for every test that shares it


def pytest_addoption(parser):
    parser.addoption("--record-durations", action="store_true",
                     help=f"write what each test and shared fixture cost to {DURATIONS.name} (a whole run)")


def _recorded():
    try:
        data = json.loads(DURATIONS.read_text())
    except (OSError, ValueError):
        return {}, {}
    return data.get("tests", {}), data.get("fixtures", {})


def is_slow(nodeid, fixturenames, tests, fixtures):
    """Whether the test costs too much for the fast loop; None when it was never measured."""
    if nodeid not in tests:
        return None
    return tests[nodeid] >= FAST_SECONDS or any(fixtures.get(name, 0.0) >= FIXTURE_SECONDS for name in fixturenames)


@pytest.hookimpl(tryfirst=True)  # before -m deselects by the marks added here
def pytest_collection_modifyitems(config, items):
    tests, fixtures = _recorded()
    unmeasured = 0
    per_file = {}
    for item in items:
        slow = is_slow(item.nodeid, getattr(item, "fixturenames", ()), tests, fixtures)
        unmeasured += slow is None
        if slow:
            item.add_marker(pytest.mark.slow)
        path = item.nodeid.split("::")[0]
        per_file[path] = per_file.get(path, 0.0) + (tests.get(item.nodeid) or 0.0)
    config.stash[_UNMEASURED] = unmeasured
    items.sort(key=lambda item: -per_file[item.nodeid.split("::")[0]])  # stable: each file keeps its order


_UNMEASURED = pytest.StashKey[int]()


class CostRecorder:
    """Seconds spent per test (where the run is reported: the one process, or xdist's
    controller) and per shared fixture's set-up (in each process, sent up by xdist's workers)."""

    def __init__(self, config):
        self.config, self.tests, self.fixtures = config, {}, {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef):
        start = time.perf_counter()
        yield
        if fixturedef.scope != "function":  # a function fixture's set-up is in its test's own cost
            self._keep_dearest({fixturedef.argname: time.perf_counter() - start})

    def pytest_runtest_logreport(self, report):
        self.tests[report.nodeid] = self.tests.get(report.nodeid, 0.0) + report.duration

    def pytest_testnodedown(self, node, error):
        self._keep_dearest(json.loads(getattr(node, "workeroutput", {}).get("fixture_seconds", "{}")))

    def _keep_dearest(self, seen):
        for name, seconds in seen.items():
            self.fixtures[name] = max(self.fixtures.get(name, 0.0), seconds)

    def pytest_sessionfinish(self, exitstatus):
        if hasattr(self.config, "workeroutput"):  # an xdist worker
            self.config.workeroutput["fixture_seconds"] = json.dumps(self.fixtures)
        elif exitstatus == 0:
            data = {"tests": {k: round(v, 2) for k, v in sorted(self.tests.items())},
                    "fixtures": {k: round(v, 2) for k, v in sorted(self.fixtures.items())}}
            DURATIONS.write_text(json.dumps(data, indent=0, sort_keys=True) + "\n")


def pytest_configure(config):
    if config.getoption("--record-durations"):
        config.pluginmanager.register(CostRecorder(config), "cost-recorder")


def pytest_terminal_summary(terminalreporter, config):
    unmeasured = config.stash.get(_UNMEASURED, 0)
    if unmeasured:
        terminalreporter.write_line(f"{unmeasured} of the tests collected have no measured cost, so count as "
                                    "fast: `make durations` measures them")
