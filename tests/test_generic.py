"""Generic code knows no assignment: everything assignment-specific lives with its assignment
(its folder, its reference in solutions/, its cases in autograder/cases/)."""

from pathlib import Path

import autograder.cases.disc01  # noqa: F401 - registers Discussion 1's own kinds
from assignment.model import all_assignments
from autograder.judge.kinds import KINDS

ROOT = Path(__file__).resolve().parents[1]
GENERIC_KINDS = ("float", "array")


def generic_files():
    files = [p for p in (ROOT / "autograder").rglob("*.py") if "cases" not in p.relative_to(ROOT).parts]
    return files + list((ROOT / "generator").rglob("*.py")) + [ROOT / "assignment" / "model.py"]


def test_generic_code_names_no_assignment():
    names = set()
    for assignment in all_assignments():
        names |= {assignment.name, assignment.reference, assignment.checks}
    for path in generic_files():
        text = path.read_text()
        for name in names:
            assert name not in text, f"{path.relative_to(ROOT)} names {name}"


def test_generic_code_names_no_kind_an_assignment_registers():
    own = [name for name in KINDS if name not in GENERIC_KINDS]
    assert own, "Discussion 1 registers its training kind"
    for path in generic_files():
        text = path.read_text()
        for name in own:
            assert f'"{name}"' not in text and f"'{name}'" not in text, f"{path.relative_to(ROOT)} names the {name} kind"
