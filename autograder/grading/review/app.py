"""The review app (Flask): the written answers of one question across the whole section, with
the rubric beside each, for the TAs to grade in the browser. ``pages.py`` has the pages,
``api.py`` the changes, ``section.py`` what OUT holds; this file puts them together and holds
what every request goes through.

Every route sits under ``/<token>/``, a secret made per run: anything else is a 404, so another
user of a shared machine, who can reach the loopback port, can neither read nor write. The
stylesheets and scripts, the same for everyone, are served outside it (``/static/``), so that no
page answered without the token (an error, a 404) names it. Requests must name this machine by
its loopback name (no DNS rebinding), changes come as JSON (which a page elsewhere cannot post
without the browser asking first), and a change is written to SQLite before it is acknowledged.
Bad input gets a 4xx with a short JSON reason, never a traceback.
"""

from flask import Flask, Response, abort, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from autograder.grading.review.api import api
from autograder.grading.review.pages import pages
from autograder.grading.review.section import Section
from autograder.mathml import MATH_CSS

LOOPBACK_NAMES = {"127.0.0.1", "localhost"}
MAX_BODY = 64 * 1024  # bytes of a request body; the server refuses a longer one before reading it
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def create_app(out, token):
    app = Flask(__name__, static_folder="static", static_url_path="/static")
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY, JSON_SORT_KEYS=False)
    app.extensions["review.section"] = Section(out)
    app.register_blueprint(pages, url_prefix=f"/{token}")
    app.register_blueprint(api, url_prefix=f"/{token}/api")

    @app.before_request
    def only_loopback_names():
        if request.host.rsplit(":", 1)[0] not in LOOPBACK_NAMES:
            abort(400, "this server answers to 127.0.0.1 only")

    @app.after_request
    def strict_headers(response):
        response.headers.update({"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                                 "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})
        return response

    @app.errorhandler(HTTPException)
    def short_error(exc):
        if request.path.startswith(f"/{token}/api/"):  # a 404 there matched no route of the API
            return jsonify(error=exc.description), exc.code
        return render_template("error.html", code=exc.code, message=exc.description), exc.code

    @app.get("/favicon.ico")
    def no_icon():  # browsers ask for it: an empty answer keeps their consoles free of 404s
        return Response(status=204)

    @app.get("/static/math.css")
    def math_css():
        return Response(MATH_CSS, mimetype="text/css")

    return app
