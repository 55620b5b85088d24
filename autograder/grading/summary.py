"""The few lines ``eecs182 grade`` prints when it is done."""

from autograder.grading.store import GRADER_ERROR


def summary_text(summary, out):
    records = summary.records
    completed = sum(r["grading_status"] == "Completed" for r in records)
    troubled = [r for r in records if r["grading_status"] != "Completed"]
    grader_errors = sum(r["grading_status"].startswith(GRADER_ERROR) for r in records)
    per_submission = summary.seconds / summary.graded_now if summary.graded_now else 0.0
    lines = [
        f"{'INTERRUPTED: ' if summary.interrupted else ''}{len(records)} of {summary.total} submissions "
        f"have results ({summary.graded_now} graded now in {summary.seconds:.1f} s"
        + (f", {per_submission:.2f} s each" if summary.graded_now else "")
        + (f", {summary.new_autograder} of them again because the autograder changed"
           if summary.new_autograder else "")
        + f"; {summary.reused} kept from an earlier run)"
        + ("" if summary.sandboxed or not summary.graded_now else " WITHOUT the sandbox"),
        f"completed cleanly: {completed}; with problems, timed out or unreadable: "
        f"{len(troubled) - grader_errors}; grader errors (--force grades them again): {grader_errors}",
    ]
    if summary.interrupted:
        lines.append("Run the same command again to grade only what is missing.")
    if records:
        questions = records[0]["verdict"]["questions"]
        width = max(len(q["name"]) for q in questions)
        lines.append(f"{'question':<{width}}  mean  of")
        for i, question in enumerate(questions):
            mean = sum(r["verdict"]["questions"][i]["score"] for r in records) / len(records)
            lines.append(f"{question['name']:<{width}}  {mean:4.2f}  {question['points']:g}")
        mean_total = sum(r["score"] for r in records) / len(records)
        lines.append(f"{'total':<{width}}  {mean_total:4.2f}  {records[0]['max_score']:g}")
    for record in troubled[:10]:
        lines.append(f"  {record['id']}: {record['grading_status'][:160]}")
    if len(troubled) > 10:
        lines.append(f"  … and {len(troubled) - 10} more (see final_grades.csv)")
    if summary.changes:
        lines.append(f"totals changed by this run ({len(summary.changes)}; all runs' in {out / 'changes.log'}):")
        lines += [f"  {change.line()}" for change in summary.changes[:20]]
        if len(summary.changes) > 20:
            lines.append(f"  … and {len(summary.changes) - 20} more (see changes.log)")
    lines.append(f"gradebook: {out / 'final_grades.csv'}; report: {out / 'report.html'}; "
                 f"feedback: {out / 'feedback'}; for the students: {out / 'feedback.zip'}")
    return "\n".join(lines)
