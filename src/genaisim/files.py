"""Writing files so that an interruption never leaves a half-written one behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Prefix of the temporary files; a reader skips them and a writer may remove them.
TEMPORARY_PREFIX = ".tmp-"


def write_atomically(path: Path, write: Callable[[str], Any]) -> None:
    """Write ``path`` through ``write(temporary_path)``, then rename it into place.

    The rename is atomic on one file system: readers see the old file or the whole new
    one, never a part.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, dir=path.parent)
    os.close(handle)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
