import nbformat


class AddExportCell:
    """The closing cells: save, verify and zip the notebook for Gradescope (``submit.py``)."""

    def __call__(self, nb, resources):
        notebook = resources["assignment"].notebook
        nb.cells.append(nbformat.v4.new_markdown_cell(
            "## Submission\n\n"
            "Run the cell below. It saves the notebook, makes sure the saved file holds the code "
            "you ran, and writes a zip file next to this notebook: **upload that zip to "
            "Gradescope**. The zip also holds a PDF of your written answers, which are graded "
            "by hand. The cell runs the public checks once more and lists any that do not pass."
        ))
        nb.cells.append(nbformat.v4.new_code_cell(
            f"import submit\n\nsubmit.export(grader, {notebook!r})",
            # Building the release must not export: it would write a zip into the build.
            metadata={"deletable": False, "editable": False, "tags": ["otter_ignore"], "execute": False},
        ))
        return nb
