"""``python -m wsgi_ng``: the ``wsgi-ng`` command without relying on PATH."""
import sys

from wsgi_ng.cli import main

sys.exit(main())
