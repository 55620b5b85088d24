"""Warm, sandboxed kernels for grading many submissions on one machine.

    with WarmKernels(support_dir) as warm:
        judge_submission(path, casebook, support_dir, limits, launcher=warm.launcher(slot=0))

``WarmKernels`` starts ``zygote.py`` once inside bubblewrap; the zygote imports the heavy
libraries once and forks a fresh kernel per submission (see its docstring for what each kernel
gets and cannot see). ``WarmLauncher`` is what the runner puts in the kernel spec instead of a
new Python process. As root, each grading slot (one submission at a time) has its own uid;
rootless, each kernel has a user namespace of its own; either way a submission that forks
without end exhausts only its own process limit.
"""

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from autograder import sandbox
from autograder.judge import launch

ZYGOTE = Path(__file__).with_name("zygote.py")
LAUNCH = Path(launch.__file__)
INSIDE = "/opt/eecs182"  # where the zygote and the support files appear in the sandbox
UID_BASE = 61000
SLOTS_PER_RANGE = 64
UID_RANGES = 16  # batches that can grade side by side as root on one machine, each with its own uids
# Imported once by the zygote: what the notebooks and the kernel import, heaviest first.
PRELOAD = ("torch", "numpy", "matplotlib.pyplot", "matplotlib_inline.backend_inline",
           "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "numba")
STARTUP_TIMEOUT = 180


@dataclass(frozen=True)
class WarmLauncher:
    """Starts kernels through the zygote's socket, as ``uid``."""

    server: str
    uid: int
    socket_root: str

    def kernel_argv(self, limits):
        return [sys.executable, str(LAUNCH), "--server", self.server, "--uid", str(self.uid),
                "--memory-mb", str(limits.memory_mb), "--cpu-seconds", str(limits.cpu_seconds),
                "--scratch-mb", str(limits.scratch_mb), "{connection_file}"]


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
    raise sandbox.SandboxUnavailable(f"{UID_RANGES} batches are grading as root on this machine already; "
                                     "wait for one to finish")


class WarmKernels:
    def __init__(self, support_dir, preload=PRELOAD):
        bwrap = sandbox.probe()
        self.uid_base, self._uid_lock = (None, None) if sandbox.rootless() else _claim_uid_range()
        # In /tmp, always: each kernel gets a fresh /tmp, which hides every other socket folder.
        # The batch's pid in the name tells whose sandbox a process or a leftover folder is.
        self.root = Path(tempfile.mkdtemp(prefix=f"eecs182-warm-{os.getpid()}-", dir="/tmp"))
        os.chmod(self.root, 0o711)  # kernels reach their own socket folders, nothing else
        self.server = str(self.root / "zygote.sock")
        self.log = self.root / "zygote.log"
        env = {k: os.environ[k] for k in launch.PASSED if k in os.environ}
        env.update(launch.SCRATCH_ENV, MPLCONFIGDIR="/tmp/matplotlib")
        argv = sandbox.sandbox_argv(
            bwrap, binds=[(self.root, self.root)],
            ro_binds=[(ZYGOTE, f"{INSIDE}/zygote.py"), (Path(support_dir).resolve(), f"{INSIDE}/support")],
            tmpfs=[launch.SCRATCH], env=env, caps=sandbox.zygote_caps())
        argv += [sys.executable, f"{INSIDE}/zygote.py", "--socket", self.server, "--support", f"{INSIDE}/support"]
        if sandbox.rootless():
            argv += ["--rootless"]
        for prefix in sandbox.python_prefixes():
            argv += ["--keep", prefix]
        argv += ["--preload", *preload]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                            stderr=log)
        self._wait_until_ready()

    def _wait_until_ready(self):
        deadline = time.monotonic() + STARTUP_TIMEOUT
        line = b""
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if line.strip() == b"ready" or not line:
                break
        if line.strip() != b"ready":
            self.close()
            raise sandbox.SandboxUnavailable(f"the warm kernel sandbox did not start: {self._log_tail()}")
        self.process.stdout.close()

    def _log_tail(self):
        try:
            return self.log.read_text(errors="replace")[-2000:].strip() or "(no output)"
        except OSError:
            return "(no log)"

    def launcher(self, slot):
        if sandbox.rootless():  # each kernel is uid 1000 of its own user namespace instead
            return WarmLauncher(self.server, 0, str(self.root))
        if slot >= SLOTS_PER_RANGE:
            raise sandbox.SandboxUnavailable(f"at most {SLOTS_PER_RANGE} grading slots (workers) at once")
        uid = self.uid_base + slot
        try:
            owner = pwd.getpwuid(uid).pw_name
        except KeyError:
            owner = None
        if owner is not None:
            raise sandbox.SandboxUnavailable(f"uid {uid} belongs to {owner}; grading slots need uids "
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
        shutil.rmtree(self.root, ignore_errors=True)
        if self._uid_lock is not None:
            self._uid_lock.close()
            self._uid_lock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
