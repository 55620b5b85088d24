"""``eecs182 review``: the TAs' hand grading of the written answers, served by the real command
on loopback and driven over HTTP and in headless Chromium.

The section is Discussion 2's, graded by ``eecs182 grade``: the solution (its answers written),
the blank notebook (no answers), a student whose answers carry math and an injection, and an
upload that is not a notebook.
"""

import csv
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest
from lab_browser import CHROMIUM_FLAGS, chromium
from submissions import gradebook_rows, write_answers

EECS182 = [sys.executable, "-c", "from generator.cli import main; main()"]
ANSWER = (r"Shifting by $m = \max_k z_k$ multiplies top and bottom by $e^{-m}$, so **nothing changes**. "
          r"Without it $e^{z_k}$ overflows. <script>window.pwned = 1</script>"
          "<img src=x onerror=\"window.pwned = 2\">")


def grade(folder, out, autograder_zip, *extra):
    """``eecs182 grade``'s summary."""
    proc = subprocess.run([*EECS182, "grade", str(folder), "-o", str(out), "-a", str(autograder_zip),
                           "--no-progress", *extra], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


@pytest.fixture(scope="module")
def section(built, tmp_path_factory):
    release, _ = built("disc02")
    a = release.assignment
    folder = tmp_path_factory.mktemp("disc02-section")
    shutil.copy(release.solution_dir / a.notebook, folder / "solution.ipynb")
    shutil.copy(release.student_dir / a.notebook, folder / "blank.ipynb")
    shutil.copy(release.student_dir / a.notebook, folder / "student.ipynb")
    write_answers(folder / "student.ipynb", {"q2_max_shift": ANSWER})
    (folder / "junk.ipynb").write_text("not a notebook")
    return release, folder


@pytest.fixture(scope="module")
def graded(section, tmp_path_factory):
    release, folder = section
    out = tmp_path_factory.mktemp("graded") / "out"
    grade(folder, out, release.autograder_zip)
    return out


@pytest.fixture
def out(graded, tmp_path):
    """A copy of the graded OUT for each test: hand scores start empty (grading once is enough;
    a rerun on the copy reuses its results, as a TA's would)."""
    shutil.copytree(graded, tmp_path / "out")
    return tmp_path / "out"


@contextmanager
def review_server(out, port=0):
    """``eecs182 review OUT --no-browser``: yields (url, process)."""
    proc = subprocess.Popen([*EECS182, "review", str(out), "--no-browser", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(2)]
        url = re.search(r"http://127\.0\.0\.1:\d+/\S+/", "".join(lines))
        assert url, ("".join(lines), proc.stderr.read() if proc.poll() is not None else "")
        yield url.group(0), proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)


def call(url, data=None, method=None, raw=None, headers=None):
    """(status, parsed JSON or text) of one request."""
    body = raw if raw is not None else (json.dumps(data).encode() if data is not None else None)
    request = urllib.request.Request(url, data=body, method=method or ("POST" if body is not None else "GET"),
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read().decode()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def test_ticks_are_stored_before_they_are_acknowledged_and_reach_the_gradebook(out):
    with review_server(out) as (url, proc):
        api = url + "api/q/q2_max_shift/"
        status, reply = call(api + "tick", {"submission": "solution", "item": 0, "ticked": True})
        assert status == 200 and reply["answer"]["score"] == 1 and reply["progress"] == {"graded": 1, "of": 3}
        rows = gradebook_rows(out)  # rebuilt at once: the written column, the total including it
        assert rows["solution"]["q2_max_shift"] == "1" and rows["solution"]["q4_step_size"] == ""
        assert rows["solution"]["total_points_earned"] == "9" and rows["blank"]["q2_max_shift"] == ""
        # "0 points" means 0, whatever was adjusted before; "not graded" clears the adjustment too.
        call(api + "note", {"submission": "blank", "comment": "", "adjustment": 1.5, "reason": "kind"})
        assert call(api + "zero", {"submission": "blank"})[1]["answer"]["score"] == 0
        call(api + "note", {"submission": "blank", "comment": "", "adjustment": 1, "reason": "kind"})
        call(api + "ungrade", {"submission": "blank"})
        assert call(api + "tick", {"submission": "blank", "item": 1, "ticked": True})[1]["answer"]["score"] == 1
        call(api + "ungrade", {"submission": "blank"})
        # Two tabs: one writes the comment, the other the adjustment; each sends only its own.
        call(api + "note", {"submission": "student", "comment": "Good."})
        call(api + "note", {"submission": "student", "adjustment": 0.5, "reason": "neat"})
        os.kill(proc.pid, signal.SIGKILL)  # no shutdown, no chance to flush anything
        proc.wait(10)
    with sqlite3.connect(out / "hand_scores.sqlite") as db:
        assert db.execute("SELECT ticked FROM ticks WHERE submission = 'solution'").fetchall() == [(1,)]
    with review_server(out) as (url, _):
        status, state = call(url + "api/q/q2_max_shift/state")
        status, written = call(url + "api/feedback", {})
    assert status == 200 and written["files"] == 4
    assert state["answers"]["solution"]["ticked"] == [0]
    assert state["answers"]["student"]["comment"] == "Good." and state["answers"]["student"]["score"] == 0.5
    assert state["answers"]["blank"]["graded"] is False and state["progress"] == {"graded": 2, "of": 3}

    # What goes back to the students: a file each, in the zip, with everything the TAs gave.
    import zipfile

    with zipfile.ZipFile(out / "feedback.zip") as zf:
        assert sorted(zf.namelist()) == ["blank.md", "junk.md", "solution.md", "student.md"]
        solution, student, blank = (zf.read(f"{n}.md").decode() for n in ("solution", "student", "blank"))
    assert "**Score: 9 of 12** (8 of 8 autograded, 1 of 4 graded by hand; not graded yet: q4\\_step\\_size)" in solution
    assert "### q2\\_max\\_shift: 1 of 2" in solution and "- [x] Unchanged: subtracting" in solution
    assert "- [ ] Why it is needed" in solution
    assert "- Adjustment +0.5: neat" in student and "> Good." in student
    assert "### q2\\_max\\_shift: not graded yet" in blank and re.search(r"\*\*q1\\_sigmoid: 0 of \d+ cases \(0 of 1 points, from the \d+ hidden cases: 0 pass\)\*\*", blank)
    assert (out / "student_feedback" / "student.md").read_text() == student


def test_a_regrade_keeps_hand_scores_says_what_changed_and_flags_a_changed_answer(section, out, tmp_path):
    release, folder = section
    with review_server(out) as (url, _):
        for submission in ("solution", "student"):
            call(url + "api/q/q2_max_shift/tick", {"submission": submission, "item": 1, "ticked": True})
    again = grade(folder, out, release.autograder_zip, "--force")  # every submission graded again
    assert gradebook_rows(out)["solution"]["q2_max_shift"] == "1" and "totals changed" not in again
    # The student replaces the notebook: one more function right, and the written answer rewritten.
    changed = tmp_path / "changed"
    shutil.copytree(folder, changed)
    solution = nbformat.read(folder / "solution.ipynb", as_version=4)
    sigmoid = next(c.source for c in solution.cells if c.metadata.get("question") == "q1_sigmoid")
    student = nbformat.read(changed / "student.ipynb", as_version=4)
    next(c for c in student.cells if c.metadata.get("question") == "q1_sigmoid").source = sigmoid
    nbformat.write(student, changed / "student.ipynb")
    write_answers(changed / "student.ipynb", {"q2_max_shift": "A different answer."})
    with review_server(out) as (url, _):  # a TA reviews while the regrade runs
        summary = grade(changed, out, release.autograder_zip)  # the replaced submission only
        rows = gradebook_rows(out)
        assert rows["student"]["q2_max_shift"] == "1" and rows["solution"]["q2_max_shift"] == "1"
        assert rows["student"]["total_points_earned"] == "2"
        # A tick after the regrade rebuilds the gradebook from the new results, not the ones read at start.
        call(url + "api/q/q4_step_size/tick", {"submission": "student", "item": 0, "ticked": True})
        rows = gradebook_rows(out)
        assert rows["student"]["q1_sigmoid"] == "1" and rows["student"]["total_points_earned"] == "3"
        _, state = call(url + "api/q/q2_max_shift/state")
    assert "  student: 1 → 2 (q1_sigmoid 0 → 1)" in summary.splitlines()  # totals include hand scores
    log = (out / "changes.log").read_text().splitlines()
    assert log[-2].endswith("1 graded again, 1 total changed") and log[-1] == "student: 1 → 2 (q1_sigmoid 0 → 1)"
    assert log[-3].endswith("4 graded again, 0 totals changed")  # the --force run, kept
    report = (out / "report.html").read_text().split('id="changed"')[1].split("<h2")[0]
    assert "student: 1 → 2 (q1_sigmoid 0 → 1)" in report
    assert state["answers"]["student"]["changed_since_graded"] is True  # kept, and flagged to look again
    assert state["answers"]["solution"]["changed_since_graded"] is False


BAD_REQUESTS = [  # (path, body or raw bytes, expected status)
    ("tick", b"not json", 400),
    ("tick", ["a", "list"], 400),
    ("tick", {"submission": "nobody", "item": 0, "ticked": True}, 400),
    ("tick", {"submission": "solution", "item": 7, "ticked": True}, 400),
    ("tick", {"submission": "solution", "item": "0", "ticked": True}, 400),
    ("tick", {"submission": "solution", "item": True, "ticked": True}, 400),
    ("tick", {"submission": "solution", "item": 0, "ticked": "yes"}, 400),
    ("tick", {"submission": "junk", "item": 0, "ticked": True}, 400),  # unreadable: nothing to grade
    ("note", {"submission": "solution", "adjustment": 1e9, "reason": "x"}, 400),
    ("note", {"submission": "solution", "adjustment": 1, "reason": " "}, 400),
    ("note", b'{"submission": "solution", "adjustment": NaN, "reason": "x"}', 400),
    ("note", {"submission": "solution", "comment": "x" * 6000}, 400),
    ("note", {"submission": "solution", "comment": ["not", "text"]}, 400),
    ("saved-comments", {"text": "   "}, 400),
    ("note", {"submission": "solution"}, 400),  # nothing to note
    ("tick", b"{" + b" " * 70_000 + b"}", 413),
    ("tick", b"[" * 30_000, 400),  # nested past Python's recursion limit
    ("note", {"submission": "solution", "adjustment": 10 ** 400, "reason": "x"}, 400),
    ("note", {"submission": "solution", "comment": "\ud800"}, 400),  # a lone surrogate SQLite cannot store
    ("saved-comments", {"text": "\ud800x"}, 400),
]


def test_bad_input_gets_a_4xx_with_a_reason_and_changes_nothing(out):
    with review_server(out) as (url, _):
        api = url + "api/q/q2_max_shift/"
        for path, body, expected in BAD_REQUESTS:
            status, reply = call(api + path, raw=body) if isinstance(body, bytes) else call(api + path, body)
            assert status == expected, (path, body if len(str(body)) < 200 else "(long)", reply)
            assert "Traceback" not in str(reply)
            if status == 400:
                assert reply["error"], (path, reply)
        assert call(url + "api/q/no_such_question/state")[0] == 404
        assert call(api + "saved-comments/" + "9" * 30, method="DELETE")[0] == 404
        assert call(url + "api/q/q2_max_shift/tick", method="GET")[0] == 405
        _, state = call(api + "state")
    assert not any(a["graded"] or a["comment"] for a in state["answers"].values())


def test_only_the_token_and_the_loopback_name_reach_it(out):
    with review_server(out) as (url, _):
        root = url.split("/", 3)
        base, token = "/".join(root[:3]), root[3].strip("/")
        assert len(token) >= 32
        assert call(base + "/")[0] == 404
        wrong = token[:-1] + ("y" if token.endswith("x") else "x")  # one character off, never the token itself
        assert call(base + "/" + wrong + "/")[0] == 404
        assert call(base + f"/{wrong}/api/q/q2_max_shift/tick",
                    {"submission": "solution", "item": 0, "ticked": True})[0] == 404
        assert call(url, headers={"Host": "evil.example:80"})[0] == 400  # DNS rebinding
        status, page = call(url)
        assert status == 200 and "q2_max_shift" in page and "0 of 3 graded" in page
        with urllib.request.urlopen(url + "q/q2_max_shift", timeout=10) as response:
            csp = response.headers["Content-Security-Policy"]  # no inline script could run even if one got in
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and response.headers["Referrer-Policy"] == "no-referrer"
        port = int(base.rsplit(":", 1)[1])
        with open("/proc/net/tcp") as f:  # listening (0A) on 127.0.0.1 (0100007F) and nowhere else
            listening = [line.split()[1] for line in f.readlines()[1:]
                         if line.split()[3] == "0A" and int(line.split()[1].split(":")[1], 16) == port]
        assert listening == [f"0100007F:{port:04X}"]


@pytest.mark.browser
def test_a_ta_grades_in_the_browser_through_reloads_a_killed_server_and_a_regrade(section, out, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    # The page's CSP forbids eval, so waits are Playwright's expect(), never wait_for_function.
    shots = tmp_path / "screenshots"
    shots.mkdir()
    release, folder = section
    with review_server(out) as (url, server), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        errors = []
        first, second = (browser.new_page(viewport={"width": 1300, "height": 1000}) for _ in range(2))
        for page in (first, second):
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
        first.goto(url)
        first.get_by_role("link", name="q2_max_shift").click()
        second.goto(url + "q/q2_max_shift")
        first.wait_for_selector("section.answer.current")
        visible = first.locator("body").inner_text()
        # Names are hidden: answers are numbered, in the order graded.
        assert "Answer 1" in visible and "blank" not in visible and "student" not in visible
        answers = first.locator("section.answer")
        assert answers.count() == 3 and "(no answer)" in answers.nth(0).inner_text()
        student = first.locator("section.answer", has_text="nothing changes")
        assert student.locator("math").count() == 3 and student.locator("math").first.bounding_box()["width"] > 5
        assert "<script>" in student.inner_text() and first.evaluate("window.pwned") is None  # shown, never run

        first.keyboard.press("0")  # the empty answer: zero in one key
        expect(first.locator("#status")).to_have_text("saved")
        first.keyboard.press("u")  # the next ungraded answer
        first.keyboard.press("2")  # its second rubric item
        expect(first.locator("#progress")).to_have_text("2 of 3 graded")
        current = first.locator("section.answer.current")
        assert current.locator("input[data-item='1']").is_checked() and "1 / 2" in current.inner_text()
        first.screenshot(path=shots / "review-graded.png")

        # The other tab shows both changes within a couple of polls, and its own tick stays its own.
        expect(second.locator("#progress")).to_have_text("2 of 3 graded", timeout=10_000)
        second_current = second.locator("section.answer").nth(1)
        assert second_current.locator("input[data-item='1']").is_checked()
        second_current.locator("input[data-item='0']").check()
        expect(second.locator("#status")).to_have_text("saved")
        expect(first.locator("section.answer").nth(1).locator("input[data-item='0']")).to_be_checked(timeout=10_000)
        assert first.locator("section.answer").nth(1).locator("input[data-item='1']").is_checked()

        # A comment saved for reuse, inserted into another answer; an adjustment with its reason.
        first.keyboard.press("j")
        comment = first.locator("section.answer.current .comment")
        comment.fill("Say why the shift changes nothing.")
        first.locator("section.answer.current .keep").click()
        first.wait_for_selector("#saved-list .insert")
        first.keyboard.press("Escape")
        first.keyboard.press("k")
        first.locator("#saved-list .insert").first.click()
        first.locator("section.answer.current .adjustment").fill("-0.5")
        first.locator("section.answer.current .reason").fill("no overflow argument")
        expect(first.locator("#status")).to_have_text("saved")
        first.wait_for_timeout(1200)
        first.screenshot(path=shots / "review-comments.png")
        first.reload()
        first.wait_for_selector("section.answer.current")
        assert first.locator("section.answer").nth(1).locator(".comment").input_value() == \
            "Say why the shift changes nothing."
        # The mouse: the student's first rubric item.
        first.locator("section.answer").nth(2).locator("label").first.click()
        expect(first.locator("#progress")).to_have_text("3 of 3 graded")
        first.goto(url + "q/q2_max_shift?names=1")
        assert "student" in first.locator("body").inner_text()
        assert hand_columns(out) == EXPECTED

        # The server is killed and started again (a new token): the page shows what was saved.
        assert not errors, errors
        second.close()
        os.kill(server.pid, signal.SIGKILL)
        server.wait(10)
        with review_server(out) as (url, _):
            first.goto(url + "q/q2_max_shift")
            errors.clear()  # the old page's polls of the dead server, before it was left
            solution = first.locator("section.answer").nth(1)
            expect(solution.locator("input[data-item='0']")).to_be_checked()
            expect(solution.locator(".score")).to_have_text("1.5 / 2")
            assert hand_columns(out) == EXPECTED
            # Every submission graded again: the hand scores stay, on the page and in the gradebook.
            grade(folder, out, release.autograder_zip, "--force")
            assert hand_columns(out) == EXPECTED
            first.goto(url)
            expect(first.locator("td.progress").first).to_have_text("3 of 3 graded")
            first.goto(url + "q/q2_max_shift")
            expect(first.locator("section.answer").nth(2).locator(".score")).to_have_text("1 / 2")
            first.screenshot(path=shots / "review-after-regrade.png")
        browser.close()
    assert not errors, errors
    print(f"\nscreenshots: {shots}")


# q2_max_shift by hand: the blank notebook 0 in one key, the solution 1 + 1 - 0.5, the student 1
EXPECTED = {"blank": "0", "solution": "1.5", "student": "1"}


def hand_columns(out):
    return {name: row["q2_max_shift"] for name, row in gradebook_rows(out).items() if name in EXPECTED}


SOFTMAX_COPIED = """
def softmax(Z):
    E = np.exp(Z - Z.max(axis=0))
    return E / E.sum(axis=0)
"""
SOFTMAX_DISGUISED = """
def softmax(logits):
    # subtract the max for stability
    expd = np.exp(logits - logits.max(axis = 0))

    return expd / expd.sum(axis = 0)   # normalize
"""
SIGMOID_ODD = "def sigmoid(z):\n    return np.exp(-np.logaddexp(0, -np.asarray(z, dtype=float)))\n"


def test_copied_work_is_found_and_listed_most_similar_first(section, tmp_path):
    """Two students hand in the same wrong softmax (one renamed and commented it), the same
    unusual sigmoid and the same written answer; two hand in the reference's code, and two the
    notebook as given."""
    release, folder = section
    copied = tmp_path / "section"
    shutil.copytree(folder, copied)
    for name, softmax in (("copier_a", SOFTMAX_COPIED), ("copier_b", SOFTMAX_DISGUISED)):
        shutil.copy(release.student_dir / "disc02.ipynb", copied / f"{name}.ipynb")
        nb = nbformat.read(copied / f"{name}.ipynb", as_version=4)
        for cell in nb.cells:
            if cell.metadata.get("question") == "q2_softmax":
                cell.source = softmax
            elif cell.metadata.get("question") == "q1_sigmoid":
                cell.source = SIGMOID_ODD
        nbformat.write(nb, copied / f"{name}.ipynb")
        write_answers(copied / f"{name}.ipynb", {"q2_max_shift": ANSWER})
    shutil.copy(copied / "solution.ipynb", copied / "reference_code.ipynb")  # the reference's code, twice
    write_answers(copied / "reference_code.ipynb", {"q2_max_shift": "", "q4_step_size": ""})
    out = tmp_path / "out"
    grade(copied, out, release.autograder_zip)
    with open(out / "similarity.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["a"], r["b"]) for r in rows[:1]] == [("copier_a", "copier_b")], rows
    evidence = rows[0]["evidence"].split("; ")
    assert evidence[0].startswith("the same wrong q2_softmax (2 of ")
    assert any(e.startswith("the same q1_sigmoid (2 of ") for e in evidence)
    assert "written q2_max_shift 100% alike" in evidence
    # What the notebook gives and what the reference does are no evidence, however rare here.
    assert [(r["a"], r["b"]) for r in rows] == [("copier_a", "copier_b")], rows
    report = (out / "report.html").read_text().split('id="similar"')[1].split("<h2")[0]
    assert "copier_a" in report and "the same wrong q2_softmax" in report
    # Side by side: each function as its student wrote it, and the shared answer.
    assert "E / E.sum(axis=0)" in report and "# subtract the max for stability" in report
    assert report.count("nothing changes") == 2 and "&lt;script&gt;" in report


def _raw(base, request_bytes):
    """The status line and body of one raw HTTP exchange (waits for the server to answer)."""
    import socket

    host, port = base.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(request_bytes)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data


def test_no_answer_without_the_token_names_it_and_long_bodies_are_refused_unread(out):
    with review_server(out) as (url, _):
        root = url.split("/", 3)
        base, token = "/".join(root[:3]), root[3].strip("/")
        answers = [_raw(base, f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
                   for path, host in [("/", "127.0.0.1"), ("/nothing", "127.0.0.1"), ("/static/none.css", "127.0.0.1"),
                                      (f"/{token}/", "evil.example"), (f"/{token}/q/none", "evil.example")]]
        assert all(answer.startswith((b"HTTP/1.1 404", b"HTTP/1.1 400")) for answer in answers), answers
        assert not [a for a in answers if token.encode() in a]
        # The page's own stylesheet is served without the token, and the pages link it so.
        status, page = call(url)
        assert status == 200 and 'href="/static/review.css"' in page and call(base + "/static/review.css")[0] == 200
        # A 200 MB body is refused from its headers: the answer comes though only 1 KB was sent.
        for path in ("/", f"/{token}/api/q/q2_max_shift/tick"):
            head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {200 << 20}\r\n\r\n").encode()
            answer = _raw(base, head + b"x" * 1024)
            assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_the_browser_is_opened_on_a_private_file_not_on_the_token(out, tmp_path):
    seen = tmp_path / "browser-argv"
    browser = tmp_path / "browser"
    browser.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {seen}\n")
    browser.chmod(0o755)
    env = {**os.environ, "BROWSER": f"{browser} %s", "DISPLAY": ""}
    proc = subprocess.Popen([*EECS182, "review", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        lines = [proc.stdout.readline() for _ in range(2)]
        url = re.search(r"http://127\.0\.0\.1:\d+/\S+/", "".join(lines)).group(0)
        token = url.split("/")[3]
        deadline = time.monotonic() + 60
        while not (seen.exists() and seen.read_text().endswith("\n")):
            assert time.monotonic() < deadline and proc.poll() is None, "the browser was never started"
            time.sleep(0.05)
        argv = seen.read_text()
        assert token not in argv and argv.startswith("file:///"), argv
        page = Path(urllib.request.url2pathname(argv.strip()[len("file://"):]))
        assert url in page.read_text()
        assert page.stat().st_mode & 0o777 == 0o600 and page.parent.stat().st_mode & 0o777 == 0o700
    finally:
        proc.terminate()
        proc.wait(30)
    assert not page.parent.exists()  # removed when the server stops


# Answers that try to leave their box: a formula smashed to no size, one a hundred thousand em
# wide, one of 9,900 terms.
ESCAPES = {"blank": r"$\smash{\begin{array}{c} COVER \\ COVER \\ COVER \\ COVER \\ COVER \\ COVER \end{array}}$",
           "solution": r"Wide: $a \mspace{100000em} b$ and long: $" + " + ".join(f"x_{{{i}}}" for i in range(9900)) + "$"}


@pytest.mark.browser
def test_an_answer_stays_in_its_box(out, tmp_path):
    from playwright.sync_api import sync_playwright

    for name, text in ESCAPES.items():  # as if the students had written these
        path = out / "results" / f"{name}.json"
        record = json.loads(path.read_text())
        record["written"]["q2_max_shift"] = text
        path.write_text(json.dumps(record))
    with review_server(out) as (url, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        page.goto(url + "q/q2_max_shift")
        page.wait_for_selector("section.answer")
        page.screenshot(path=tmp_path / "escapes.png", full_page=False)
        width = page.evaluate("document.documentElement.scrollWidth")
        sections = page.locator("section.answer")
        boxes = [sections.nth(i).bounding_box() for i in range(sections.count())]
        # What is painted at the middle of each rubric is that rubric, not another answer's text.
        covered = []
        for i in range(sections.count()):
            sections.nth(i).locator("fieldset.rubric").scroll_into_view_if_needed()
            rubric = sections.nth(i).locator("fieldset.rubric").bounding_box()
            hit = page.evaluate("([x, y]) => { const e = document.elementFromPoint(x, y); "
                                "return e ? !!e.closest('fieldset.rubric') : null; }",
                                [rubric["x"] + rubric["width"] / 2, rubric["y"] + 8])
            covered.append(hit)
        browser.close()
    assert width <= 1300, f"the page is {width} px wide"
    assert all(b["x"] + b["width"] <= 1300 for b in boxes), boxes
    assert all(covered), covered
