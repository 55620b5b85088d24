"""Warm, sandboxed kernels for grading many submissions on one machine.

    with WarmKernels(support_dir) as warm:
        judge_submission(path, casebook, support_dir, limits, launcher=warm.launcher(slot=0))

``WarmKernels`` starts ``zygote.py`` once inside bubblewrap; the zygote imports the heavy
libraries once and forks a fresh kernel per submission (see its docstring for what each kernel
gets and cannot see). ``WarmLauncher`` asks the zygote for a kernel over its socket, and that
connection is the kernel's handle: interrupts and the stop go down it, the kernel's exit comes
back up it, and if the judge goes away the zygote kills the kernel. As root, each grading slot
(one submission at a time) has its own uid;
rootless, each kernel has a user namespace of its own; either way a submission that forks
without end exhausts only its own process limit.

``WarmLauncher`` and ``WarmKernel`` are the judge's ``Launcher`` and ``KernelProcess``
(``judge/protocols.py``), held to them by the type checker.
"""

from __future__ import annotations

import json
import os
import pwd
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_client.connect import write_connection_file

from autograder.judge.memory import cgroup_parent
from autograder.sandbox import bubblewrap

if TYPE_CHECKING:
    from autograder.judge.limits import Limits
    from autograder.judge.protocols import Launcher

ZYGOTE = Path(__file__).with_name("zygote.py")
# What the kernel's environment keeps from the judge's; the rest is fixed below.
PASSED = ("PATH", "LANG", "LC_ALL")
SCRATCH = "/submission"
SCRATCH_ENV = {
    "HOME": SCRATCH, "IPYTHONDIR": f"{SCRATCH}/.ipython", "MPLCONFIGDIR": f"{SCRATCH}/.matplotlib",
    "NUMBA_CACHE_DIR": f"{SCRATCH}/.numba", "TQDM_DISABLE": "1", "PYTHONDONTWRITEBYTECODE": "1",
    "JUPYTER_PLATFORM_DIRS": "1", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
}
ZYGOTE_ANSWER_TIMEOUT = 30  # seconds for the zygote to fork a kernel (it takes milliseconds)
INSIDE = "/opt/eecs182"  # where the zygote and the support files appear in the sandbox
UID_BASE = 61000
SLOTS_PER_RANGE = 64
UID_RANGES = 16  # batches that can grade side by side as root on one machine, each with its own uids
# Imported once by the zygote, besides what the assignment's notebook imports (its casebook
# says): what every kernel imports as it starts and runs its first cell, and numpy, which the
# judge's own code in the kernel uses.
KERNEL_PRELOAD = ("numpy", "matplotlib_inline.backend_inline", "ipykernel.kernelapp", "ipykernel.ipkernel",
                  "ipykernel.zmqshell", "ipykernel.debugger", "IPython.core.magics", "IPython.core.completerlib",
                  "IPython.core.debugger", "IPython.core.oinspect", "IPython.extensions.storemagic",
                  "tornado.platform.asyncio", "faulthandler")
# What a preloaded package imports later, on first use, and would import again in every kernel:
# torch's first optimiser imports torch._dynamo (benchmarks/grading.py's torch-loop class times it).
ON_FIRST_USE = {"torch": ("torch._dynamo",)}
STARTUP_TIMEOUT = 180
KERNEL_LINE = b"kernel\n"  # the kernel's first word up its connection (zygote._become_kernel)
CREDENTIALS = struct.Struct("3i")  # struct ucred: pid, uid, gid


@dataclass(frozen=True)
class WarmLauncher:
    """Starts kernels through the zygote's socket, as ``uid``."""

    server: str
    uid: int
    socket_root: str

    def start(self, connection_file: Path, rundir: Path, workdir: Path, limits: Limits) -> WarmKernel:
        write_connection_file(str(connection_file), transport="ipc",
                              ip=str(Path(connection_file).with_name("kernel")))
        env = {k: os.environ[k] for k in PASSED if k in os.environ}
        env.update(SCRATCH_ENV)
        return WarmKernel(self.server, {
            "connection_file": str(Path(connection_file).resolve()), "uid": self.uid,
            "memory_mb": limits.memory_mb, "cpu_seconds": limits.cpu_seconds,
            # Without a memory cgroup (``judge/memory.py``) the kernel's own limits must cap all it
            # does: its address space (shared mappings count) and no process besides itself.
            "no_memory_cgroup": cgroup_parent()[0] is None,
            "scratch_mb": limits.scratch_mb, "env": env})


