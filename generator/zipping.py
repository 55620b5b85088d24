"""Reproducible zips: sorted entries, one timestamp and fixed permissions, so that the same
files always make the same bytes.

Every entry is dated by ``source_date()``: ``SOURCE_DATE_EPOCH`` when it is set (the
reproducible-builds convention), otherwise the time of the project's last commit, so that a
student's unzip shows when the material last changed rather than 1980.
"""

import os
import subprocess
import time
import zipfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold


def source_date():
    """The (year, month, day, hour, minute, second), in UTC, that every entry carries."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        try:
            epoch = subprocess.run(["git", "-C", str(PROJECT), "log", "-1", "--format=%ct"],
                                   capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):  # not a git checkout
            epoch = ""
    if not epoch:
        return ZIP_EPOCH
    year, month, day, hour, minute, second = time.gmtime(int(epoch))[:6]
    # a zip entry's time has a resolution of two seconds
    return max((year, month, day, hour, minute, second - second % 2), ZIP_EPOCH)


def write_zip(zip_path, files):
    """``files``: {name inside the zip: bytes or a Path}. Returns the zip's path."""
    zip_path = Path(zip_path)
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    date_time = source_date()
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name in sorted(files):
            data = files[name]
            if isinstance(data, Path):
                data = data.read_bytes()
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o755 if name.endswith(".sh") or name.endswith("run_autograder") else 0o644) << 16
            info.create_system = 3  # unix, whatever machine builds it
            zf.writestr(info, data)
    return zip_path


def zip_folder(zip_path, folder, prefix=""):
    """Every file under ``folder`` into ``zip_path`` (names relative to ``folder``)."""
    folder = Path(folder)
    files = {prefix + p.relative_to(folder).as_posix(): p for p in folder.rglob("*")
             if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(".pyc")}
    return write_zip(zip_path, files)


def repack(zip_path, replace=None):
    """Rewrite an existing zip (otter's, say) reproducibly, in place; ``replace`` ({name: bytes
    or Path}) adds files or replaces the ones of the same name."""
    with zipfile.ZipFile(zip_path) as zf:
        files = {info.filename: zf.read(info) for info in zf.infolist() if not info.is_dir()}
    files.update(replace or {})
    return write_zip(zip_path, files)
