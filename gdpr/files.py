"""Files holding personal data, readable by their owner only (mode 0600, folders 0700).

Created with those modes from the first byte, rather than narrowed afterwards: no window in
which another account of the machine could read them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path: Path) -> Path:
    """PATH as a folder only its owner may enter."""
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    path.chmod(FOLDER_MODE)
    return path


def create(path: Path) -> None:
    """Create PATH empty and private if it does not exist; make it private if it does."""
    private_folder(path.parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    path.chmod(FILE_MODE)


def open_private(path: Path, mode: str = "wb") -> IO:
    """Open PATH for writing ("wb", "ab", "w", "a"), created private."""
    private_folder(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    handle = os.fdopen(
        os.open(path, flags, FILE_MODE), mode, **({} if "b" in mode else {"encoding": "utf-8"})
    )
    path.chmod(FILE_MODE)
    return handle