if TYPE_CHECKING:  # held to the judge's protocol (and so WarmKernel to KernelProcess)
    _: type[Launcher] = WarmLauncher


class WarmKernel:
    """A kernel the zygote forked, held by our connection to it (see ``zygote.serve``)."""

    def __init__(self, server: str, request: dict[str, Any]) -> None:
        self.exit_code: int | None = None
        self._pending = b""
        self._kernel_pid: int | None = None
        self._conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        # Every message arrives with its sender's pid as this process sees it: the kernel's own
        # "kernel" line gives its pid on this side of the sandbox's pid namespaces.
        self._conn.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        try:
            self._conn.connect(server)
            self._conn.sendall(json.dumps(request).encode() + b"\n")
            line = self._line(ZYGOTE_ANSWER_TIMEOUT)
        except OSError as exc:
            self._conn.close()
            raise RuntimeError(f"the warm kernel sandbox is gone ({exc})") from None
        if line != "started":
            self._conn.close()
            raise RuntimeError(f"the warm kernel sandbox could not start a kernel: {line or 'no answer'}")

    def _line(self, timeout: float) -> str:
        """The zygote's next line, or "" after ``timeout`` seconds or once it hung up."""
        while b"\n" not in self._pending:
            ready, _, _ = select.select([self._conn], [], [], timeout)
            chunk = self._receive() if ready else None
            if chunk is None:
                return ""
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        return line.decode(errors="replace").strip()

    def _receive(self) -> bytes | None:
        """One read: its data, or None once the zygote hung up. The kernel's own line is taken
        out, its sender's pid kept (a read of a unix socket never joins two senders' data, and
        the kernel writes nothing else)."""
        data, ancillary, _, _ = self._conn.recvmsg(4096, socket.CMSG_SPACE(CREDENTIALS.size))
        if data == KERNEL_LINE:
            for level, kind, value in ancillary:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    self._kernel_pid = CREDENTIALS.unpack(value[:CREDENTIALS.size])[0]
            return b""
        return data or None

    def kernel_pid(self) -> int | None:
        """The kernel's pid here (it says so before the kernel runs anything), or None."""
        if self._kernel_pid is None and self.exit_code is None:
            ready, _, _ = select.select([self._conn], [], [], 0)
            if ready:
                self._pending += self._receive() or b""
        return self._kernel_pid

    def _read_exit(self, timeout: float) -> int | None:
        if self.exit_code is None:
            try:
                line = self._line(timeout)
            except OSError:
                line = "exit -1"
            if line.startswith("exit") or (not line and self._hung_up()):
                self.exit_code = int(line.split()[1]) if line.startswith("exit") else -1
        return self.exit_code

    def _hung_up(self) -> bool:
        ready, _, _ = select.select([self._conn], [], [], 0)
        return bool(ready) and not self._conn.recv(1, socket.MSG_PEEK)

    def alive(self) -> bool:
        return self._read_exit(0) is None

    def interrupt(self) -> None:
        self._send(b"interrupt\n")

    def seal(self) -> None:
        """Once the kernel is up: its socket folder (on the host's disk) read-only to it."""
        self._send(b"seal\n")
        line = self._line(ZYGOTE_ANSWER_TIMEOUT)
        if line != "sealed":
            raise RuntimeError(f"the warm kernel's socket folder could not be sealed: {line or 'no answer'}")

    def shortfalls(self) -> list[str]:
        return []  # the zygote refuses to start a kernel it cannot isolate fully

    def stop(self) -> None:
        self._send(b"stop\n")
        self._read_exit(10)
        self._conn.close()

    def _send(self, command: bytes) -> None:
        try:
            self._conn.sendall(command)
        except OSError:
            pass


def _wait_until_gone(root, seconds=10):
    """Until no process of this sandbox is left. bubblewrap's outer process exits first; the
    zygote and its kernels (whose command lines name the sandbox's folder) end a moment later,
    once the kernel has torn down their pid namespace, which for a large warm image takes time."""
    deadline = time.monotonic() + seconds
    marker = root.encode()
    while time.monotonic() < deadline:
        left = False
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    left = marker in f.read()
            except OSError:
                continue
            if left:
                break
        if not left:
            return
        time.sleep(0.02)


