"""The unprivileged user a kernel runs as, where the judge runs as root (Gradescope, CI).

``prepare_user`` creates the user if it is missing (Gradescope's image may never have run
``setup.sh``) and makes the Python interpreter reachable to it: root-only folders on the way
to the interpreter (``/root`` on Gradescope and here) get the search bit for others, which
lets the user reach files it is told the names of, and nothing more (no listing, no reading
of root's own 0600 files).

``remove_files_of`` takes away, once the kernel and everything it started are gone, whatever
that user left in the folders every user may write to (a 2 GB file in /dev/shm is memory).
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Iterable

DEFAULT_USER = "eecs182-judge"
SHARED_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue", "/run/lock", "/var/lock")
MAX_ENTRIES = 100_000  # looked at per folder, at most: a stranger's huge /tmp is not ours to walk


def prepare_user(name: str | None = None) -> str:
    """The kernel's user: ``name``, else $EECS182_KERNEL_USER, else eecs182-judge. Graders that
    run side by side as root (tests, two courses on one server) each need their own, since each
    removes what its user left behind."""
    name = name or os.environ.get("EECS182_KERNEL_USER") or DEFAULT_USER
    if os.geteuid() != 0:
        raise PermissionError("only root can run kernels as another user")
    try:
        pwd.getpwnam(name)
    except KeyError:
        made = subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                               "--shell", "/usr/sbin/nologin", name], capture_output=True, text=True)
        if made.returncode != 0:
            try:
                pwd.getpwnam(name)  # another grader made it at the same moment
            except KeyError:
                raise RuntimeError(f"could not create the user {name}: {made.stderr.strip()}") from None
    for place in {Path(sys.executable).resolve(), Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}:
        for folder in [place, *place.parents]:
            if folder.is_dir():
                mode = folder.stat().st_mode
                if not mode & stat.S_IXOTH:
                    os.chmod(folder, mode | stat.S_IXOTH)
    return name


def remove_files_of(user: str, folders: Iterable[str] = SHARED_FOLDERS, max_entries: int = MAX_ENTRIES) -> str:
    """Remove every file and folder ``user`` owns in ``folders`` (and below them); returns what
    was removed, as "N entries in /tmp, ..." ("" if nothing). Links are removed, never followed."""
    uid = pwd.getpwnam(user).pw_uid
    removed: dict[str, int] = {}
    for top in dict.fromkeys(os.path.realpath(f) for f in folders):
        count = _remove_below(top, uid, max_entries)
        if count:
            removed[top] = count
    return ", ".join(f"{n} in {top}" for top, n in removed.items())


def _remove_below(top: str, uid: int, budget: int, max_depth: int = 8) -> int:
    """Level by level, so that what the user left near the top is found before the budget goes
    on someone's deep tree; and only into folders others may enter, since the user can have
    written nothing anywhere else (a grader's own 0700 folders are never walked)."""
    count, level = 0, [top]
    for _ in range(max_depth + 1):
        below = []
        for folder in level:
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                budget -= 1
                if budget < 0:
                    return count
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                is_folder = stat.S_ISDIR(info.st_mode)
                if info.st_uid == uid:
                    try:
                        shutil.rmtree(entry.path) if is_folder else os.unlink(entry.path)
                        count += 1
                    except OSError:
                        pass
                elif is_folder and info.st_mode & stat.S_IXOTH:
                    below.append(entry.path)
        level = below
    return count
