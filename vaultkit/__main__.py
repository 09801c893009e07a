"""``python -m vaultkit``."""

import sys

from vaultkit.cli.main import main

sys.exit(main())
