"""What a student uploaded, read into the plain notebook the judge runs.

Every way an upload can be bad (not JSON, nested too deep, a damaged, truncated, encrypted or
oddly compressed zip, too big, too many cells, a link out of its folder) ends here as
``UnreadableSubmission`` with a reason the student can act on; nothing else escapes
``read_notebook``. The notebook that comes back holds only what the judge reads: each cell's
type, its source as text, and the few metadata keys the template sets. Outputs, attachments and
everything else are dropped, so nothing odd in them reaches the judge, the batch or the report.
"""

from __future__ import annotations

import json
import os
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any, Collection

# nbformat imports jsonschema, which imports rfc3987_syntax when it is installed (JupyterLab
# brings it) to check IRI formats, and that builds a parser for 1.6 s: in every grading worker,
# and in the batch itself. No notebook schema has an IRI, so jsonschema is told it is absent.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
import nbformat  # noqa: E402

MAX_NOTEBOOK_BYTES = 50 << 20
MAX_CELLS = 2000  # the course's notebooks have about 100; past this a run could never finish
CELL_METADATA = ("tags", "question", "check", "written")  # what the judge and the batch read
CELL_TYPES = ("code", "markdown", "raw")
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
METHOD_NAMES = {9: "Deflate64", 93: "Zstandard", 95: "XZ", 98: "PPMd", 99: "AES encryption"}


class UnreadableSubmission(ValueError):
    """The upload is not a notebook we can run; the message says what to upload instead."""


def what_to_upload(assignment: str) -> str:
    return f"upload {assignment}.ipynb or the zip its export cell made"


def read_notebook(path: str | Path, assignment: str) -> nbformat.NotebookNode:
    """The upload's notebook, cleaned (see the module's docstring), or UnreadableSubmission."""
    try:
        return _read(Path(path), assignment)
    except UnreadableSubmission:
        raise
    except RecursionError:
        raise UnreadableSubmission("the notebook's JSON is nested too deeply to read: "
                                   f"{what_to_upload(assignment)}") from None
    except MemoryError:
        raise UnreadableSubmission("the notebook is too large to read: clear its outputs and save again") from None
    except Exception as exc:  # anything else about a bad file is still the file's problem
        raise UnreadableSubmission(f"the file could not be read ({type(exc).__name__}: {str(exc)[:200]}): "
                                   f"{what_to_upload(assignment)}") from None


def _read(path: Path, assignment: str) -> nbformat.NotebookNode:
    if not path.is_file():
        raise UnreadableSubmission(f"no file at {path.name}")
    with open(path, "rb") as f:
        head = f.read(4)
    if head in ZIP_MAGIC or zipfile.is_zipfile(path):
        data = _notebook_from_zip(path, assignment)
    else:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise _too_big(path.stat().st_size)
        data = path.read_bytes()
    if not data.strip():
        raise UnreadableSubmission(f"the file is empty: {what_to_upload(assignment)}")
    if data.startswith(b"%PDF"):
        raise UnreadableSubmission(f"this is a PDF, not a notebook: {what_to_upload(assignment)}")
    raw = _json(data, assignment)
    if not isinstance(raw, dict) or "cells" not in raw and "worksheets" not in raw:
        raise UnreadableSubmission(f"this JSON file is not a notebook: {what_to_upload(assignment)}")
    if "worksheets" in raw:  # nbformat 3, as an old Jupyter saved it
        raw = nbformat.convert(nbformat.from_dict(raw), 4)
    nb = _plain_notebook(raw)
    if not any(c.cell_type == "code" for c in nb.cells):
        raise UnreadableSubmission("the notebook has no code cells")
    return nb


def _too_big(size: int) -> UnreadableSubmission:
    return UnreadableSubmission(f"the notebook is {size >> 20} MB, over the {MAX_NOTEBOOK_BYTES >> 20} MB "
                                "limit: clear its outputs (Edit > Clear Outputs of All Cells) and save again")


def _json(data: bytes, assignment: str) -> Any:
    # Windows editors write a byte-order mark; Notepad's "Unicode" is UTF-16.
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise UnreadableSubmission(f"this is not a notebook (not UTF-8 text): {what_to_upload(assignment)}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise UnreadableSubmission(f"this is not a notebook (not JSON): {what_to_upload(assignment)}") from None


def _notebook_from_zip(path: Path, assignment: str) -> bytes:
    again = f"zip it again, or upload {assignment}.ipynb itself"
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise UnreadableSubmission(f"the zip is damaged or incomplete (was the upload cut off?): {again}") from None
    with zf:
        notebooks = [i for i in zf.infolist() if i.filename.endswith(".ipynb") and not i.is_dir()
                     and "checkpoint" not in i.filename and not i.filename.startswith("__MACOSX")]
        if not notebooks:
            raise UnreadableSubmission(f"the zip holds no notebook: {what_to_upload(assignment)}")
        # otter's export zip holds the notebook at its top level; prefer the assignment's name.
        notebooks.sort(key=lambda i: (Path(i.filename).name != f"{assignment}.ipynb", i.filename.count("/"),
                                      i.filename))
        info = notebooks[0]
        if info.flag_bits & 0x1:
            raise UnreadableSubmission("the notebook in the zip is encrypted (password-protected): zip it "
                                       f"again without a password, or upload {assignment}.ipynb itself")
        if info.compress_type not in ZIP_METHODS:
            method = METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
            raise UnreadableSubmission(f"the notebook in the zip is compressed with {method}, which cannot be "
                                       f"read: {again} (a plain zip, as the export cell makes)")
        if info.file_size > MAX_NOTEBOOK_BYTES:
            raise _too_big(info.file_size)
        try:
            with zf.open(info) as member:
                data = member.read(MAX_NOTEBOOK_BYTES + 1)  # the declared size may lie
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
                RuntimeError):
            raise UnreadableSubmission(f"the notebook in the zip is damaged: {again}") from None
        if len(data) > MAX_NOTEBOOK_BYTES:
            raise _too_big(len(data))
        return data


