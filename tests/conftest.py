import numpy as np
import pytest

from assignment.model import Assignment
from generator.release import Release, build_autograder


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
