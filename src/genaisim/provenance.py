"""What produced a set of results: the versions of the code and libraries that decide them."""

from __future__ import annotations

import platform
from importlib import metadata

#: Distributions whose version goes into every manifest (the key is ``<name>_version``).
LIBRARIES = ("genaisim", "mesa", "numpy", "pandas", "pyarrow", "SALib")


def versions() -> dict[str, str]:
    """``{"genaisim_version": ..., "mesa_version": ..., ..., "python_version": ...}``."""
    found = {}
    for name in LIBRARIES:
        try:
            found[f"{name.lower()}_version"] = metadata.version(name)
        except metadata.PackageNotFoundError:  # a source tree that was never installed
            found[f"{name.lower()}_version"] = "unknown"
    found["python_version"] = platform.python_version()
    return found
