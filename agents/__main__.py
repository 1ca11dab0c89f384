"""``python -m agents SCENARIO --out DIR [--seed N] [--steps N] [--json]``."""

import sys

from agents.cli import main

sys.exit(main())
