"""The built student notebook in JupyterLab, in headless Chromium, used as a student uses it:
Run All, the slider, one function right and one wrong with their checks, then the export.
Autosave is off, so the work reaches the zip only through the export cell's own save.

Screenshots of every step go to the test's folder (printed with -s, kept by pytest under
/tmp/pytest-of-<user>/): 01-run-all, 02-slider-before, 03-slider-after, 04-check-passes,
05-check-fails, 06-export.
"""

import shutil
import time
import zipfile

import nbformat

from lab_browser import CHROMIUM_FLAGS, NotebookPage, chromium, jupyterlab_server
from submissions import DISC01

RIGHT = "def grad_const(theta, y): return float(2 * np.mean(theta - np.asarray(y)))"
WRONG = "def grad_linear(theta, x, y): return 0.0"


def test_a_student_runs_checks_and_exports_in_jupyterlab(student_folder, tmp_path):
    from playwright.sync_api import sync_playwright

    root = tmp_path / "student"
    shutil.copytree(student_folder, root)
    timings = {}
    with jupyterlab_server(root, tmp_path) as (url, token), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        lab = NotebookPage(page, tmp_path / "screenshots")
        print(f"\nscreenshots: {lab.shots}")
        lab.open(url, token, DISC01.notebook)

        # 1. Run All: every cell runs, none shows an error or a red stderr box.
        start = time.monotonic()
        lab.menu("Run", "Run All Cells")
        page.wait_for_timeout(500)
        lab.wait_until_idle(timeout=240)
        timings["run all"] = time.monotonic() - start
        lab.screenshot("01-run-all")
        assert lab.error_outputs() == []
        assert lab.console_errors == []
        prompts = page.evaluate("""() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
            .map(p => p.textContent.trim())""")
        assert prompts and all(p not in ("[ ]:", "[*]:", "") for p in prompts), prompts

        # 2. The slider redraws the figure at the chosen SGD step.
        slider_cell = lab.code_cell("relu_lab.history_slider(")
        slider_cell.scroll_into_view_if_needed()
        image, readout = slider_cell.locator("img").first, slider_cell.locator(".widget-readout").first
        before, last_step = image.get_attribute("src"), readout.inner_text()
        lab.screenshot("02-slider-before")
        slider_cell.locator(".noUi-handle").first.focus()
        page.keyboard.press("Home")
        page.wait_for_function("([img, src]) => img.getAttribute('src') !== src",
                               arg=[image.element_handle(), before], timeout=30_000)
        assert readout.inner_text() == "0" and last_step != "0"
        lab.screenshot("03-slider-after")

        # 3. One function right, one wrong, each followed by its check.
        lab.replace_code("def grad_const(", RIGHT)
        lab.run_cell(RIGHT)
        check = lab.run_cell('grader.check("q1a_grad")')
        passed = check.locator(".jp-OutputArea").inner_text()
        lab.screenshot("04-check-passes")
        lab.replace_code("def grad_linear(", WRONG)
        lab.run_cell(WRONG)
        check = lab.run_cell('grader.check("q1b_grad")')
        failed = check.locator(".jp-OutputArea").inner_text()
        lab.screenshot("05-check-fails")
        assert "passed" in passed and "fail" not in passed.lower(), passed
        assert "failed" in failed, failed

        # 4. The export saves first: the zip holds what was typed, though autosave is off.
        start = time.monotonic()
        export = lab.run_cell("submit.export(")
        timings["export cell"] = time.monotonic() - start
        note = export.locator(".jp-OutputArea").inner_text()
        lab.screenshot("06-export")
        assert lab.error_outputs() == []
        browser.close()

    print("; ".join(f"{name}: {seconds:.1f} s" for name, seconds in timings.items()))
    assert "saved just now" in note and "Upload this zip to Gradescope" in note, note
    assert "not yet:" in note and "q1b_grad" in note.split("not yet:")[1]
    assert "q1a_grad" not in note.split("not yet:")[1]
    with zipfile.ZipFile(root / "disc01_submission.zip") as zf:
        assert "disc01_written.pdf" in zf.namelist()
        nb = nbformat.reads(zf.read("disc01.ipynb").decode(), as_version=4)
    sources = [c.source for c in nb.cells]
    assert RIGHT in sources and WRONG in sources
    for name in ("01-run-all", "02-slider-before", "03-slider-after", "04-check-passes",
                 "05-check-fails", "06-export"):
        assert (lab.shots / f"{name}.png").stat().st_size > 10_000, name
