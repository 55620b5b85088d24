"""What a TA points ``eecs182 grade`` at, as a list of submissions.

- a notebook, or any single file (a bad one is graded as unreadable, with the reason);
- an otter export zip (the notebook's export cell): one submission;
- a folder: every notebook and zip below it, one submission each;
- Gradescope's "Export Submissions" archive, as its zip or unpacked: one folder per submission
  and ``submission_metadata.yml``, whose names, emails and SIDs go into the gradebook.

Below what the TA names, links are followed only within the submission's own folder (a
Gradescope submission's folder; for loose files, the folder holding the link): a notebook that
links to another student's is unreadable, with the reason, never graded as theirs. A file that
cannot be read at all, or an archive entry that cannot be unpacked, makes its submission
unreadable (``Submission.problem``); it never stops the collection.
"""

import hashlib
import re
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from autograder.judge.upload import escape_problem, files_below, find_upload, inside

METADATA = "submission_metadata.yml"
MAX_ARCHIVE_BYTES = 4 << 30


@dataclass
class Submission:
    id: str  # stable across runs: names the result files
    path: Path = None  # None: nothing was uploaded
    student: dict = field(default_factory=dict)  # name, email, sid when known
    source: str = ""  # what the TA gave, for the report
    problem: str = ""  # why it is unreadable before any grading ("" if it is not)

    def fingerprint(self):
        """Changes when the submitted file does: a rerun regrades a replaced submission."""
        if self.problem:
            return "unreadable: " + self.problem
        if self.path is None or not self.path.is_file():
            return "none"
        digest = hashlib.sha256()
        try:
            with open(self.path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
        except OSError as exc:
            self.problem = f"the file could not be read ({exc.strerror or exc})"
            return "unreadable: " + self.problem
        return digest.hexdigest()


class InputError(ValueError):
    """A path given on the command line cannot be read at all."""


def collect(paths, assignment, scratch=None):
    """Submissions from ``paths``, with unique ids. Archives are unpacked under ``scratch``."""
    scratch = Path(scratch or tempfile.mkdtemp(prefix="eecs182-inputs-"))
    found = []
    for given in paths:
        given = Path(given)
        if not given.exists():
            raise InputError(f"{given}: no such file or folder")
        damaged = {}
        if given.is_file() and _is_gradescope_zip(given):
            given, damaged = _unpack(given, scratch)
        export = _gradescope_root(given) if given.is_dir() else None
        if export is not None:
            found += _gradescope(export, assignment, damaged)
        elif given.is_dir():
            found += [Submission(_name(p, given), p, source=str(p), problem=escape_problem(p, p.parent))
                      for p in files_below(given, skip=("__MACOSX", ".ipynb_checkpoints"))
                      if p.suffix in (".ipynb", ".zip")]
        else:
            found.append(Submission(_name(given, given.parent), given, source=str(given)))
    return _unique(found)


def _is_gradescope_zip(path):
    try:
        with zipfile.ZipFile(path) as zf:
            return any(Path(n).name == METADATA for n in zf.namelist())
    except Exception:  # not a zip, or a damaged one: graded (as unreadable) on its own
        return False


def _unpack(path, scratch):
    """The export archive unpacked into a new folder under ``scratch``, and {folder: why} for
    the entries that could not be unpacked (damaged, encrypted, an unknown compression)."""
    target = Path(tempfile.mkdtemp(dir=scratch, prefix="export-"))
    damaged = {}
    with zipfile.ZipFile(path) as zf:
        if sum(i.file_size for i in zf.infolist()) > MAX_ARCHIVE_BYTES:
            raise InputError(f"{path}: the archive unpacks to over {MAX_ARCHIVE_BYTES >> 30} GB")
        for info in zf.infolist():  # never outside the target, whatever the names say
            name = Path(info.filename)
            if name.is_absolute() or ".." in name.parts:
                continue
            try:
                zf.extract(info, target)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
                damaged[(target / name).parent] = (f"{name.name} could not be unpacked from the export archive "
                                                   f"({type(exc).__name__}: {exc}): download the export again")
            except OSError as exc:
                raise InputError(f"{path}: could not unpack {name} into {target}: {exc.strerror or exc}") from None
    return target, damaged


def _gradescope_root(folder):
    for candidate in [folder, *sorted(p for p in folder.iterdir() if p.is_dir())]:
        if (candidate / METADATA).is_file():
            return candidate
    return None


def _plain_key(key):
    return str(key).lstrip(":")  # Gradescope writes Ruby symbols: ":submitters"


def _plain_dict(value):
    return {_plain_key(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def _gradescope(root, assignment, damaged):
    try:
        metadata = yaml.safe_load((root / METADATA).read_text(errors="replace")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{root / METADATA} cannot be read ({exc}): download the export again") from None
    if not isinstance(metadata, dict):
        raise InputError(f"{root / METADATA} is not Gradescope's submission list: download the export again")
    submissions = []
    for folder_name, info in sorted(metadata.items(), key=lambda item: str(item[0])):
        info = _plain_dict(info)
        people = [_plain_dict(p) for p in info.get("submitters") or [] if isinstance(p, dict)]
        student = {field_name: "; ".join(str(p.get(field_name, "")) for p in people)
                   for field_name in ("name", "email", "sid")}
        folder = root / str(folder_name)
        upload, problem = None, ""
        if folder.is_dir() and not folder.is_symlink() and inside(folder, root):
            upload, problem = find_upload(folder, assignment)
        problem = next((why for place, why in damaged.items() if inside(place, folder)), problem)
        submissions.append(Submission(_safe(str(folder_name)), upload, student, source=str(folder), problem=problem))
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
