import nbformat


class AddCheckCells:
    """A ``grader.check("q")`` cell after every cell that answers autograded question q."""

    def __call__(self, nb, resources):
        expected = {q.name for q in resources["assignment"].questions}
        cells, seen = [], set()
        for cell in nb.cells:
            cells.append(cell)
            name = cell.metadata.get("question")
            if name is None:
                continue
            if name not in expected:
                raise ValueError(f"template cell names unknown question {name!r}")
            if name in seen:
                raise ValueError(f"question {name!r} is answered by two cells")
            seen.add(name)
            cells.append(nbformat.v4.new_code_cell(
                f'grader.check("{name}")',
                metadata={"deletable": False, "editable": False, "check": name},
            ))
        missing = expected - seen
        if missing:
            raise ValueError(f"template has no cell for questions: {', '.join(sorted(missing))}")
        nb.cells = cells
        return nb
