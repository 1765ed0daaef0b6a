"""Writing files and folders so that an interruption or a second writer never spoils them.

- :func:`write_atomically` writes one file under a temporary name and renames it.
- :func:`replace_folder` swaps a finished folder into place in one step.
- :class:`FolderLock` lets one process at a time write a results folder.
- :func:`read_text_file` reads a text file the user gave, with one readable error.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import hashlib
import json
import os
import shutil
import socket
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from genaisim.errors import GenaisimError

#: Prefix of the temporary files; a reader skips them and a writer may remove them.
TEMPORARY_PREFIX = ".tmp-"


def umask() -> int:
    """The process's umask (it can only be read by setting it; it is set back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(path: Path, write: Callable[[str], Any]) -> None:
    """Write ``path`` through ``write(temporary_path)``, then rename it into place.

    The rename is atomic on one file system: readers see the old file or the whole new
    one, never a part. The file gets the permissions the umask allows, like any other
    file the user creates (a temporary file alone would be private to the owner).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, dir=path.parent)
    os.close(handle)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# -- whole folders -------------------------------------------------------------------
_RENAME_EXCHANGE = 2  # linux/fs.h


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2``); False where unsupported."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    libc = ctypes.CDLL(name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_cwd = -100
    result = renameat2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # the file system cannot swap; fall back to two renames
    raise OSError(code, os.strerror(code), str(b))


def new_folder_beside(target: Path) -> Path:
    """An empty temporary folder next to ``target``, on the same file system."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{TEMPORARY_PREFIX}{target.name}-", dir=target.parent))


def replace_folder(new: Path, target: Path) -> None:
    """Put the finished folder ``new`` in the place of ``target`` (which may exist).

    The two are swapped in one atomic step where the file system allows it, so a
    process killed at any moment leaves either the old folder or the new one at
    ``target``; the old one is then removed.
    """
    os.chmod(new, 0o777 & ~umask())  # mkdtemp made it private to the owner
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):
        shutil.rmtree(new)  # now holds the old contents
        return
    old = Path(tempfile.mkdtemp(prefix=f"{TEMPORARY_PREFIX}{target.name}-old-", dir=target.parent))
    os.rename(target, old / target.name)
    os.rename(new, target)
    shutil.rmtree(old)


def remove_leftovers(folder: Path) -> None:
    """Remove temporary folders a killed :func:`replace_folder` left beside ``folder``."""
    parent = folder.parent
    if not parent.is_dir():
        return
    for entry in parent.glob(f"{TEMPORARY_PREFIX}{folder.name}-*"):
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)


def file_record(path: Path) -> dict[str, Any]:
    """Size and SHA-256 of a file, as a manifest records them to detect a torn folder."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def folder_is_empty(folder: Path) -> bool:
    """Whether ``folder`` is missing or holds nothing."""
    return not folder.is_dir() or next(folder.iterdir(), None) is None


# -- one writer per folder -----------------------------------------------------------
class FolderBusyError(GenaisimError):
    """Another process is writing the folder."""


@dataclass(frozen=True)
class LockOwner:
    """Who holds, or last held, a folder's lock."""

    pid: int
    host: str
    started: str

    def describe(self) -> str:
        """E.g. ``process 1234 on host lab-1, since 2026-12-01T10:00:00+00:00``."""
        return f"process {self.pid} on host {self.host}, since {self.started}"


def lock_path(folder: Path) -> Path:
    """The lock file of ``folder``: beside it, so it survives the folder being replaced."""
    return folder.parent / f".{folder.name}.lock"


def _read_owner(handle: int) -> LockOwner | None:
    try:
        os.lseek(handle, 0, os.SEEK_SET)
        data = json.loads(os.read(handle, 4096).decode("utf-8"))
        return LockOwner(int(data["pid"]), str(data["host"]), str(data["started"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class FolderLock:
    """An operating-system lock on one output folder, held while the folder is written.

    The lock is ``flock`` on a small file beside the folder that names the owner (PID,
    host, start time). The system releases it when the owner exits, however it exits,
    so a lock is never stale; a lock file left by a killed owner tells the next one
    that its predecessor died (:attr:`previous`).

        with FolderLock(Path("results/foundations")) as lock:
            ...  # write; lock.previous is the owner that died holding it, if any
    """

    #: Locks this process holds, by lock file: taking one again (a save inside a run that
    #: holds its folder) is allowed, as a second lock on the same file would block.
    _held: ClassVar[dict[Path, int]] = {}

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        # One lock per folder however it is spelt: a relative path, "." or a symbolic
        # link must find the same lock file.
        self.path = lock_path(self.folder.resolve())
        self.previous: LockOwner | None = None
        self._handle: int | None = None
        self._nested = False

    def acquire(self) -> FolderLock:
        """Take the lock, or raise :class:`FolderBusyError` naming its holder."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise GenaisimError(
                f"{self.folder}: cannot create the folder ({exc.strerror or exc})"
            ) from None
        key = self.path.resolve()
        if key in FolderLock._held:
            FolderLock._held[key] += 1
            self._nested = True
            return self
        while True:
            try:
                handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as exc:
                raise GenaisimError(
                    f"{self.folder}: cannot write beside it ({exc.strerror or exc})"
                ) from None
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = _read_owner(handle)
                os.close(handle)
                holder = owner.describe() if owner else "another process"
                raise FolderBusyError(
                    f"{self.folder} is being written by {holder}; wait for it to finish "
                    "or choose another folder"
                ) from None
            # A releasing owner removes the file; if it did so between our open and our
            # lock, we hold a lock on a file nobody else will see: start again.
            try:
                same = os.path.samestat(os.fstat(handle), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(handle)
        self.previous = _read_owner(handle)
        mine = {"pid": os.getpid(), "host": socket.gethostname(), "started": _now()}
        try:
            os.ftruncate(handle, 0)
            os.pwrite(handle, json.dumps(mine).encode("utf-8"), 0)
        except OSError as exc:  # a full disk, typically: give the lock up cleanly
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            os.close(handle)
            raise GenaisimError(
                f"{self.folder}: cannot write its lock file ({exc.strerror or exc})"
            ) from None
        self._handle = handle
        FolderLock._held[key] = 1
        return self

    def release(self) -> None:
        """Remove the lock file and release the lock."""
        key = self.path.resolve()
        if self._nested:
            FolderLock._held[key] -= 1
            self._nested = False
            return
        if self._handle is None:
            return
        FolderLock._held.pop(key, None)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        os.close(self._handle)
        self._handle = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def is_locked(folder: Path) -> bool:
    """Whether a process holds ``folder``'s lock right now (nothing is changed)."""
    path = lock_path(Path(folder))
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(handle)
    return False


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# -- reading what the user gave ------------------------------------------------------
def read_text_file(path: Path, what: str, error: type[GenaisimError]) -> str:
    """The text of a UTF-8 file the user named, or ``error`` with one readable line."""
    if path.is_dir():
        raise error(f"{path}: is a folder, not {what}")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: no such {what}") from None
    except OSError as exc:
        raise error(f"{path}: cannot read the file ({exc.strerror})") from None
    return decode_text(data, str(path), what, error)


def decode_text(data: bytes, source: str, what: str, error: type[GenaisimError]) -> str:
    """``data`` as UTF-8 text, or ``error`` saying it is binary or in another encoding."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise error(f"{source}: is UTF-16 text; save {what} as UTF-8")
    if b"\x00" in data:
        raise error(f"{source}: is a binary file, not a {what} (text)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(
            f"{source}: is not UTF-8 text (byte {exc.start}); save {what} as UTF-8"
        ) from None
