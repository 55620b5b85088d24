"""The notebook client the release build runs notebooks with (the judge talks to its kernels
itself: ``autograder/judge/kernel.py``).

Its kernels talk over unix sockets in a folder of this user's, not over loopback TCP, where any
user of the machine could connect to them (and ipykernel warns, twice per build, that it is
running over TCP without encryption).

nbclient mimics a front end for ipywidgets' Output widget: when a cell's output is routed into
an Output widget, nbclient answers the kernel with a ``comm_msg`` on the shell socket, from its
IOPub task, while its reply task is awaiting that same socket. The send can swallow the socket's
edge-triggered wake-up, so the cell's ``execute_reply`` then sits unread until the cell timeout
runs out, and the cell "finishes" with no error. Measured: a cell that ran in 0.7 s took the
whole timeout in 2 of 6 runs on a loaded machine.

No front end is there, so none is mimicked: outputs sent into an Output widget land in the
cell's own outputs, and the client sends the kernel nothing but the cells themselves.
"""

import shutil
import tempfile
import weakref
from pathlib import Path

from nbclient import NotebookClient


class HeadlessNotebookClient(NotebookClient):
    """A NotebookClient that never plays a widget front end and whose kernel listens on unix
    sockets only (see the module's docstring)."""

    def __init__(self, nb, km=None, **kw):
        super().__init__(nb, km=km, **kw)
        self.widget_registry = {}

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        folder = tempfile.mkdtemp(prefix="eecs182-kernel-")  # mode 0700: this user's alone
        weakref.finalize(self, shutil.rmtree, folder, True)
        km.transport, km.ip = "ipc", str(Path(folder) / "kernel")
        return km
