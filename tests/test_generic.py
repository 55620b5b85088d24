"""Generic code knows no assignment: everything assignment-specific lives with its assignment
(its folder, cases, mistakes and kinds included, and its reference in solutions/)."""

import ast
import importlib
import re
from pathlib import Path

from assignment.model import all_assignments
from autograder.judge.kinds import KINDS

for _assignment in all_assignments():  # each registers its own kinds
    importlib.import_module(_assignment.cases_module)

ROOT = Path(__file__).resolve().parents[1]
GENERIC_KINDS = ("float", "array", "fields")


def generic_files():
    return [*(ROOT / "autograder").rglob("*.py"), *(ROOT / "generator").rglob("*.py"),
            ROOT / "assignment" / "model.py", ROOT / "assignment" / "schema.py"]


def test_generic_code_names_no_assignment():
    names = set()
    for assignment in all_assignments():
        names |= {assignment.name, assignment.reference, assignment.cases_module}
    for path in generic_files():
        text = path.read_text()
        for name in names:  # as a word: an assignment may be called "lab" without tripping on "relu_lab"
            assert not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text), f"{path.relative_to(ROOT)} names {name}"


def test_generic_code_names_no_kind_an_assignment_registers():
    own = [name for name in KINDS if name not in GENERIC_KINDS]
    assert len(own) >= 3, own  # disc01's training, disc02's layer_gradients and gradient_check
    for path in generic_files():
        text = path.read_text()
        for name in own:
            assert f'"{name}"' not in text and f"'{name}'" not in text, f"{path.relative_to(ROOT)} names the {name} kind"


def test_the_assignment_model_imports_nothing_of_the_project():
    """It sits below the generator and the autograder: both read it, it reads neither (only its
    own schema, which reads nothing of the project)."""
    for name, allowed in (("model.py", {"assignment.schema"}), ("schema.py", set())):
        tree = ast.parse((ROOT / "assignment" / name).read_text())
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        project = {"assignment", "autograder", "generator", "solutions"}
        assert not {n for n in imported if n.split(".")[0] in project} - allowed, name


def test_an_assignment_is_its_folder_and_its_reference():
    """Nothing of an assignment lies anywhere but assignment/<name>/ and solutions/<name>.py."""
    names = {a.name for a in all_assignments()}
    elsewhere = [p.relative_to(ROOT) for folder in ("autograder", "generator") for p in (ROOT / folder).rglob("*.py")
                 if any(p.stem == n or p.stem.startswith(f"{n}_") for n in names)]
    assert not elsewhere, elsewhere
    for assignment in all_assignments():
        assert (assignment.root / "cases.py").is_file() and (assignment.root / "mistakes.py").is_file()
