"""Serve the review of OUT on loopback: waitress (a production WSGI server, pure Python) runs the
Flask app on 127.0.0.1 only, behind a token made for this run."""

import secrets
import socket
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

    from autograder.grading.review.app import create_app

    out = Path(out)
    if not (out / CASEBOOK).is_file():
        raise ReviewError(f"{out} holds no graded run: run `eecs182 grade SUBMISSIONS --out {out}` first")
    token = secrets.token_urlsafe(24)
    app = create_app(out, token)
    server = create_server(app, host="127.0.0.1", port=port or free_port(), threads=4, ident="eecs182 review")
    url = f"http://127.0.0.1:{server.effective_port}/{token}/"
    echo(f"Reviewing the written answers in {out} at\n  {url}\n(loopback only; the address is the key: "
         f"share it with no one.) Ctrl+C stops; every change is already saved.")
    if open_browser:
        webbrowser.open(url)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
