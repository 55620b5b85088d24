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

import html
import io
from collections import Counter

from autograder.files import write_atomically
from autograder.in_kernel.compare import KNOWN_MISTAKE
from autograder.mathml import MATH_CSS, answer_html

MISTAKE_MARK = KNOWN_MISTAKE + " "
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; } td, th { padding: 0.25em 0.7em; text-align: left;
  border-bottom: 1px solid #eee; vertical-align: top; } th { background: #f4f4f4; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.answer { background: #fafafa; border-left: 3px solid #8ab; padding: 0.4em 0.8em; margin: 0.3em 0 1em;
  overflow: auto; max-height: 30em; contain: paint; position: relative; }
.rubric { background: #f3f7ee; border: 1px solid #cdb; padding: 0.5em 1em; }
.who { color: #555; font-size: 0.9em; } .empty { color: #a33; }
figure { margin: 0; } svg { max-width: 100%; height: auto; }
.answer p { margin: 0.3em 0; }
table.side-by-side { width: 100%; table-layout: fixed; } table.side-by-side tr > :first-child { width: 9em; }
table.side-by-side pre { white-space: pre-wrap; margin: 0; font-size: 0.85em; } details.pair { margin: 0.6em 0; }
""" + MATH_CSS + "\n"


def _e(text):
    return html.escape(str(text), quote=True)


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
    title = title or f"{casebook.assignment}: grading report"
    graded = len(records)
    mean = sum(r["score"] for r in records) / graded if graded else 0.0
    total = sum(q.points for q in casebook.questions)
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f"<p>{graded} submissions; mean autograded score {mean:.2f} of {total:g}.</p>",
        '<nav><a href="#scores">Scores</a> · <a href="#mistakes">Common mistakes</a> · '
        '<a href="#problems">Problems</a> · <a href="#changed">Changed in the last run</a> · '
        '<a href="#similar">Similar work</a> · <a href="#written">Written answers</a></nav>',
        '<h2 id="scores">Scores per question</h2>',
    ]
    if records:
        parts.append(f'<figure id="score-plots">{score_plots(casebook, records)}</figure>')
        parts.append("<table><tr><th>question</th><th>points</th><th>mean</th><th>full marks</th><th>zero</th></tr>")
        for q in casebook.questions:
            scores = [_score(r, q.name) for r in records]
            parts.append(f"<tr><td>{_e(q.name)}</td><td class=n>{q.points:g}</td>"
                         f"<td class=n>{sum(scores) / len(scores):.2f}</td>"
                         f"<td class=n>{sum(s == q.points for s in scores)}</td>"
                         f"<td class=n>{sum(s == 0 for s in scores)}</td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>No results yet.</p>")

    parts.append('<h2 id="mistakes">Most common diagnosed mistakes</h2>')
    mistakes = common_mistakes(records)
    if mistakes:
        parts.append("<table><tr><th>question</th><th>mistake</th><th>submissions</th></tr>")
        parts += [f"<tr><td>{_e(q)}</td><td>{_e(hint)}</td><td class=n>{n}</td></tr>" for q, hint, n in mistakes]
        parts.append("</table>")
    else:
        parts.append("<p>No catalogued mistake was recognised.</p>")

    parts.append('<h2 id="problems">Submissions that timed out, crashed, could not be read or had problems</h2>')
    troubled = [r for r in records if r["grading_status"] != "Completed"]
    if troubled:
        parts.append("<table><tr><th>submission</th><th>score</th><th>what happened</th></tr>")
        parts += [f"<tr><td>{_e(_who(r))}</td><td class=n>{r['score']:g}</td><td>{_e(r['grading_status'])}</td></tr>"
                  for r in troubled]
        parts.append("</table>")
    else:
        parts.append("<p>None: every submission ran cleanly.</p>")

    parts.append('<h2 id="changed">Changed in the last run</h2>')
    if changes:
        parts.append(f"<p>{len(changes)} total{'s' if len(changes) != 1 else ''} moved (every run's changes are in "
                     "<code>changes.log</code>):</p><ul>")
        parts += [f"<li>{_e(change.line())}</li>" for change in changes]
        parts.append("</ul>")
    else:
        parts.append("<p>No total changed.</p>")

    parts.append('<h2 id="similar">Similar work</h2>')
    if similar:
        parts.append("<p>Pairs whose graded functions (comments, whitespace and local names aside) and written "
                     "answers are alike beyond chance, rare shared code weighing most; also in "
                     "<code>similarity.csv</code>. Evidence for a person to weigh, never a verdict.</p>")
        by_id = {r["id"]: r for r in records}
        for pair in similar:
            parts.append(f'<details class="pair"><summary><b>{_e(pair.a)}</b> and <b>{_e(pair.b)}</b>: '
                         f'{pair.score:.2f} ({_e(pair.evidence)})</summary>')
            parts.append(side_by_side(pair, by_id[pair.a], by_id[pair.b]))
            parts.append("</details>")
    else:
        parts.append("<p>No pair stands out.</p>")

    parts.append('<h2 id="written">Written answers</h2>')
    if not casebook.written:
        parts.append("<p>This assignment has no written questions.</p>")
    for question in casebook.written:
        name = question["name"]
        parts.append(f'<h3 id="written-{_e(name)}">{_e(name)} ({question["points"]:g} points, graded by hand)</h3>')
        if question.get("rubric"):
            parts.append('<div class="rubric"><b>Rubric</b><ul>')
            parts += [f"<li><b>{item['points']:g} pt</b>: {_e(item['item'])}</li>" for item in question["rubric"]]
            parts.append("</ul></div>")
        answered = [(r, (r.get("written") or {}).get(name)) for r in records]
        missing = [r for r, text in answered if not text]
        for record, text in answered:
            if text:
                parts.append(f'<div class="who">{_e(_who(record))}</div><div class="answer">{answer_html(text)}</div>')
        if missing:
            parts.append(f'<p class="empty">No answer from {len(missing)}: '
                         f'{_e(", ".join(_who(r) for r in missing))}</p>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def side_by_side(pair, a, b):
    """What a flagged pair shares, the two submissions' text in two columns: each function as
    it was written (escaped), each written answer as rendered for the TAs."""
    rows = [f"<tr><th></th><th>{_e(pair.a)}</th><th>{_e(pair.b)}</th></tr>"]
    for kind, question in pair.shared:
        if kind == "code":
            cells = [f"<pre>{_e((r.get('sources') or {}).get(question, '(not kept)'))}</pre>" for r in (a, b)]
        else:
            cells = [answer_html((r.get("written") or {}).get(question, "")) for r in (a, b)]
        rows.append(f"<tr><td>{_e(question)}</td><td>{cells[0]}</td><td>{cells[1]}</td></tr>")
    return f'<table class="side-by-side">{"".join(rows)}</table>'


def write_report(path, casebook, records, changes=(), similar=()):
    write_atomically(path, report_html(casebook, records, changes, similar))