def _claim_uid_range():
    """(first uid, held lock) of a block of slot uids that no other batch on this machine is
    using: two batches run as root at once must not share uids, or one's process limit would
    count the other's kernels. The flock goes with the process, however it ends."""
    import fcntl

    folder = Path("/run/lock") if Path("/run/lock").is_dir() else Path(tempfile.gettempdir())
    for number in range(UID_RANGES):
        try:
            lock = open(folder / f"eecs182-slots-{number}.lock", "a")
        except OSError:  # made by someone else (a sticky folder): not ours to use
            continue
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        return UID_BASE + number * SLOTS_PER_RANGE, lock
    raise bubblewrap.SandboxUnavailable(f"{UID_RANGES} batches are grading as root on this machine already; "
                                     "wait for one to finish")


class WarmKernels:
    def __init__(self, support_dir, preload=(), wait=True):
        """Starts the zygote; ``wait=False`` returns at once, and ``wait_until_ready`` must be
        called before the first kernel (the batch starts its workers meanwhile)."""
        bwrap = bubblewrap.probe()
        self.uid_base, self._uid_lock = (None, None) if bubblewrap.rootless() else _claim_uid_range()
        # In /tmp, always: each kernel gets a fresh /tmp, which hides every other socket folder.
        # The batch's pid in the name tells whose sandbox a process or a leftover folder is.
        self.root = Path(tempfile.mkdtemp(prefix=f"eecs182-warm-{os.getpid()}-", dir="/tmp"))
        os.chmod(self.root, 0o711)  # kernels reach their own socket folders, nothing else
        self.server = str(self.root / "zygote.sock")
        self.log = self.root / "zygote.log"
        env = {k: os.environ[k] for k in PASSED if k in os.environ}
        env.update(SCRATCH_ENV, MPLCONFIGDIR="/tmp/matplotlib")
        argv = bubblewrap.sandbox_argv(
            bwrap, binds=[(self.root, self.root)],
            ro_binds=[(ZYGOTE, f"{INSIDE}/zygote.py"), (Path(support_dir).resolve(), f"{INSIDE}/support")],
            tmpfs=[SCRATCH], env=env, caps=bubblewrap.zygote_caps())
        argv += [sys.executable, f"{INSIDE}/zygote.py", "--socket", self.server, "--support", f"{INSIDE}/support"]
        if bubblewrap.rootless():
            argv += ["--rootless"]
        for prefix in bubblewrap.python_prefixes():
            argv += ["--keep", prefix]
        later = [m for name in preload for m in ON_FIRST_USE.get(name.split(".")[0], ())]
        # The notebook's heavy ones first.
        argv += ["--preload", *dict.fromkeys(tuple(preload) + tuple(later) + KERNEL_PRELOAD)]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                            stderr=log)
        if wait:
            self.wait_until_ready()

    def wait_until_ready(self):
        if self.process.stdout.closed:  # ready already
            return
        deadline = time.monotonic() + STARTUP_TIMEOUT
        line = b""
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if line.strip() == b"ready" or not line:
                break
        if line.strip() != b"ready":
            self.close()
            raise bubblewrap.SandboxUnavailable(f"the warm kernel sandbox did not start: {self._log_tail()}")
        self.process.stdout.close()

    def _log_tail(self):
        try:
            return self.log.read_text(errors="replace")[-2000:].strip() or "(no output)"
        except OSError:
            return "(no log)"

    def launcher(self, slot: int) -> WarmLauncher:
        if bubblewrap.rootless():  # each kernel is uid 1000 of its own user namespace instead
            return WarmLauncher(self.server, 0, str(self.root))
        if slot >= SLOTS_PER_RANGE:
            raise bubblewrap.SandboxUnavailable(f"at most {SLOTS_PER_RANGE} grading slots (workers) at once")
        uid = self.uid_base + slot
        try:
            owner = pwd.getpwuid(uid).pw_name
        except KeyError:
            owner = None
        if owner is not None:
            raise bubblewrap.SandboxUnavailable(f"uid {uid} belongs to {owner}; grading slots need uids "
                                             f"{UID_BASE} to {UID_BASE + UID_RANGES * SLOTS_PER_RANGE - 1} "
                                             "to be unused")
        return WarmLauncher(self.server, uid, str(self.root))

    def alive(self):
        return self.process.poll() is None

    def close(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        _wait_until_gone(str(self.root))
        shutil.rmtree(self.root, ignore_errors=True)
        if self._uid_lock is not None:
            self._uid_lock.close()
            self._uid_lock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
