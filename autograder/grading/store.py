"""Where local grading keeps what it learns: one result file per submission, written atomically
the moment it is known, so an interrupted run loses nothing that finished. The gradebook and the
report are always rebuilt from these files.

A result is current for the very file it graded and the very autograder that graded it: each
record carries the submission's fingerprint and the autograder's digest, so a rebuilt zip (a
reference fixed, a case added) grades everything again instead of keeping the old grades."""

import hashlib
import json
from pathlib import Path

from autograder.files import write_atomically
from autograder.judge.verdict import Verdict

FORMAT = 1
GRADER_ERROR = "Grader error"  # the grader failed, not the submission: kept until --force


class ResultNotSaved(RuntimeError):
    """A result could not be written (a full disk, a folder gone): the run must stop."""


class ResultStore:
    def __init__(self, out, autograder=""):
        self.out = Path(out)
        self.autograder = autograder  # the digest of what grades (``autograder_digest``)
        self.results = self.out / "results"
        self.feedback = self.out / "feedback"

    def result_path(self, submission_id):
        return self.results / f"{submission_id}.json"

    def save(self, submission, fingerprint, verdict, error=None, written=None, code=None, sources=None):
        record = {"format": FORMAT, "id": submission.id, "source": submission.source,
                  "file": submission.path.name if submission.path else "",
                  "student": submission.student, "fingerprint": fingerprint,
                  "autograder": self.autograder, "written": written or {},
                  "code": code or {}, "sources": sources or {},
                  "grading_status": verdict.grading_status() if error is None else error,
                  "score": verdict.score, "max_score": verdict.max_score, "verdict": verdict.to_dict()}
        try:
            write_atomically(self.result_path(submission.id), json.dumps(record, indent=1, allow_nan=False))
            write_atomically(self.feedback / f"{submission.id}.txt", feedback_text(record, verdict))
        except OSError as exc:
            raise ResultNotSaved(f"could not write {submission.id}'s result to {self.out}: "
                                 f"{exc.strerror or exc}") from exc
        return record

    def load(self, submission_id):
        """The stored record, or None if there is none (or it is unreadable: grade again)."""
        try:
            record = json.loads(self.result_path(submission_id).read_text())
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) and record.get("format") == FORMAT else None

    def is_current(self, record, fingerprint):
        """Whether ``record`` (``load``'s) is a result for this very file, graded by this very
        autograder. One the grader failed on counts too: it is recorded once, with its reason,
        and ``--force`` grades it again. A record from before digests were kept has none, and is
        graded again."""
        return _same_file(record, fingerprint) and record.get("autograder") == self.autograder

    def graded_by_another_autograder(self, record, fingerprint):
        """Whether ``record`` is a result for this very file but another autograder's."""
        return _same_file(record, fingerprint) and record.get("autograder") != self.autograder


def _same_file(record, fingerprint):
    return record is not None and record.get("fingerprint") == fingerprint


def autograder_digest(casebook_bytes, support):
    """What grades, as one digest: the casebook (questions, cases, expected values, kinds) and
    every support file the kernel gets, each with its name."""
    digest = hashlib.sha256(b"casebook.json\0" + casebook_bytes)
    for path in sorted(p for p in Path(support).rglob("*") if p.is_file()):
        digest.update(b"\0" + str(path.relative_to(support)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def verdict_of(record):
    return Verdict.from_dict(record["verdict"])


def feedback_text(record, verdict):
    """What the TA (or, forwarded, the student) reads: every case, hidden ones included."""
    who = record["student"].get("name") or record["id"]
    lines = [f"{who}: {verdict.score:g} of {verdict.max_score:g} autograded points",
             f"status: {record['grading_status']}", ""]
    lines += [f"note: {note}" for note in verdict.notes]
    for question in verdict.questions:
        lines += ["", question.feedback(show_hidden=True)]
    return "\n".join(lines) + "\n"
