"""Try an autograder zip as Gradescope runs it, on this machine: Gradescope's /autograder laid out
in a folder of its own (``source/`` from the zip, ``submission/`` with the upload, ``results/``
and, when given, ``submission_metadata.json``, all readable by every user as Gradescope leaves
them), then the zip's own ``run_autograder``. ``eecs182 gradescope`` and the tests use it."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path


def gradescope_root():
    """A new, empty place for Gradescope's /autograder: ``<fresh folder>/autograder``, the folder
    root's and mode 0755 as Gradescope's / is (the kernel's user must pass through)."""
    base = Path(tempfile.mkdtemp(prefix="eecs182-gradescope-"))
    base.chmod(0o755)
    return base / "autograder"


def run_zip(autograder_zip, upload, metadata=None, kernel_user=None, timeout=900, root=None):
    """(results.json as Gradescope would read it, what run_autograder printed). ``root``: where
    /autograder goes (``gradescope_root()``'s); its parent is removed afterwards."""
    root = Path(root) if root is not None else gradescope_root()
    base = root.parent
    try:
        (root / "submission").mkdir(parents=True)
        (root / "results").mkdir()
        with zipfile.ZipFile(autograder_zip) as zf:
            zf.extractall(root / "source")
        for path in [root, *root.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        if metadata is not None:
            (root / "submission_metadata.json").write_text(json.dumps(metadata))
            (root / "submission_metadata.json").chmod(0o644)
        if upload is not None:
            shutil.copy(upload, root / "submission" / Path(upload).name)
        env = dict(os.environ, EECS182_AUTOGRADER_ROOT=str(root),
                   PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
        if kernel_user:
            env["EECS182_KERNEL_USER"] = kernel_user
        proc = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env,
                              capture_output=True, text=True, timeout=timeout)
        results = root / "results" / "results.json"
        if not results.exists():
            raise RuntimeError(f"run_autograder wrote no results.json (exit {proc.returncode}):\n"
                               f"{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
        return json.loads(results.read_text()), proc.stdout + proc.stderr
    finally:
        shutil.rmtree(base, ignore_errors=True)


def as_student_reads_it(results, published=False):
    """The results page in text: the score once published, and each test the student may see
    (``visible`` always, ``after_published`` once grades are out)."""
    text = _plain if results.get("test_output_format", results.get("output_format")) == "md" else str
    shown = [t for t in results.get("tests", []) if t.get("visibility", "visible") == "visible"
             or (published and t.get("visibility") == "after_published")]
    lines = [f"Score: {results['score']:g}" + (f" of {sum(t.get('max_score', 0) for t in results['tests']):g}"
                                                if results.get("tests") else "")] if published else []
    for test in shown:
        score = f" ({test['score']:g} / {test['max_score']:g})" if "max_score" in test else ""
        lines += ["", f"== {test['name']}{score}", text(test.get("output", "")).rstrip()]
    if results.get("output"):
        lines += ["", text(results["output"]).rstrip()]
    return "\n".join(lines).strip() + "\n"


def _plain(markdown):
    """Gradescope's Markdown as the words it shows: no bold marks, no escapes."""
    return re.sub(r"\\(.)", r"\1", markdown.replace("**", ""))
