"""``python -m glasshelpers.book``: see :mod:`glasshelpers.book.cli`."""

import sys

from .cli import main

sys.exit(main())
