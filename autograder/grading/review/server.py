"""Serve the review of OUT on loopback: waitress (a production WSGI server, pure Python) runs the
Flask app on 127.0.0.1 only, behind a token made for this run.

The token is the key, so it never appears where another user of the machine can read it: the
browser is opened, as Jupyter opens it, on a file only the TA can read that sends it on to the
address (a command line, ``/proc/PID/cmdline``, is readable by every user), and the server
refuses a request body over the app's cap from its headers, before it reads any of it."""

import html
import os
import secrets
import shutil
import signal
import socket
import tempfile
import threading
import webbrowser
from pathlib import Path

from autograder.grading.gradebook import CASEBOOK


class ReviewError(RuntimeError):
    """OUT cannot be reviewed (never graded, or from an older toolkit)."""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(out, port=None, open_browser=True, echo=print):
    """Serve until Ctrl+C (or a signal); ``echo`` says where (click.echo flushes, as a parent
    process reading the address needs)."""
    from waitress.server import create_server

    from autograder.grading.review.app import MAX_BODY, create_app

    out = Path(out)
    if not (out / CASEBOOK).is_file():
        raise ReviewError(f"{out} holds no graded run: run `eecs182 grade SUBMISSIONS --out {out}` first")
    token = secrets.token_urlsafe(24)
    app = create_app(out, token)
    server = create_server(app, host="127.0.0.1", port=port or free_port(), threads=4, ident="eecs182 review",
                           max_request_body_size=MAX_BODY)
    url = f"http://127.0.0.1:{server.effective_port}/{token}/"
    echo(f"Reviewing the written answers in {out} at\n  {url}\n(loopback only; the address is the key: "
         f"share it with no one.) Ctrl+C stops; every change is already saved.")
    opener = None
    if threading.current_thread() is threading.main_thread():  # a kill ends it as Ctrl+C does
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        if open_browser:
            opener = opener_file(url)
            webbrowser.open(opener.as_uri())
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        if opener is not None:
            shutil.rmtree(opener.parent, ignore_errors=True)


def _interrupt(*_):
    raise KeyboardInterrupt


def opener_file(url):
    """A page that sends the browser on to ``url``, in a folder of its own that only this user
    can enter (mode 0700; the page 0600). The caller removes the folder."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    private = runtime if runtime and os.path.isdir(runtime) else None
    folder = Path(tempfile.mkdtemp(prefix="eecs182-review-", dir=private))
    page = folder / "open.html"
    descriptor = os.open(page, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as f:
        f.write(f'<!DOCTYPE html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={html.escape(url)}">'
                f'<title>eecs182 review</title><p><a href="{html.escape(url)}">Open the review</a></p>\n')
    return page
