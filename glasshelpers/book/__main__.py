"""``python -m glasshelpers.book``: see :mod:`glasshelpers.book.cli`."""

import sys

from glasshelpers.book.cli import main

sys.exit(main())
