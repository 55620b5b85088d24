"""The kernel process jupyter_client sees when kernels come from the warm zygote.

    python launch.py --server SOCKET --uid N --memory-mb M --cpu-seconds S --scratch-mb X CONNECTION_FILE

It asks the zygote (``zygote.py``, inside the sandbox) for a kernel and stands in for it:
SIGINT (jupyter_client's interrupt) is passed on; SIGTERM stops the kernel; the launcher exits
with the kernel's status once the kernel and everything it started are gone. If the launcher
itself is killed, its connection closes and the zygote's side kills the kernel.
Standard library only, so it starts in milliseconds.
"""

import argparse
import json
import os
import signal
import socket
import sys

# What the kernel's environment keeps from the judge's; the rest is fixed below.
PASSED = ("PATH", "LANG", "LC_ALL")
SCRATCH = "/submission"
SCRATCH_ENV = {
    "HOME": SCRATCH, "IPYTHONDIR": f"{SCRATCH}/.ipython", "MPLCONFIGDIR": f"{SCRATCH}/.matplotlib",
    "NUMBA_CACHE_DIR": f"{SCRATCH}/.numba", "TQDM_DISABLE": "1", "PYTHONDONTWRITEBYTECODE": "1",
    "JUPYTER_PLATFORM_DIRS": "1", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--uid", type=int, required=True)
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--cpu-seconds", type=int, required=True)
    parser.add_argument("--scratch-mb", type=int, required=True)
    parser.add_argument("connection_file")
    args = parser.parse_args()

    env = {k: os.environ[k] for k in PASSED if k in os.environ}
    env.update(SCRATCH_ENV)
    request = {"connection_file": os.path.abspath(args.connection_file), "uid": args.uid,
               "memory_mb": args.memory_mb, "cpu_seconds": args.cpu_seconds,
               "scratch_mb": args.scratch_mb, "env": env}
    zygote = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    zygote.connect(args.server)
    zygote.sendall(json.dumps(request).encode() + b"\n")
    replies = zygote.makefile("rb")

    def send(command):
        try:
            zygote.sendall(command)
        except OSError:
            pass

    signal.signal(signal.SIGINT, lambda *_: send(b"interrupt\n"))
    signal.signal(signal.SIGTERM, lambda *_: send(b"stop\n"))
    for line in replies:
        text = line.decode(errors="replace").strip()
        if text.startswith("failed"):
            print(f"[warm kernel] {text}", file=sys.stderr)
            sys.exit(1)
        if text.startswith("exit"):
            sys.exit(int(text.split()[1]) & 0xFF)
    sys.exit(1)  # the zygote went away


if __name__ == "__main__":
    main()
