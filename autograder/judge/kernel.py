"""One kernel for one run of a submission's notebook: started by a launcher, ready, interrupted,
and stopped with every process it started.

A launcher starts the kernel's process and hands back a handle to it (``alive``, ``interrupt``,
``shortfalls``, ``kernel_pid``, ``stop``): ``ColdLauncher`` a new Python under ``supervisor.py``, through
jupyter_client (Gradescope, where every container grades one submission);
``warm.WarmLauncher`` a kernel forked from the sandbox's warm zygote (local batches). Either
way the judge then talks to the kernel with jupyter_client's own client. What either must do is
``protocols.py``'s ``Launcher`` and ``KernelProcess``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from queue import Empty
from typing import TYPE_CHECKING

import zmq
from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

from autograder.judge.memory import cap_kernel

if TYPE_CHECKING:
    from autograder.judge.limits import Limits
    from autograder.judge.memory import MemoryCgroup
    from autograder.judge.protocols import KernelProcess, Launcher

SUPERVISOR = Path(__file__).with_name("supervisor.py")
KERNEL_NAME = "eecs182-judge"
STARTUP_TIMEOUT = 60.0


class DeadKernel(RuntimeError):
    """The kernel process ended."""


def waited_for_cpu(pid: int) -> float | None:
    """Seconds that ``pid``'s main thread, the one that runs the cells, has been ready to run
    but waiting for a CPU (its run-queue delay, the second field of /proc/PID/schedstat), or
    None where the system does not say."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


class ColdLauncher:
    """A new Python process per kernel, under ``supervisor.py``, started by jupyter_client."""

    socket_root: str | None = None  # the kernel's sockets go in the run's own temporary folder

    def kernel_argv(self, limits: Limits) -> list[str]:
        python = sys.executable
        argv = [python, str(SUPERVISOR), "--memory-mb", str(limits.memory_mb),
                "--cpu-seconds", str(limits.cpu_seconds), "--readable", "{connection_file}",
                "--status", "{connection_file}.status"]  # read back by ColdKernel.shortfalls
        if limits.user:
            argv += ["--user", limits.user]
        if not limits.network:
            argv += ["--no-network"]
        return argv + ["--", python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]

    def start(self, connection_file: Path, rundir: Path, workdir: Path, limits: Limits) -> ColdKernel:
        spec_dir = _kernel_spec_dir(tempfile.mkdtemp(dir=rundir, prefix="spec-"), self.kernel_argv(limits))
        km = KernelManager(
            kernel_name=KERNEL_NAME,
            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec_dir)]),
            transport="ipc", ip=str(Path(connection_file).with_name("kernel")),
            connection_file=str(connection_file),
        )
        km.start_kernel(env=_kernel_env(Path(workdir) / ".scratch"), cwd=str(workdir))
        return ColdKernel(km)


class ColdKernel:
    """The process jupyter_client started: the supervisor, with the kernel below it."""

    def __init__(self, km: KernelManager) -> None:
        self.km = km

    def alive(self) -> bool:
        return self.km.is_alive()

    def interrupt(self) -> None:
        self.km.interrupt_kernel()

    def seal(self) -> None:
        """Nothing to seal: a cold kernel's folder is the run's own (a Gradescope container's, or
        the unsandboxed fallback's, which says what it lacks)."""

    def kernel_pid(self) -> int | None:
        """The kernel's pid: the supervisor's only child."""
        process = getattr(self.km.provisioner, "process", None)
        if process is None:
            return None
        try:
            with open(f"/proc/{process.pid}/task/{process.pid}/children") as f:
                children = [int(p) for p in f.read().split()]
        except (OSError, ValueError):
            return None
        return children[0] if len(children) == 1 else None

    def shortfalls(self) -> list[str]:
        """What the supervisor could not isolate (it writes this before the kernel runs)."""
        try:
            data = json.loads(Path(self.km.connection_file + ".status").read_text())
        except (OSError, ValueError):
            return []
        return [str(text) for text in data.get("shortfalls", [])]

    def stop(self) -> None:
        process = getattr(self.km.provisioner, "process", None)
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)  # the supervisor kills everything below it
            try:
                process.wait(10)
            except Exception:
                process.kill()
                process.wait()
        try:
            self.km.cleanup_resources()
        except Exception:
            pass


