"""What a screenshot shows, read by tesseract: the check that a person
looking at the page would see a name, independent of the DOM."""
import io
import os
import re

from process import run_bounded
from realapps.gate import require_program


def words(png):
    """The words tesseract reads in the image *png*, lowercase, letters and
    digits only.  Sparse-text mode (``--psm 11``) looks for text anywhere:
    the default page layout analysis was seen to drop the admin's
    "Welcome, NAME" line between two headings."""
    tesseract = require_program("tesseract", "tesseract-ocr")
    code, output = run_bounded(  # one thread: the machine is shared
        [tesseract, png, png, "--psm", "11"], seconds=60,
        env=dict(os.environ, OMP_THREAD_LIMIT="1"))
    assert code == 0, output
    with io.open(png + ".txt", encoding="utf-8") as text:
        return re.findall(r"[a-z0-9]+", text.read().lower())
