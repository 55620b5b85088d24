"""The process a submission's kernel runs under: limits in, and nothing left behind.

    python -m autograder.judge.supervisor --memory-mb 2048 --cpu-seconds 300 [--user NAME] [--no-network]
        [--status FILE] -- CMD...

jupyter_client launches this instead of the kernel. It

- makes itself a child subreaper, so every process the kernel starts, even one that forks
  twice and calls setsid, stays its descendant;
- takes the network away (a new, empty network namespace) when ``--no-network`` is given;
  the kernel talks to the judge over unix sockets, which a network namespace does not cut;
- gives the kernel its own System V IPC namespace, so shared memory segments and semaphores
  it makes vanish with it;
- writes to ``--status`` (before the kernel runs any code) what it could not do, so the judge
  can tell the staff, never silently;
- caps the kernel's data memory (``RLIMIT_DATA``: heap and private mappings, what an
  allocation grows; not ``RLIMIT_AS``, which threads' reserved arenas exhaust long before), CPU
  time, core dumps and, for a dedicated user, its
  process count (a fork bomb hits the limit instead of the machine);
- runs the kernel as ``--user`` when given (root only), so it cannot read the judge's files,
  with ``no_new_privs`` (no setuid program gives it privileges back);
- on SIGTERM, or when the kernel exits, or when its own parent dies, kills every descendant
  and exits. Interrupts (SIGINT) reach the kernel, which shares this process group.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import pwd
import resource
import signal
import sys
import time
from typing import Any, NoReturn

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
CLONE_NEWNET = 0x40000000
CLONE_NEWIPC = 0x08000000
MAX_PROCESSES = 64

_libc = ctypes.CDLL(None, use_errno=True)


def _prctl(option: int, value: int) -> None:
    if _libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                found += [int(p) for p in f.read().split()]
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return found


def _descendants(pid: int) -> list[int]:
    out, todo = [], _children(pid)
    while todo:
        child = todo.pop()
        out.append(child)
        todo += _children(child)
    return out


def kill_descendants(rounds: int = 50) -> bool:
    """SIGKILL every descendant until none is left; True when none is. Being a subreaper, this
    process is the ancestor of everything the kernel started, even of a process that forked
    twice and called setsid. (Not kill(-1) as the kernel's user: that would also reach other
    kernels running as the same user at the same time.)"""
    me = os.getpid()
    for _ in range(rounds):
        victims = _descendants(me)
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        while True:  # reap whatever has died, without blocking
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return True
            if pid == 0:
                break
        if not victims and not _children(me):
            return True
        time.sleep(0.01)
    return not _children(me)


def _unshare(flag: int, what: str) -> str:
    """'' if this process now has its own ``what``, else why not."""
    if _libc.unshare(flag) == 0:
        return ""
    errno = ctypes.get_errno()
    return f"no {what} namespace (unshare: {os.strerror(errno)})"


class _Stop(Exception):
    pass


def _stop(*_: Any) -> NoReturn:
    raise _Stop  # out of the blocking waitpid, which Python would otherwise retry


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="autograder.judge.supervisor")
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--cpu-seconds", type=int, default=300)
    parser.add_argument("--user", default=None)
    parser.add_argument("--no-network", action="store_true")
    parser.add_argument("--readable", action="append", default=[],
                        help="a file the kernel's user must read (its connection file)")
    parser.add_argument("--status", default=None, help="where to write what could not be isolated (JSON)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no kernel command given")

    user = pwd.getpwnam(args.user) if args.user else None
    if user is not None:
        for path in args.readable:
            os.chown(path, user.pw_uid, user.pw_gid)
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    shortfalls = []
    if args.no_network and (why := _unshare(CLONE_NEWNET, "network")):
        shortfalls.append(f"the kernel kept the network: {why}")
    if why := _unshare(CLONE_NEWIPC, "IPC"):
        shortfalls.append(why)
    if args.status:
        with open(args.status, "w") as f:
            json.dump({"shortfalls": shortfalls}, f)
    for text in shortfalls:
        print(f"[supervisor] {text}", file=sys.stderr)

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # interrupts are for the kernel
    signal.signal(signal.SIGTERM, _stop)

    kernel = os.fork()
    if kernel == 0:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        limit = args.memory_mb << 20
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_CPU, (args.cpu_seconds, args.cpu_seconds + 5))
        if user is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (MAX_PROCESSES, MAX_PROCESSES))
            os.setgid(user.pw_gid)
            os.setgroups([])
            os.setuid(user.pw_uid)
            os.environ.update(HOME=user.pw_dir, USER=user.pw_name, LOGNAME=user.pw_name)
        _prctl(PR_SET_NO_NEW_PRIVS, 1)
        os.execvp(command[0], command)

    status = 0
    try:
        _, status = os.waitpid(kernel, 0)
    except (_Stop, ChildProcessError):
        pass
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    kill_descendants()
    sys.exit(os.waitstatus_to_exitcode(status) if status else 0)


if __name__ == "__main__":
    main()
