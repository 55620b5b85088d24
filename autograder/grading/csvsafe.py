"""CSV that is safe to open in a spreadsheet. Names, emails and SIDs come from Gradescope's
metadata, file names and statuses from uploads: a cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is a live formula in Excel, LibreOffice and Sheets. Such a
cell gets a leading apostrophe (OWASP's rule for CSV injection), which the spreadsheet shows as
text; a cell that is a number, such as a score of ``-1``, is left as it is."""

import csv
import math

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell):
    if not isinstance(cell, str) or not cell.startswith(TRIGGERS):
        return cell
    try:
        if math.isfinite(float(cell)):
            return cell
    except ValueError:
        pass
    return "'" + cell


def _one_line_ending(cell):
    """A carriage return inside a cell becomes a newline: with the "\n" rows end with, csv quotes
    a newline but not a lone CR, which a reader then takes for the end of the row."""
    return cell.replace("\r\n", "\n").replace("\r", "\n") if isinstance(cell, str) else cell


class SafeWriter:
    """``csv.writer`` whose every cell is ``neutralised`` first."""

    def __init__(self, stream, **options):
        self._writer = csv.writer(stream, **options)

    def writerow(self, row):
        return self._writer.writerow([_one_line_ending(neutralised(cell)) for cell in row])

    def writerow_as_is(self, row):
        """A row of the toolkit's own text (a header, otter's ``--`` in the points row): nothing
        of it came from a submission or from Gradescope's metadata."""
        return self._writer.writerow(row)

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)
