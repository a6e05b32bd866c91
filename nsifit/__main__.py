"""`python -m nsifit` is the `nsifit` command."""

import sys

from .cli import main

sys.exit(main())
