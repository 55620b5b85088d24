"""``eecs182 review``: hand grading in the browser."""

from pathlib import Path

import click


@click.command()
@click.argument("out_dir", metavar="OUT", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--port", type=click.IntRange(min=0, max=65535), default=0,
              help="Port on 127.0.0.1 (default: a free one).")
@click.option("--no-browser", is_flag=True, help="Print the address only; do not open a browser.")
def review(out_dir, port, no_browser):
    """Grade the written answers in OUT (from `eecs182 grade`) by hand, in the browser: rubric
    items as checkboxes that save on click, comments, adjustments. Hand scores go to
    OUT/hand_scores.sqlite and into final_grades.csv at once; regrades never touch them."""
    from autograder.grading.review.server import ReviewError, serve

    try:
        serve(out_dir, port or None, open_browser=not no_browser, echo=click.echo)
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:  # the port is taken
        raise click.ClickException(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