def _text(value: object) -> str:
    """A cell's source as one string (nbformat allows a list of lines); anything else is empty.
    Lone surrogates (valid JSON, not valid text) become U+FFFD so every file written from it
    can be encoded."""
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        value = "".join(value)
    if not isinstance(value, str):
        return ""
    return value.encode("utf-8", "replace").decode("utf-8") if not value.isascii() else value


def _metadata(raw: object) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    if not isinstance(raw, dict):
        return kept
    tags = raw.get("tags")
    if isinstance(tags, list):
        kept["tags"] = [t for t in tags if isinstance(t, str)]
    for key in CELL_METADATA[1:]:
        value = raw.get(key)
        if isinstance(value, (str, bool, int)):
            kept[key] = value
    return kept


def _plain_notebook(raw: dict[str, Any]) -> nbformat.NotebookNode:
    cells = raw.get("cells")
    if not isinstance(cells, list):
        raise UnreadableSubmission("the notebook's cells cannot be read (its JSON has no list of cells)")
    if len(cells) > MAX_CELLS:
        raise UnreadableSubmission(f"the notebook has {len(cells):,} cells, over the {MAX_CELLS:,} a notebook "
                                   "may have: delete the extra cells and save again")
    clean = [plain_cell(cell["cell_type"], _text(cell.get("source")), _metadata(cell.get("metadata")))
             for cell in cells if isinstance(cell, dict) and cell.get("cell_type") in CELL_TYPES]
    metadata: Any = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
    otter: Any = metadata.get("otter") if isinstance(metadata.get("otter"), dict) else {}
    name = otter.get("assignment_name")
    return nbformat.from_dict({"nbformat": 4, "nbformat_minor": 5, "cells": clean,
                               "metadata": {"otter": {"assignment_name": name}} if isinstance(name, str) else {}})


def plain_cell(kind: str, source: str, metadata: dict[str, Any] | None = None) -> nbformat.NotebookNode:
    """A cell for the judge to run or read. Built as a plain node: nbformat's own constructors
    validate every cell against the schema, which cost a tenth of a second per submission."""
    cell: dict[str, Any] = {"cell_type": kind, "source": source, "metadata": dict(metadata or {})}
    if kind == "code":
        cell.update(outputs=[], execution_count=None)
    return nbformat.from_dict(cell)


def inside(path: str | Path, folder: str | Path) -> bool:
    """True if ``path`` (a link or not) resolves to somewhere within ``folder``."""
    try:
        return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(folder))
    except (OSError, ValueError):
        return False


def files_below(folder: str | Path, skip: Collection[str] = ("__MACOSX",)) -> list[Path]:
    """Every file and link to a file below ``folder``, sorted. Folders named in ``skip`` are not
    entered, nor are links to folders (``os.walk`` lists those as folders and does not follow)."""
    found = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in skip]
        found += [Path(root) / n for n in names]
    return sorted(p for p in found if p.is_file() or p.is_symlink())


def find_upload(folder: str | Path, assignment: str) -> tuple[Path | None, str]:
    """(file, problem) for a submission folder: the notebook (preferably ``<assignment>.ipynb``),
    else a zip, else any file at all; (None, "") if it is empty. Links are not followed out of
    the folder: a chosen file that leads elsewhere comes back with the reason as ``problem``."""
    files = files_below(folder)
    for choice in ([p for p in files if p.name == f"{assignment}.ipynb"],
                   [p for p in files if p.suffix == ".ipynb" and ".ipynb_checkpoints" not in p.parts],
                   [p for p in files if p.suffix == ".zip"], files):
        if choice:
            return choice[0], escape_problem(choice[0], folder)
    return None, ""


def escape_problem(path: str | Path, folder: str | Path) -> str:
    """Why ``path`` may not be read as part of ``folder``'s submission, or "" if it may."""
    if not os.path.islink(path):
        return ""
    # The link's target is not named: it is a path of the TA's machine, and the status reaches
    # the student's feedback.
    if not inside(path, folder):
        return (f"{Path(path).name} is a link to a file outside its submission's folder: only files "
                "inside the submission are graded")
    if not Path(path).is_file():
        return f"{Path(path).name} is a link to something that is not a file"
    return ""
