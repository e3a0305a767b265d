"""The data directory and the SQLite file hold access tokens, password hashes and customers' personal data:
created readable by this user only (0700 / 0600) whatever the umask, and a warning at startup when existing
ones are open to others (we do not change an operator's choice silently)."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) as 0700; warn when an existing one is group/other accessible."""
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True)
        os.chmod(path, DIR_MODE)  # mkdir's mode is filtered by the umask; chmod is not
    else:
        _warn_if_open(path, "data directory", DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create an empty `path` as 0600 unless it exists (then warn if it is group/other accessible)."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    except FileExistsError:
        _warn_if_open(path, "database file", FILE_MODE)
    else:
        os.close(fd)
        os.chmod(path, FILE_MODE)
    return path


def _warn_if_open(path: Path, what: str, wanted: int) -> None:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return
    if mode & 0o077:
        log.warning(
            "%s %s is accessible to other users (mode %o); it holds tokens and personal data: chmod %o %s",
            what,
            path,
            mode,
            wanted,
            path,
        )
