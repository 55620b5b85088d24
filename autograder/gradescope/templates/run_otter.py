"""Gradescope's grading step: the judge (autograder/gradescope/entry.py), which runs the
submission in a kernel of its own and compares outside it, instead of otter's in-kernel tests.
It stands at the top of the zip's source/, beside the autograder/ package it imports."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from autograder.gradescope.entry import main  # noqa: E402

if __name__ == "__main__":
    main("/autograder")
