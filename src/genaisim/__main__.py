"""``python -m genaisim``: the same command line as ``genaisim``."""

import sys

from genaisim.cli import main

if __name__ == "__main__":
    sys.exit(main())
