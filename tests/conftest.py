import numpy as np
import pytest

from assignment.model import Assignment
from generator.release import Release, build_autograder, build_student


@pytest.fixture
def rng():
    return np.random.default_rng(182)


@pytest.fixture(scope="session")
def autograder_zip(tmp_path_factory):
    """disc01's Gradescope zip, built from the source as the release builds it."""
    disc01 = Assignment.named("disc01")
    release = Release(disc01, disc01.term_seed, tmp_path_factory.mktemp("release") / "disc01")
    release.root.mkdir(parents=True)
    build_autograder(release)
    return release.autograder_zip


@pytest.fixture(scope="session")
def student_folder(tmp_path_factory):
    """disc01's student folder as the release lays it out (notebook, support files, tests)."""
    disc01 = Assignment.named("disc01")
    release = Release(disc01, disc01.term_seed, tmp_path_factory.mktemp("release") / "disc01")
    build_student(release)
    return release.student_dir
