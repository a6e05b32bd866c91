"""`python -m nsifit` is the `nsifit` command."""

import sys

from nsifit.cli.main import main

sys.exit(main())
