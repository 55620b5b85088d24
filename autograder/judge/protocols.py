"""What the judge asks of a launcher, and of the handle a launcher gives back for each kernel.

Two launchers satisfy ``Launcher``: ``kernel.ColdLauncher`` (a new Python under
``supervisor.py`` per kernel, through jupyter_client: Gradescope) and ``sandbox.warm.WarmLauncher``
(a kernel forked from the warm zygote: local batches). ``KernelLife`` (``kernel.py``) takes
either, and talks to the kernel with jupyter_client's own client once it is up; the handle is
only for the kernel's process. The type checker holds both to these (``mypy.ini``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from autograder.judge.limits import Limits


class KernelProcess(Protocol):
    """One started kernel's process (``ColdKernel``, ``WarmKernel``)."""

    def alive(self) -> bool:
        """Whether the kernel still runs."""
        ...

    def interrupt(self) -> None:
        """SIGINT to the kernel: the running cell or call raises KeyboardInterrupt."""
        ...

    def seal(self) -> None:
        """Once the kernel is up, before any submission code: what needs closing to it is closed
        (a warm kernel's socket folder becomes read-only to it)."""
        ...

    def kernel_pid(self) -> int | None:
        """The kernel's pid as this process sees it, or None where it cannot be told."""
        ...

    def shortfalls(self) -> list[str]:
        """What the kernel's isolation lacks, for the staff (read before submission code runs)."""
        ...

    def stop(self) -> None:
        """End the kernel and every process it started."""
        ...


class Launcher(Protocol):
    """Starts one kernel per call, under its own isolation."""

    @property
    def socket_root(self) -> str | None:
        """Where each kernel's socket folder is made; None: in the run's own folder."""
        ...

    def start(self, connection_file: Path, rundir: Path, workdir: Path, limits: Limits) -> KernelProcess:
        """A kernel started on ``connection_file`` (its sockets), working in ``workdir``, under
        ``limits``; ``rundir`` is the run's own temporary folder, removed after it."""
        ...
