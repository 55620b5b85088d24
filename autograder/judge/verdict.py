"""From what the kernel returned to scores and feedback: every comparison happens here, in the
judge, against the casebook's expected values."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Sequence

from autograder.in_kernel.compare import KNOWN_MISTAKE, judge_outcome, uses_note
from autograder.in_kernel.plain import decode_arg
from autograder.judge.kinds import KINDS

if TYPE_CHECKING:
    from autograder.judge.casebook import JudgedQuestion

# ``show_hidden`` for what students may keep: every case's verdict and the cataloged mistake a
# hidden case's answer matches, never a hidden case's inputs or expected value.
VERDICTS_ONLY = "verdicts only"
# How much of the hidden cases a feedback shows: nothing (False), everything (True), or VERDICTS_ONLY.
ShowHidden = bool | Literal["verdicts only"]


@dataclass
class CaseResult:
    passed: bool
    hidden: bool
    message: str = ""  # the failure in full: the call, what came back, what was expected
    call: str = ""  # the call as the message begins with it (Markdown sets it as code)
    hint: str = ""  # the cataloged mistake the answer matches, as the message ends with it

    def markdown(self) -> str:
        """The failure as Markdown: the call as code, the hint in bold, nothing else markup."""
        text, tail = self.message, f"{KNOWN_MISTAKE} {self.hint}"
        hinted = bool(self.hint) and text.endswith(tail)
        text = text[:-len(tail)].rstrip() if hinted else text
        call = self.call if self.call and text.startswith(self.call) else ""
        out = (f"`{call}`" if call else "") + markdown_text(text[len(call):])
        return (out + (f" **{KNOWN_MISTAKE}** {markdown_text(self.hint)}" if hinted else "")).lstrip()


def markdown_text(text: str) -> str:
    """Plain text that Markdown shows as it is."""
    for ch in "\\`*_[]<>#|":
        text = text.replace(ch, "\\" + ch)
    return text


@dataclass
class QuestionResult:
    name: str
    function: str
    points: float
    score: float
    cases: list[CaseResult]
    problem: str = ""  # why the function could not be called at all
    dependencies: list[str] = field(default_factory=list)  # failing graded functions this one uses
    counted_hidden_only: bool = False  # the score counts the hidden cases alone

    @property
    def passed(self) -> int:
        return sum(c.passed for c in self.cases)

    def summary(self, show_hidden: ShowHidden = True) -> str:
        if show_hidden and self.counted_hidden_only:
            hidden = [c for c in self.cases if c.hidden]
            return (f"{self.name}: {self.passed} of {len(self.cases)} cases ({self.score:g} of {self.points:g} "
                    f"points, from the {len(hidden)} hidden cases: {sum(c.passed for c in hidden)} pass)")
        if show_hidden:
            return (f"{self.name}: {self.passed} of {len(self.cases)} cases "
                    f"({self.score:g} of {self.points:g} points)")
        public = [c for c in self.cases if not c.hidden]
        return f"{self.name}: {sum(c.passed for c in public)} of {len(public)} public cases pass"

    def failures(self, show_hidden: ShowHidden) -> list[tuple[CaseResult, str]]:
        """[(a failing case, the labels of the cases that fail alike)]: one entry per distinct
        failure (a blank function fails every case the same way). Without ``show_hidden``
        hidden cases are left out entirely; with ``VERDICTS_ONLY`` they are listed, with the
        cataloged mistake they match, but a hidden case's inputs and expected value are not
        (its stand-in carries no message)."""
        found: dict[str, tuple[CaseResult, list[str]]] = {}
        for i, case in enumerate(self.cases, 1):
            if case.passed or not (show_hidden or not case.hidden):
                continue
            if case.hidden and show_hidden == VERDICTS_ONLY:
                case = CaseResult(False, True, f"{KNOWN_MISTAKE} {case.hint}" if case.hint else "", hint=case.hint)
            found.setdefault(case.message, (case, []))[1].append(f"{i}{' (hidden)' if case.hidden else ''}")
        return [(case, f"{'case' if len(which) == 1 else 'cases'} {', '.join(which)}")
                for case, which in found.values()]

    def feedback(self, show_hidden: ShowHidden = False) -> str:
        """What the student reads. Without ``show_hidden`` (before grades are published) hidden
        cases are left out entirely: not their inputs, not their answers, not how many pass."""
        lines = [self.summary(show_hidden)] + self.dependencies
        if self.problem:
            lines.append(self.problem)
        lines += [f"{which} failed" + (f": {case.message}" if case.message else "")
                  for case, which in self.failures(show_hidden)]
        return "\n".join(lines)

    def feedback_markdown(self, show_hidden: ShowHidden = False) -> str:
        """``feedback`` as Markdown (Gradescope renders it): the summary in bold, then one item
        per distinct failure, its call as code and its hint in bold."""
        lines = [f"**{markdown_text(self.summary(show_hidden))}**", ""]
        lines += [f"- {markdown_text(note)}" for note in self.dependencies]
        if self.problem:
            lines.append(f"- {markdown_text(self.problem)}")
        lines += [f"- {which} failed" + (f": {case.markdown()}" if case.message else "")
                  for case, which in self.failures(show_hidden)]
        return "\n".join(lines).rstrip()


@dataclass
class Verdict:
    questions: list[QuestionResult] = field(default_factory=list)
    status: str = "graded"  # graded | timed out | unreadable
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # About the grading environment, not the work (the kernel kept the network, say): for the
    # staff, never in what the student reads.
    staff_notes: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(q.score for q in self.questions)

    @property
    def max_score(self) -> float:
        return sum(q.points for q in self.questions)

    def scores(self) -> dict[str, float]:
        return {q.name: q.score for q in self.questions}

    def fix_first(self) -> tuple[QuestionResult, list[str]] | None:
        """(question, functions that use its function) for the first question whose public
        cases fail for reasons of its own (not a graded function it uses): where a student
        should start. Hidden cases are not looked at. None when there is none."""
        for q in self.questions:
            failing = q.problem or any(not c.passed for c in q.cases if not c.hidden)
            if failing and not q.dependencies:
                users = [other.function for other in self.questions
                         if uses_note(other.function, q.function, q.name) in other.dependencies]
                return q, users
        return None

    def grading_status(self) -> str:
        """One line for a gradebook: "Completed", or what went wrong and what it cost."""
        troubles = self.notes + [f"{q.name}: {q.problem}" for q in self.questions
                                 if q.problem and q.problem not in self.notes]
        if self.status == "graded" and not troubles:
            return "Completed"
        head = "Completed with problems" if self.status == "graded" else self.status.capitalize()
        text = f"{head}: {'; '.join(troubles)}" if troubles else head
        return text if len(text) <= 400 else text[:399] + "…"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Verdict:
        questions = [QuestionResult(**dict(q, cases=[CaseResult(**c) for c in q["cases"]]))
                     for q in data["questions"]]
        return cls(questions, data["status"], list(data["notes"]), data["seconds"],
                   list(data.get("staff_notes", ())))


def judge_question(question: JudgedQuestion, outcomes: Sequence[Sequence[Any] | None],
                   problem: str = "", score_from: str = "all") -> QuestionResult:
    """Each case's verdict, and the question's score: its points times the share of the counted
    cases that pass. ``score_from="hidden"`` counts the hidden cases only (the public ones are what
    students check with, so answering just those earns nothing); "all" counts every case."""
    results: list[CaseResult] = []
    for case, outcome in zip(question.cases, outcomes):
        if outcome is None:
            results.append(CaseResult(False, case.hidden, problem or f"{question.function} gave no answer"))
            continue
        kind = KINDS[case.kind]
        passed, message, hint = judge_outcome(outcome, case.expected, question.function, case.call,
                                              [decode_arg(a) for a in case.args], kind.compare, kind.matches,
                                              case.rtol, case.atol, kind.show_expected, case.diagnoses,
                                              case.no_warnings, kind.fields)
        results.append(CaseResult(True, case.hidden) if passed
                       else CaseResult(False, case.hidden, message, case.call if outcome[0] == "value" else "", hint))
    counted = [r for r in results if r.hidden] if score_from == "hidden" else results
    counted = counted or results  # no hidden case (a build refuses that): every case counts
    score = round(question.points * sum(r.passed for r in counted) / len(counted), 6)
    return QuestionResult(question.name, question.function, question.points, score, results, problem,
                          counted_hidden_only=counted is not results)


def explain_dependencies(results: list[QuestionResult], calls: dict[str, list[str]]) -> None:
    """Tell a failing question when a graded function it uses fails its own question."""
    by_function = {r.function: r for r in results}
    for result in results:
        if result.score == result.points:
            continue
        for used in calls.get(result.function, []):
            other = by_function[used]
            if other.score < other.points:
                result.dependencies.append(uses_note(result.function, used, other.name))
