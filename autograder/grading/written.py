"""The hand-graded answers in a submission: the markdown cells the template marked with
``{"written": <question>}``. Read as plain notebook JSON, never run."""

from assignment.model import WRITTEN_PLACEHOLDER
from autograder.judge.upload import UnreadableSubmission, read_notebook

MAX_ANSWER_CHARS = 20_000


def written_answers(path, casebook):
    """{question: text} for the casebook's written questions; missing ones are left out."""
    names = {w["name"] for w in casebook.written}
    if path is None or not names:
        return {}
    try:
        nb = read_notebook(path, casebook.assignment)
    except UnreadableSubmission:
        return {}
    answers = {}
    for cell in nb.cells:
        name = cell.metadata.get("written")
        if cell.cell_type == "markdown" and name in names and name not in answers:
            text = cell.source.strip()
            if text and text != WRITTEN_PLACEHOLDER:
                answers[name] = text[:MAX_ANSWER_CHARS]
    return answers
