import copy
import os
from pathlib import Path

import nbformat

from generator.cache import code_cells, folder_files
from generator.notebook_client import HeadlessNotebookClient

# Seconds for one cell, unless the assignment's data says otherwise (``build_cell_timeout``).
CELL_TIMEOUT = 120


class Execute:
    """Run the notebook top to bottom in a fresh kernel, in ``resources["workdir"]``.

    Cells with ``"execute": false`` in their metadata (the export cell) are left unrun.
    Outputs must not depend on timing, or every build would differ: the kernel runs with
    EECS182_REPRODUCIBLE_OUTPUTS=1, and relu_lab's progress then reports no durations.
    Raises nbclient's CellExecutionError (with the failing cell and traceback) on any error,
    and CellTimeoutError for a cell that runs over ``timeout`` seconds: the step's own, else the
    assignment's ``build_cell_timeout`` (resources["assignment"]), else CELL_TIMEOUT.
    ``client_options`` go to the notebook client (e.g. its ``on_cell_executed`` hook).
    """

    def __init__(self, timeout=None, kernel_name="python3", **client_options):
        self.timeout = timeout
        self.kernel_name = kernel_name
        self.client_options = client_options

    def __call__(self, nb, resources):
        """With ``resources["cache"]`` (a ``generator.cache.BuildCache``), a run of the same code
        cells beside the same files is taken from the cache; ``resources["run_name"]`` names it."""
        cache = resources.get("cache")
        if cache is None:
            return self._run(nb, resources)
        workdir = Path(resources["workdir"])
        notebooks = {p.name for p in workdir.glob("*.ipynb")}  # their Markdown is no input of the run
        parts = ["notebook-run", code_cells(nb), *folder_files(workdir, leave_out=notebooks)]
        ran = cache.cached("notebook-run", parts, lambda: _outputs(self._run(copy.deepcopy(nb), resources)),
                           what=resources.get("run_name", "a notebook"))
        code = [c for c in nb.cells if c.cell_type == "code"]
        for cell, (outputs, count) in zip(code, ran):
            cell.outputs, cell.execution_count = [nbformat.from_dict(o) for o in outputs], count
        return nb

    def _run(self, nb, resources):
        runnable = copy.deepcopy(nb)
        # otter's check output picks a random emoji: seed Python's random so builds repeat.
        seed_cell = nbformat.v4.new_code_cell("import random as _random; _random.seed(0); del _random")
        runnable.cells = [seed_cell] + [c for c in nb.cells if c.metadata.get("execute", True)]
        assignment = resources.get("assignment")
        timeout = self.timeout or getattr(assignment, "build_cell_timeout", None) or CELL_TIMEOUT
        client = HeadlessNotebookClient(
            runnable,
            timeout=timeout,
            kernel_name=self.kernel_name,
            resources={"metadata": {"path": str(resources["workdir"])}},
            record_timing=False,
            **self.client_options,
        )
        # Keyword arguments reach the kernel manager's start_kernel: the kernel's environment.
        # No bytecode: the notebook's support modules would leave __pycache__ in the release.
        client.execute(env=dict(os.environ, EECS182_REPRODUCIBLE_OUTPUTS="1", PYTHONDONTWRITEBYTECODE="1"))
        ran = {c.id: c for c in runnable.cells}
        for cell in nb.cells:
            if cell.id in ran and cell.cell_type == "code":
                cell.outputs = ran[cell.id].outputs
                cell.execution_count = ran[cell.id].execution_count
        return nb


def _outputs(nb):
    return [[c.outputs, c.execution_count] for c in nb.cells if c.cell_type == "code"]
