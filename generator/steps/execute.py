import copy
import os

import nbformat

from nbclient import NotebookClient


class Execute:
    """Run the notebook top to bottom in a fresh kernel, in ``resources["workdir"]``.

    Cells with ``"execute": false`` in their metadata (the export cell) are left unrun.
    Progress bars are switched off: their timings would make every build's outputs differ.
    Raises nbclient's CellExecutionError (with the failing cell and traceback) on any error.
    """

    def __init__(self, timeout=600, kernel_name="python3"):
        self.timeout = timeout
        self.kernel_name = kernel_name

    def __call__(self, nb, resources):
        runnable = copy.deepcopy(nb)
        # otter's check output picks a random emoji: seed Python's random so builds repeat.
        seed_cell = nbformat.v4.new_code_cell("import random as _random; _random.seed(0); del _random")
        runnable.cells = [seed_cell] + [c for c in nb.cells if c.metadata.get("execute", True)]
        client = NotebookClient(
            runnable,
            timeout=self.timeout,
            kernel_name=self.kernel_name,
            resources={"metadata": {"path": str(resources["workdir"])}},
            record_timing=False,
        )
        # Keyword arguments reach the kernel manager's start_kernel: the kernel's environment.
        client.execute(env=dict(os.environ, TQDM_DISABLE="1"))
        ran = {c.id: c for c in runnable.cells}
        for cell in nb.cells:
            if cell.id in ran and cell.cell_type == "code":
                cell.outputs = ran[cell.id].outputs
                cell.execution_count = ran[cell.id].execution_count
        return nb
