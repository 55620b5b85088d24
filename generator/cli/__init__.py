"""The ``eecs182`` command: the course staff's entry point, one module per group of commands.

    authoring.py  new, build, run       (instructors: an assignment and its release)
    grading.py    grade, gradescope, sandbox   (TAs: a folder of submissions)
    review.py     review                (TAs: the written answers, by hand)

Each command imports what it runs when it runs, so ``eecs182 --help`` starts at once.
"""

import click

from generator.cli import authoring, grading, review


@click.group()
def main():
    """EECS 182 assignment toolkit."""


for command in (authoring.run, authoring.new, authoring.build, grading.grade, grading.gradescope, review.review,
                grading.sandbox_check):
    main.add_command(command)
