"""A Jupyter server on a folder, with JupyterLab or Notebook 7 as its front end, and a notebook in
it driven through headless Chromium the way a student drives it: menus, clicks, typing and
Shift+Enter. Both front ends are built from JupyterLab's components, so one driver serves both."""

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update"]

# User settings of the test's own JupyterLab: no news or update pop-ups over the notebook, and
# no autosave, so that only the export cell's own save can put the work on disk.
SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# front end -> (the module that serves it, where a notebook opens in it)
FRONT_ENDS = {"jupyterlab": ("jupyterlab", "/lab/tree/{}"), "notebook7": ("notebook", "/notebooks/{}")}


@contextmanager
def jupyter_server(root, scratch, front_end="jupyterlab"):
    """``(url, token)`` of a Jupyter server serving ``root`` with ``front_end`` (a key of
    FRONT_ENDS); stopped on exit. Both front ends read the same user settings."""
    module, _ = FRONT_ENDS[front_end]
    settings = Path(scratch) / "lab-settings"
    for name, value in SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(Path(scratch) / "lab-workspaces"),
               JUPYTER_RUNTIME_DIR=str(Path(scratch) / "runtime"))
    log = open(Path(scratch) / f"{front_end}.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", module, "--no-browser", "--allow-root", f"--port={port}",
         "--ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--ServerApp.open_browser=False"] + (["--LabApp.news_url=None"] if module == "jupyterlab" else []),
        env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{front_end} did not start: see {log.name}") from None
                time.sleep(0.3)
        yield url, token
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


class NotebookPage:
    """One notebook open in a front end of FRONT_ENDS, with a screenshot folder."""

    def __init__(self, page, shots, front_end="jupyterlab"):
        self.page, self.front_end = page, front_end
        self.shots = Path(shots)
        self.shots.mkdir(parents=True, exist_ok=True)
        self.console_errors = []
        page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))

    def open(self, url, token, notebook):
        self.page.goto(url + FRONT_ENDS[self.front_end][1].format(notebook) + f"?token={token}")
        self.page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        self.wait_until_idle(timeout=90)
        self.wait_for_one_kernel(url, token)

    def wait_for_one_kernel(self, url, token, timeout=60):
        """Until the server holds one kernel, the same for 2 s. JupyterLab sometimes starts a
        second kernel for a notebook it just opened and shuts the first (seen on a loaded
        machine): a Run All sent meanwhile runs a cell in the dying one and no more."""
        deadline, last, since = time.monotonic() + timeout, None, time.monotonic()
        while time.monotonic() < deadline:
            kernels = [k["id"] for k in self.page.request.get(f"{url}/api/kernels?token={token}").json()]
            if len(kernels) != 1 or kernels != last:
                last, since = kernels, time.monotonic()
            elif time.monotonic() - since >= 2:
                return
            self.page.wait_for_timeout(250)
        raise TimeoutError(f"the server's kernels did not settle: {last}")

    def screenshot(self, name, full_page=False):
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def menu(self, *names):
        for name in names:
            self.page.get_by_role("menuitem", name=re.compile(f"^{re.escape(name)}")).first.click()

    def run_all(self, timeout=240):
        """Run All Cells, and make sure it started and ran to the end. A click that comes before
        the kernel's connection takes executions is dropped without a word, and a kernel that
        JupyterLab replaces under the run stops it after a cell (both seen on a loaded machine):
        the click is made again once for each. A cell that fails or a kernel that dies each
        time still leaves cells unrun, which the test sees."""
        started = """() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
            .some(p => /\\[(\\d+|\\*)\\]/.test(p.textContent))"""
        for attempt in range(2):
            self.menu("Run", "Run All Cells")
            try:
                self.page.wait_for_function(started, timeout=30_000)
                break
            except Exception:
                if attempt:
                    raise
        self.wait_until_idle(timeout=timeout)
        if self.not_run() and not self.error_outputs():  # the kernel changed under the run: once more
            self.menu("Run", "Run All Cells")
            self.page.wait_for_timeout(500)
            self.wait_until_idle(timeout=timeout)

    def not_run(self):
        """How many code cells show no execution count after a run."""
        return self.page.evaluate("""() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
            .filter(p => p.textContent.trim() === '[ ]:').length""")

    def kernel_status(self):
        return self.page.evaluate("""() => {
            const el = document.querySelector('.jp-Notebook-ExecutionIndicator, [data-status]');
            return el ? (el.getAttribute('data-status') || el.textContent) : '';
        }""")

    def busy_cells(self):
        return self.page.evaluate("""() => [...document.querySelectorAll('.jp-InputPrompt')]
            .filter(p => p.textContent.includes('[*]')).length""")

    def wait_until_idle(self, timeout=120):
        """Until no cell waits or runs, and the kernel says idle."""
        deadline = time.monotonic() + timeout
        quiet_since = None
        while time.monotonic() < deadline:
            idle = self.busy_cells() == 0 and "busy" not in self.kernel_status().lower()
            if idle:
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since > 1.0:
                    return
            else:
                quiet_since = None
            self.page.wait_for_timeout(250)
        raise TimeoutError(f"the notebook was still busy after {timeout} s")

    def code_cell(self, containing):
        return self.page.locator(".jp-CodeCell", has_text=containing).first

    def replace_code(self, containing, code):
        """Select a code cell's whole text and type ``code`` over it, as a student would."""
        cell = self.code_cell(containing)
        cell.scroll_into_view_if_needed()
        cell.locator(".cm-content").click()
        self.page.keyboard.press("Control+a")
        self.page.keyboard.type(code)

    def run_cell(self, containing, timeout=120):
        """Click into the cell and press Shift+Enter; wait until it finishes: its prompt shows a
        new execution count, which the front end sets on the kernel's reply, after the outputs."""
        cell = self.code_cell(containing)
        cell.scroll_into_view_if_needed()
        prompt = cell.locator(".jp-InputPrompt").first
        before = prompt.inner_text()
        cell.locator(".cm-content").click()
        self.page.keyboard.press("Shift+Enter")
        self.page.wait_for_function("([prompt, before]) => /\\[\\d+\\]/.test(prompt.textContent)"
                                    " && prompt.textContent !== before",
                                    arg=[prompt.element_handle(), before], timeout=timeout * 1000)
        return cell

    def error_outputs(self):
        """The text of every traceback and every stderr box (JupyterLab shows both in red)."""
        return self.page.evaluate("""() => [...document.querySelectorAll(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"],' +
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')]
            .map(e => e.textContent.slice(0, 300))""")


