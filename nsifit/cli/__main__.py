"""`python -m nsifit.cli` runs the command line (as `python -m nsifit`)."""

import sys

from nsifit.cli.main import main

sys.exit(main())
