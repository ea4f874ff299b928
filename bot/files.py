"""The bot's data files: private to its user, and replaced whole or not at all.

The data directory holds user dialogs, the question log and its salt. It is
made 0700 and every file 0600, so other local users cannot read them. A file is
written to a temporary file beside it, synced, then renamed over the old one:
a full disk or a crash mid-write leaves the previous version, never a stub.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """The directory, made if missing, readable by its owner only."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        with contextlib.suppress(OSError):  # not ours to change: the files inside are 0600 anyway
            path.chmod(DIR_MODE)
    return path


def atomic_write(path: Path, data: bytes) -> None:
    """Replace the file's content with `data` in one step, mode 0600; OSError if that fails."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def create_private(path: Path) -> None:
    """Create an empty file with mode 0600 unless it exists (SQLite then keeps that mode)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


def move_aside(path: Path) -> Path:
    """Rename a file that cannot be used to `<name>.bad-<unix time>`, for the operator to inspect."""
    target = path.with_name(f"{path.name}.bad-{int(time.time())}")
    os.replace(path, target)
    return target
