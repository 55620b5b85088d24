"""``eecs182 review``: the web app in which TAs grade the written answers by hand.

- ``server``: serves the app on loopback with waitress and opens the browser on a file only the
  TA can read.
- ``app``: the Flask app and what every request goes through (the token, loopback names,
  headers, errors); ``pages`` the HTML pages, ``api`` the JSON changes, ``section`` what OUT
  holds (results, casebook, hand scores).

The hand scores themselves, the feedback files and similarity are grading's (``grading/``).
"""
