"""What a TA points ``eecs182 grade`` at, as a list of submissions.

- a notebook, or any single file (a bad one is graded as unreadable, with the reason);
- an otter export zip (the notebook's export cell): one submission;
- a folder: every notebook and zip below it, one submission each;
- Gradescope's "Export Submissions" archive, as its zip or unpacked: one folder per submission
  and ``submission_metadata.yml``, whose names, emails and SIDs go into the gradebook.
"""

import hashlib
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

METADATA = "submission_metadata.yml"
MAX_ARCHIVE_BYTES = 4 << 30


@dataclass
class Submission:
    id: str  # stable across runs: names the result files
    path: Path = None  # None: nothing was uploaded
    student: dict = field(default_factory=dict)  # name, email, sid when known
    source: str = ""  # what the TA gave, for the report

    def fingerprint(self):
        """Changes when the submitted file does: a rerun regrades a replaced submission."""
        if self.path is None or not self.path.is_file():
            return "none"
        digest = hashlib.sha256()
        with open(self.path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()


class InputError(ValueError):
    """A path given on the command line cannot be read at all."""


def collect(paths, assignment, scratch=None):
    """Submissions from ``paths``, with unique ids. Archives are unpacked under ``scratch``."""
    from autograder.gradescope import find_upload

    scratch = Path(scratch or tempfile.mkdtemp(prefix="eecs182-inputs-"))
    found = []
    for given in paths:
        given = Path(given)
        if not given.exists():
            raise InputError(f"{given}: no such file or folder")
        if given.is_file() and zipfile.is_zipfile(given) and _is_gradescope_zip(given):
            given = _unpack(given, scratch)
        export = _gradescope_root(given) if given.is_dir() else None
        if export is not None:
            found += _gradescope(export, assignment, find_upload)
        elif given.is_dir():
            files = sorted(p for p in given.rglob("*") if p.is_file() and p.suffix in (".ipynb", ".zip")
                           and ".ipynb_checkpoints" not in p.parts and "__MACOSX" not in p.parts)
            found += [Submission(_name(p, given), p, source=str(p)) for p in files]
        else:
            found.append(Submission(_name(given, given.parent), given, source=str(given)))
    return _unique(found)


def _is_gradescope_zip(path):
    try:
        with zipfile.ZipFile(path) as zf:
            return any(Path(n).name == METADATA for n in zf.namelist())
    except zipfile.BadZipFile:
        return False


def _unpack(path, scratch):
    target = Path(tempfile.mkdtemp(dir=scratch, prefix="export-"))
    with zipfile.ZipFile(path) as zf:
        if sum(i.file_size for i in zf.infolist()) > MAX_ARCHIVE_BYTES:
            raise InputError(f"{path}: the archive unpacks to over {MAX_ARCHIVE_BYTES >> 30} GB")
        for info in zf.infolist():  # never outside the target, whatever the names say
            name = Path(info.filename)
            if name.is_absolute() or ".." in name.parts:
                continue
            zf.extract(info, target)
    return target


def _gradescope_root(folder):
    for candidate in [folder, *sorted(p for p in folder.iterdir() if p.is_dir())]:
        if (candidate / METADATA).is_file():
            return candidate
    return None


def _plain_key(key):
    return str(key).lstrip(":")  # Gradescope writes Ruby symbols: ":submitters"


def _gradescope(root, assignment, find_upload):
    metadata = yaml.safe_load((root / METADATA).read_text()) or {}
    submissions = []
    for folder_name, info in sorted(metadata.items()):
        info = {_plain_key(k): v for k, v in (info or {}).items()}
        people = [{_plain_key(k): v for k, v in (p or {}).items()} for p in info.get("submitters") or []]
        student = {field_name: "; ".join(str(p.get(field_name, "")) for p in people)
                   for field_name in ("name", "email", "sid")}
        folder = root / str(folder_name)
        upload = find_upload(folder, assignment) if folder.is_dir() else None
        submissions.append(Submission(_safe(str(folder_name)), upload, student, source=str(folder)))
    return submissions


def _name(path, base):
    relative = path.relative_to(base) if path != base else Path(path.name)
    stem = relative.with_suffix("") if relative.suffix in (".ipynb", ".zip") else relative
    return _safe("__".join(stem.parts))


def _safe(text):
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "submission"


def _unique(submissions):
    seen = {}
    for submission in submissions:
        base = submission.id
        count = seen.get(base, 0)
        seen[base] = count + 1
        if count:
            submission.id = f"{base}-{count + 1}"
    return submissions
