"""Copied work found: ``OUT/similarity.csv`` (``a``, ``b``, ``score``, ``evidence``; flagged pairs
only, most similar first) and a section of the report.

Each graded function is reduced, in the grading worker (it parses, never runs), to a canonical
form (``autograder/cell_code.py``): two submissions that share a form share that function's code
up to comments, layout and the names of its local variables.

Sharing is weighed by rarity: a form that many students wrote (the textbook one-liner, the
untouched stub) is weak evidence, and the notebook's own stub and the reference's code (the
casebook's ``known_forms``) none at all, one that two students alone wrote is strong, and one that also
fails the question (the same rare mistake) stronger still (``_rarity``). The written answers add their word
overlap. A pair's score is its evidence averaged over the questions, 0 to 1; a pair is listed
when its score is at least FLAG and stands well above the rest of the class's pairs. It is
evidence for a person to weigh, never a verdict.
"""

import io
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations

from autograder.files import write_atomically
from autograder.grading.csvsafe import SafeWriter

FILE = "similarity.csv"
FLAG = 0.2
SPREAD = 4.0  # standard deviations above the class's other pairs
WEAKEST = 0.2  # forms this common are not evidence at all (and their big groups are skipped)
MISTAKE_BONUS = 1.5
MIN_WORDS = 15  # shorter written answers are alike by nature
TEXT_ALIKE = 0.5  # word-trigram overlap from which a written answer counts


def _words(text):
    words = re.findall(r"[a-z0-9]+", (text or "").lower())
    return {tuple(words[i:i + 3]) for i in range(len(words) - 2)} if len(words) >= MIN_WORDS else set()


def _rarity(count, population):
    """1 for a form two students alone wrote, falling steeply to 0 for one everybody wrote (in a
    class of 40: 0.59 for 4 students, 0.29 for 8, 0.14 for 13)."""
    if population <= 2:
        return 0.0
    return (math.log(population / count) / math.log(population / 2)) ** 2


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    score: float
    evidence: str  # the reasons, strongest first
    shared: tuple  # ("code" or "written", question) for each piece of evidence, strongest first


def similar_pairs(casebook, records):
    """Every Pair that stands out, most similar first: its score is at least FLAG and above what
    the rest of the class's pairs explain (their mean plus SPREAD standard deviations, the pair
    itself left out, so that one copied pair in a small section does not hide itself)."""
    readable = [r for r in records if r.get("code")]
    population = len(readable)
    evidence = defaultdict(list)  # (a, b) -> [(weight, strength, reason, (kind, question))]
    points = {q.name: q.points for q in casebook.questions}
    for question in casebook.questions:
        groups = defaultdict(list)
        for record in readable:
            form = record["code"].get(question.name)
            if form:
                groups[form].append(record)
        known = casebook.known_forms.get(question.name, ())
        for form, group in groups.items():
            weight = _rarity(len(group), population)
            if len(group) < 2 or weight < WEAKEST or form in known:  # the notebook's stub, the reference
                continue
            for a, b in combinations(sorted(group, key=lambda r: r["id"]), 2):
                wrong = all(_score(r, question.name) < points[question.name] for r in (a, b))
                reason = (f"the same wrong {question.name}" if wrong else f"the same {question.name}") + \
                    f" ({len(group)} of {population} wrote it)"
                strength = weight * (MISTAKE_BONUS if wrong else 1.0)  # uncapped, to list the strongest first
                evidence[(a["id"], b["id"])].append((min(1.0, strength), strength, reason, ("code", question.name)))
    for w in casebook.written:
        shingles = {r["id"]: _words((r.get("written") or {}).get(w["name"])) for r in records}
        for a, b, alike in _alike_answers({k: v for k, v in shingles.items() if v}):
            evidence[(a, b)].append((alike, alike, f"written {w['name']} {alike:.0%} alike", ("written", w["name"])))
    questions = len(casebook.questions) + len(casebook.written)
    scores = {pair: sum(item[0] for item in found) / questions for pair, found in evidence.items()}
    everyone = max(1, len(records) * (len(records) - 1) // 2)  # pairs without evidence score 0
    total, squares = sum(scores.values()), sum(s * s for s in scores.values())
    others = max(1, everyone - 1)
    pairs = []
    for (a, b), score in scores.items():
        mean = (total - score) / others
        spread = math.sqrt(max(0.0, (squares - score * score) / others - mean * mean))
        if score >= max(FLAG, mean + SPREAD * spread):
            found = sorted(evidence[(a, b)], key=lambda item: -item[1])
            pairs.append(Pair(a, b, round(score, 3), "; ".join(item[2] for item in found),
                              tuple(item[3] for item in found)))
    return sorted(pairs, key=lambda p: (-p.score, p.a, p.b))


def _alike_answers(shingles):
    """(a, b, overlap) for the answers at least TEXT_ALIKE alike. Candidates come from the
    trigrams two answers share that few others use (an index from trigram to answers), so the
    cost follows what is shared, not the square of the class; a pair alike only in phrases
    everyone uses is no evidence anyway."""
    index = defaultdict(list)
    for submission in sorted(shingles):
        for gram in shingles[submission]:
            index[gram].append(submission)
    common = max(10, len(shingles) // 20)
    shared = Counter()
    for ids in index.values():
        if 2 <= len(ids) <= common:
            shared.update(combinations(ids, 2))
    for (a, b), count in shared.items():
        first, second = shingles[a], shingles[b]
        # At TEXT_ALIKE overlap they share at least half the longer answer's trigrams; let half
        # of those be common phrases before giving up on the pair.
        if count < TEXT_ALIKE * max(len(first), len(second)) / 2:
            continue
        alike = len(first & second) / len(first | second)
        if alike >= TEXT_ALIKE:
            yield a, b, alike


def _score(record, question):
    return next((q["score"] for q in record["verdict"]["questions"] if q["name"] == question), 0.0)


def write_similarity(out, casebook, records):
    pairs = similar_pairs(casebook, records)
    text = io.StringIO()
    writer = SafeWriter(text, lineterminator="\n")
    writer.writerow(["a", "b", "score", "evidence"])
    writer.writerows((p.a, p.b, p.score, p.evidence) for p in pairs)
    write_atomically(out / FILE, text.getvalue())
    return pairs
