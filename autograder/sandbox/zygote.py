"""A warm kernel factory that runs inside the grading sandbox: heavy imports once, a fresh
kernel per submission by fork.

    python zygote.py --socket PATH --support DIR [--rootless] [--keep PATH ...] [--preload MODULE ...]

Started by ``warm.py`` inside bubblewrap (read-only system, no network, no view of the
submissions, the casebook or the reference code), as root with the capabilities it needs to
build each kernel's private world; or, ``--rootless``, as uid 0 of a user namespace that the TA's
own user made, with those capabilities inside it only. It imports numpy, torch, matplotlib, ipykernel and the like
once (about 3 s), then, per connection from the judge (``warm.WarmLauncher``), forks:

    zygote ── C: new mount, pid, IPC and network namespaces; fresh tmpfs for /submission,
              │  /tmp, /dev/shm; the support files copied in; reports the kernel's exit
              └── I: pid 1 of the new pid namespace, a fresh /proc; forwards interrupts;
                  │  when it exits the kernel kills everything left in the namespace
                  └── K: the kernel, as the slot's own unprivileged uid (rootless: uid 1000
                         of a user namespace of its own), no capabilities, no new
                         privileges, memory, CPU and process limits (without a memory
                         cgroup: no process besides itself, threads only)

(The kernel is not pid 1 itself, which would save a fork of the warm image, 18 ms: an init
process ignores the signals it has no handler for, and so a notebook could not end its own
kernel with SIGKILL as it can in Jupyter.)

Rootless, every kernel is the TA's uid on the host, so what keeps kernels apart is the
namespaces: none sees another's processes, files, IPC or network, so none can signal, read or
reach another; each one's user namespace gives it a process count of its own.

A fork costs milliseconds and copies nothing a submission could have touched: every kernel
starts from the same clean, warm image, and nothing of one kernel outlives it or is visible to
another. Standard library only (and pyseccomp, ctypes over the system's libseccomp): the
project itself is not visible in the sandbox.
"""

import argparse
import ctypes
import functools
import gc
import hashlib
import importlib
import json
import os
import resource
import select
import shutil
import signal
import socket
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWPID = 0x20000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
MS_NOSUID, MS_NODEV, MS_NOEXEC = 2, 4, 8
MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 32, 1 << 12, 1 << 14, 1 << 18
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 24, 47, 4
ROOTLESS_KERNEL_UID = 1000  # the kernel's uid inside its own user namespace

SCRATCH = "/submission"
MAX_PROCESSES = 64
CLONE_THREAD = 0x00010000


@functools.lru_cache(maxsize=1)
def no_other_process_filter():
    """(a seccomp filter under which this process may start threads but no other process, or
    None; why not). Built once here, before any kernel, and loaded by each kernel that has no
    memory cgroup: per-process limits then cap all that kernel is, since all it runs shares its
    one address space. fork, vfork and a clone without CLONE_THREAD fail with EAGAIN, as at a
    process limit; clone3, whose flags a filter cannot read, says ENOSYS, and glibc then makes
    its threads with clone. pyseccomp is ctypes over the system's libseccomp."""
    try:
        import errno

        import pyseccomp
    except (ImportError, RuntimeError, OSError) as exc:  # RuntimeError: no libseccomp on this machine
        return None, f"no seccomp filter ({exc})"
    rule = pyseccomp.SyscallFilter(defaction=pyseccomp.ALLOW)
    for call in ("fork", "vfork"):
        rule.add_rule(pyseccomp.ERRNO(errno.EAGAIN), call)
    rule.add_rule(pyseccomp.ERRNO(errno.EAGAIN), "clone", pyseccomp.Arg(0, pyseccomp.MASKED_EQ, CLONE_THREAD, 0))
    rule.add_rule(pyseccomp.ERRNO(errno.ENOSYS), "clone3")
    return rule, "a seccomp filter"

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source, target, fstype, flags=0, options=None):
    _check(_libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                       options.encode() if options else None), f"mount {target}")


def _read_request(conn):
    conn.settimeout(10)
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk or len(data) > 1 << 20:
            raise ConnectionError("no request")
        data += chunk
    conn.settimeout(None)
    return json.loads(data)


