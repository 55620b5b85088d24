"""The docs point at what exists: every relative Markdown link in README.md and docs/*.md leads
to a file of the checkout (and a ``#anchor`` to a heading of it, by GitHub's slug rule), and
every project path written in backticks (``autograder/…``, ``tests/…``) is there.

Fenced code blocks are left alone (their paths are commands and examples). A path with a
placeholder in it (``<name>``, ``NAME``, ``…``, a glob) is skipped, and so are the files of the
worked example the instructor guide creates (``hw99``)."""

import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT_DIRS = ("autograder/", "generator/", "assignment/", "solutions/", "tests/", "benchmarks/", "docs/")
# "Writing a new assignment" grows this assignment; its files exist only once a reader has made them.
EXAMPLE_NAMES = ("hw99",)
PLACEHOLDER = re.compile(r"[<>*?\[\]{}…]|\.\.\.|NAME|\bPID\b|\bREV\b")

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)", re.S)
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(][^)]*)?\)")
REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$", re.M)
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


def doc_files():
    return [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))


def prose(text):
    """The text outside fenced code blocks, with line breaks kept (a fence ends only on a line
    of the same character, at least as long, and nothing else)."""
    kept, fence = [], None
    for line in text.splitlines():
        match = FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
            kept.append("")
        elif fence is not None:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) \
                    and not line.strip().strip(fence[0]):
                fence = None
            kept.append("")
        else:
            kept.append(line)
    return "\n".join(kept)


def code_spans(text):
    """The contents of the inline code spans of ``text`` (already outside fences)."""
    return [span.strip() for _, span in CODE_SPAN.findall(text)]


def without_code(text):
    return CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text)


def slug(heading):
    """GitHub's anchor for a heading: its text without Markdown (code ticks, emphasis, link
    targets), lowercased, punctuation other than - and _ dropped, spaces turned into -."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = text.lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path):
    """Every heading's anchor in ``path``; a repeated one gets -1, -2, … as on GitHub."""
    seen, found = {}, set()
    for line in prose(path.read_text()).splitlines():
        match = HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def links(text):
    """Every link target in ``text``: inline links and images, and reference definitions."""
    body = without_code(prose(text))
    return LINK.findall(body) + REFERENCE.findall(body)


def _shown(path):
    return os.path.relpath(path, ROOT)


def broken_links(path):
    problems = []
    for target in links(path.read_text()):
        if not target or re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # http:, mailto:, …
            continue
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        where = f"{_shown(path)}: ({target})"
        if not dest.exists():
            problems.append(f"{where}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            problems.append(f"{where}: no heading #{anchor} in {_shown(dest)}")
    return problems


def project_paths(text):
    """The project paths written in backticks: the first word of a code span that starts with
    one of the project's folders, trailing punctuation and ``:attribute`` dropped."""
    found = []
    for span in code_spans(prose(text)):
        word = span.split()[0] if span.split() else ""
        if not word.startswith(PROJECT_DIRS):
            continue
        word = word.split(":", 1)[0].rstrip(".,;)'\"")
        if PLACEHOLDER.search(word) or any(part in EXAMPLE_NAMES or part.startswith(tuple(f"{n}." for n in EXAMPLE_NAMES))
                                           for part in word.split("/")):
            continue
        found.append(word)
    return found


def missing_paths(path):
    return [f"{_shown(path)}: `{p}` does not exist" for p in project_paths(path.read_text())
            if not (ROOT / p).exists()]


@pytest.mark.parametrize("doc", doc_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_of_the_docs_leads_somewhere(doc):
    assert broken_links(doc) == []


@pytest.mark.parametrize("doc", doc_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_project_path_the_docs_name_exists(doc):
    assert missing_paths(doc) == []


def test_the_docs_are_there_and_the_readme_links_them():
    readme = (ROOT / "README.md").read_text()
    for name in ("README.md", "instructor-guide.md", "ta-guide.md", "architecture.md"):
        assert (ROOT / "docs" / name).is_file()
        assert f"docs/{name}" in readme


def test_a_broken_link_or_path_is_caught(tmp_path, monkeypatch):
    # The checker itself, on a page of its own beside a real one, in a checkout of its own.
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    (tmp_path / "autograder" / "judge").mkdir(parents=True)
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "grading.py").write_text("")
    (tmp_path / "other.md").write_text("# Other page\n\n## The `eecs182` command, again!\n\n## Twice\n\n## Twice\n")
    page = tmp_path / "page.md"
    page.write_text("# Page\n\n## Local grading\n\n"
                    "[ok](other.md) [ok](other.md#the-eecs182-command-again) [ok](other.md#twice-1) "
                    "[ok](#local-grading) [ok](https://example.com/nowhere) [ok](autograder/judge/)\n"
                    "[gone](missing.md) [no anchor](other.md#nowhere) [no anchor here](#nope)\n\n"
                    "```bash\n[not a link](fenced.md) `autograder/fenced.py`\n```\n\n"
                    "`autograder/judge/` `autograder/nowhere.py` `dist/<name>/` `assignment/<name>/cases.py` "
                    "`assignment/hw99/cases.py` `benchmarks/grading.py --submissions 120` `tests/gone.py`.\n")
    assert broken_links(page) == [
        "page.md: (missing.md): no such file",
        "page.md: (other.md#nowhere): no heading #nowhere in other.md",
        "page.md: (#nope): no heading #nope in page.md"]
    assert missing_paths(page) == ["page.md: `autograder/nowhere.py` does not exist",
                                   "page.md: `tests/gone.py` does not exist"]


def test_slugs_follow_github():
    assert slug("Writing a new assignment") == "writing-a-new-assignment"
    assert slug("The `eecs182` command") == "the-eecs182-command"
    assert slug("The discussions' cases and mistakes") == "the-discussions-cases-and-mistakes"
    assert slug("Tests: slow_ones & more") == "tests-slow_ones--more"
