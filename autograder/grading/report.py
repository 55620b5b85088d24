"""``OUT/report.html``: one self-contained page for the course staff, rebuilt from the stored
results.

- per question, how the scores are spread (plots, inline SVG);
- the diagnosed mistakes, most common first, with how many submissions made each;
- every submission that timed out, crashed, could not be read, or had problems, and why;
- the totals the last run changed, and the pairs of submissions that look copied;
- the written answers, grouped by question across all submissions, beside the rubric, so a TA
  grades one question for the whole section in one place.

Everything a student wrote is escaped; a written answer is shown as the Markdown it is, with
its formulas as MathML, cut down to plain elements (``autograder.mathml.answer_html``). The page
allows no scripts at all (its Content-Security-Policy), so an answer cannot run anything in a
TA's browser.
"""

import io
from collections import Counter
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from autograder.files import write_atomically
from autograder.in_kernel.compare import KNOWN_MISTAKE
from autograder.mathml import MATH_CSS, answer_html

TEMPLATES = Path(__file__).resolve().parent / "templates"
MISTAKE_MARK = KNOWN_MISTAKE + " "
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
# Everything is escaped unless marked safe: the plots (our own SVG) and answers cut down by answer_html.
_PAGES = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                     trim_blocks=True, lstrip_blocks=True)


def _who(record):
    student = record.get("student") or {}
    name = student.get("name")
    return f"{name} ({record['id']})" if name else record["id"]


def score_plots(casebook, records):
    """Small multiples: for each question, how many submissions earned each score; and the totals."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    questions = list(casebook.questions)
    columns = 4
    rows = (len(questions) + columns) // columns  # one more panel: the totals
    # Fixed margins and text kept as text: a third of the time of a constrained layout with
    # glyphs drawn as paths (1.3 s at the end of every run), and the same page.
    fig = Figure(figsize=(3.2 * columns, 2.3 * rows))
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.5 / (2.3 * rows), top=1 - 0.35 / (2.3 * rows),
                        wspace=0.35, hspace=0.75)
    panels = [(q.name, q.points, [_score(r, q.name) for r in records]) for q in questions]
    total = sum(q.points for q in questions)
    panels.append(("total", total, [r["score"] for r in records]))
    for index, (name, points, scores) in enumerate(panels):
        ax = fig.add_subplot(rows, columns, index + 1)
        counts = Counter(round(s, 2) for s in scores)
        values = sorted(counts)
        width = max(points / 12, 0.05) if name == "total" else max(points / 10, 0.05)
        ax.bar(values, [counts[v] for v in values], width=width, color="#4a7ab5" if name != "total" else "#b5744a")
        ax.set_title(f"{name} (of {points:g})", fontsize=10)
        ax.set_xlim(-points * 0.08 - 0.1, points * 1.08 + 0.1)
        ax.set_xlabel("score", fontsize=8)
        ax.set_ylabel("submissions", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.yaxis.get_major_locator().set_params(integer=True)
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg")
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]


def _score(record, question):
    return next((q["score"] for q in record["verdict"]["questions"] if q["name"] == question), 0.0)


def common_mistakes(records):
    """[(question, hint, submissions)] most common first: each submission counts once per hint."""
    counts = Counter()
    for record in records:
        seen = set()
        for question in record["verdict"]["questions"]:
            for case in question["cases"]:
                message = case.get("message", "")
                if MISTAKE_MARK in message:
                    seen.add((question["name"], message.split(MISTAKE_MARK, 1)[1].strip()))
        counts.update(seen)
    return [(q, hint, n) for (q, hint), n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def report_html(casebook, records, changes=(), similar=(), title=None):
    graded = len(records)
    questions = []
    for q in casebook.questions:
        scores = [_score(r, q.name) for r in records]
        questions.append({"name": q.name, "points": q.points, "mean": sum(scores) / graded if graded else 0.0,
                          "full": sum(s == q.points for s in scores), "zero": sum(s == 0 for s in scores)})
    written = []
    for question in casebook.written:
        answered = [(r, (r.get("written") or {}).get(question["name"])) for r in records]
        written.append({**question, "answered": [(r, text) for r, text in answered if text],
                        "missing": [_who(r) for r, text in answered if not text]})
    by_id = {r["id"]: r for r in records}
    return _PAGES.get_template("report.html").render(
        title=title or f"{casebook.assignment}: grading report", csp=CSP,
        style=Markup((TEMPLATES / "report.css").read_text() + MATH_CSS + "\n"),
        records=records, mean=sum(r["score"] for r in records) / graded if graded else 0.0,
        total=sum(q.points for q in casebook.questions), questions=questions,
        plots=Markup(score_plots(casebook, records)) if records else "",
        mistakes=common_mistakes(records), troubled=[r for r in records if r["grading_status"] != "Completed"],
        changes=list(changes), similar=list(similar), written=written, who=_who,
        answer_html=lambda text: Markup(answer_html(text)),
        shared=lambda pair: side_by_side(pair, by_id[pair.a], by_id[pair.b]))


def side_by_side(pair, a, b):
    """[(question, left, right)]: what a flagged pair shares, the two submissions' text side by
    side: each function as it was written (escaped), each written answer as rendered for the TAs."""
    rows = []
    for kind, question in pair.shared:
        if kind == "code":
            cells = [Markup("<pre>%s</pre>") % (r.get("sources") or {}).get(question, "(not kept)") for r in (a, b)]
        else:
            cells = [Markup(answer_html((r.get("written") or {}).get(question, ""))) for r in (a, b)]
        rows.append((question, *cells))
    return rows


def write_report(path, casebook, records, changes=(), similar=()):
    write_atomically(path, report_html(casebook, records, changes, similar))