def _kernel_spec_dir(rundir: str | Path, argv: list[str]) -> Path:
    spec = Path(rundir) / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps(
        {"argv": argv, "display_name": "judge", "language": "python", "interrupt_mode": "signal"}))
    return spec.parent


def _kernel_env(scratch: Path) -> dict[str, str]:
    env = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
           if k in os.environ}
    env.update(HOME=str(scratch), MPLCONFIGDIR=str(scratch / "mpl"), IPYTHONDIR=str(scratch / "ipython"),
               NUMBA_CACHE_DIR=str(scratch / "numba"), TQDM_DISABLE="1", PYTHONDONTWRITEBYTECODE="1",
               JUPYTER_PLATFORM_DIRS="1", MPLBACKEND="module://matplotlib_inline.backend_inline")
    return env


def chown_tree(path: str | Path, user: str) -> None:
    import pwd

    entry = pwd.getpwnam(user)
    for root, _dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in files:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)


class KernelLife:
    """One kernel: its shell channel (jupyter_client's client) for the request and its reply,
    and a pipe, ``progress``, on which it reports each step and each question's answers.

    ``clock`` is the time the judge charges the kernel's steps: the wall clock less the time
    the kernel waited for a CPU. On a machine busy with other work an honest cell takes longer
    by the clock on the wall, not by this one, while a loop or a sleep is charged all of its
    time. (A kernel that starves itself with processes of its own slows its clock down, and
    gains only the rest of its total budget, which stays on the wall clock.)"""

    MAX_LINE = 4 << 20  # one line of progress; a longer one is dropped

    def __init__(self, workdir: str | Path, rundir: Path, limits: Limits, launcher: Launcher) -> None:
        self.workdir, self.rundir, self.limits, self.launcher = Path(workdir), rundir, limits, launcher
        self.socket_dir = Path(tempfile.mkdtemp(dir=launcher.socket_root or rundir, prefix="sockets-"))
        self.progress_path = self.socket_dir / "progress"
        os.mkfifo(self.progress_path, 0o600)
        self.progress_path.chmod(0o666)  # the kernel's user writes it; the folder is only its and ours
        if limits.user:
            chown_tree(self.socket_dir, limits.user)
        # Read and write: a FIFO read while no writer has it open reads as its end, and the
        # kernel opens it only once it runs the judge's code. (Linux allows O_RDWR on a FIFO.)
        self._progress: int | None = os.open(self.progress_path, os.O_RDWR | os.O_NONBLOCK)
        self._pending = b""
        self.process: KernelProcess | None = None
        self.kc: BlockingKernelClient | None = None
        self._pid: int | None = None
        self._waited = 0.0  # the kernel's run-queue delay when it came up
        self.memory: MemoryCgroup | None = None  # its memory cgroup, where the machine gives one (``memory.py``)

    def start(self, timeout: float = STARTUP_TIMEOUT) -> None:
        connection_file = self.socket_dir / "connection.json"
        self.process = self.launcher.start(connection_file, self.rundir, self.workdir, self.limits)
        # The kernel binds its sockets a moment after it starts; ZeroMQ retries a connection
        # that found nothing every 100 ms unless told otherwise.
        context: zmq.Context = zmq.Context.instance()
        context.setsockopt(zmq.RECONNECT_IVL, 5)
        self.kc = BlockingKernelClient(connection_file=str(connection_file), context=context)
        self.kc.load_connection_file()
        # Only the shell: the judge reads no output, so it does not subscribe to any.
        self.kc.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        self._wait_until_ready(timeout)
        self.process.seal()
        self._pid = self.process.kernel_pid()
        # Before any submission code: all it starts and maps is then counted against one cap.
        self.memory = cap_kernel(self._pid, self.limits.memory_mb)
        self._waited = self._pid and waited_for_cpu(self._pid) or 0.0

    def clock(self) -> float:
        """Seconds on the kernel's clock (see the class): only differences mean anything."""
        waited = waited_for_cpu(self._pid) if self._pid else None
        # A pid gone (the kernel ended) or reused reads as no further wait.
        return time.monotonic() - max(0.0, (waited or 0.0) - self._waited)

    def _wait_until_ready(self, timeout: float) -> None:
        assert self.kc is not None and self.process is not None  # (called by start)
        deadline = time.monotonic() + timeout
        while True:
            asked = self.kc.kernel_info()
            if self._reply_to(asked, 1.0):
                return
            if not self.process.alive():
                raise DeadKernel("the kernel ended before it was ready")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the kernel did not answer within {timeout:.0f} s")

    def _reply_to(self, msg_id: str, timeout: float) -> bool:
        """Whether the shell's reply to ``msg_id`` came within ``timeout`` seconds."""
        assert self.kc is not None  # (once started)
        end = time.monotonic() + timeout
        while True:
            try:
                reply = self.kc.get_shell_msg(timeout=max(0.0, end - time.monotonic()))
            except Empty:
                return False
            if reply["parent_header"].get("msg_id") == msg_id:
                return True

    def shortfalls(self) -> list[str]:
        """What the kernel's isolation lacks. Read once the kernel is up and before any of the
        submission's code has run, so the submission cannot have written it."""
        assert self.process is not None  # (once started)
        return self.process.shortfalls()

    def execute(self, code: str) -> str:
        """Send ``code`` to run; returns the request's message id."""
        assert self.kc is not None  # (once started)
        return self.kc.execute(code, store_history=False, allow_stdin=False)

    def wait(self, msg_id: str, timeout: float) -> tuple[list[bytes], bool, bool]:
        """Up to ``timeout`` seconds for news: (progress lines, whether ``msg_id`` finished,
        whether the kernel is gone). Every line the kernel wrote before it ended is returned."""
        assert self.kc is not None and self.process is not None  # (once started)
        poller = zmq.Poller()
        poller.register(self.kc.shell_channel.socket, zmq.POLLIN)
        poller.register(self._progress, zmq.POLLIN)
        events = dict(poller.poll(max(timeout, 0.0) * 1000))  # type: ignore[arg-type]  # (pyzmq takes a float)
        finished = bool(events.get(self.kc.shell_channel.socket)) and self._reply_to(msg_id, 0)
        lines = self._read_progress()
        dead = not events and not self.process.alive()
        if dead:
            lines += self._read_progress()
        return lines, finished, dead

    def _read_progress(self) -> list[bytes]:
        assert self._progress is not None  # (until stopped)
        lines: list[bytes] = []
        while True:
            try:
                chunk = os.read(self._progress, 1 << 16)
            except BlockingIOError:
                break
            if not chunk:
                break
            self._pending += chunk
            *complete, self._pending = self._pending.split(b"\n")
            lines += [line for line in complete if len(line) <= self.MAX_LINE]
            if len(self._pending) > self.MAX_LINE:
                self._pending = b""  # part of an over-long line: dropped with its rest
        return lines

    def interrupt(self) -> None:
        assert self.process is not None  # (once started)
        self.process.interrupt()

    def stop(self) -> None:
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:
                pass
        if self.process is not None:
            self.process.stop()
        if self.memory is not None:
            self.memory.remove()
            self.memory = None
        if self._progress is not None:
            os.close(self._progress)
            self._progress = None
        shutil.rmtree(self.socket_dir, ignore_errors=True)
