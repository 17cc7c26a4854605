"""Folders and files only their owner may read: databases, backups, journals.

Caller names and numbers are personal data; on a shared machine no other OS user may
read them. A folder we create is 0700 and a file we create is 0600; SQLite gives its
``-wal`` and ``-shm`` files the mode of the database file, so they follow. Existing
folders and files keep their mode: a technician may have shared one on purpose.
"""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` and any missing parents readable by their owner only."""
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:  # another process made it meanwhile
            continue
        os.chmod(folder, DIR_MODE)  # the umask may have taken bits away, never added
    return path


def private_file(path: Path) -> bool:
    """Create an empty ``path`` (0600) if it does not exist; True when it was created."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    os.close(fd)
    os.chmod(path, FILE_MODE)
    return True
