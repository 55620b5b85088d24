import nbformat


class AddOtterInit:
    """The otter init cell, right after the title: it creates ``grader`` for the checks."""

    def __call__(self, nb, resources):
        cell = nbformat.v4.new_code_cell(
            '# Initialize Otter\nimport otter\ngrader = otter.Notebook(tests_dir="tests")',
            metadata={"deletable": False, "editable": False},
        )
        at = 1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0
        nb.cells.insert(at, cell)
        return nb
