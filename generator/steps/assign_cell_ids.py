class AssignCellIds:
    """Stable cell ids (nbformat would draw random ones): same source, same bytes."""

    def __call__(self, nb, resources):
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"cell-{i:03d}"
        return nb