def _private_world(request, support, keep_readonly, rootless):
    """In C: the kernel's own mounts. Its scratch folder, /tmp and /dev/shm are new, empty and
    size-capped; nothing another kernel wrote can be seen, and of the judge's socket folders
    only its own. Its own network namespace too: no kernel can reach another over loopback or
    an abstract socket."""
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNET), "unshare")
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    # Rootless, files are the zygote's (uid 0 here), which the kernel's own user namespace
    # maps to the kernel: nothing to hand over.
    uid = 0 if rootless else request["uid"]
    if not rootless and (not isinstance(uid, int) or uid < 1000):
        raise ValueError(f"a kernel must run as an unprivileged uid, not {uid!r}")
    connection = request["connection_file"]
    sockets = os.path.dirname(connection)
    # The judge made the connection file and its folder; the kernel's user must own them to
    # read the one and create its sockets in the other.
    for path in (sockets, connection):
        os.chown(path, uid, uid)
    os.chmod(sockets, 0o700)
    # Kept across the new /tmp and put back alone: its own socket folder (writable) and the
    # Python environment, when those lie under /tmp (read-only).
    keep = [(sockets, False)] + [(path, True) for path in keep_readonly if path.startswith("/tmp/")]
    held = [(os.open(path, os.O_PATH), path, readonly) for path, readonly in keep]
    size = f"size={request['scratch_mb']}m"
    _mount("tmpfs", SCRATCH, "tmpfs", MS_NOSUID | MS_NODEV, f"{size},mode=0700,uid={uid},gid={uid}")
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"{size},mode=1777")
    for fd, path, readonly in held:
        os.makedirs(path, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        if readonly:
            _mount("none", path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC)
        os.close(fd)
    if os.path.isdir("/dev/shm"):
        _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, f"{size},mode=1777")
    for name in sorted(os.listdir(support)):
        path = os.path.join(support, name)
        if os.path.isfile(path):
            shutil.copyfile(path, os.path.join(SCRATCH, name))
            os.chown(os.path.join(SCRATCH, name), uid, uid)


def _own_user_namespace():
    """Rootless, in K: a user namespace of its own, where it is ROOTLESS_KERNEL_UID and owns the
    zygote's files. Its process limit then counts its own processes only (the parent's limit,
    taken when the namespace is made, is raised to the hard limit first)."""
    _, hard = resource.getrlimit(resource.RLIMIT_NPROC)
    resource.setrlimit(resource.RLIMIT_NPROC, (hard, hard))
    _check(_libc.unshare(CLONE_NEWUSER), "unshare user namespace")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{ROOTLESS_KERNEL_UID} 0 1"),
                       ("gid_map", f"{ROOTLESS_KERNEL_UID} 0 1")):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)


def _drop_capabilities():
    """Every capability, for good: the bounding and ambient sets emptied, then the rest."""
    with open("/proc/sys/kernel/cap_last_cap") as f:
        last = int(f.read())
    for cap in range(last + 1):
        _check(_libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), f"drop capability {cap}")
    _check(_libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "clear ambient capabilities")
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable: all empty
    _check(_libc.capset(header, data), "capset")


def _address_space():
    """This process's mapped address space, in bytes (VmSize)."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) << 10 for line in f if line.startswith("VmSize:"))


def _become_kernel(request, conn, rootless):
    """In K: drop everything, then run ipykernel in this (already warm) process."""
    # Its first word to the judge, before any submission code runs: the judge's socket gets it
    # with this process's pid as the judge sees it, to tell the kernel's time waiting for a CPU
    # from its time running (``KernelLife.clock``).
    conn.sendall(b"kernel\n")
    conn.close()
    # Nothing the kernel writes to its raw file descriptors reaches the judge or the disk.
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    if rootless:
        _own_user_namespace()
    memory = request["memory_mb"] << 20
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    if request.get("no_memory_cgroup"):  # the warm image's size, and the cap on top
        space = _address_space() + memory
        resource.setrlimit(resource.RLIMIT_AS, (space, space))
    resource.setrlimit(resource.RLIMIT_CPU, (request["cpu_seconds"], request["cpu_seconds"] + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (MAX_PROCESSES, MAX_PROCESSES))
    if rootless:
        _drop_capabilities()
    else:
        uid = request["uid"]
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)  # from root to another uid: every capability is gone
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    if request.get("no_memory_cgroup"):  # threads only, all under the limits above
        no_other_process_filter()[0].load()  # there is one: _serve_kernel made sure
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):  # as a fresh Python has them
        signal.signal(sig, signal.SIG_DFL)
    os.chdir(SCRATCH)
    os.environ.clear()
    os.environ.update(request["env"])
    # No history database: nobody looks back through a judged kernel's history.
    sys.argv = ["ipykernel_launcher", "-f", request["connection_file"], "--HistoryManager.enabled=False"]
    sys.path[:] = [p for p in sys.path if p and p != os.path.dirname(os.path.abspath(__file__))]
    from ipykernel.kernelapp import IPKernelApp

    IPKernelApp.launch_instance(argv=sys.argv[1:])
    os._exit(0)


def _fork(run, *args, status):
    """A child that runs ``run(*args)`` and never returns into its parent's code: it exits
    with ``status`` if ``run`` returns or raises. Returns the child's pid."""
    pid = os.fork()
    if pid == 0:
        try:
            run(*args)
        finally:
            os._exit(status)
    return pid


