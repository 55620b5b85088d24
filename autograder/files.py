"""Files the grader writes: whole or not at all."""

import os
import threading
from pathlib import Path


def write_atomically(path, text):
    """Write ``text`` (or bytes) to ``path`` through a temporary file and a rename, so a reader (or a run
    killed halfway) sees the old file or the new one, never a part. Text that cannot be encoded
    (a lone surrogate from a notebook's JSON) is written as U+FFFD instead of failing. An error
    (a full disk) leaves the old file as it was and no temporary file behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")  # one per writer
    try:
        with open(temporary, "wb") as f:
            f.write(text if isinstance(text, bytes) else text.encode("utf-8", "replace"))
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            temporary.unlink()
        except OSError:
            pass
        raise
