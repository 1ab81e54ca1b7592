"""``python -m workshop.audit PATH [--format markdown|json]``."""

import sys

from workshop.audit.cli import main

sys.exit(main())