def chromium():
    path = shutil.which("chromium")
    assert path, "Debian's chromium is missing: `make test` installs it (as root)"
    return path


def look_offline(page_path, shot_path, prose=".jp-MarkdownOutput"):
    """Open a built HTML page in Chromium with every host unresolvable and every request that
    leaves the file refused, as on a train; screenshot its top. Returns what a reader sees: the
    requests it tried, TeX left in the prose, and the formulas drawn (with their sizes)."""
    from playwright.sync_api import sync_playwright

    tried = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(),
                                    args=CHROMIUM_FLAGS + ["--host-resolver-rules=MAP * ~NOTFOUND"])
        page = browser.new_page(viewport={"width": 1200, "height": 1400})

        def refuse(route):
            tried.append(route.request.url)
            route.abort()

        page.route(re.compile(r"^(?!file:|data:).*"), refuse)
        page.goto(Path(page_path).resolve().as_uri(), wait_until="load")
        page.wait_for_timeout(500)
        seen = page.evaluate("""(selector) => {
            const prose = [...document.querySelectorAll(selector)];
            const text = prose.map(p => p.innerText).join('\\n');
            const formulas = prose.flatMap(p => [...p.querySelectorAll('math')]);
            const inHeadings = prose.flatMap(p => [...p.querySelectorAll('h1 math, h2 math, h3 math, h4 math')]);
            return {tex: text.match(/\\\\(frac|mathcal|sum|partial|theta|sigma|nabla|big|left|right)\\b|\\$/g) || [],
                    formulas: formulas.length,
                    drawn: formulas.filter(m => m.getBoundingClientRect().width > 0).length,
                    // an element written back with a namespace prefix (<ns0:math>) is plain text to a browser
                    prefixed: [...document.querySelectorAll('*')].filter(e => e.tagName.includes(':'))
                                  .map(e => e.tagName).slice(0, 5),
                    heading_formulas: inHeadings.length,
                    heading_drawn: inHeadings.filter(m => m.getBoundingClientRect().height > 0).length};
        }""", prose)
        if seen["formulas"]:
            page.locator(f"{prose} math").nth(min(8, seen["formulas"] - 1)).scroll_into_view_if_needed()
        page.screenshot(path=str(shot_path))
        browser.close()
    return dict(seen, tried=tried)
