"""``python -m case_study``: see case_study/cli.py."""

import sys

from case_study.cli import main

sys.exit(main())
