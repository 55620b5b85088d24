class SetMetadata:
    """Notebook-level metadata: a plain python3 kernel, no jupytext traces, and the assignment
    name, which the autograder checks so a notebook of another assignment is refused."""

    def __call__(self, nb, resources):
        nb.metadata.pop("jupytext", None)
        nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
        nb.metadata["language_info"] = {"name": "python"}
        nb.metadata["otter"] = {"assignment_name": resources["assignment"].name}
        nb.nbformat, nb.nbformat_minor = 4, 5
        return nb
