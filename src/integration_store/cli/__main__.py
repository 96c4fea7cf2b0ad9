"""``python -m integration_store.cli``: the console script without its launcher."""

import sys

from integration_store.cli import main

sys.exit(main())
