"""``python -m valuecase.cli``: the same commands as the ``valuecase`` script."""

import sys

from valuecase.cli import main

sys.exit(main())
