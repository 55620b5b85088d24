class ClearOutputs:
    """No outputs, no execution counts, no per-run metadata: a clean notebook to hand out."""

    def __call__(self, nb, resources):
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
            cell.metadata.pop("execution", None)
        return nb
