"""The headless notebook client: widgets never make a cell wait for a front end."""

import time
from pathlib import Path

import nbformat
import pytest

from assignment.model import Assignment
from generator.notebook_client import HeadlessNotebookClient
from generator.steps import Execute

DISC01 = Assignment.named("disc01")
LAB = DISC01.root / "relu_lab.py"

OUTPUT_WIDGET_CELLS = [
    "import ipywidgets, matplotlib.pyplot as plt\n"
    "from IPython.display import display, clear_output\n"
    "out = ipywidgets.Output()\n"
    "with out:\n"
    "    print('inside the widget')\n"
    "out.clear_output(wait=True)\n"
    "with out:\n"
    "    display('drawn inside')\n"
    "out",
    "print('next cell')",
]


def _notebook(cells):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])


class RecordingClient(HeadlessNotebookClient):
    """Records every message the client sends on the kernel's shell socket."""

    def __init__(self, nb, **kw):
        super().__init__(nb, **kw)
        self.sent = []

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        send = kc.shell_channel.send

        def recording_send(msg):
            self.sent.append(msg["header"]["msg_type"])
            return send(msg)

        kc.shell_channel.send = recording_send
        return kc


def test_output_widgets_send_nothing_back_to_the_kernel(tmp_path):
    # nbclient's stock client answers an Output widget with comm_msgs on the shell socket; that
    # send races the wait for the cell's reply (the stall). Only the cells themselves may go out.
    client = RecordingClient(_notebook(OUTPUT_WIDGET_CELLS), timeout=60, kernel_name="python3",
                             resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    assert "comm_msg" not in client.sent
    assert set(client.sent) <= {"execute_request", "kernel_info_request"}
    texts = [o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
             for o in client.nb.cells[0].outputs]
    assert any("drawn inside" in t for t in texts)  # kept, in the cell's own outputs
    assert client.nb.cells[1].outputs[0]["text"] == "next cell\n"


SLIDER_CELLS = [
    "import relu_lab\n"
    "exp = relu_lab.run_experiment(relu_lab.ExperimentConfig(steps=2000), progress=False)",
    "relu_lab.history_slider(exp, run=0)",
    "print('after the slider')",
]


@pytest.fixture(scope="module")
def lab_folder(tmp_path_factory):
    # One folder for every attempt: numba's on-disk cache then compiles the engine once.
    folder = tmp_path_factory.mktemp("lab")
    for name in DISC01.support_files:  # relu_lab.py and the files it imports
        (folder / name).write_text((LAB.parent / name).read_text())
    return folder


@pytest.mark.parametrize("attempt", range(3))
def test_the_slider_cell_never_waits_out_its_timeout(lab_folder, attempt):
    # The stall showed as a slider cell that took exactly its timeout and then carried on.
    # Run it several times through the build's Execute step and measure that cell.
    nb = _notebook(SLIDER_CELLS)
    for cell in nb.cells:
        cell.id = f"cell{nb.cells.index(cell)}"
    timeout = 60
    started = {}

    seen = []
    step = Execute(
        timeout=timeout,
        on_cell_execute=lambda cell, cell_index: started.__setitem__(cell_index, time.monotonic()),
        on_cell_executed=lambda cell, cell_index, execute_reply: seen.append(
            (cell_index, time.monotonic() - started[cell_index])),
    )
    ran = step(nb, {"workdir": lab_folder})
    slider_seconds = dict(seen)[2]  # index 0 is the build's seeding cell
    assert slider_seconds < timeout / 2, f"slider cell took {slider_seconds:.1f} s of {timeout} s"
    widget_views = [o for o in ran.cells[1].outputs
                    if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(widget_views) == 1
    assert ran.cells[2].outputs[0]["text"] == "after the slider\n"


def test_the_build_gives_a_cell_the_time_its_assignment_allows(tmp_path):
    from types import SimpleNamespace

    from nbclient.exceptions import CellTimeoutError

    nb = _notebook(["import time\ntime.sleep(0.1)", "time.sleep(5)"])
    with pytest.raises(CellTimeoutError):
        Execute()(nb, {"workdir": tmp_path, "assignment": SimpleNamespace(build_cell_timeout=2)})


def test_the_builds_kernels_listen_on_unix_sockets_of_this_user_only(tmp_path):
    nb = _notebook(["from ipykernel.kernelapp import IPKernelApp\n"
                    "import os, stat\n"
                    "app = IPKernelApp.instance()\n"
                    "folder = os.path.dirname(app.ip)\n"
                    "print(app.transport, oct(stat.S_IMODE(os.stat(folder).st_mode)), folder)"])
    client = HeadlessNotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    transport, mode, folder = nb.cells[0].outputs[0]["text"].split()
    assert (transport, mode) == ("ipc", "0o700")
    del client
    import gc

    gc.collect()
    assert not Path(folder).exists()  # removed with its client
