"""The build's cache: what an expensive step made, kept under a digest of everything it reads,
so that a rebuild after editing only prose or a rubric starts no kernel.

Four steps are kept (``STEPS``): the reference's and the mistakes' answers on every case, a
notebook's run (keyed by its code cells and every file beside it, never its Markdown), and the
judge's grade of a notebook (keyed by the autograder zip's bytes and the notebook's code). Every
key also holds the toolkit's own code and the versions of the packages that run it, so an edit
anywhere but prose, or an upgrade, makes the step run again. Only successes are kept: a step
that failed runs again next time, and says why.

The cache lives in ``dist/.cache/`` (``make clean`` removes it); ``eecs182 build --no-cache``
runs everything.
"""

import hashlib
import json
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from autograder.files import write_atomically

PROJECT = Path(__file__).resolve().parents[1]
FORMAT = 1
CACHE_FOLDER = ".cache"  # in the release folder (dist/)
STEPS = ("cases", "notebook-run", "judge")
# What runs a step besides the toolkit's code: a new version may answer differently.
RUNTIME = ("numpy", "torch", "numba", "matplotlib", "otter-grader", "nbclient", "nbformat", "ipykernel",
           "jupyter_client", "ipywidgets")


def _environment():
    versions = []
    for name in RUNTIME:
        try:
            versions.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            versions.append(f"{name}: not installed")
    return [FORMAT, sys.executable, sys.version, *versions]


def _toolkit_files():
    return sorted(p for folder in ("autograder", "generator") for p in (PROJECT / folder).rglob("*.py")
                  if "__pycache__" not in p.parts)


class BuildCache:
    """``cached(step, parts, make)``: ``make()``'s JSON-able result, from the cache when a run
    with the same ``parts`` (text, bytes, paths of files, JSON-able data) made it before."""

    def __init__(self, root, enabled=True):
        self.root, self.enabled = Path(root), enabled
        self.hits = []  # (step, what) served from the cache in this build, for the summary
        self._base = None

    def key(self, parts):
        digest = hashlib.sha256()
        if self._base is None:
            base = hashlib.sha256(json.dumps(_environment()).encode())
            for path in _toolkit_files():
                base.update(path.relative_to(PROJECT).as_posix().encode() + b"\0" + path.read_bytes())
            self._base = base.hexdigest()
        digest.update(self._base.encode())
        for part in parts:
            if isinstance(part, Path):
                part = b"file\0" + part.read_bytes()
            elif isinstance(part, str):
                part = b"text\0" + part.encode()
            elif not isinstance(part, bytes):
                part = b"json\0" + json.dumps(part, sort_keys=True).encode()
            digest.update(hashlib.sha256(part).digest())
        return digest.hexdigest()

    def cached(self, step, parts, make, what=""):
        """The value as JSON gives it back (tuples as lists) whether or not it was cached, so a
        build makes the same bytes either way."""
        if step not in STEPS:
            raise ValueError(f"unknown cache step {step!r}")
        if not self.enabled:
            return json.loads(json.dumps(make()))
        path = self.root / step / f"{self.key(parts)}.json"
        try:
            value = json.loads(path.read_text())["value"]
            self.hits.append((step, what))
            return value
        except (OSError, ValueError, KeyError):
            pass
        text = json.dumps({"step": step, "what": what, "value": make()})
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, text)
        return json.loads(text)["value"]


NO_CACHE = BuildCache(PROJECT / "dist" / CACHE_FOLDER, enabled=False)


def code_cells(nb):
    """What of a notebook its run depends on: its code cells, in order, with the metadata that
    decides whether and how each runs; never its Markdown."""
    return [[c.source, bool(c.metadata.get("execute", True))] for c in nb.cells if c.cell_type == "code"]


def folder_files(folder, leave_out=()):
    """Key parts: the relative path and the bytes of every file under ``folder`` (but the names
    in ``leave_out``), in order."""
    folder = Path(folder)
    parts = []
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name not in leave_out and "__pycache__" not in p.parts:
            parts += [p.relative_to(folder).as_posix(), p.read_bytes()]
    return parts
