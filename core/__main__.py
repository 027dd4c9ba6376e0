"""`python -m core …`: the developer and CI command line."""

import sys

from core.cli import main

sys.exit(main())
