"""Which graded functions each graded function calls, read from the notebook's source.

The source is parsed with ``ast``, never run. It lets the feedback say "gd_step_const uses
grad_const, which fails q1a_grad: fix that first" instead of two unexplained failures.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Iterable

from autograder.cell_code import parse_cell, top_level_functions

if TYPE_CHECKING:
    from nbformat import NotebookNode


def graded_calls(nb: NotebookNode, functions: Iterable[str]) -> dict[str, list[str]]:
    """{function: [other graded functions it names]} for the functions the notebook defines."""
    functions = set(functions)
    found: dict[str, list[str]] = {}
    for cell in nb.cells:
        parsed = parse_cell(cell.source) if cell.cell_type == "code" else None
        if parsed is None:
            continue
        for name, node in top_level_functions(parsed[1]).items():
            if name in functions:
                names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                found[name] = sorted((names & functions) - {name})
    return found
