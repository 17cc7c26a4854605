"""``python -m meldkamer``: the same as the ``meldkamer`` command."""

import sys

from meldkamer.cli import main

sys.exit(main())
