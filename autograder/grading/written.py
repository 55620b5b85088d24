"""What a submission holds as text, read by the grading worker as plain notebook JSON, never
run: the hand-graded answers (the markdown cells the template marked ``{"written": <question>}``)
and each graded function's canonical form and text (for finding copied work and showing it). Both are capped plain
strings: all that crosses back to the batch besides the verdict."""

from autograder.cell_code import notebook_functions
from autograder.judge.upload import UnreadableSubmission, read_notebook

MAX_ANSWER_CHARS = 20_000


def submission_texts(path, casebook):
    """{"written": {question: text}, "code": {question: canonical form}, "sources": {question:
    the function as written}}; what is missing is left out (an unreadable notebook gives none)."""
    texts = {"written": {}, "code": {}, "sources": {}}
    if path is None:
        return texts
    try:
        nb = read_notebook(path, casebook.assignment)
    except UnreadableSubmission:
        return texts
    written = {w["name"] for w in casebook.written}
    for cell in nb.cells:
        name = cell.metadata.get("written")
        if cell.cell_type == "markdown" and name in written and name not in texts["written"]:
            text = cell.source.strip()
            if text and text != casebook.written_placeholder:
                texts["written"][name] = text[:MAX_ANSWER_CHARS]
    # A graded function counts wherever the student defined it (pasted into another cell too).
    questions_of = {}
    for q in casebook.questions:
        questions_of.setdefault(q.function, []).append(q.name)
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    for function, (form, source) in notebook_functions(code, set(questions_of)).items():
        for question in questions_of[function]:
            texts["code"][question], texts["sources"][question] = form, source
    return texts
