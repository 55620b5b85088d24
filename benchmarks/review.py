"""How fast the TAs' side is on a big section: the review page of one question with 300
submissions, a tick saved (and the gradebook rebuilt), and the similarity of 1,000 submissions.

    python benchmarks/review.py [--submissions 300] [--similarity 1000] [--repeat 15]

The section is made from Discussion 2's release: its solution, its blank notebook and a
mistaken one graded by `eecs182 grade`, their results copied to N ids with varied written
answers and code forms. The server is the real `eecs182 review`, over HTTP on loopback.
Baselines, in the same run: for the page and the tick, the same server's smallest answer (its
math.css) over the same connection path; for similarity, a pass that only reads the records.
Prints medians in milliseconds (similarity in seconds) and the ratio to each baseline.
"""

import argparse
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EECS182 = [sys.executable, "-c", "from generator.cli import main; main()"]
WORDS = ("shift logit overflow exp cancels constant row stable denominator numerator largest factor "
         "infinity nan float sum softmax every same result subtract because so the a of").split()


def graded_section(work):
    """OUT of three real graded notebooks (solution, blank, mistaken) of disc02."""
    import nbformat

    from assignment.model import Assignment
    from generator.release import build_release

    a = Assignment.named("disc02")
    release = build_release(a, work / "dist")
    folder = work / "section"
    folder.mkdir()
    shutil.copy(release.solution_dir / a.notebook, folder / "solution.ipynb")
    shutil.copy(release.student_dir / a.notebook, folder / "blank.ipynb")
    nb = nbformat.read(release.solution_dir / a.notebook, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("question") == "q2_softmax":
            cell.source = "def softmax(Z):\n    return np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)\n"
    nbformat.write(nb, folder / "mistaken.ipynb")
    out = work / "out"
    subprocess.run([*EECS182, "grade", str(folder), "-o", str(out), "-a", str(release.autograder_zip),
                    "--no-progress"], check=True, capture_output=True, timeout=600)
    return out


def cloned_records(out, count, seed=0):
    """``count`` records made from OUT's real ones: other ids, varied answers and code forms."""
    rng = random.Random(seed)
    originals = [json.loads(p.read_text()) for p in sorted((out / "results").glob("*.json"))]
    records = []
    for n in range(count):
        record = json.loads(json.dumps(rng.choice(originals)))
        record["id"] = f"submission_{n:04d}"
        record["student"] = {"name": f"Student {n}", "sid": str(3030000000 + n)}
        record["written"] = {w: " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 80)))
                             + " with $e^{z_k - m}$" for w in ("q2_max_shift", "q4_step_size")}
        record["code"] = {q: f"{q}-form{min(int(rng.paretovariate(1.2)), 40)}" for q in record.get("code") or
                          ("q1_sigmoid", "q1_sigmoid_grad", "q1_logistic_grad", "q2_softmax", "q2_ce_grad",
                           "q3_backprop", "q4_numgrad")}
        records.append(record)
    return records


def write_records(out, records):
    results = out / "results"
    shutil.rmtree(results)
    results.mkdir()
    for record in records:
        (results / f"{record['id']}.json").write_text(json.dumps(record))


def median_ms(action, repeat):
    action()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def fetch(url, data=None):
    request = urllib.request.Request(url, data=None if data is None else json.dumps(data).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def review_timings(out, repeat):
    server = subprocess.Popen([*EECS182, "review", str(out), "--no-browser"], stdout=subprocess.PIPE, text=True)
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+/\S+/", server.stdout.readline() + server.stdout.readline()).group(0)
        page = url + "q/q2_max_shift"
        ticks = iter(range(10 ** 6))

        def tick():
            n = next(ticks)
            fetch(url + "api/q/q2_max_shift/tick",
                  {"submission": f"submission_{n % 300:04d}", "item": n % 2, "ticked": n % 3 != 0})

        baseline = median_ms(lambda: fetch(url + "math.css"), repeat)
        return baseline, median_ms(lambda: fetch(page), repeat), median_ms(tick, repeat * 2)
    finally:
        server.terminate()
        server.wait(10)


def similarity_timings(out, count):
    from autograder.grading.gradebook import stored_casebook, stored_records
    from autograder.grading.similarity import similar_pairs

    write_records(out, cloned_records(out, count, seed=1))
    start = time.perf_counter()
    records = stored_records(out)
    casebook = stored_casebook(out)
    read = time.perf_counter() - start
    start = time.perf_counter()
    pairs = similar_pairs(casebook, records)
    return read, read + time.perf_counter() - start, len(pairs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=300)
    parser.add_argument("--similarity", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="eecs182-bench-review-") as work:
        work = Path(work)
        out = graded_section(work)
        write_records(out, cloned_records(out, args.submissions))
        baseline, page, tick = review_timings(out, args.repeat)
        read, similarity, flagged = similarity_timings(out, args.similarity)
    print(f"review of q2_max_shift, {args.submissions} submissions; similarity of {args.similarity}\n")
    print(f"{'what':<44}{'median':>12}{'x baseline':>12}{'target':>10}")
    print(f"{'baseline: GET math.css (ms)':<44}{baseline:>12.1f}{1:>12.2f}")
    print(f"{'open the question page (ms)':<44}{page:>12.1f}{page / baseline:>12.2f}{'1000':>10}")
    print(f"{'tick, stored and gradebook rebuilt (ms)':<44}{tick:>12.1f}{tick / baseline:>12.2f}{'100':>10}")
    print(f"{'baseline: read the records (s)':<44}{read:>12.2f}{1:>12.2f}")
    print(f"{'similarity, records read (s)':<44}{similarity:>12.2f}{similarity / read:>12.2f}{'30':>10}")
    print(f"\nflagged pairs among the {args.similarity} (random forms, no copying planted): {flagged}")


if __name__ == "__main__":
    main()
