"""Checks of student answers: otter test files generated from reference implementations."""
