"""The one notebook client the project runs notebooks with (release build and grading).

nbclient mimics a front end for ipywidgets' Output widget: when a cell's output is routed into
an Output widget, nbclient answers the kernel with a ``comm_msg`` on the shell socket, from its
IOPub task, while its reply task is awaiting that same socket. The send can swallow the socket's
edge-triggered wake-up, so the cell's ``execute_reply`` then sits unread until the cell timeout
runs out, and the cell "finishes" with no error. Measured: a cell that ran in 0.7 s took the
whole timeout in 2 of 6 runs on a loaded machine.

No front end is there, so none is mimicked: outputs sent into an Output widget land in the
cell's own outputs, and the client sends the kernel nothing but the cells themselves.
"""

from nbclient import NotebookClient


class HeadlessNotebookClient(NotebookClient):
    """A NotebookClient that never plays a widget front end (see the module's docstring)."""

    def __init__(self, nb, km=None, **kw):
        super().__init__(nb, km=km, **kw)
        self.widget_registry = {}
