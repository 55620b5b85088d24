import nbformat


class AddExportCell:
    """The closing cells: run every public check, then zip the notebook for Gradescope."""

    def __call__(self, nb, resources):
        nb.cells.append(nbformat.v4.new_markdown_cell(
            "## Submission\n\n"
            "Save the notebook, then run the cell below. It runs every public check and writes "
            "a zip file next to this notebook: **upload that zip to Gradescope**. Your written "
            "answers travel inside it and are graded by hand."
        ))
        nb.cells.append(nbformat.v4.new_code_cell(
            "grader.check_all()\ngrader.export(pdf=False, run_tests=True)",
            # Building the release must not export: it would write a timestamped zip.
            metadata={"deletable": False, "editable": False, "tags": ["otter_ignore"], "execute": False},
        ))
        return nb
