"""Which graded functions each graded function calls, read from the notebook's source.

The source is parsed with ``ast``, never run. It lets the feedback say "gd_step_const uses
grad_const, which fails q1a_grad: fix that first" instead of two unexplained failures.
"""

import ast

MAX_SOURCE = 200_000  # characters of one cell; longer cells are not read


def graded_calls(nb, functions):
    """{function: [other graded functions it names]} for the functions the notebook defines."""
    functions = set(functions)
    found = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or len(cell.source) > MAX_SOURCE:
            continue
        try:
            tree = ast.parse(_without_magics(cell.source))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name in functions:
                names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                found[node.name] = sorted((names & functions) - {node.name})
    return found


def _without_magics(source):
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