def _init(request, conn, rootless):
    """In I, pid 1 of the kernel's namespace: a /proc that shows only this namespace, the
    kernel, then interrupts from the judge until the kernel exits or the judge goes. On "seal"
    (the kernel is up and has made its sockets) the socket folder, a folder of the judge's on
    the host's disk, becomes read-only to the kernel: it can no longer write there at all."""
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    kernel = _fork(_become_kernel, request, conn, rootless, status=70)
    kernel_exit = os.pidfd_open(kernel)
    while True:
        ready, _, _ = select.select([conn, kernel_exit], [], [])
        if kernel_exit in ready:
            _, status = os.waitpid(kernel, 0)
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
        try:
            command = conn.recv(64)
        except OSError:
            command = b""
        if not command or b"stop" in command:
            os.kill(kernel, signal.SIGKILL)
            os._exit(137)
        if b"seal" in command:
            _mount("none", os.path.dirname(request["connection_file"]), None, MS_BIND | MS_REMOUNT | MS_RDONLY)
            conn.sendall(b"sealed\n")
        if b"interrupt" in command:
            os.kill(kernel, signal.SIGINT)


def _serve_kernel(conn, support, keep_readonly, rootless):
    """In C. Replies ``started`` when the kernel is on its way, ``exit N`` once the kernel
    and everything it started are gone."""
    request = _read_request(conn)
    rule, how = no_other_process_filter()
    if request.get("no_memory_cgroup") and rule is None:
        raise RuntimeError(f"its kernels may start no process of their own, and it cannot hold them to that: {how}")
    _private_world(request, support, keep_readonly, rootless)
    init = _fork(_init, request, conn, rootless, status=71)
    conn.sendall(b"started\n")
    _, status = os.waitpid(init, 0)  # returns once the whole namespace is gone
    try:
        conn.sendall(f"exit {os.waitstatus_to_exitcode(status)}\n".encode())
    except OSError:
        pass


def serve(socket_path, support, keep_readonly, rootless):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(socket_path)
    os.chmod(socket_path, 0o600)  # the judge (root) only; kernels run as other users
    server.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # C processes are reaped automatically
    print("ready", flush=True)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # the judge stops reading once we are ready
    while True:
        conn, _ = server.accept()
        pid = os.fork()
        if pid == 0:
            status = 0
            try:
                server.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "pdeathsig")
                _serve_kernel(conn, support, keep_readonly, rootless)
            except BaseException as exc:  # say why, so the judge can tell the TA
                status = 72
                try:
                    conn.sendall(f"failed {type(exc).__name__}: {exc}\n".encode())
                except OSError:
                    pass
            finally:
                os._exit(status)
        conn.close()


def _lighter_kernels():
    """Nobody debugs a judged kernel. ipykernel names each cell's code after a murmur2 hash of
    its text, computed in pure Python for its debugger (5 ms for a 10 KB cell, the largest cost
    per kernel after the notebook itself): a C hash names cells just as uniquely, so tracebacks
    still show the right lines. And without debugpy it builds no debugger per kernel."""
    try:
        from ipykernel import compiler, debugger
    except ImportError:
        return
    if hasattr(compiler, "murmur2_x86"):
        compiler.murmur2_x86 = lambda text, seed: int.from_bytes(hashlib.blake2b(
            text.encode("utf-8", "surrogatepass"), digest_size=8, salt=seed.to_bytes(8, "little")).digest(), "little")
    debugger._is_debugpy_available = False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--socket", required=True)
    parser.add_argument("--support", required=True)
    parser.add_argument("--keep", action="append", default=[],
                        help="a read-only path every kernel must still see (the Python environment)")
    parser.add_argument("--rootless", action="store_true", help="uid 0 of the TA's user namespace, not root")
    parser.add_argument("--preload", nargs="*", default=[])
    args = parser.parse_args()
    for module in args.preload:
        try:
            importlib.import_module(module)
        except Exception as exc:  # a missing optional package only costs speed
            print(f"[zygote] could not preload {module}: {exc}", file=sys.stderr)
    _lighter_kernels()
    no_other_process_filter()  # built once, warm
    # Kernels share the warm image's pages until they write to them. Python's collector writes
    # to every object it visits; frozen objects it leaves alone, so they stay shared.
    gc.collect()
    gc.freeze()
    serve(args.socket, args.support, args.keep, args.rootless)


if __name__ == "__main__":
    main()
