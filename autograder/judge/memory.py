"""A memory cap over everything a kernel does: a memory cgroup of its own, which counts every
process the kernel starts and every page it touches, shared mappings included. Per-process
limits count neither: ``RLIMIT_DATA`` leaves out shared anonymous mappings (a 2.5 GB
``mmap(MAP_SHARED)`` went through a 2 GB cap), and each of a kernel's processes has its own.

Where this process can make memory cgroups (cgroup v1's memory controller, as root), each
kernel gets one, and the kernel is moved into it once it is up, before any submission code
runs; what it starts later is born inside. When the cgroup's memory is full the kernel is
killed, and the step that filled it pays for it, as for any kernel that dies. Where there is no
such place (rootless, without a delegated cgroup), the kernel keeps per-process limits, and
also ``RLIMIT_AS`` (``zygote.py``), which counts shared mappings too.
"""

from __future__ import annotations

import functools
import os
import time
from pathlib import Path


def _memory_mount() -> Path | None:
    """Where cgroup v1's memory controller is mounted, or None."""
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                fields = line.split()
                after = fields[fields.index("-") + 1:]
                if after[0] == "cgroup" and "memory" in after[2].split(","):
                    return Path(fields[4])
    except (OSError, ValueError, IndexError):
        pass
    return None


@functools.lru_cache(maxsize=1)
def cgroup_parent() -> tuple[Path | None, str]:
    """(folder under which this process may make memory cgroups, or None; what it is or why not)."""
    mount = _memory_mount()
    if mount is None:
        return None, "no cgroup v1 memory controller on this machine"
    try:
        with open("/proc/self/cgroup") as f:
            own = next(line.rstrip("\n").split(":", 2)[2] for line in f
                       if "memory" in line.split(":", 2)[1].split(","))
    except (OSError, StopIteration, IndexError):
        return None, "this process is in no memory cgroup"
    parent = mount / own.lstrip("/")
    if not (parent / "memory.limit_in_bytes").is_file() or not os.access(parent, os.W_OK):
        return None, f"no memory cgroup can be made under {parent} by this user"
    return parent, f"a memory cgroup per kernel (cgroup v1, under {parent})"


class MemoryCgroup:
    """One kernel's memory cgroup: made with its limit, the kernel moved in, removed at the end."""

    def __init__(self, parent: str | Path, limit_mb: int) -> None:
        self.path = Path(parent) / f"eecs182-kernel-{os.getpid()}-{time.monotonic_ns()}"
        self.path.mkdir()
        limit = str(limit_mb << 20)
        (self.path / "memory.limit_in_bytes").write_text(limit)
        swap = self.path / "memory.memsw.limit_in_bytes"  # memory and swap: none beyond the cap
        if swap.is_file():
            swap.write_text(limit)

    def add(self, pid: int) -> None:
        (self.path / "cgroup.procs").write_text(str(pid))

    def remove(self, wait: float = 5.0) -> None:
        """Once its processes are gone (a killed process leaves its cgroup a moment later)."""
        end = time.monotonic() + wait
        while True:
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                if time.monotonic() > end:
                    return
                time.sleep(0.02)


@functools.lru_cache(maxsize=None)
def _sweep(parent: Path) -> None:
    """Once per process: remove the cgroups of judges that were killed outright (SIGKILL cannot
    be cleaned up after); their kernels are gone with them, so the cgroups are empty."""
    for group in Path(parent).glob("eecs182-kernel-*-*"):
        pid = group.name.split("-")[2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            try:
                group.rmdir()
            except OSError:
                pass


def cap_kernel(pid: int | None, limit_mb: int) -> MemoryCgroup | None:
    """The kernel ``pid`` in a memory cgroup of its own, or None where none can be made."""
    parent, _ = cgroup_parent()
    if parent is None or pid is None:
        return None
    _sweep(parent)
    try:
        group = MemoryCgroup(parent, limit_mb)
    except OSError:
        return None
    try:
        group.add(pid)
    except OSError:
        group.remove(wait=0)
        return None
    return group
